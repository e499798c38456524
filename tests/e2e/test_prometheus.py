"""A real Prometheus scrapes the exporter, run as a user runs it, and the values it stores
equal the simulator's ground truth."""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import requests

from exporter.simulator.config import SimulatorConfig
from exporter.simulator.simulator import Simulator
from tests.conftest import sim_env, write_config
from tests.stack import Prometheus, binary, wait_until

CONFIG = """
causely:
  scopes: discover
  page_size: 25
causeflow:
  enabled: true
collection:
  interval: 2s
"""


def test_prometheus_scrapes_ground_truth(tmp_path: Path, exporter_process: Any) -> None:
    with Simulator(SimulatorConfig(seed=21, scopes=4, defects=300, incidents=50)) as sim:
        exporter = exporter_process(["--config.file", write_config(tmp_path, CONFIG)], sim_env(sim))
        exporter.wait_ready()
        prometheus = Prometheus(tmp_path, [f"127.0.0.1:{exporter.port}"])
        try:
            wait_until(
                "a scrape with data",
                lambda: prometheus.query('causely_up{job="causely-exporter"} == 1'),
                60,
                prometheus,
            )
            truth: Counter[tuple[str, ...]] = Counter()
            for scope in sim.scope_names():
                for d in sim.active_defects(scope):
                    truth[(scope, d.severity, d.entity_type, d.name)] += 1
            stored = {
                (
                    m["metric"]["scope"],
                    m["metric"]["severity"],
                    m["metric"]["entity_type"],
                    m["metric"]["defect_name"],
                ): int(float(m["value"][1]))
                for m in prometheus.query("causely_active_defects > 0")
            }
            assert stored == dict(truth)
            per_scope = {
                m["metric"]["scope"]: int(float(m["value"][1]))
                for m in prometheus.query("sum by (scope) (causely_active_defects)")
            }
            assert per_scope == {s: len(sim.active_defects(s)) for s in sim.scope_names()}
            open_incidents = prometheus.query("sum(causeflow_incidents)")
            statuses = ["open", "triaging", "investigating", "awaiting_approval", "remediating"]
            assert int(float(open_incidents[0]["value"][1])) == len(sim.incidents(statuses))
            up = prometheus.query('up{job="causely-exporter"}')
            assert up[0]["value"][1] == "1"
            assert prometheus.query('process_start_time_seconds{job="causely-exporter"}')
            # Prometheus asks for OpenMetrics first, and keeps a counter's metadata under its
            # family name only when it got OpenMetrics (the text format names it _total).
            metadata = requests.get(
                prometheus.url + "/api/v1/targets/metadata",
                params={"metric": "causely_exporter_api_requests"},
                timeout=10,
            ).json()["data"]
            assert [m["type"] for m in metadata] == ["counter"], metadata
        finally:
            prometheus.stop()


def test_promtool_check_metrics_is_silent(tmp_path: Path, exporter_process: Any) -> None:
    with Simulator(SimulatorConfig(seed=2, scopes=3, defects=200, incidents=30)) as sim:
        config = write_config(tmp_path, CONFIG)
        exporter = exporter_process(["--config.file", config], sim_env(sim))
        exporter.wait_ready()
        body = requests.get(exporter.url + "/metrics", timeout=5).text
        assert "causely_active_defects{" in body and "causeflow_incidents{" in body
        checked = subprocess.run(
            [binary("promtool"), "check", "metrics"],
            input=body,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert checked.returncode == 0, checked.stderr
        assert checked.stdout == "" and checked.stderr == ""
