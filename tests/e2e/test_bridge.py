"""End to end through the bridge, all on 127.0.0.1: the simulator, two exporter replicas with
the bridge on, a two-node Alertmanager cluster (gossip on loopback) routing by namespace to a
webhook receiver in this test.

It shows: a Critical root cause reaches both Alertmanagers within a collection cycle plus a
few seconds, with cluster / namespace labels and the annotations, although it is beyond
causely.max_defect_series; the two replicas and the two Alertmanagers make exactly one
notification for the owning team; clearing it brings a resolved notification; with one
Alertmanager killed the other still gets everything; once the exporters stop, the alerts
expire at their endsAt. Run with -s to see the measured latency."""

from __future__ import annotations

import signal
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import requests

from exporter.simulator.config import SimulatorConfig
from exporter.simulator.data import cluster_of
from exporter.simulator.simulator import Simulator
from tests.conftest import sim_env, write_config
from tests.processes import free_port
from tests.receiver import Receiver
from tests.stack import Alertmanager, wait_until

INTERVAL = 2  # collection and resend interval, seconds: endsAt is 4 x 2 s ahead
PEER_TIMEOUT = 3  # how long the second Alertmanager waits for the first one's notification
GOSSIP = [
    "--cluster.gossip-interval=50ms",
    "--cluster.pushpull-interval=1s",
    "--cluster.probe-interval=200ms",
    "--cluster.probe-timeout=100ms",
    f"--cluster.peer-timeout={PEER_TIMEOUT}s",
    "--cluster.settle-timeout=5s",
    "--cluster.reconnect-interval=1s",
]


def exporter_config(am_urls: list[str]) -> str:
    return f"""
causely:
  scopes: discover
  max_defect_series: 1
collection:
  interval: {INTERVAL}s
http:
  backoff_initial: 50ms
  backoff_max: 200ms
  read_timeout: 2s
alertmanager:
  urls: {am_urls}
  resend_interval: {INTERVAL}s
  timeout: 2s
  extra_labels:
    source: causely-exporter
"""


def alertmanager_config(webhook: str, teams: dict[str, str]) -> str:
    routes = "".join(
        f"""
    - receiver: {team}
      matchers:
        - namespace="{namespace}"
"""
        for namespace, team in teams.items()
    )
    receivers = "".join(
        f"""
  - name: {team}
    webhook_configs:
      - url: {webhook}/{team}
        send_resolved: true
"""
        for team in [*teams.values(), "default"]
    )
    return f"""
route:
  receiver: default
  group_by: [alertname, cluster, namespace]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
  routes:{routes}
receivers:{receivers}
"""


def am_alert(am: Alertmanager, defect_id: str) -> dict[str, Any] | None:
    for alert in am.alerts():
        if alert["labels"].get("defect_id") == defect_id and alert["status"]["state"] == "active":
            return alert
    return None


def notified(receiver: Receiver, defect_id: str, status: str) -> list[tuple[str, dict[str, Any]]]:
    """(receiver path, alert) for every webhook notification carrying the defect in `status`."""
    found = []
    for request in receiver.received():
        body = request.body if isinstance(request.body, dict) else {}
        for alert in body.get("alerts", []):
            if alert["labels"].get("defect_id") == defect_id and alert["status"] == status:
                found.append((request.path, alert))
    return found


def timestamp(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def metric(exporter: Any, name: str, **labels: str) -> float:
    series = exporter.metrics().get(name, {})
    return sum(v for k, v in series.items() if all(dict(k).get(n) == x for n, x in labels.items()))


def test_bridge_pages_the_owning_team_once_with_two_replicas_and_two_alertmanagers(
    tmp_path: Path, exporter_process: Any
) -> None:
    sim = Simulator(SimulatorConfig(seed=11, scopes=3, defects=40, incidents=0))
    sim.start()
    webhook = Receiver()
    started: list[Alertmanager] = []
    try:
        scope_a, scope_b = sim.scope_names()[:2]
        ns_a, ns_b = sim.namespaces(scope_a)[0], sim.namespaces(scope_b)[0]
        teams = {ns_a: "team-a", ns_b: "team-b"}
        am_config = alertmanager_config(webhook.url, teams)
        gossip = [free_port(), free_port()]
        for index, own in enumerate(gossip):
            home = tmp_path / f"am{index}"
            home.mkdir()
            started.append(Alertmanager(home, am_config, own, [gossip[1 - index]], GOSSIP))
        am1, am2 = started
        wait_until(
            "a two-peer Alertmanager cluster",
            lambda: all(
                len(requests.get(am.url + "/api/v2/status", timeout=2).json()["cluster"]["peers"])
                == 2
                for am in started
            ),
            30,
        )
        config = write_config(tmp_path, exporter_config([am1.url, am2.url]))
        exporters = [exporter_process(["--config.file", config], sim_env(sim)) for _ in range(2)]
        for exporter in exporters:
            exporter.wait_ready()

        # An older Critical takes the one per-defect series of the scope, so the root cause
        # under test is beyond causely.max_defect_series: it must page all the same.
        sim.add_defect(scope_a, severity="Critical", namespace=ns_a, entity_name="anchor")
        time.sleep(0.01)
        raised_at = time.time()
        first = sim.add_defect(
            scope_a,
            name="Congested",
            severity="Critical",
            entity_type="Service",
            entity_name="checkout-api",
            service_count=3,
            namespace=ns_a,
        )
        wait_until(
            "the alert in both Alertmanagers",
            lambda: all(am_alert(am, first) for am in started),
            INTERVAL + 30,
        )
        latency = time.time() - raised_at
        print(f"\nroot cause raised -> alert in both Alertmanagers via the bridge: {latency:.2f}s")

        for am in started:
            alert = am_alert(am, first)
            assert alert is not None
            labels, notes = alert["labels"], alert["annotations"]
            assert labels["alertname"] == "CauselyRootCause"
            assert labels["severity"] == "critical" and labels["causely_severity"] == "Critical"
            assert labels["namespace"] == ns_a and labels["cluster"] == cluster_of(ns_a)
            assert labels["scope"] == scope_a and labels["entity_name"] == "checkout-api"
            assert labels["source"] == "causely-exporter"
            assert "checkout-api" in notes["summary"] and first in notes["description"]
            assert notes["impacted_services"] == "3"
            assert notes["runbook_url"].endswith("#causelyrootcause")
            assert alert["generatorURL"] == notes["portal_url"]
            assert notes["portal_url"].endswith(f"/rootCauses/{first}")
            assert abs(timestamp(alert["startsAt"]) - raised_at) < 2
        for exporter in exporters:
            info = exporter.metrics()["causely_defect_info"]
            assert first not in {dict(k)["defect_id"] for k in info}

        # Two replicas x two Alertmanagers: one notification, to the team owning the namespace.
        wait_until("the team's notification", lambda: notified(webhook, first, "firing"), 30)
        time.sleep(PEER_TIMEOUT + 2 * INTERVAL + 2)  # room for a duplicate to show up
        deliveries = notified(webhook, first, "firing")
        assert [path for path, _ in deliveries] == ["/team-a"]

        sim.clear_defect(first)
        wait_until("the resolved notification", lambda: notified(webhook, first, "resolved"), 30)
        assert {path for path, _ in notified(webhook, first, "resolved")} == {"/team-a"}
        for exporter in exporters:
            for am in started:
                label = am.url.removeprefix("http://")
                assert (
                    metric(
                        exporter,
                        "causely_exporter_alertmanager_notifications_total",
                        alertmanager=label,
                    )
                    > 0
                )

        # One Alertmanager gone: the other still gets everything, and notifies.
        am1.stop(signal.SIGKILL)
        second = sim.add_defect(scope_b, severity="Critical", namespace=ns_b, entity_name="db-0")
        wait_until(
            "the alert in the surviving Alertmanager", lambda: am_alert(am2, second), INTERVAL + 30
        )
        wait_until("team b's notification", lambda: notified(webhook, second, "firing"), 30)
        assert {path for path, _ in notified(webhook, second, "firing")} == {"/team-b"}
        dead = am1.url.removeprefix("http://")
        wait_until(
            "failed sends to the dead Alertmanager counted",
            lambda: all(
                metric(
                    e, "causely_exporter_alertmanager_notifications_failed_total", alertmanager=dead
                )
                for e in exporters
            ),
            20,
        )

        # Both exporters stop: nothing resolves the alert, it expires at its endsAt.
        for exporter in exporters:
            exporter.stop()
        alert = am_alert(am2, second)
        assert alert is not None
        ends_at = timestamp(alert["endsAt"])
        assert ends_at - time.time() <= 4 * INTERVAL + 1
        wait_until("the alert to expire", lambda: am_alert(am2, second) is None, 4 * INTERVAL + 20)
        assert time.time() >= ends_at - 0.5
        wait_until(
            "the resolved notification on expiry", lambda: notified(webhook, second, "resolved"), 30
        )
    finally:
        for am in started:
            am.stop()
        webhook.stop()
        sim.stop()
