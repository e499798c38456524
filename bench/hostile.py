"""Hostile API answers: peak memory and time to give up, one collection cycle each.

    python -m bench.hostile

Each case runs one cycle in a fresh process (bench.collect_child) against the simulator with
one fault on every GraphQL answer, and reports the cycle's wall time and its RSS growth (the
kernel's high-water mark against idle). Only the defect query runs (entity health and SLOs
are off), so the figures are those of one call. Targets: growth stays near the body cap
(http.max_response_bytes, 32 MiB by default) whatever the body size; a trickled body gives
up at the cycle's deadline.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import requests

from bench.common import REPO, dump, print_table, sim_env, simulator

# With N calls in flight (scopes, entity health, SLOs) each may hold up to the cap: the
# peak is then up to N x the cap.
CONFIG = """
causely:
  entity_health:
    enabled: false
  slos:
    enabled: false
collection:
  interval: {interval}s
http:
  read_timeout: 30s
  max_attempts: 1
"""

CASES: dict[str, dict[str, Any]] = {
    "huge_body 500 MB chunked": {"kind": "huge_body", "size": 500_000_000},
    "huge_body 500 MB declared": {"kind": "huge_body", "size": 500_000_000, "declare_length": True},
    "endless_body": {"kind": "endless_body"},
    "gzip_bomb 1 GB from 3 MB": {"kind": "gzip_bomb", "size": 1_000_000_000},
    "deep_json 100k levels": {"kind": "deep_json", "levels": 100_000},
    "trickle_body 1 byte / 5 s": {"kind": "trickle_body", "seconds": 5},
    "trickle_head 1 byte / 5 s": {"kind": "trickle_head", "seconds": 5},
}


def run_case(fault: dict[str, Any], interval: float = 10.0) -> dict[str, Any]:
    """One cycle against a simulator answering every GraphQL call with `fault`."""
    with tempfile.TemporaryDirectory(prefix="bench-hostile-") as tmp_name:
        tmp = Path(tmp_name)
        config = tmp / "config.yaml"
        config.write_text(CONFIG.format(interval=interval))
        with simulator(tmp, scopes=1, defects=50, incidents=0) as url:
            requests.post(
                url + "/_sim/faults", json={**fault, "count": None, "target": "graphql"}, timeout=10
            ).raise_for_status()
            child = subprocess.run(
                [sys.executable, "-m", "bench.collect_child", str(config)],
                capture_output=True,
                text=True,
                cwd=REPO,
                timeout=interval * 6 + 60,
                env={**os.environ, **sim_env(url)},
            )
    lines = child.stdout.strip().splitlines()
    if not lines:
        raise SystemExit(f"bench: no result from the cycle: {child.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(lines[-1])
    errors = [line for line in child.stderr.splitlines() if "event=collect_failed" in line]
    result.update(
        interval=interval,
        rss_growth_mib=(result["peak_rss_kib"] - result["idle_rss_kib"]) / 1024,
        error=errors[-1].split(" error=")[-1].split()[0] if errors else "",
    )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hostile")
    parser.add_argument("--interval", type=float, default=10.0, help="cycle deadline, seconds")
    args = parser.parse_args(argv)
    results = {name: run_case(fault, args.interval) for name, fault in CASES.items()}
    rows = [
        (
            name,
            f"+{r['rss_growth_mib']:.1f} MiB {r['wall_seconds']:6.2f} s",
            r["error"],
        )
        for name, r in results.items()
    ]
    print_table(
        f"Hostile answers: RSS growth and time to give up (deadline {args.interval:.0f} s, "
        "body cap 32 MiB)",
        rows,
    )
    dump(REPO / "bench" / "results" / "hostile.json", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
