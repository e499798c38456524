"""High availability with real parts: two exporter replicas against one simulator, scraped by a
real Prometheus with the shipped rule file, give the same recording-rule and root-cause
dashboard values as one replica scraped by another Prometheus."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

from exporter.simulator.config import SimulatorConfig
from exporter.simulator.simulator import Simulator
from tests.conftest import REPO, sim_env, write_config
from tests.dashboard_exprs import dashboard_queries
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
# Recording rules over the data (the same series on every replica): equal to the last digit.
DATA_RULES = (
    "scope_severity:causely_active_defects:sum",
    "scope_entity_type:causely_active_defects:sum",
    "severity_status:causeflow_incidents:sum",
    "operation:causely_exporter_api_request_failures_per_requests:ratio_rate10m",
)
# Rates of each replica's own API calls: the value is one replica's, never the sum of both.
RATE_RULES = {
    "operation_code:causely_exporter_api_requests:rate5m": "causely_exporter_api_requests_total",
}
READY_TIMEOUT = 90


def values(result: list[dict[str, Any]]) -> dict[tuple[tuple[str, str], ...], str]:
    """{labels (without the metric name): value}"""
    return {
        tuple(sorted((k, v) for k, v in m["metric"].items() if k != "__name__")): m["value"][1]
        for m in result
    }


def test_two_replicas_give_the_same_values_as_one(tmp_path: Path, exporter_process: Any) -> None:
    config = SimulatorConfig(seed=5, scopes=3, defects=90, incidents=25)
    with Simulator(config) as sim:
        config_file = write_config(tmp_path, CONFIG)
        replicas = [exporter_process(["--config.file", config_file], sim_env(sim)) for _ in "ab"]
        for replica in replicas:
            replica.wait_ready()
        targets = [f"127.0.0.1:{r.port}" for r in replicas]
        (tmp_path / "one").mkdir()
        (tmp_path / "two").mkdir()
        one = Prometheus(tmp_path / "one", targets[:1], rule_files=[str(RULES)])
        two = Prometheus(tmp_path / "two", targets, rule_files=[str(RULES)])
        try:
            for prometheus, n in ((one, 1), (two, 2)):
                # Two scrapes of every target, then an evaluation: every rule has a value.
                wait_until(
                    f"{n} replica(s) scraped and every rule evaluated",
                    lambda p=prometheus, n=n: (
                        len(p.query('causely_up{job="causely-exporter"} == 1')) == n
                        and all(p.query(rule) for rule in DATA_RULES + tuple(RATE_RULES))
                    ),
                    READY_TIMEOUT,
                    prometheus,
                )
            # The second Prometheus really holds both replicas' copies of every series.
            assert len(two.query("causely_defect_info")) == 2 * len(
                one.query("causely_defect_info")
            )

            # One instant for every query below, after both have evaluated the rules again: a
            # rule's first sample may be younger than a second.
            time.sleep(3)
            at = time.time() - 1
            for rule in DATA_RULES:
                expected = values(one.query(rule, at))
                assert expected, rule
                assert values(two.query(rule, at)) == expected, rule

            # ... and the values are the simulator's: not doubled, not halved.
            truth: Counter[tuple[tuple[str, str], ...]] = Counter()
            for scope in sim.scope_names():
                for d in sim.active_defects(scope):
                    truth[(("scope", scope), ("severity", d.severity))] += 1
            stored = {
                k: int(float(v))
                for k, v in values(two.query(DATA_RULES[0], at)).items()
                if float(v) > 0
            }
            assert stored == dict(truth)
            naive = values(two.query("sum by (scope, severity) (causely_active_defects)", at))
            assert {k: int(float(v)) for k, v in naive.items() if float(v)} == {
                k: 2 * v for k, v in truth.items()
            }, "the check above would not see a doubling"

            for rule, counter in RATE_RULES.items():
                per_replica = two.query(f"sum by (instance) (rate({counter}[5m]))", at)
                assert len(per_replica) == 2
                total = sum(float(m["value"][1]) for m in per_replica)
                busiest = max(float(m["value"][1]) for m in per_replica)
                recorded = sum(float(m["value"][1]) for m in two.query(f"sum({rule})", at))
                # The rule keeps one replica's rates (max per operation and code): at most the
                # busiest replica's total, clearly below the sum of both.
                assert 0 < recorded <= busiest * 1.0001, (recorded, busiest)
                assert recorded < 0.8 * total, (recorded, total)

            # Every query of the root-cause dashboard: same answer with one or two replicas.
            scope = sim.scope_names()[0]
            queries = [
                (title, expr)
                for uid, title, expr in dashboard_queries(scope=scope) + dashboard_queries()
                if uid == "causely-root-causes"
            ]
            assert len(queries) > 20
            for title, expr in queries:
                assert values(two.query(expr, at)) == values(one.query(expr, at)), title
        finally:
            one.stop()
            two.stop()
