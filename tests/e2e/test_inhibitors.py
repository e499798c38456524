"""One page per incident, end to end on 127.0.0.1: the simulator, two exporter replicas with the
bridge, a two-node Alertmanager cluster running the shipped alertmanager.yml (its routes and
inhibit_rules; only the receivers' URLs and the timings are the test's), a webhook receiver,
and the team's own symptom alerts pushed the way Prometheus pushes them (every 2 s, endsAt
ahead).

In the same run, with the inhibitors off and then on, a root cause explaining four services
gives 5 notifications (the root cause and four symptoms) and then 1; an alert on an unrelated
service and one without a `service` label are notified either way; once the root cause
clears, the still-firing symptoms are notified; once both exporters die, the inhibition ends
by itself and the symptoms page.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import requests
import yaml

from exporter.simulator.config import SimulatorConfig
from exporter.simulator.data import cluster_of
from exporter.simulator.simulator import Simulator
from tests.conftest import REPO, sim_env, write_config
from tests.e2e.test_bridge import GOSSIP
from tests.processes import free_port
from tests.receiver import Receiver
from tests.stack import Alertmanager, wait_until

INTERVAL = 2  # collection and resend: keep_firing_for defaults to 4 x 2 s
SHIPPED = REPO / "deploy" / "alertmanager" / "alertmanager.yml"
INHIBITOR = "CauselySymptomExplained"


def alertmanager_config(webhook: str, group_interval: str = "2s") -> str:
    """The shipped config with its receivers pointed at the test and test-sized timings.

    Every route groups by all labels, so each alert is its own notification and the counts
    below are per alert.
    """
    config = yaml.safe_load(SHIPPED.read_text())

    def fast(route: dict[str, Any]) -> None:
        route["group_by"] = ["..."]
        route["group_wait"] = "1s"
        route["group_interval"] = group_interval
        route["repeat_interval"] = "1h"
        for child in route.get("routes", []):
            fast(child)

    fast(config["route"])
    for receiver in config["receivers"]:
        for hook in receiver.get("webhook_configs", []):
            hook["url"] = f"{webhook}/{receiver['name']}"
    return yaml.safe_dump(config)


def exporter_config(am_urls: list[str], inhibitors: bool) -> str:
    return f"""
causely:
  scopes: discover
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
  causely_severities: [Critical]
  inhibitors:
    enabled: {str(inhibitors).lower()}
"""


def rfc3339(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, tz=timezone.utc).isoformat().replace("+00:00", "Z")


class SymptomAlerts:
    """The team's own alerts, sent to every Alertmanager as Prometheus sends them."""

    def __init__(self, urls: list[str]) -> None:
        self._urls = urls
        self._labels: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def fire(self, key: str, **labels: str) -> None:
        with self._lock:
            self._labels[key] = {"alertname": "HighErrorRate", "severity": "warning", **labels}
        self._send()

    def _send(self) -> None:
        now = time.time()
        with self._lock:
            body = [
                {"labels": labels, "startsAt": rfc3339(now - 60), "endsAt": rfc3339(now + 8)}
                for labels in self._labels.values()
            ]
        for url in self._urls:
            # Prometheus does not retry either: the next send makes up for a lost one.
            with contextlib.suppress(requests.RequestException):
                requests.post(url + "/api/v2/alerts", json=body, timeout=2)

    def _run(self) -> None:
        while not self._stop.wait(2):
            self._send()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)


def notifications(receiver: Receiver, status: str, **labels: str) -> list[str]:
    """The receiver paths of every notified alert carrying `labels`, in `status`."""
    found = []
    for request in receiver.received():
        body = request.body if isinstance(request.body, dict) else {}
        for alert in body.get("alerts", []):
            have = alert.get("labels", {})
            if alert.get("status") == status and all(have.get(k) == v for k, v in labels.items()):
                found.append(request.path)
    return found


def inhibitors_in(am: Alertmanager, namespace: str) -> set[str]:
    return {
        a["labels"]["service"]
        for a in am.alerts()
        if a["labels"].get("alertname") == INHIBITOR
        and a["labels"].get("namespace") == namespace
        and a["status"]["state"] == "active"
    }


@contextmanager
def cluster(
    tmp_path: Path, webhook: str, group_interval: str = "2s"
) -> Iterator[list[Alertmanager]]:
    config = alertmanager_config(webhook, group_interval)
    gossip = [free_port(), free_port()]
    started: list[Alertmanager] = []
    try:
        for index, own in enumerate(gossip):
            home = tmp_path / f"am{index}"
            home.mkdir()
            started.append(Alertmanager(home, config, own, [gossip[1 - index]], GOSSIP))
        wait_until(
            "a two-peer Alertmanager cluster",
            lambda: all(
                len(requests.get(am.url + "/api/v2/status", timeout=2).json()["cluster"]["peers"])
                == 2
                for am in started
            ),
            30,
        )
        yield started
    finally:
        for am in started:
            am.stop()


def test_root_causes_mute_the_symptoms_they_explain(tmp_path: Path, exporter_process: Any) -> None:
    sim = Simulator(SimulatorConfig(seed=5, scopes=2, defects=0, incidents=0))
    sim.start()
    webhook = Receiver()
    symptoms: SymptomAlerts | None = None
    try:
        scope = sim.scope_names()[0]
        namespace = sim.namespaces(scope)[0]
        where = {"cluster": cluster_of(namespace), "namespace": namespace}
        with cluster(tmp_path, webhook.url) as ams:
            urls = [am.url for am in ams]
            symptoms = SymptomAlerts(urls)
            counts = {}
            for phase, inhibit in (("off", False), ("on", True)):
                services = [f"{phase}-svc-{i}" for i in range(4)]
                config = write_config(tmp_path, exporter_config(urls, inhibit))
                exporters = [
                    exporter_process(["--config.file", config], sim_env(sim)) for _ in "ab"
                ]
                for exporter in exporters:
                    exporter.wait_ready()
                root = sim.add_defect(
                    scope, severity="Critical", namespace=namespace, services=services
                )
                wait_until(
                    "the root cause notified",
                    lambda root=root: notifications(webhook, "firing", defect_id=root),
                    30,
                )
                if inhibit:
                    wait_until(
                        "the inhibitors in both Alertmanagers",
                        lambda s=services: all(
                            inhibitors_in(am, namespace) >= set(s) for am in ams
                        ),
                        30,
                    )
                for service in services:
                    symptoms.fire(service, service=service, **where)
                symptoms.fire(f"{phase}-unrelated", service=f"{phase}-unrelated", **where)
                symptoms.fire(f"{phase}-no-service", team=phase, **where)
                wait_until(
                    "the unrelated alerts notified",
                    lambda p=phase: (
                        notifications(webhook, "firing", service=f"{p}-unrelated")
                        and notifications(webhook, "firing", team=p)
                    ),
                    30,
                )
                time.sleep(3 * INTERVAL + 3)  # room for every notification to show up
                counts[phase] = len(notifications(webhook, "firing", defect_id=root)) + sum(
                    len(notifications(webhook, "firing", service=s)) for s in services
                )
                assert not notifications(webhook, "firing", alertname=INHIBITOR)
                if inhibit:
                    break  # the root cause stays active for what follows
                sim.clear_defect(root)
                for exporter in exporters:
                    exporter.stop()
            print(f"\nnotifications for one root cause explaining 4 services: {counts}")
            assert counts == {"off": 5, "on": 1}

            # The root cause clears: the inhibitors resolve, the symptoms still firing page.
            sim.clear_defect(root)
            wait_until(
                "the muted symptoms notified once the root cause cleared",
                lambda: all(notifications(webhook, "firing", service=s) for s in services),
                30,
            )

            # Both exporters die while a root cause mutes: the inhibition ends by itself.
            later = [f"late-svc-{i}" for i in range(2)]
            root = sim.add_defect(scope, severity="Critical", namespace=namespace, services=later)
            wait_until(
                "the new inhibitors",
                lambda: all(inhibitors_in(am, namespace) >= set(later) for am in ams),
                30,
            )
            for service in later:
                symptoms.fire(service, service=service, **where)
            time.sleep(2 * INTERVAL)
            assert not any(notifications(webhook, "firing", service=s) for s in later)
            for exporter in exporters:
                exporter.stop()
            died = time.time()
            wait_until(
                "the symptoms notified after the exporters died",
                lambda: all(notifications(webhook, "firing", service=s) for s in later),
                4 * INTERVAL + 20,
            )
            muted = time.time() - died
            print(f"symptoms muted for {muted:.1f}s after the last exporter died")
            assert muted <= 4 * INTERVAL + 2 + 5  # keep_firing_for + group_interval + slack
    finally:
        if symptoms is not None:
            symptoms.stop()
        webhook.stop()
        sim.stop()
