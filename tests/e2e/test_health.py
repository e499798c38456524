"""End to end with a real Prometheus (the shipped rule file): service health, SLO and time to
resolve series equal the simulator's truth, a clear shows up in the histogram and in the
recording rules, and every query of the new dashboard panels returns data."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import yaml

from exporter.simulator.config import SimulatorConfig
from exporter.simulator.simulator import Simulator
from tests.conftest import REPO, sim_env, write_config
from tests.dashboard_exprs import dashboard_queries, iter_panels, load_dashboards
from tests.stack import Prometheus, wait_until

RULES = REPO / "deploy" / "prometheus" / "causely-exporter.rules.yml"
CONFIG = """
causely:
  scopes: discover
causeflow:
  enabled: true
collection:
  interval: 1s
"""
HEALTH_PANEL = "Service health and SLO queries"  # on the exporter health dashboard
NEW_ROWS = ("Service health (Causely)", "SLOs (Causely)", "Time to resolve (Causely)")


def new_panel_titles() -> set[str]:
    """Titles of the panels under the service health, SLO and time to resolve rows."""
    titles: set[str] = set()
    current = ""
    for panel in iter_panels(load_dashboards()["causely-root-causes"]):
        if panel["type"] == "row":
            current = panel["title"]
        elif current in NEW_ROWS:
            titles.add(panel["title"])
    return titles


def recording_rules(group: str) -> list[str]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return [r["record"] for g in groups if g["name"] == group for r in g["rules"]]


def value(prometheus: Prometheus, expr: str) -> float | None:
    result = prometheus.query(expr)
    return float(result[0]["value"][1]) if result else None


def test_health_slos_and_time_to_resolve_in_prometheus(
    tmp_path: Path, exporter_process: Any
) -> None:
    with Simulator(SimulatorConfig(seed=31, scopes=3, defects=60, incidents=30)) as sim:
        scope = sim.scope_names()[0]
        exporter = exporter_process(["--config.file", write_config(tmp_path, CONFIG)], sim_env(sim))
        exporter.wait_ready()
        prometheus = Prometheus(tmp_path, [f"127.0.0.1:{exporter.port}"], rule_files=[str(RULES)])
        try:
            defect = max(sim.active_defects(scope), key=lambda d: time.time() - d.from_time)
            count = (
                f'causely_defect_time_to_resolve_seconds_count{{scope="{scope}", '
                f'severity="{defect.severity}"}}'
            )
            # The series are there at 0 before the clear, so rate() sees the clear.
            wait_until("the histogram at 0", lambda: value(prometheus, count) == 0, 60, prometheus)
            time.sleep(2)
            sim.clear_defect(defect.id)
            incident = sim.incidents(["open"])[0]
            sim.resolve_incident(incident.incident_id)
            wait_until("the clear", lambda: value(prometheus, count) == 1, 30, prometheus)
            week = count.replace("_count{", '_bucket{le="+Inf", ')
            assert value(prometheus, week) == 1

            stored = {
                (m["metric"]["scope"], m["metric"]["severity"]): int(float(m["value"][1]))
                for m in prometheus.query('causely_entities{entity_type="Service"} > 0')
            }
            truth = {
                (name, severity): n
                for name in sim.scope_names()
                for (_, severity), n in sim.entity_counts(name).items()
                if n
            }
            assert stored == truth
            slos = {
                m["metric"]["slo_id"]: m["metric"]["state"]
                for m in prometheus.query(f'causely_slo_info{{scope="{scope}"}}')
            }
            assert slos == {k: state for k, (_, state) in sim.slo_states(scope).items()}
            for up in ("causely_entities_up", "causely_slos_up"):
                assert {m["value"][1] for m in prometheus.query(up)} == {"1"}

            titles = new_panel_titles()
            assert len(titles) >= 9
            queries = [
                q
                for q in dashboard_queries(scope=scope) + dashboard_queries()
                if (q[0] == "causely-root-causes" and q[1] in titles)
                or (q[0] == "causely-exporter-health" and q[1] == HEALTH_PANEL)
            ]
            assert any(q[1] == HEALTH_PANEL for q in queries)
            records = recording_rules("causely-exporter.time-to-resolve")
            for what in [q[2] for q in queries] + records:
                wait_until(f"data for {what}", lambda e=what: prometheus.query(e), 20, prometheus)
            p50 = "severity:causely_defect_time_to_resolve_seconds:p50_rate1h"
            p50 = f'{p50}{{severity="{defect.severity}"}} > 0'
            # Rules run every second: the first evaluation after the clear's scrape has it.
            wait_until("a positive median", lambda: value(prometheus, p50), 20, prometheus)
        finally:
            prometheus.stop()
