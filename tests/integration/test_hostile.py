"""Hostile answers against the real collector over real HTTP to the simulator on 127.0.0.1.

Each case: the collector survives, the exposition stays valid (`promtool check metrics`), every
label value is valid and bounded, a broken unit goes down keeping its last good values and comes
back once the API is healthy, and what was skipped or folded is counted.
"""

from __future__ import annotations

import subprocess
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from exporter.simulator.config import SimulatorConfig
from exporter.simulator.simulator import Simulator
from exporter.sources.values import MAX_LABEL_CHARS
from tests.conftest import InProcess, parse_exposition, sim_config
from tests.processes import find_binary

Metrics = dict[str, dict[tuple[tuple[str, str], ...], float]]
OPEN = ["open", "triaging", "investigating", "awaiting_approval", "remediating"]
BAD_CHARS = {chr(c) for c in range(0x20)} | {"\x7f", "\u2028", "\u2029"}


def promtool_check(body: bytes) -> None:
    promtool = find_binary("promtool")
    done = subprocess.run(
        [promtool, "check", "metrics"], input=body, capture_output=True, timeout=60
    )
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()


def assert_valid_exposition(body: bytes) -> Metrics:
    """Valid UTF-8, accepted by promtool, every label value printable and bounded."""
    text = body.decode("utf-8")  # strict: a lone surrogate could not have been encoded
    promtool_check(body)
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            for value in sample.labels.values():
                assert len(value) <= MAX_LABEL_CHARS, (sample.name, value[:40])
                assert not BAD_CHARS & set(value), (sample.name, value[:80])
    return parse_exposition(text)


def total_active(metrics: Metrics, scope: str | None = None) -> int:
    return int(
        sum(
            value
            for labels, value in metrics.get("causely_active_defects", {}).items()
            if scope is None or dict(labels)["scope"] == scope
        )
    )


def by_severity(metrics: Metrics, scope: str) -> Counter[str]:
    found: Counter[str] = Counter()
    for labels, value in metrics.get("causely_active_defects", {}).items():
        if dict(labels)["scope"] == scope and value:
            found[dict(labels)["severity"]] += int(value)
    return found


def truth_by_severity(sim: Simulator, scope: str) -> Counter[str]:
    return Counter(d.severity for d in sim.active_defects(None if scope == "all" else scope))


def skipped(metrics: Metrics, operation: str, reason: str) -> float:
    rows = metrics.get("causely_exporter_skipped_nodes_total", {})
    return rows.get((("operation", operation), ("reason", reason)), 0.0)


@pytest.fixture
def hostile_sim() -> Iterator[Simulator]:
    with Simulator(SimulatorConfig(seed=17, scopes=3, defects=120, incidents=40)) as sim:
        yield sim


def discover(sim: Simulator, **causely: Any) -> InProcess:
    return InProcess(
        sim_config(
            sim,
            causely={"scopes": "discover", "page_size": 25, **causely},
            causeflow={"enabled": True, "page_size": 10},
        )
    )


def cycle(run: InProcess) -> Metrics:
    return assert_valid_exposition(run.collector.collect_once().body)


def assert_all_up_and_exact(sim: Simulator, metrics: Metrics) -> None:
    assert metrics["causely_up"][()] == 1
    assert metrics["causeflow_up"][()] == 1
    for scope in sim.scope_names():
        assert by_severity(metrics, scope) == truth_by_severity(sim, scope), scope


@pytest.mark.parametrize("operation", ["defectConnection", "getUserScopes", "listIncidents"])
def test_hostile_strings_are_cleaned_and_bounded(hostile_sim: Simulator, operation: str) -> None:
    sim = hostile_sim
    run = discover(sim)
    assert_all_up_and_exact(sim, cycle(run))
    target = "causeflow" if operation == "listIncidents" else "graphql"
    # A hostile CauseFlow status would be filtered out (only open statuses are asked for).
    fields = ["title", "source"] if target == "causeflow" else None
    sim.inject("hostile_strings", count=None, target=target, operation=operation, fields=fields)
    during = cycle(run)
    assert during["causely_up"][()] == 1 and during["causeflow_up"][()] == 1
    if operation == "defectConnection":
        # Every defect is still counted, under its cleaned name, in some severity.
        assert total_active(during) == sum(len(sim.active_defects(s)) for s in sim.scope_names())
        names = {dict(k)["defect_name"] for k, v in during["causely_active_defects"].items() if v}
        assert any("\ufffd" in name for name in names)
    if operation == "getUserScopes":
        scopes = {dict(k)["scope"] for k in during["causely_scope_up"]}
        assert all("\ufffd" in scope for scope in scopes) and len(scopes) == 3
    if operation == "listIncidents":
        titles = {dict(k)["title"] for k in during["causeflow_incident_info"]}
        assert titles and all("\ufffd" in title for title in titles)
        assert sum(during["causeflow_incidents"].values()) == len(sim.incidents(OPEN))
    sim.clear_faults()
    assert_all_up_and_exact(sim, cycle(run))


WRONG_TYPES = {
    # name: (operation, field, value, skipped reason or None, unit stays up)
    "defect-id-unhashable": ("defectConnection", "id", ["x"], "wrong_type", True),
    "defect-id-object": ("defectConnection", "id", {"a": 1}, "wrong_type", True),
    "defect-id-control-chars": ("defectConnection", "id", "a\nb\ud800", "invalid_id", True),
    "defect-name-object": ("defectConnection", "name", {"a": [1]}, None, True),
    "defect-severity-number": ("defectConnection", "severity", 5, None, True),
    "defect-entity-list": ("defectConnection", "entity", ["x"], None, True),
    "defect-service-count-string": ("defectConnection", "serviceCount", "3", None, True),
    "defect-service-count-huge": ("defectConnection", "serviceCount", 10**300, None, True),
    "defect-from-time-number": ("defectConnection", "fromTime", 12, None, True),
    "scope-id-unhashable": ("getUserScopes", "id", ["x"], None, True),
    "scope-type-values-number": ("getUserScopes", "scopes.0.typeValues", 5, "wrong_type", False),
    "scope-entries-string": ("getUserScopes", "scopes", "everything", "wrong_type", False),
    "incident-id-unhashable": ("listIncidents", "incidentId", ["x"], "wrong_type", True),
    "incident-title-number": ("listIncidents", "title", 7, None, True),
    "defect-node-number": ("defectConnection", "@", 5, "not_an_object", True),
    "scope-node-list": ("getUserScopes", "@", ["x"], "not_an_object", True),
    "incident-node-string": ("listIncidents", "@", "x", "not_an_object", True),
}


@pytest.mark.parametrize("name", list(WRONG_TYPES))
def test_wrong_types_are_absent_or_skipped_and_counted(hostile_sim: Simulator, name: str) -> None:
    sim = hostile_sim
    operation, path, value, reason, stays_up = WRONG_TYPES[name]
    run = discover(sim)
    before = cycle(run)
    target = "causeflow" if operation == "listIncidents" else "graphql"
    sim.inject("set_field", count=None, target=target, operation=operation, field=path, value=value)
    during = cycle(run)
    up = "causeflow_up" if target == "causeflow" else "causely_up"
    assert during[up][()] == (1 if stays_up else 0)
    if reason is not None:
        assert skipped(during, operation, reason) > 0, during.get(
            "causely_exporter_skipped_nodes_total"
        )
    if operation == "defectConnection" and reason is None:
        # A wrong-typed field is treated as absent: every defect is still counted.
        assert total_active(during) == total_active(before)
    if not stays_up:
        # The scope with the malformed filter is down and keeps its last good values.
        assert total_active(during) == total_active(before)
        assert all(v == 0 for v in during["causely_scope_up"].values())
    sim.clear_faults()
    assert_all_up_and_exact(sim, cycle(run))


def test_duplicated_ids_are_counted_once(hostile_sim: Simulator) -> None:
    sim = hostile_sim
    run = discover(sim)
    sim.inject("set_field", count=None, operation="defectConnection", field="id", value="dup")
    during = cycle(run)
    assert during["causely_up"][()] == 1
    for scope in sim.scope_names():
        assert total_active(during, scope) == (1 if sim.active_defects(scope) else 0)
    sim.clear_faults()
    assert_all_up_and_exact(sim, cycle(run))


def test_lone_surrogate_in_an_api_error_code_fails_only_its_unit(hostile_sim: Simulator) -> None:
    sim = hostile_sim
    run = discover(sim)
    assert_all_up_and_exact(sim, cycle(run))
    sim.inject(
        "status", status=400, error="bad\ud800\x00code", message="m\udfff\n", target="causeflow"
    )
    sim.add_defect(sim.scope_names()[0], name="lone\ud800surrogate")
    during = cycle(run)
    assert during["causeflow_up"][()] == 0
    assert during["causely_up"][()] == 1
    errors = during["causely_exporter_api_errors_total"]
    assert any(dict(k)["operation"] == "listIncidents" for k in errors)
    assert sum(during["causeflow_incidents"].values()) == len(sim.incidents(OPEN))
    assert_all_up_and_exact(sim, cycle(run))


def test_a_million_distinct_names_fold_into_other_with_exact_sums() -> None:
    """Distinct names as many as defects (the size is the simulator's; kept small here)."""
    cap = 40
    with Simulator(SimulatorConfig(seed=23, scopes=2, defects=1500, incidents=0)) as sim:
        # Some names shared by many defects: they must be the ones kept.
        scope = sim.scope_names()[0]
        for i in range(30):
            sim.add_defect(scope, name="Popular", severity="High", entity_type="Pod")
            sim.add_defect(scope, name=f"Common{i % 3}", severity="Low", entity_type="Pod")
        capped = InProcess(
            sim_config(
                sim, causely={"scopes": "discover", "page_size": 100, "max_active_series": cap}
            )
        )
        full = InProcess(
            sim_config(
                sim, causely={"scopes": "discover", "page_size": 100, "max_active_series": 10**6}
            )
        )
        # Every other defect gets a name of its own.
        keep = ["Popular", "Common0", "Common1", "Common2"]
        sim.inject("distinct_names", count=None, operation="defectConnection", keep_names=keep)
        got = cycle(capped)
        whole = cycle(full)
        for name in sim.scope_names():
            rows = {
                dict(k)["defect_name"]: v
                for k, v in got["causely_active_defects"].items()
                if dict(k)["scope"] == name
            }
            assert len(rows) <= cap
            assert "__other__" in rows
            assert (
                by_severity(got, name) == by_severity(whole, name) == truth_by_severity(sim, name)
            )
            assert got["causely_active_defects_folded"][(("scope", name),)] > 0
        kept = {
            (dict(k)["severity"], dict(k)["entity_type"], dict(k)["defect_name"])
            for k, v in got["causely_active_defects"].items()
            if dict(k)["scope"] == scope
        }
        assert {("High", "Pod", "Popular"), ("Low", "Pod", "Common0")} <= kept
        assert whole["causely_active_defects_folded"][(("scope", scope),)] == 0


def test_distinct_incident_sources_fold_with_exact_sums(monkeypatch: pytest.MonkeyPatch) -> None:
    from exporter.sources import causeflow_incidents as causeflow_source

    monkeypatch.setattr(causeflow_source, "MAX_INCIDENT_COMBINATIONS", 30)
    with Simulator(SimulatorConfig(seed=37, scopes=1, defects=5, incidents=80)) as sim:
        run = InProcess(sim_config(sim, causeflow={"enabled": True, "page_size": 10}))
        sim.inject("distinct_names", count=None, target="causeflow", field="source")
        got = cycle(run)
        rows = got["causeflow_incidents"]
        assert len(rows) <= 30  # 20 of them buckets: 4 severities x 5 open statuses
        assert any(dict(k)["source"] == "__other__" for k in rows)
        assert got["causeflow_incidents_folded"][()] > 0
        by_key: Counter[tuple[str, str]] = Counter()
        for labels, value in rows.items():
            by_key[(dict(labels)["severity"], dict(labels)["status"])] += int(value)
        truth = Counter((i.severity, i.status) for i in sim.incidents(OPEN))
        assert +by_key == truth


def test_discovered_scopes_are_capped_and_the_rest_counted() -> None:
    with Simulator(SimulatorConfig(seed=5, scopes=6, defects=60, incidents=0)) as sim:
        run = discover(sim, max_scopes=4)
        metrics = cycle(run)
        up = metrics["causely_scope_up"]
        assert len(up) == 4 and all(value == 1 for value in up.values())
        kept = {dict(labels)["scope"] for labels in up}
        assert kept < set(sim.scope_names())
        assert skipped(metrics, "getUserScopes", "over_max_scopes") == len(sim.scope_names()) - 4
        for scope in kept:
            assert by_severity(metrics, scope) == truth_by_severity(sim, scope), scope
