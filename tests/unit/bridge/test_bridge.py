"""The bridge: pure alert building, Prometheus' notifier timing, and the sender against a
real HTTP receiver on 127.0.0.1 (batching, independence of URLs, no retry loop, auth)."""

from __future__ import annotations

import logging
import socket
import threading
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from exporter.app.wiring import build_collector
from exporter.bridge.alerts import Alert, build_alerts
from exporter.bridge.notifier import Notifier, keep_firing_for
from exporter.bridge.sender import AlertmanagerTarget, SendStats
from exporter.bridge.state import RESOLVED_RETENTION, AlertState
from exporter.client.stats import ApiStats
from exporter.config.alertmanager import AlertmanagerConfig
from exporter.config.file import ConfigError
from exporter.config.loader import build_config
from exporter.config.model import HttpConfig
from exporter.simulator.data import cluster_of
from exporter.simulator.simulator import Simulator
from exporter.sources.causeflow_incidents import Incident
from exporter.sources.causely.defects import Defect
from exporter.view import CauseFlowView, CauselyView, View
from tests.conftest import InProcess, sim_config
from tests.receiver import Receiver, wait_for
from tests.unit.config.test_config import CREDS


def am_config(**values: Any) -> AlertmanagerConfig:
    config = build_config({"alertmanager": {"urls": ["http://127.0.0.1:9"], **values}}, CREDS)
    assert config.alertmanager is not None
    return config.alertmanager


def defect(
    defect_id: str, severity: str = "Critical", start: float | None = 1_700_000_000.0, **kw: Any
) -> Defect:
    fields: dict[str, Any] = {
        "id": defect_id,
        "name": "Congested",
        "severity": severity,
        "entity_type": "Service",
        "entity_name": "checkout-api",
        "start_time": start,
        "service_count": 4,
        "labels": ("prod-eu-1", "payments"),
    }
    fields.update(kw)
    return Defect(**fields)


def causely_view(alertable: dict[str, tuple[Defect, ...]], dropped: int = 0) -> View:
    causely = CauselyView(
        up=True,
        scope_up=dict.fromkeys(alertable, True),
        active={},
        defects={},
        dropped={},
        entity_labels=("cluster", "namespace"),
        alertable=alertable,
        alert_dropped={scope: dropped for scope in alertable},
    )
    return View(interval=60, stats=ApiStats().snapshot(), causely=causely)


# --- pure alert building ----------------------------------------------------------------


def test_root_cause_alert_labels_annotations_and_times() -> None:
    config = am_config(extra_labels={"source": "causely-exporter"})
    batch = build_alerts(causely_view({"team-payments": (defect("d-1"),)}), config)
    assert batch.dropped == 0
    (alert,) = batch.alerts.values()
    assert dict(alert.labels) == {
        "alertname": "CauselyRootCause",
        "severity": "critical",
        "causely_severity": "Critical",
        "scope": "team-payments",
        "defect_id": "d-1",
        "defect_name": "Congested",
        "entity_type": "Service",
        "entity_name": "checkout-api",
        "cluster": "prod-eu-1",
        "namespace": "payments",
        "source": "causely-exporter",
    }
    notes = dict(alert.annotations)
    assert "Congested" in notes["summary"] and "namespace payments" in notes["summary"]
    assert "checkout-api" in notes["description"] and "d-1" in notes["description"]
    assert notes["impacted_services"] == "4"
    assert notes["portal_url"] == "https://portal.causely.app/rootCauses/d-1"
    assert notes["runbook_url"].endswith("runbooks.md#causelyrootcause")
    assert alert.generator_url == notes["portal_url"]
    assert alert.starts_at == 1_700_000_000.0


def test_missing_entity_label_is_left_out_and_severities_are_mapped() -> None:
    config = am_config(
        causely_severities=["Critical", "High", "Medium"], severity_map={"Medium": "ticket"}
    )
    defects = (
        defect("a", labels=("prod-eu-1", "")),
        defect("b", "High"),
        defect("c", "Medium"),
        defect("d", "Low"),
    )
    alerts = {
        dict(a.labels)["defect_id"]: dict(a.labels)
        for a in build_alerts(causely_view({"s": defects}), config).alerts.values()
    }
    assert set(alerts) == {"a", "b", "c"}
    assert "namespace" not in alerts["a"]
    assert alerts["b"]["severity"] == "warning"
    assert alerts["c"]["severity"] == "ticket"


def test_cap_keeps_most_severe_then_oldest_and_counts_the_rest() -> None:
    config = am_config(max_alerts=2)
    defects = (
        defect("new-critical", start=300.0),
        defect("old-high", "High", start=100.0),
        defect("old-critical", start=200.0),
    )
    batch = build_alerts(causely_view({"s": defects}, dropped=5), config)
    assert {dict(a.labels)["defect_id"] for a in batch.alerts.values()} == {
        "old-critical",
        "new-critical",
    }
    assert batch.dropped == 5 + 1


def test_two_replicas_build_identical_alerts_whatever_the_order() -> None:
    config = am_config()
    defects = tuple(defect(f"d-{i}", start=float(i)) for i in range(20))
    one = build_alerts(causely_view({"s": defects, "t": defects[:3]}), config)
    two = build_alerts(causely_view({"t": defects[:3][::-1], "s": defects[::-1]}), config)
    assert one.alerts == two.alerts


def test_incident_status_is_an_annotation_so_the_alert_survives_triage() -> None:
    config = am_config()
    incident = Incident(
        "inc_1", "Checkout down", "critical", "open", "automated", "2026-01-01T00:00:00Z"
    )
    later = replace(incident, status="investigating")
    low = replace(incident, id="inc_2", severity="low")

    def alerts(*incidents: Incident) -> dict[Any, Alert]:
        view = View(
            interval=60,
            stats=ApiStats().snapshot(),
            causeflow=CauseFlowView(True, {}, (), 0, alertable=incidents),
        )
        return dict(build_alerts(view, config).alerts)

    first, second = alerts(incident, low), alerts(later)
    assert list(first) == list(second)  # same identity: one alert across the status change
    labels = dict(next(iter(first)))
    assert labels == {
        "alertname": "CauseFlowIncident",
        "severity": "critical",
        "causeflow_severity": "critical",
        "incident_id": "inc_1",
    }
    notes = dict(next(iter(second.values())).annotations)
    assert notes["status"] == "investigating" and notes["title"] == "Checkout down"
    assert alerts(replace(incident, status="resolved")) == {}


# --- notifier timing --------------------------------------------------------------------


def one_alert(key: str = "a", unit: str = "causely:s") -> dict[Any, Alert]:
    alert = Alert((("alertname", "X"), ("k", key)), (("summary", "s"),), 50.0, unit=unit)
    return {alert.labels: alert}


FRESH = frozenset({"causely:s"})
STALE: frozenset[str] = frozenset()


def test_firing_alert_is_resent_every_interval_with_ends_at_ahead() -> None:
    state = AlertState(resend_interval=60, valid_for=240, max_resolved=10)
    state.update(one_alert(), now=100, fresh=FRESH)
    (sent,) = state.due(100)
    assert sent["startsAt"] == "1970-01-01T00:00:50.000Z"
    assert sent["endsAt"] == "1970-01-01T00:05:40.000Z"  # 100 + 240
    state.update(one_alert(), now=130, fresh=FRESH)
    assert state.due(130) == []
    state.update(one_alert(), now=160, fresh=FRESH)
    (again,) = state.due(160)
    assert again["endsAt"] == "1970-01-01T00:06:40.000Z"
    assert again["startsAt"] == sent["startsAt"]


def test_nothing_is_resent_between_collections() -> None:
    # A resend from a timer would carry data older than the last cycle: the replica that is
    # behind would re-open what the other one resolved meanwhile.
    state = AlertState(resend_interval=60, valid_for=240, max_resolved=10)
    state.update(one_alert(), now=100, fresh=FRESH)
    state.due(100)
    assert state.due(200) == []
    state.update(one_alert(), now=200, fresh=FRESH)
    assert len(state.due(200)) == 1
    assert state.due(200) == []


def test_a_resend_may_go_out_up_to_the_slack_early() -> None:
    state = AlertState(resend_interval=60, valid_for=240, max_resolved=10, slack=5)
    state.update(one_alert(), now=100, fresh=FRESH)
    state.due(100)
    state.update(one_alert(), now=154, fresh=FRESH)
    assert state.due(154) == []  # 6 s early: wait for the next cycle
    state.update(one_alert(), now=155, fresh=FRESH)
    assert len(state.due(155)) == 1


def test_stale_data_holds_a_firing_alert_and_never_sends_it() -> None:
    state = AlertState(resend_interval=60, valid_for=240, max_resolved=10)
    state.update(one_alert(), now=100, fresh=FRESH)
    assert len(state.due(100)) == 1
    for now in (160, 220, 280):  # the scope's collection fails: last good data, held
        state.update(one_alert(), now=now, fresh=STALE)
        assert state.due(now) == []
        assert state.firing == 1 and state.held == 1
    state.update(one_alert(), now=300, fresh=FRESH)  # fresh again, still active
    (again,) = state.due(300)
    assert again["endsAt"] == "1970-01-01T00:09:00.000Z"  # 300 + 240
    assert state.held == 0


def test_stale_data_never_starts_an_alert() -> None:
    state = AlertState(resend_interval=60, valid_for=240, max_resolved=10)
    state.update(one_alert(), now=100, fresh=STALE)
    assert state.due(100) == [] and state.firing == 0
    state.update(one_alert(), now=160, fresh=FRESH)
    assert len(state.due(160)) == 1


def test_a_stale_scope_does_not_resend_its_resolved_alerts() -> None:
    # Unable to see the same labels fire again, a stale replica must not resolve them.
    state = AlertState(resend_interval=60, valid_for=240, max_resolved=10)
    state.update(one_alert(), now=100, fresh=FRESH)
    state.due(100)
    state.update({}, now=110, fresh=FRESH)
    (resolved,) = state.due(110)
    state.update({}, now=170, fresh=STALE)
    assert state.due(170) == []
    state.update({}, now=230, fresh=FRESH)
    assert [a["endsAt"] for a in state.due(230)] == [resolved["endsAt"]]


def test_an_alert_of_another_unit_is_not_held_by_a_stale_scope() -> None:
    state = AlertState(resend_interval=60, valid_for=240, max_resolved=10)
    both = {**one_alert("a", "causely:s"), **one_alert("b", "causely:t")}
    state.update(both, now=100, fresh=frozenset({"causely:s", "causely:t"}))
    assert len(state.due(100)) == 2
    state.update(both, now=160, fresh=frozenset({"causely:t"}))
    (sent,) = state.due(160)
    assert sent["labels"]["k"] == "b" and state.held == 1


def test_cleared_alert_is_resolved_at_once_then_resent_for_15_minutes() -> None:
    state = AlertState(resend_interval=60, valid_for=240, max_resolved=10)
    state.update(one_alert(), now=100, fresh=FRESH)
    state.due(100)
    state.update({}, now=110, fresh=FRESH)
    (resolved,) = state.due(110)
    assert resolved["endsAt"] == "1970-01-01T00:01:50.000Z"  # when it cleared
    assert state.firing == 0 and state.resolved == 1
    state.update({}, now=111, fresh=FRESH)
    assert state.due(111) == []
    state.update({}, now=170, fresh=FRESH)
    assert [a["endsAt"] for a in state.due(170)] == [resolved["endsAt"]]
    state.update({}, now=110 + RESOLVED_RETENTION + 1, fresh=FRESH)
    assert state.resolved == 0 and state.due(2000) == []


def test_an_alert_that_fires_again_replaces_its_resolved_self() -> None:
    state = AlertState(resend_interval=60, valid_for=240, max_resolved=10)
    state.update(one_alert(), now=100, fresh=FRESH)
    state.due(100)
    state.update({}, now=110, fresh=FRESH)
    state.due(110)
    state.update(one_alert(), now=120, fresh=FRESH)
    (fired,) = state.due(120)
    assert fired["endsAt"] == "1970-01-01T00:06:00.000Z"  # 120 + 240: firing again
    assert state.firing == 1 and state.resolved == 0


def test_resolved_alerts_kept_are_bounded() -> None:
    state = AlertState(resend_interval=60, valid_for=240, max_resolved=3)
    for i in range(10):
        state.update(one_alert(str(i)), now=float(i))
    state.update({}, now=20)
    assert state.resolved == 3


# --- sender against a real receiver -----------------------------------------------------


def payloads(n: int) -> list[dict[str, Any]]:
    return [{"labels": {"alertname": "X", "n": str(i)}, "annotations": {}} for i in range(n)]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nobody listens once it is closed


def start_target(
    url: str, stats: SendStats, stop: threading.Event, **values: Any
) -> AlertmanagerTarget:
    config = am_config(**{"timeout": "5s", **values})
    target = AlertmanagerTarget(url, config, HttpConfig(), stats, stop)
    target.start()
    return target


def test_at_most_256_alerts_per_request() -> None:
    stop, stats = threading.Event(), SendStats()
    with Receiver() as am:
        target = start_target(am.url, stats, stop)
        try:
            target.enqueue(payloads(600))
            wait_for("three requests", lambda: len(am.received()) == 3)
            assert [len(r.body) for r in am.received()] == [256, 256, 88]
            assert {r.path for r in am.received()} == {"/api/v2/alerts"}
            assert am.received()[0].headers["Content-Type"] == "application/json"
            # The receiver records a request before it answers: wait for the answers too.
            wait_for("three answers", lambda: stats.sent[target.label] == 3)
            assert stats.failed[target.label] == 0
            assert stats.last_success[target.label] > 0
        finally:
            stop.set()
            target.wake()


def test_one_alertmanager_down_or_slow_delays_nothing_for_the_others() -> None:
    stop, stats = threading.Event(), SendStats()
    with Receiver() as fast, Receiver(delay=30) as slow:
        dead_url = f"http://127.0.0.1:{closed_port()}"
        targets = [start_target(u, stats, stop) for u in (slow.url, dead_url, fast.url)]
        try:
            for target in targets:
                target.enqueue(payloads(3))
            wait_for("the fast Alertmanager", lambda: fast.alerts())
            wait_for("the slow one to have the request", lambda: slow.received())
            assert len(fast.alerts()) == 3
            wait_for("the failure counted", lambda: stats.failed[targets[1].label] == 1)
            # Newer versions queue up behind the stalled request and coalesce by label set.
            for _ in range(5):
                targets[0].enqueue(payloads(3))
                targets[2].enqueue(payloads(3))
            wait_for("the fast one again", lambda: len(fast.received()) >= 2)
        finally:
            stop.set()
            for target in targets:
                target.wake()


def test_a_failed_request_is_not_retried() -> None:
    stop, stats = threading.Event(), SendStats()
    with Receiver(status=500) as am:
        target = start_target(am.url, stats, stop)
        try:
            target.enqueue(payloads(2))
            wait_for("the failure counted", lambda: stats.failed[target.label] == 1)
            time.sleep(1.0)  # room for a retry loop to show itself
            assert len(am.received()) == 1
            assert stats.sent[target.label] == 0
        finally:
            stop.set()
            target.wake()


@pytest.mark.parametrize("kind", ["basic", "bearer"])
def test_credentials_are_sent_and_never_logged(
    kind: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "secret").write_text("pa55-w0rd-xyz\n")
    values: dict[str, Any] = (
        {"username": "bridge", "password_file": str(tmp_path / "secret")}
        if kind == "basic"
        else {"bearer_token_file": str(tmp_path / "secret")}
    )
    stop, stats = threading.Event(), SendStats()
    caplog.set_level(logging.DEBUG)
    with Receiver(status=401) as am:
        target = start_target(am.url, stats, stop, **values)
        try:
            target.enqueue(payloads(1))
            wait_for("the request", lambda: stats.failed[target.label] == 1)
            header = am.received()[0].headers["Authorization"]
            assert header.startswith("Basic " if kind == "basic" else "Bearer pa55-w0rd-xyz")
        finally:
            stop.set()
            target.wake()
    assert "pa55" not in caplog.text
    assert "alertmanager_send_failed" in caplog.text


# --- the notifier fed by a real collector -----------------------------------------------


def test_bridge_pages_past_the_series_cap_and_resolves_on_clear(sim: Simulator) -> None:
    with Receiver() as am:
        config = sim_config(
            sim,
            causely={"scopes": "discover", "max_defect_series": 1},
            alertmanager={"urls": [am.url], "resend_interval": "1h"},
        )
        run = InProcess(config)
        assert config.alertmanager is not None
        notifier = Notifier(config.alertmanager, config.http, config.collection.interval)
        run.collector = build_collector(config, run.stats, run.stop, bridge=notifier)
        notifier.start()
        try:
            scope = sim.scope_names()[0]
            namespace = sim.namespaces(scope)[-1]
            raised = sim.add_defect(scope, severity="Critical", namespace=namespace)
            metrics = run.cycle()
            truth = [d for d in sim.active_defects(None) if d.severity in ("Critical", "High")]
            wait_for("every alertable defect", lambda: len(am.alerts()) >= len(truth))
            sent = {a["labels"]["defect_id"]: a for a in am.alerts()}
            assert set(sent) == {d.id for d in truth}
            assert len(metrics["causely_defect_info"]) == len(sim.scope_names())  # capped at 1
            mine = sent[raised]["labels"]
            assert mine["namespace"] == namespace
            assert mine["cluster"] == cluster_of(namespace)
            assert mine["scope"] == scope

            # Every scope failing resolves nothing: the last good data keeps its alerts firing.
            sim.clear_defect(raised)
            sim.inject("status", status=500, count=None, operation="defectConnection")
            before = len(am.received())
            metrics = run.cycle()
            assert set(metrics["causely_scope_up"].values()) == {0}
            assert notifier.stats().firing == len(truth)
            time.sleep(0.5)
            assert len(am.received()) == before

            # Collecting again, the cleared root cause is sent at once as resolved.
            sim.clear_faults()
            metrics = run.cycle()
            wait_for("the resolved alert", lambda: len(am.received()) > before)
            late = [a for r in am.received()[before:] for a in r.body]
            assert [a["labels"]["defect_id"] for a in late] == [raised]
            ends = datetime.fromisoformat(late[0]["endsAt"].replace("Z", "+00:00")).timestamp()
            assert ends <= time.time()
            assert notifier.stats().firing == len(truth) - 1
            label = f"127.0.0.1:{am.port}"
            wait_for("the answer counted", lambda: notifier.stats().sent[label] >= 2)
            sent_ok = run.cycle()["causely_exporter_alertmanager_notifications_total"]
            assert sent_ok[(("alertmanager", label),)] >= 2
        finally:
            notifier.stop()


def test_a_failing_scope_resends_nothing_and_shows_its_alerts_held(sim: Simulator) -> None:
    with Receiver() as am:
        config = sim_config(
            sim,
            causely={"scopes": "discover"},
            alertmanager={"urls": [am.url], "resend_interval": "1s"},
        )
        run = InProcess(config)
        assert config.alertmanager is not None
        notifier = Notifier(config.alertmanager, config.http, config.collection.interval)
        run.collector = build_collector(config, run.stats, run.stop, bridge=notifier)
        notifier.start()
        try:
            run.cycle()
            wait_for("the first send", lambda: am.received())
            firing = notifier.stats().firing
            assert firing > 0
            sim.inject("status", status=503, count=None, operation="defectConnection")
            before = len(am.received())
            for _ in range(3):  # each past the resend interval: a fresh replica would resend
                time.sleep(1.1)
                metrics = run.cycle()
            assert set(metrics["causely_scope_up"].values()) == {0}
            assert metrics["causely_exporter_alertmanager_alerts_held"][()] == firing
            time.sleep(0.3)
            assert len(am.received()) == before, "stale data was sent"

            sim.clear_faults()
            time.sleep(1.1)
            metrics = run.cycle()
            wait_for("the resend once fresh", lambda: len(am.received()) > before)
            again = {a["labels"]["defect_id"] for r in am.received()[before:] for a in r.body}
            assert len(again) == firing
            assert metrics["causely_exporter_alertmanager_alerts_held"][()] == 0
        finally:
            notifier.stop()


def test_fresh_units_are_the_scopes_collected_this_cycle() -> None:
    view = causely_view({"s": (defect("d-1"),), "t": (defect("d-2"),)})
    assert view.causely is not None
    stale_t = replace(view.causely, scope_up={"s": True, "t": False})
    batch = build_alerts(replace(view, causely=stale_t), am_config())
    assert batch.fresh == frozenset({"causely:s"})
    assert {dict(a.labels)["defect_id"]: a.unit for a in batch.alerts.values()} == {
        "d-1": "causely:s",
        "d-2": "causely:t",
    }


def test_keep_firing_for_defaults_to_prometheus_horizon_and_is_bounded() -> None:
    assert keep_firing_for(am_config(resend_interval="1m"), 30) == 240
    assert keep_firing_for(am_config(resend_interval="1m"), 120) == 480
    assert keep_firing_for(am_config(resend_interval="1m", keep_firing_for="10m"), 60) == 600
    with pytest.raises(ConfigError, match="keep_firing_for: must be at least 2 x"):
        am_config(resend_interval="1m", keep_firing_for="90s")
    with pytest.raises(ConfigError, match="keep_firing_for"):
        am_config(keep_firing_for="-1s")


def test_stop_sends_what_is_queued_once_more() -> None:
    # A slow Alertmanager: the first request is in flight when the next alerts are queued and
    # the bridge stops. They still go out, so every Alertmanager of a cluster ends with the
    # same endsAt (one without the last resend would expire first and notify a resolve that
    # the other then re-fires).
    stop, stats = threading.Event(), SendStats()
    with Receiver(delay=0.5) as am:
        target = start_target(am.url, stats, stop)
        target.enqueue(payloads(1))
        wait_for("the first request in flight", lambda: len(am.received()) == 1)
        target.enqueue(payloads(2))
        stop.set()
        target.wake()
        target.join(5.0)
        assert [len(r.body) for r in am.received()] == [1, 2]
        assert stats.sent[target.label] == 2
