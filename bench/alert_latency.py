"""Time from a root cause raised in the simulator to its alert in Alertmanager, through the
bridge and through the rules path (scrape, rule evaluation, `for: 1m`), in the same run.

    python -m bench.alert_latency [--interval 15] [--scrape-interval 15] [--runs 3]

One simulator, one exporter with the bridge on, one Prometheus scraping it with the shipped
rules, one Alertmanager receiving both. Results also go to bench/results/alert_latency.json.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

from bench.common import REPO, dump, free_port, sim_env, simulator, wait_for
from tests.processes import Process
from tests.stack import Alertmanager, Prometheus

RULES = REPO / "deploy" / "prometheus" / "causely-exporter.rules.yml"
AM_CONFIG = """
route:
  receiver: "null"
  group_wait: 1s
receivers:
  - name: "null"
"""


def first_seen(am: str, defect_id: str) -> dict[str, str]:
    """alertname -> state for the alerts Alertmanager holds about the defect."""
    alerts = requests.get(am + "/api/v2/alerts", timeout=5).json()
    return {
        a["labels"]["alertname"]: a["status"]["state"]
        for a in alerts
        if a["labels"].get("defect_id") == defect_id
    }


def run(interval: float, scrape_interval: float, runs: int) -> dict[str, Any]:
    bridge: list[float] = []
    rules: list[float] = []
    with (
        tempfile.TemporaryDirectory() as tmp_dir,
        simulator(Path(tmp_dir), seed=5, scopes=2, defects=50) as sim,
    ):
        tmp = Path(tmp_dir)
        am = Alertmanager(tmp, AM_CONFIG)
        port = free_port()
        config = tmp / "exporter.yaml"
        config.write_text(
            f"collection:\n  interval: {interval}s\n"
            f"alertmanager:\n  urls: ['{am.url}']\n  resend_interval: 1m\n"
        )
        exporter = [
            sys.executable,
            "-m",
            "exporter",
            f"--web.listen-address=127.0.0.1:{port}",
            f"--config.file={config}",
        ]
        prometheus = None
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **sim_env(sim)}
        exporter_proc = Process(exporter, tmp / "exporter.log", env=env, cwd=REPO)
        try:
            wait_for(f"http://127.0.0.1:{port}/readyz", timeout=60)
            prometheus = Prometheus(
                tmp,
                [f"127.0.0.1:{port}"],
                rule_files=[str(RULES)],
                alertmanager=f"127.0.0.1:{am.port}",
                interval=f"{scrape_interval:g}s",
            )
            scope = next(iter(requests.get(sim + "/_sim/truth", timeout=30).json()["scopes"]))
            for _ in range(runs):
                # A random phase against the collection cycle, as a real root cause has.
                time.sleep(random.uniform(0, interval))
                response = requests.post(
                    sim + "/_sim/defects",
                    json={"scope": scope, "severity": "Critical", "name": "Congested"},
                    timeout=10,
                )
                defect_id = response.json()["id"]
                raised = time.time()
                got: dict[str, float] = {}
                while len(got) < 2 and time.time() - raised < 600:
                    seen = first_seen(am.url, defect_id)
                    for name, key in (
                        ("CauselyRootCause", "bridge"),
                        ("CauselyCriticalRootCause", "rules"),
                    ):
                        if name in seen and key not in got:
                            got[key] = time.time() - raised
                    time.sleep(0.1)
                bridge.append(got.get("bridge", float("nan")))
                rules.append(got.get("rules", float("nan")))
                requests.delete(sim + f"/_sim/defects/{defect_id}", timeout=10)
        finally:
            if prometheus is not None:
                prometheus.stop()
            exporter_proc.stop()
            am.stop()
    return {
        "collection_interval_s": interval,
        "scrape_and_evaluation_interval_s": scrape_interval,
        "bridge_s": bridge,
        "rules_s": rules,
        "bridge_median_s": statistics.median(bridge),
        "rules_median_s": statistics.median(rules),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.alert_latency")
    parser.add_argument("--interval", type=float, default=15.0, help="collection interval, s")
    parser.add_argument("--scrape-interval", type=float, default=15.0, help="Prometheus, s")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    result = run(args.interval, args.scrape_interval, args.runs)
    print(
        f"root cause -> Alertmanager (collection {args.interval:g}s, scrape/eval "
        f"{args.scrape_interval:g}s): bridge {result['bridge_s']} s, rules {result['rules_s']} s; "
        f"medians {result['bridge_median_s']:.1f}s vs {result['rules_median_s']:.1f}s"
    )
    dump(REPO / "bench" / "results" / "alert_latency.json", result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
