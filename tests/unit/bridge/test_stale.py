"""Not knowing is not over (issue 28): stale alerts are kept firing where Alertmanager still
holds them, marked stale, never re-opened; inhibitors are not kept; what Alertmanager answers
on GET /api/v2/alerts is untrusted. The sender runs against a fake Alertmanager on 127.0.0.1
that keeps the last copy per label set, as the real one does."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from exporter.app.wiring import build_collector
from exporter.bridge.alerts import Alert, rfc3339
from exporter.bridge.held import HeldUnreadable, held_params, parse_held
from exporter.bridge.notifier import Notifier, renew_within
from exporter.bridge.sender import AlertmanagerTarget, SendStats
from exporter.bridge.state import STALE_NOTE, STALE_SINCE, AlertState
from exporter.config.model import HttpConfig
from exporter.simulator.simulator import Simulator
from tests.conftest import InProcess, sim_config
from tests.receiver import FakeAlertmanager, wait_for
from tests.unit.bridge.test_bridge import FRESH, STALE, am_config, one_alert


def inhibitor(key: str = "i") -> dict[Any, Alert]:
    alert = Alert(
        (("alertname", "CauselySymptomExplained"), ("k", key)),
        (),
        50.0,
        unit="causely:s",
        kept_when_stale=False,
    )
    return {alert.labels: alert}


# --- state: what is offered for extension ---------------------------------------------------


def test_a_held_alert_is_offered_every_resend_marked_stale_since_its_last_fresh_data() -> None:
    state = AlertState(resend_interval=60, valid_for=240, max_resolved=10)
    state.update(one_alert(), now=100, fresh=FRESH)
    state.due(100)
    assert state.extensions(100) == []  # fresh: sent by `due`, not extended
    state.update(one_alert(), now=160, fresh=STALE)
    assert state.due(160) == []
    (kept,) = state.extensions(160)
    assert kept["endsAt"] == rfc3339(160 + 240)
    assert kept["startsAt"] == rfc3339(50)
    assert kept["annotations"][STALE_SINCE] == rfc3339(100)
    assert rfc3339(100) in kept["annotations"][STALE_NOTE]
    assert kept["annotations"]["summary"] == "s"
    state.update(one_alert(), now=190, fresh=STALE)
    assert state.extensions(190) == []  # once per resend interval
    state.update(one_alert(), now=220, fresh=STALE)
    assert len(state.extensions(220)) == 1
    assert state.held == 1 and state.firing == 1


def test_fresh_again_is_sent_at_once_without_the_stale_mark() -> None:
    state = AlertState(resend_interval=60, valid_for=240, max_resolved=10)
    state.update(one_alert(), now=100, fresh=FRESH)
    state.due(100)
    state.update(one_alert(), now=160, fresh=STALE)
    state.extensions(160)
    state.update(one_alert(), now=170, fresh=FRESH)  # 10 s after the extension
    (sent,) = state.due(170)
    assert STALE_SINCE not in sent["annotations"]
    assert sent["endsAt"] == rfc3339(170 + 240)
    assert state.extensions(170) == []


def test_inhibitors_and_resolved_alerts_are_never_extended() -> None:
    state = AlertState(resend_interval=60, valid_for=240, max_resolved=10)
    state.update({**one_alert("a"), **one_alert("b"), **inhibitor()}, now=100, fresh=FRESH)
    assert len(state.due(100)) == 3
    state.update({**one_alert("a"), **inhibitor()}, now=110, fresh=FRESH)  # b clears
    state.due(110)
    state.update({**one_alert("a"), **inhibitor()}, now=200, fresh=STALE)
    assert [a["labels"]["k"] for a in state.extensions(200)] == ["a"]


def test_stale_data_still_never_starts_an_alert() -> None:
    state = AlertState(resend_interval=60, valid_for=240, max_resolved=10)
    state.update(one_alert(), now=100, fresh=STALE)
    assert state.due(100) == [] and state.extensions(100) == []


def test_renew_within_leaves_a_fresh_replicas_copy_alone() -> None:
    # Default keep_firing_for 4 x period: a fresh copy is >= 3 periods from its endsAt.
    assert renew_within(240, 60) == 150
    assert renew_within(120, 60) == 120  # no room below 3 periods: always extend


# --- the answer of GET /api/v2/alerts -------------------------------------------------------


def entry(labels: dict[str, str], ends: str, state: str = "active") -> dict[str, Any]:
    return {"labels": labels, "endsAt": ends, "status": {"state": state}}


def test_parse_held_keeps_only_well_formed_entries_still_firing() -> None:
    now = 1_700_000_000.0
    doc = [
        entry({"alertname": "X", "k": "a"}, "2023-11-14T22:15:00.123456789Z"),  # Go's ns
        entry({"alertname": "X", "k": "b"}, "2023-11-14T22:10:00Z"),  # ended
        entry({"alertname": "X", "k": "c"}, "2023-11-14T22:15:00+00:00", "suppressed"),
        entry({"alertname": "X", "k": "d"}, "2023-11-14T22:15:00Z", "resolved"),
        entry({"alertname": "X", "k": "e"}, "not a time"),
        entry({"alertname": "X", "k": "f"}, "2023-11-14T22:15:00"),  # no zone
        {"labels": {"alertname": 5}, "endsAt": "2023-11-14T22:15:00Z", "status": {}},
        {"labels": {f"l{i}": "v" for i in range(100)}, "endsAt": "2023-11-14T22:15:00Z"},
        "a string",
        None,
    ]
    held = parse_held(doc, now)
    assert sorted(dict(k)["k"] for k in held.ends_at) == ["a", "c"]
    assert held.skipped == 7
    for bad in ({"alerts": []}, "x", 3, None):
        with pytest.raises(HeldUnreadable):
            parse_held(bad, now)


def test_the_read_asks_for_muted_alerts_too() -> None:
    params = held_params(["CauselyRootCause", "CauseFlowIncident"])
    assert params["filter"] == 'alertname=~"CauseFlowIncident|CauselyRootCause"'
    assert params["silenced"] == params["inhibited"] == params["active"] == "true"


# --- the sender against a fake Alertmanager -------------------------------------------------


def payload(key: str, ends_in: float, **annotations: str) -> dict[str, Any]:
    now = time.time()
    return {
        "labels": {"alertname": "CauselyRootCause", "k": key},
        "annotations": annotations,
        "startsAt": rfc3339(now - 60),
        "endsAt": rfc3339(now + ends_in),
    }


def target_for(
    am: FakeAlertmanager, stats: SendStats, stop: threading.Event, **kw: Any
) -> AlertmanagerTarget:
    target = AlertmanagerTarget(
        am.url,
        am_config(timeout="1s"),
        HttpConfig(),
        stats,
        stop,
        alertnames=("CauselyRootCause",),
        **kw,
    )
    target.start()
    return target


def test_extensions_go_only_to_what_the_alertmanager_still_holds_firing() -> None:
    stop, stats = threading.Event(), SendStats()
    with FakeAlertmanager() as am:
        target = target_for(am, stats, stop, held_limit=1 << 20)
        try:
            # Held firing: a, b. Resolved by a fresher replica: c. Never seen: d.
            target.enqueue([payload("a", 5), payload("b", 5), payload("c", -1)])
            wait_for("the first sends", lambda: len(am.alerts()) == 3)
            target.enqueue([], [payload(k, 240, data_stale="yes") for k in "abcd"])
            wait_for("the read", lambda: stats.reads.get(target.label) == 1)
            wait_for("the extensions", lambda: len(am.alerts()) == 5)
            extended = [a["labels"]["k"] for a in am.alerts()[3:]]
            assert sorted(extended) == ["a", "b"]
            assert sorted(dict(k)["k"] for k in am.held()) == ["a", "b"]
            assert stats.extended[target.label] == 2
            assert stats.read_bytes[target.label] == am.gets[0][1] > 0
            assert stats.read_failed.get(target.label, 0) == 0
        finally:
            stop.set()
            target.wake()


def test_a_copy_kept_fresh_elsewhere_is_not_extended() -> None:
    stop, stats = threading.Event(), SendStats()
    with FakeAlertmanager() as am:
        target = target_for(am, stats, stop, renew_within=150)
        try:
            target.enqueue([payload("fresh", 230), payload("near", 100)])
            wait_for("the first sends", lambda: len(am.alerts()) == 2)
            target.enqueue([], [payload("fresh", 240), payload("near", 240)])
            wait_for("the read", lambda: stats.reads.get(target.label) == 1)
            wait_for("the extension", lambda: len(am.alerts()) == 3)
            time.sleep(0.2)
            assert [a["labels"]["k"] for a in am.alerts()[2:]] == ["near"]
        finally:
            stop.set()
            target.wake()


@pytest.mark.parametrize("hostile", ["huge", "malformed", "deep", "slow", "error", "types"])
def test_an_alertmanager_that_cannot_be_read_gets_no_extension(hostile: str) -> None:
    stop, stats = threading.Event(), SendStats()
    with FakeAlertmanager() as am:
        target = target_for(am, stats, stop, held_limit=1 << 20)
        try:
            target.enqueue([payload("a", 5)])
            wait_for("the first send", lambda: len(am.alerts()) == 1)
            am.hostile = hostile
            started = time.monotonic()
            target.enqueue([], [payload("a", 240)])
            wait_for("the read done", lambda: stats.reads.get(target.label) == 1, timeout=20)
            took = time.monotonic() - started
            time.sleep(0.2)
            assert len(am.alerts()) == 1, "extended without knowing what it holds"
            # alertmanager.timeout (1 s) bounds the whole answer, however it is paced: far
            # below the minutes a byte a second would take (loose: a loaded machine).
            assert took < 10
            if hostile == "types":  # readable, but no entry checks out: nothing held
                assert stats.read_failed.get(target.label, 0) == 0
            else:
                assert stats.read_failed[target.label] == 1
            # The thread lives on: the next fresh send still goes out.
            am.hostile = ""
            target.enqueue([payload("b", 5)])
            wait_for("a later send", lambda: len(am.alerts()) == 2)
        finally:
            stop.set()
            target.wake()


# --- the notifier fed by a real collector ---------------------------------------------------


def test_a_scope_failing_past_keep_firing_for_keeps_its_alerts_firing(sim: Simulator) -> None:
    with FakeAlertmanager() as am:
        config = sim_config(
            sim,
            causely={"scopes": "discover"},
            collection={"interval": "1s"},
            alertmanager={"urls": [am.url], "resend_interval": "1s", "keep_firing_for": "3s"},
        )
        run = InProcess(config)
        assert config.alertmanager is not None
        notifier = Notifier(config.alertmanager, config.http, config.collection.interval)
        run.collector = build_collector(config, run.stats, run.stop, bridge=notifier)
        notifier.start()
        try:
            scope = sim.scope_names()[0]
            root = sim.add_defect(scope, severity="Critical")
            run.cycle()
            wait_for("the first sends", lambda: am.held())
            firing = set(am.held())
            sim.clear_defect(root)
            sim.inject("status", status=503, count=None, operation="defectConnection")
            outage = time.time()
            resends = 0
            while time.time() - outage < 3 * 3:  # three times keep_firing_for
                time.sleep(1.05)
                run.cycle()
                resends += 1
                assert set(am.held()) == firing, "a root cause expired while the exporter lives"
            latest = {tuple(sorted(a["labels"].items())): a for a in am.alerts()}
            marked = [a for a in latest.values() if STALE_SINCE in a["annotations"]]
            assert marked, "no alert says its data is stale"
            gets = len(am.gets)
            print(
                f"\nper resend during the outage: {gets / resends:.2f} GET, "
                f"{sum(b for _, b in am.gets) / max(gets, 1):.0f} bytes per GET, "
                f"{len(firing)} alerts held"
            )
            assert gets <= resends
            # The reads and the extensions show on /metrics, per Alertmanager.
            metrics = run.cycle()
            label = ((("alertmanager", am.url.split("//", 1)[1].rstrip("/"))),)
            assert metrics["causely_exporter_alertmanager_reads_total"][label] >= 1
            assert metrics["causely_exporter_alertmanager_reads_failed_total"][label] == 0
            assert metrics["causely_exporter_alertmanager_alerts_extended_total"][label] >= 1

            sim.clear_faults()
            before = len(am.alerts())
            run.cycle()
            wait_for("the clear resolved at once", lambda: len(am.alerts()) > before)
            ours = [k for k in firing if dict(k)["defect_id"] == root]
            assert ours and not set(ours) & set(am.held())
            assert set(am.held()) == firing - set(ours)
            fresh = {tuple(sorted(a["labels"].items())): a for a in am.alerts()[before:]}
            assert all(STALE_SINCE not in a["annotations"] for a in fresh.values())
        finally:
            notifier.stop()
