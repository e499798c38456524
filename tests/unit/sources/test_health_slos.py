"""Service health, SLOs and time to resolve against the simulator over real HTTP: exact
values against its ground truth, each part failing alone, clears counted once and only
from successful collections."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator

import pytest

from exporter.config.file import ConfigError
from exporter.config.loader import build_config, load_config
from exporter.resolve_times import BUCKETS, ActiveSet, ResolveTracker
from exporter.simulator.config import SimulatorConfig
from exporter.simulator.simulator import Simulator
from tests.conftest import (
    REPO,
    InProcess,
    active_by_combination,
    sim_config,
    truth_by_combination,
)

Metrics = dict[str, dict[tuple[tuple[str, str], ...], float]]
ENTITY_SEVERITIES = ("Normal", "Warning", "Minor", "Major", "Critical")
STATE_RANK = {"VIOLATED": 0, "AT_RISK": 1, "NORMAL": 2}
TTR = "causely_defect_time_to_resolve_seconds"


@pytest.fixture
def old_sim() -> Iterator[Simulator]:
    """A server whose schema has no sloConnection, as older Causely servers."""
    config = SimulatorConfig(
        seed=7, scopes=3, defects=150, incidents=40, unsupported_operations=("sloConnection",)
    )
    with Simulator(config) as simulator:
        yield simulator


def entities(metrics: Metrics, scope: str) -> dict[tuple[str, str], int]:
    out = {}
    for labels, value in metrics.get("causely_entities", {}).items():
        d = dict(labels)
        if d["scope"] == scope:
            out[(d["entity_type"], d["severity"])] = int(value)
    return out


def health_truth(sim: Simulator, scope: str, types: tuple[str, ...]) -> dict[tuple[str, str], int]:
    truth = {(t, s): 0 for t in types for s in ENTITY_SEVERITIES}
    truth.update(sim.entity_counts(scope, types))
    return truth


def slo_info(metrics: Metrics, scope: str) -> dict[str, tuple[str, str]]:
    out = {}
    for labels, _ in metrics.get("causely_slo_info", {}).items():
        d = dict(labels)
        if d["scope"] == scope:
            out[d["slo_id"]] = (d["slo_name"], d["state"])
    return out


def up(metrics: Metrics, name: str, scope: str) -> float:
    return metrics[name][(("scope", scope),)]


def ttr_count(metrics: Metrics, scope: str, severity: str) -> float:
    return metrics.get(TTR + "_count", {}).get((("scope", scope), ("severity", severity)), 0.0)


def ttr_bucket(metrics: Metrics, scope: str, severity: str, le: str) -> float:
    key = (("le", le), ("scope", scope), ("severity", severity))
    return metrics.get(TTR + "_bucket", {}).get(key, 0.0)


def label(bound: float) -> str:
    return f"{bound:.1f}"


# --------------------------------------------------------------------------- ground truth


def test_health_and_slos_equal_ground_truth(sim: Simulator) -> None:
    run = InProcess(sim_config(sim, causely={"scopes": "discover"}))
    metrics = run.cycle()
    states_seen: set[str] = set()
    for scope in sim.scope_names():
        assert entities(metrics, scope) == health_truth(sim, scope, ("Service",))
        truth = sim.slo_states(scope)
        assert slo_info(metrics, scope) == truth
        counts = Counter(state for _, state in truth.values())
        for state in STATE_RANK:
            assert metrics["causely_slos"][(("scope", scope), ("state", state))] == counts[state]
        assert up(metrics, "causely_entities_up", scope) == 1
        assert up(metrics, "causely_slos_up", scope) == 1
        states_seen |= set(counts)
    # The simulator's SLOs follow its defects: not all of them are fine.
    assert states_seen - {"NORMAL"}


def test_many_slos_per_scope_are_counted_exactly() -> None:
    config = SimulatorConfig(seed=5, scopes=2, defects=40, incidents=0, slos_per_scope=600)
    with Simulator(config) as many:
        run = InProcess(
            sim_config(many, causely={"scopes": "discover", "slos": {"max_series": 1000}})
        )
        metrics = run.cycle()
        for scope in many.scope_names():
            truth = many.slo_states(scope)
            assert len(truth) == 600
            assert slo_info(metrics, scope) == truth
            total = sum(
                value
                for labels, value in metrics["causely_slos"].items()
                if ("scope", scope) in labels
            )
            assert total == 600


def test_unhealthy_service_follows_a_critical_root_cause(sim: Simulator) -> None:
    scope = sim.scope_names()[0]
    run = InProcess(sim_config(sim, causely={"scopes": [scope]}))
    before = entities(run.cycle(), scope)
    domain = scope.removeprefix("team-")
    # A service with no active defect of its own yet: the Critical one makes it Critical.
    busy = {d.entity_name for d in sim.active_defects(scope) if d.entity_type == "Service"}
    name = next(
        f"{domain}-{c}" for c in ("api", "worker", "gateway", "db") if f"{domain}-{c}" not in busy
    )
    defect_id = sim.add_defect(scope, severity="Critical", entity_type="Service", entity_name=name)
    during = entities(run.cycle(), scope)
    assert during == health_truth(sim, scope, ("Service",))
    assert during[("Service", "Critical")] >= before[("Service", "Critical")] + 1
    namespace = next(d.namespace for d in sim.active_defects(scope) if d.id == defect_id)
    on_service = sim.slo_states(scope, namespace=namespace)
    slos = {v for v in on_service.values() if v[0].startswith(f"{name}-")}
    assert slos and {state for _, state in slos} == {"VIOLATED"}
    sim.clear_defect(defect_id)
    assert entities(run.cycle(), scope) == before


def test_configured_entity_types(sim: Simulator) -> None:
    scope = sim.scope_names()[1]
    types = ("Service", "Pod", "Node")
    config = sim_config(
        sim, causely={"scopes": [scope], "entity_health": {"entity_types": list(types)}}
    )
    metrics = InProcess(config).cycle()
    assert entities(metrics, scope) == health_truth(sim, scope, types)


def test_slo_info_is_capped_most_at_risk_first(sim: Simulator) -> None:
    scope = sim.scope_names()[0]
    run = InProcess(sim_config(sim, causely={"scopes": [scope], "slos": {"max_series": 3}}))
    metrics = run.cycle()
    truth = sim.slo_states(scope)
    kept = slo_info(metrics, scope)
    assert len(kept) == 3
    assert metrics["causely_slo_series_dropped"][(("scope", scope),)] == len(truth) - 3
    worst = sorted(truth.items(), key=lambda kv: (STATE_RANK[kv[1][1]], kv[1][0], kv[0]))[:3]
    assert kept == dict(worst)


# --------------------------------------------------------------------------- each part alone


def test_an_old_server_without_slos_fails_only_the_slo_part(old_sim: Simulator) -> None:
    sim = old_sim
    run = InProcess(sim_config(sim, causely={"scopes": "discover"}))
    metrics = run.cycle()
    for scope in sim.scope_names():
        assert up(metrics, "causely_slos_up", scope) == 0
        assert up(metrics, "causely_entities_up", scope) == 1
        assert up(metrics, "causely_scope_up", scope) == 1
        assert active_by_combination(metrics, scope) == truth_by_combination(sim, scope)
        assert entities(metrics, scope) == health_truth(sim, scope, ("Service",))
    # Its own operation in the API counters (once per scope whose request met the rejection
    # before another scope's did); the defects still make a successful cycle.
    errors = run.stats.snapshot().errors
    rejected = errors[("sloConnection", "graphql_error")]
    assert 1 <= rejected <= len(sim.scope_names())
    assert metrics["causely_up"][()] == 1
    assert "causely_exporter_last_success_timestamp_seconds" in metrics
    # The next cycle does not ask for it again (for an hour): no new error, one request a scope.
    sent = sum(run.stats.snapshot().requests.values())
    again = run.cycle()
    assert run.stats.snapshot().errors[("sloConnection", "graphql_error")] == rejected
    assert sum(run.stats.snapshot().requests.values()) - sent == 1 + len(sim.scope_names())
    assert all(up(again, "causely_slos_up", scope) == 0 for scope in sim.scope_names())
    assert all(up(again, "causely_entities_up", scope) == 1 for scope in sim.scope_names())


def test_failing_health_keeps_last_good_values_and_leaves_the_rest(sim: Simulator) -> None:
    scope = sim.scope_names()[0]
    run = InProcess(sim_config(sim, causely={"scopes": [scope]}))
    before = run.cycle()
    sim.inject("graphql_errors", operation="entityTypeCounts", count=None)
    after = run.cycle()
    assert up(after, "causely_entities_up", scope) == 0
    assert entities(after, scope) == entities(before, scope)
    assert up(after, "causely_slos_up", scope) == 1
    assert up(after, "causely_scope_up", scope) == 1
    assert run.stats.snapshot().errors[("entityTypeCounts", "graphql_error")] == 1
    sim.clear_faults()
    assert up(run.cycle(), "causely_entities_up", scope) == 1


def test_failing_defects_leave_health_and_slos_up(sim: Simulator) -> None:
    scope = sim.scope_names()[0]
    run = InProcess(sim_config(sim, causely={"scopes": [scope]}))
    sim.inject("graphql_errors", operation="defectConnection", count=None)
    metrics = run.cycle()
    assert up(metrics, "causely_scope_up", scope) == 0
    assert up(metrics, "causely_entities_up", scope) == 1
    assert up(metrics, "causely_slos_up", scope) == 1
    assert entities(metrics, scope) == health_truth(sim, scope, ("Service",))
    assert metrics["causely_up"][()] == 0


def test_parts_can_be_turned_off(sim: Simulator) -> None:
    config = sim_config(
        sim,
        causely={"entity_health": {"enabled": False}, "slos": {"enabled": False}},
    )
    run = InProcess(config)
    metrics = run.cycle()
    assert not {"causely_entities", "causely_slos", "causely_slo_info"} & set(metrics)
    operations = {op for op, _ in run.stats.snapshot().requests}
    assert operations == {"token", "defectConnection"}


@pytest.mark.parametrize("kind", ["wrong_types", "missing_fields"])
def test_hostile_health_rows_are_skipped(sim: Simulator, kind: str) -> None:
    scope = sim.scope_names()[0]
    run = InProcess(sim_config(sim, causely={"scopes": [scope]}))
    sim.inject(kind, operation="entityTypeCounts")
    metrics = run.cycle()
    assert up(metrics, "causely_entities_up", scope) == 1
    assert set(entities(metrics, scope).values()) == {0}
    skipped = metrics["causely_exporter_skipped_nodes_total"]
    assert skipped[(("operation", "entityTypeCounts"), ("reason", "wrong_type"))] > 0
    assert entities(run.cycle(), scope) == health_truth(sim, scope, ("Service",))


def test_the_nulls_causely_s_schema_allows_are_no_errors(
    sim: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    scope = sim.scope_names()[0]
    run = InProcess(sim_config(sim, causely={"scopes": [scope]}))
    truth = health_truth(sim, scope, ("Service",))
    sim.inject("null_list", operation="entityTypeCounts")
    metrics = run.cycle()
    assert up(metrics, "causely_entities_up", scope) == 1  # a null list holds no rows
    assert set(entities(metrics, scope).values()) == {0}

    sim.inject("null_severity", operation="entityTypeCounts")
    caplog.clear()
    metrics = run.cycle()
    assert up(metrics, "causely_entities_up", scope) == 1
    counted = entities(metrics, scope)
    # Null severities count as unknown: the type's total stays whole, nothing is skipped.
    assert counted[("Service", "unknown")] == sum(truth.values()) > 0
    assert all(counted[("Service", s)] == 0 for s in ENTITY_SEVERITIES)
    skipped = metrics.get("causely_exporter_skipped_nodes_total", {})
    assert not any(dict(k)["operation"] == "entityTypeCounts" for k in skipped)
    assert "health_rows_skipped" not in caplog.text


def test_hostile_slo_nodes_become_safe_labels(sim: Simulator) -> None:
    scope = sim.scope_names()[0]
    run = InProcess(sim_config(sim, causely={"scopes": [scope], "page_size": 10}))
    sim.inject("wrong_types", operation="sloConnection")
    metrics = run.cycle()
    assert up(metrics, "causely_slos_up", scope) == 1
    total = sum(v for k, v in metrics["causely_slos"].items() if dict(k)["scope"] == scope)
    assert total == len(sim.slo_states(scope))
    unknown = metrics["causely_slos"][(("scope", scope), ("state", "unknown"))]
    assert unknown == 10  # the first page, state 7


def test_slo_paging_faults(sim: Simulator) -> None:
    scope = sim.scope_names()[0]
    run = InProcess(sim_config(sim, causely={"scopes": [scope], "page_size": 10}))
    sim.inject("duplicate_node", operation="sloConnection")
    assert slo_info(run.cycle(), scope) == sim.slo_states(scope)
    sim.inject("non_advancing_cursor", operation="sloConnection")
    metrics = run.cycle()
    assert up(metrics, "causely_slos_up", scope) == 0
    assert run.stats.snapshot().errors[("sloConnection", "cursor_not_advancing")] == 1
    assert up(metrics, "causely_scope_up", scope) == 1


# --------------------------------------------------------------------------- time to resolve


def _old_enough_defect(sim: Simulator, scope: str) -> tuple[str, str, float]:
    """An active defect whose age is not within 30 s of a bucket bound."""
    now = time.time()
    for d in sim.active_defects(scope):
        age = now - d.from_time
        if all(abs(age - b) > 30 for b in BUCKETS):
            return d.id, d.severity, age
    raise AssertionError("no suitable defect")


def test_a_clear_is_observed_once_in_the_right_bucket(sim: Simulator) -> None:
    scope = sim.scope_names()[0]
    run = InProcess(sim_config(sim, causely={"scopes": [scope]}))
    first = run.cycle()
    defect_id, severity, age = _old_enough_defect(sim, scope)
    # The series exist at 0 from the first cycle, so a rate sees the first clear.
    assert ttr_count(first, scope, severity) == 0
    assert (TTR + "_count") in first
    sim.clear_defect(defect_id)
    second = run.cycle()
    assert ttr_count(second, scope, severity) == 1
    assert sum(v for k, v in second[TTR + "_count"].items()) == 1
    bound = next(b for b in BUCKETS if age <= b)
    below = [b for b in BUCKETS if b < bound]
    assert ttr_bucket(second, scope, severity, label(bound)) == 1
    if below:
        assert ttr_bucket(second, scope, severity, label(below[-1])) == 0
    assert ttr_bucket(second, scope, severity, "+Inf") == 1
    total = second[TTR + "_sum"][(("scope", scope), ("severity", severity))]
    assert total == pytest.approx(age, abs=30)
    # Seen once: the next cycles do not count it again.
    assert ttr_count(run.cycle(), scope, severity) == 1


def test_no_clear_is_counted_when_the_scope_fails(sim: Simulator) -> None:
    scope = sim.scope_names()[0]
    run = InProcess(sim_config(sim, causely={"scopes": [scope]}))
    run.cycle()
    defect_id, severity, _ = _old_enough_defect(sim, scope)
    sim.clear_defect(defect_id)
    sim.inject("graphql_errors", operation="defectConnection", count=None)
    failed = run.cycle()
    assert up(failed, "causely_scope_up", scope) == 0
    assert sum(failed[TTR + "_count"].values()) == 0
    # The clear is real: the next successful collection of the scope counts it, once.
    sim.clear_faults()
    recovered = run.cycle()
    assert ttr_count(recovered, scope, severity) == 1
    assert sum(recovered[TTR + "_count"].values()) == 1


def test_a_restart_counts_no_clear(sim: Simulator) -> None:
    scope = sim.scope_names()[0]
    config = sim_config(sim, causely={"scopes": [scope]})
    InProcess(config).cycle()
    defect_id, _, _ = _old_enough_defect(sim, scope)
    sim.clear_defect(defect_id)
    restarted = InProcess(config)
    metrics = restarted.cycle()
    assert sum(metrics[TTR + "_count"].values()) == 0
    assert sum(restarted.cycle()[TTR + "_count"].values()) == 0


def test_time_to_resolve_can_be_turned_off(sim: Simulator) -> None:
    config = sim_config(sim, causely={"time_to_resolve": False})
    run = InProcess(config)
    run.cycle()
    sim.clear_defect(sim.active_defects(None)[0].id)
    assert TTR + "_count" not in run.cycle()


def test_causeflow_incident_leaving_the_open_statuses(sim: Simulator) -> None:
    run = InProcess(sim_config(sim, causely={"enabled": False}, causeflow={"enabled": True}))
    run.cycle()
    incident = next(
        i
        for i in sim.incidents(["open", "triaging"])
        if all(abs(time.time() - i.created_at - b) > 30 for b in BUCKETS)
    )
    sim.resolve_incident(incident.incident_id)
    metrics = run.cycle()
    name = "causeflow_incident_time_to_resolve_seconds"
    counts = metrics[name + "_count"]
    assert counts[(("severity", incident.severity),)] == 1
    assert sum(counts.values()) == 1
    age = time.time() - incident.created_at
    bound = next(b for b in BUCKETS if age <= b)
    key = (("le", label(bound)), ("severity", incident.severity))
    assert metrics[name + "_bucket"][key] == 1
    assert sum(run.cycle()[name + "_count"].values()) == 1


# --------------------------------------------------------------------------- the tracker alone


def active(*items: tuple[str, float]) -> ActiveSet:
    found = ActiveSet(("Critical", "High"))
    for item_id, start in items:
        found.add(item_id, start, "Critical")
    return found


def counts(tracker: ResolveTracker) -> dict[tuple[str, str], int]:
    return {key: value.count for key, value in tracker.snapshot().items()}


def test_tracker_scope_leaving_the_plan_or_a_filter_change_never_clears() -> None:
    tracker = ResolveTracker()
    tracker.start_cycle(["a", "b"], ())
    tracker.update("a", active(("x", 0.0)), 100.0)
    tracker.update("b", active(("y", 0.0)), 100.0)
    # b leaves the plan: forgotten, no clear; when it comes back, it starts over.
    tracker.start_cycle(["a"], ())
    tracker.update("a", active(("x", 0.0)), 160.0)
    tracker.start_cycle(["a", "b"], ())
    tracker.update("b", active(), 220.0)
    # Its histogram left with it; nothing of b was counted.
    assert counts(tracker) == {("a", "Critical"): 0}
    # The severity filter changes: nothing that vanished with it counts.
    tracker.start_cycle(["a", "b"], ("High",))
    tracker.update("a", active(), 280.0)
    assert counts(tracker)[("a", "Critical")] == 0
    # A plan failure (None) keeps everything; a real clear then counts with its age.
    tracker.update("a", active(("z", 200.0)), 300.0)
    tracker.start_cycle(None, ("High",))
    tracker.start_cycle(["a"], ("High",))
    assert tracker.update("a", active(), 500.0) == 1
    value = tracker.snapshot()[("a", "Critical")]
    assert (value.count, value.sum) == (1, 300.0)
    assert value.buckets[BUCKETS.index(300)] == 1 and value.buckets[0] == 0


def test_tracker_memory_is_the_active_set_only() -> None:
    tracker = ResolveTracker()
    tracker.start_cycle(["a"], ())
    big = active(*((f"id-{i}", float(i + 1)) for i in range(10_000)))
    tracker.update("a", big, 20_000.0)
    assert tracker.tracked() == 10_000
    # Packed arrays: 13 bytes an item, not a dict of strings.
    assert big.keys.itemsize + big.starts.itemsize + 1 == 13
    tracker.update("a", active(("id-1", 1.0)), 20_060.0)
    assert tracker.tracked() == 1
    assert counts(tracker)[("a", "Critical")] == 9_999


# --------------------------------------------------------------------------- configuration


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"entity_health": {"entity_types": []}}, "causely.entity_health.entity_types"),
        ({"entity_health": {"entity_types": "Service"}}, "causely.entity_health.entity_types"),
        ({"entity_health": {"enabled": "yes"}}, "causely.entity_health.enabled"),
        ({"entity_health": {"typo": 1}}, "causely.entity_health.typo"),
        ({"slos": {"max_series": -1}}, "causely.slos.max_series"),
        ({"slos": []}, "causely.slos"),
        ({"time_to_resolve": 1}, "causely.time_to_resolve"),
    ],
)
def test_parts_config_errors_name_the_field(section: dict[str, object], message: str) -> None:
    env = {"CAUSELY_CLIENT_ID": "id", "CAUSELY_CLIENT_SECRET": "secret"}
    with pytest.raises(ConfigError) as error:
        build_config({"causely": section}, env)
    assert str(error.value).startswith(message), str(error.value)


def test_parts_config_defaults_and_example() -> None:
    env = {"CAUSELY_CLIENT_ID": "id", "CAUSELY_CLIENT_SECRET": "secret"}
    parts = build_config({}, env).causely.features
    assert (parts.health, parts.health_entity_types, parts.slos) == (True, ("Service",), True)
    assert (parts.max_slo_series, parts.time_to_resolve) == (500, True)
    example = load_config(str(REPO / "config.example.yaml"), env)
    assert example.causely.features == parts
    assert example.causeflow.time_to_resolve is True


def test_slo_nodes_missing_fields_keep_counts_exact(sim: Simulator) -> None:
    scope = sim.scope_names()[0]
    run = InProcess(sim_config(sim, causely={"scopes": [scope], "page_size": 500}))
    sim.inject("missing_fields", operation="sloConnection")
    metrics = run.cycle()
    truth = sim.slo_states(scope)
    # Only id and state came: the states are exact, the names are empty, not made up.
    assert {k: v[1] for k, v in slo_info(metrics, scope).items()} == {
        k: v[1] for k, v in truth.items()
    }
    assert {v[0] for v in slo_info(metrics, scope).values()} == {""}
    assert slo_info(run.cycle(), scope) == truth


def test_causeflow_with_a_narrower_status_filter_tracks_nothing(sim: Simulator) -> None:
    config = sim_config(
        sim, causely={"enabled": False}, causeflow={"enabled": True, "statuses": ["open"]}
    )
    run = InProcess(config)
    run.cycle()
    # Leaving `open` for `triaging` is not resolving: with only `open` listed, a disappearance
    # proves nothing, so nothing is observed.
    incident = sim.incidents(["open"])[0]
    sim.resolve_incident(incident.incident_id)
    metrics = run.cycle()
    assert "causeflow_incident_time_to_resolve_seconds_count" not in metrics
