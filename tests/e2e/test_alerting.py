"""End to end on loopback with real binaries: simulator -> exporter -> Prometheus (the shipped
rule file, unmodified) -> Alertmanager (the shipped config). A Critical root cause raised in
the simulator reaches Alertmanager within a bounded time and resolves when it clears; every
dashboard query, with its variables filled in, returns data from that Prometheus."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from exporter.simulator.config import SimulatorConfig
from exporter.simulator.simulator import Simulator
from tests.conftest import REPO, sim_env, write_config
from tests.dashboard_exprs import dashboard_queries, needs_bridge
from tests.stack import Alertmanager, Prometheus, wait_until

RULES = REPO / "deploy" / "prometheus" / "causely-exporter.rules.yml"
ALERTMANAGER_CONFIG = REPO / "deploy" / "alertmanager" / "alertmanager.yml"
CONFIG = """
causely:
  scopes: discover
  explained_services:
    enabled: true
causeflow:
  enabled: true
collection:
  interval: 1s
http:
  backoff_initial: 100ms
  backoff_max: 200ms
"""
# CauselyCriticalRootCause has `for: 1m`; allow for scrape, evaluation and notification.
FIRE_TIMEOUT = 120


def inject_faults(sim: Simulator) -> None:
    sim.inject("status", status=503, count=2)
    sim.inject("rate_limit", seconds=1, header="retry-after", target="causeflow")
    sim.inject("status", status=400, count=1)


def am_alerts(alertmanager: Alertmanager, name: str, **labels: str) -> list[dict[str, Any]]:
    return [
        a
        for a in alertmanager.alerts()
        if a["labels"].get("alertname") == name
        and all(a["labels"].get(k) == v for k, v in labels.items())
        and a["status"]["state"] == "active"
    ]


def test_critical_root_cause_pages_and_resolves(tmp_path: Path, exporter_process: Any) -> None:
    sim_config = SimulatorConfig(seed=31, scopes=3, defects=60, incidents=30)
    with Simulator(sim_config) as sim:
        scope = sim.scope_names()[0]
        exporter = exporter_process(["--config.file", write_config(tmp_path, CONFIG)], sim_env(sim))
        exporter.wait_ready()
        alertmanager = Alertmanager(tmp_path, ALERTMANAGER_CONFIG.read_text())
        prometheus = Prometheus(
            tmp_path,
            [f"127.0.0.1:{exporter.port}"],
            rule_files=[str(RULES)],
            alertmanager=f"127.0.0.1:{alertmanager.port}",
        )
        try:
            # Faults give the retry and error panels series to show; they come again later,
            # because increase() sees nothing in a counter series' very first sample.
            inject_faults(sim)
            # A root cause that clears gives the time to resolve panel data: its histogram
            # series are exported at 0 from the first cycle, so wait for one scrape of them.
            old = sim.active_defects(scope)[0]
            wait_until(
                "the time to resolve series",
                lambda: prometheus.query("causely_defect_time_to_resolve_seconds_count"),
                30,
                prometheus,
            )
            sim.clear_defect(old.id)
            defect_id = sim.add_defect(
                scope,
                name="E2EOutage",
                severity="Critical",
                entity_type="Service",
                entity_name="checkout-api",
                service_count=4,
            )
            incident_id = sim.add_incident(title="E2E payment outage", severity="critical")
            raised = time.time()
            wait_until(
                "the critical alert in Alertmanager",
                lambda: am_alerts(
                    alertmanager, "CauselyCriticalRootCause", defect_id=defect_id, scope=scope
                ),
                FIRE_TIMEOUT,
                prometheus,
            )
            fired_after = time.time() - raised
            alert = am_alerts(alertmanager, "CauselyCriticalRootCause", defect_id=defect_id)[0]
            assert alert["labels"]["severity"] == "critical"
            assert alert["labels"]["defect_name"] == "E2EOutage"
            assert alert["annotations"]["runbook_url"].endswith("#causelycriticalrootcause")
            assert "checkout-api" in alert["annotations"]["description"]
            assert fired_after < FIRE_TIMEOUT

            # Fired in the same minute as the root cause, so this wait is short.
            incident = wait_until(
                "the CauseFlow critical incident alert",
                lambda: am_alerts(alertmanager, "CauseFlowCriticalIncidentOpen"),
                30,
                prometheus,
            )[0]
            assert incident["labels"]["severity"] == "critical"
            assert "E2E payment outage" in incident["annotations"]["description"]
            assert incident_id
            inject_faults(sim)
            queries = dashboard_queries(scope=scope, severity=".*") + dashboard_queries()
            for uid, title, expr in queries:
                if needs_bridge(expr):
                    # This set-up pages through the rules; the bridge (`alertmanager:`
                    # section) is off, so its panels may have no data: they must still run.
                    prometheus.query(expr)
                    continue
                wait_until(
                    f"data for {uid} / {title}: {expr}",
                    lambda e=expr: prometheus.query(e),
                    20,
                    prometheus,
                )

            # Nothing about the exporter itself should be firing while it is healthy.
            names = {a["labels"]["alertname"] for a in prometheus.alerts()}
            assert not names & {"CauselyExporterDown", "CauselyExporterAbsent", "CauselyDataStale"}

            sim.clear_defect(defect_id)
            wait_until(
                "the critical alert to resolve",
                lambda: (
                    not am_alerts(alertmanager, "CauselyCriticalRootCause", defect_id=defect_id)
                ),
                60,
                prometheus,
            )
        finally:
            prometheus.stop()
            alertmanager.stop()
