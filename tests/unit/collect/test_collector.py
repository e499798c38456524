"""The collector against the simulator over real HTTP on 127.0.0.1: values equal the
simulator's ground truth, scopes fail alone, and every fault the simulator can make is
survived with exact values afterwards."""

from __future__ import annotations

import logging
import math
import time
from collections import Counter

import pytest

from exporter.simulator.simulator import Simulator
from tests.conftest import InProcess, active_by_combination, sim_config, truth_by_combination

SEVERITY_RANK = {"Critical": 0, "High": 1, "Medium": 2, "Low": 3, "Hidden": 4}


def test_default_pseudo_scope_all_equals_ground_truth(sim: Simulator) -> None:
    run = InProcess(sim_config(sim))
    metrics = run.cycle()
    assert active_by_combination(metrics) == truth_by_combination(sim, "all")
    assert metrics["causely_up"][()] == 1
    assert metrics["causely_scope_up"] == {(("scope", "all"),): 1}
    assert metrics["causely_exporter_build_info"]
    assert metrics["causely_exporter_last_success_timestamp_seconds"][()] > time.time() - 60


def test_discovered_scopes_equal_ground_truth_with_the_minimum_of_requests(
    sim: Simulator,
) -> None:
    config = sim_config(sim, causely={"scopes": "discover", "page_size": 20})
    run = InProcess(config)
    metrics = run.cycle()
    for scope in sim.scope_names():
        assert active_by_combination(metrics, scope) == truth_by_combination(sim, scope)
        assert metrics["causely_scope_up"][(("scope", scope),)] == 1
    requests = run.stats.snapshot().requests
    scope_pages = math.ceil(len(sim.scope_names()) / 20) or 1

    def pages(items: int) -> int:
        return max(1, math.ceil(items / 20))

    defect_pages = {s: pages(len(sim.active_defects(s))) for s in sim.scope_names()}
    slo_pages = {s: pages(len(sim.slo_states(s))) for s in sim.scope_names()}
    # One request per scope step: its defect page, its health (first step) and its SLO page
    # together, named after the first walk it carries; the scope list is shared.
    slo_only = sum(max(0, slo_pages[s] - defect_pages[s]) for s in sim.scope_names())
    assert requests == {
        ("token", "200"): 1,
        ("getUserScopes", "200"): scope_pages,
        ("defectConnection", "200"): sum(defect_pages.values()),
        **({("sloConnection", "200"): slo_only} if slo_only else {}),
    }
    assert sum(requests.values()) == 1 + scope_pages + sum(
        max(defect_pages[s], slo_pages[s]) for s in sim.scope_names()
    )
    # A second cycle reuses the cached token.
    run.cycle()
    assert run.stats.snapshot().requests[("token", "200")] == 1


def test_the_default_config_costs_one_request_a_cycle_once_a_token_is_held(
    sim: Simulator,
) -> None:
    """No `scopes` key: no scope list; defects, health and SLOs in one page, one request."""
    run = InProcess(sim_config(sim, causely={"page_size": 1000}))
    first = run.cycle()
    assert active_by_combination(first) == truth_by_combination(sim, "all")
    assert first["causely_entities_up"][(("scope", "all"),)] == 1
    assert first["causely_slos_up"][(("scope", "all"),)] == 1
    assert run.stats.snapshot().requests == {("token", "200"): 1, ("defectConnection", "200"): 1}
    run.cycle()
    assert run.stats.snapshot().requests == {("token", "200"): 1, ("defectConnection", "200"): 2}


def test_the_graphql_request_asks_only_for_what_it_needs(sim: Simulator) -> None:
    run = InProcess(sim_config(sim, causely={"scopes": [sim.scope_names()[0]]}))
    run.cycle()
    operations = [r.operation for r in sim.requests()]
    assert "defectConnection" in operations and "getUserScopes" in operations
    assert "__schema" not in str(operations)


def test_unknown_scope_name_fails_alone(sim: Simulator) -> None:
    good = sim.scope_names()[0]
    run = InProcess(sim_config(sim, causely={"scopes": [good, "no-such-scope"]}))
    metrics = run.cycle()
    assert metrics["causely_scope_up"] == {
        (("scope", good),): 1,
        (("scope", "no-such-scope"),): 0,
    }
    assert metrics["causely_up"][()] == 0
    assert active_by_combination(metrics, good) == truth_by_combination(sim, good)
    assert run.stats.snapshot().errors[("getUserScopes", "scope_not_found")] == 1


def test_failing_scope_keeps_its_last_good_values_and_others_update(sim: Simulator) -> None:
    first, second = sim.scope_names()[:2]
    run = InProcess(sim_config(sim, causely={"scopes": [first, second], "concurrency": 1}))
    before = run.cycle()
    sim.add_defect(first, name="NewThing", severity="Critical")
    sim.add_defect(second, name="NewThing", severity="Critical")
    # With one worker the first scope's first request goes first: fail exactly that one.
    sim.inject("status", status=400, target="graphql", operation="defectConnection", count=1)
    after = run.cycle()
    assert after["causely_scope_up"][(("scope", first),)] == 0
    assert after["causely_scope_up"][(("scope", second),)] == 1
    assert after["causely_up"][()] == 0
    assert active_by_combination(after, first) == active_by_combination(before, first)
    assert active_by_combination(after, second) == truth_by_combination(sim, second)
    recovered = run.cycle()
    assert active_by_combination(recovered, first) == truth_by_combination(sim, first)


def test_per_defect_series_are_capped_most_severe_first(sim: Simulator) -> None:
    run = InProcess(sim_config(sim, causely={"max_defect_series": 7}))
    metrics = run.cycle()
    info = metrics["causely_defect_info"]
    truth = sim.active_defects(None)
    assert len(info) == 7
    assert metrics["causely_defect_series_dropped"][(("scope", "all"),)] == len(truth) - 7
    kept = sorted(SEVERITY_RANK[dict(labels)["severity"]] for labels in info)
    assert kept == sorted(SEVERITY_RANK[d.severity] for d in truth)[:7]
    by_id = {d.id: d for d in truth}
    for labels in info:
        d = dict(labels)
        defect = by_id[d["defect_id"]]
        assert (d["defect_name"], d["entity_type"], d["severity"]) == (
            defect.name,
            defect.entity_type,
            defect.severity,
        )
        start = metrics["causely_defect_start_timestamp_seconds"][
            (("defect_id", d["defect_id"]), ("scope", "all"))
        ]
        assert start == pytest.approx(defect.from_time, abs=1)
        impacted = metrics["causely_defect_impacted_services"][
            (("defect_id", d["defect_id"]), ("scope", "all"))
        ]
        assert impacted == defect.service_count


def test_cleared_combination_is_exported_as_zero_then_dropped(sim: Simulator) -> None:
    scope = sim.scope_names()[0]
    config = sim_config(sim, causely={"scopes": [scope]})
    run = InProcess(config)
    defect_id = sim.add_defect(scope, name="OneOff", severity="High", entity_type="Table")
    key = (
        ("defect_name", "OneOff"),
        ("entity_type", "Table"),
        ("scope", scope),
        ("severity", "High"),
    )
    assert run.cycle()["causely_active_defects"][key] == 1
    sim.clear_defect(defect_id)
    assert run.cycle()["causely_active_defects"][key] == 0
    short = InProcess(
        sim_config(sim, causely={"scopes": [scope]}, collection={"zero_retention": 0})
    )
    sim.add_defect(scope, name="OneOff2", severity="High", entity_type="Table")
    short.cycle()
    sim.clear_defect(next(d.id for d in sim.active_defects(scope) if d.name == "OneOff2"))
    time.sleep(0.01)
    names = {dict(k)["defect_name"] for k in short.cycle()["causely_active_defects"]}
    assert "OneOff2" not in names


def test_bad_credentials_set_up_0_and_do_not_hammer_auth(
    sim: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    bad = sim_config(sim, env={"CAUSELY_CLIENT_SECRET": "wrong-canary-secret"})
    run = InProcess(bad)
    with caplog.at_level(logging.DEBUG):
        for _ in range(3):
            metrics = run.cycle()
    assert metrics["causely_up"][()] == 0
    token_requests = [r for r in sim.requests() if r.operation == "token"]
    assert len(token_requests) == 1
    assert "credentials_rejected" in caplog.text
    assert "wrong-canary-secret" not in caplog.text
    assert "wrong-canary-secret" not in str(metrics)


def test_causeflow_incidents_equal_ground_truth(sim: Simulator) -> None:
    config = sim_config(
        sim, causely={"enabled": False}, causeflow={"enabled": True, "page_size": 7}
    )
    run = InProcess(config)
    metrics = run.cycle()
    truth: dict[tuple[str, str, str], int] = {}
    assert config.causeflow.statuses == (
        "open",
        "triaging",
        "investigating",
        "awaiting_approval",
        "remediating",
    )
    for i in sim.incidents(list(config.causeflow.statuses)):
        key = (i.severity, i.status, i.source)
        truth[key] = truth.get(key, 0) + 1
    got = {
        (dict(k)["severity"], dict(k)["status"], dict(k)["source"]): int(v)
        for k, v in metrics["causeflow_incidents"].items()
        if v
    }
    assert got == truth
    assert metrics["causeflow_up"][()] == 1
    assert "causely_up" not in metrics
    assert len(metrics["causeflow_incident_info"]) == sum(truth.values())


def test_causeflow_count_mismatch_is_logged_not_fatal(
    sim: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    config = sim_config(
        sim, causely={"enabled": False}, causeflow={"enabled": True, "statuses": []}
    )
    run = InProcess(config)
    sim.inject("wrong_count", target="causeflow", count=None)
    with caplog.at_level(logging.WARNING):
        metrics = run.cycle()
    assert metrics["causeflow_up"][()] == 1
    assert sum(metrics["causeflow_incidents"].values()) == len(sim.incidents())
    assert "event=count_mismatch" in caplog.text


def test_severity_filter_is_sent_to_the_api(sim: Simulator) -> None:
    run = InProcess(sim_config(sim, causely={"severities": ["Critical", "High"]}))
    metrics = run.cycle()
    got = active_by_combination(metrics)
    truth = Counter(
        {k: v for k, v in truth_by_combination(sim, "all").items() if k[1] in ("Critical", "High")}
    )
    assert got == truth
    assert {k[1] for k in got} == {"Critical", "High"}
