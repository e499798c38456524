"""Collection benchmark: 100k active defects over 20 scopes with 25 ms simulated latency.

    python -m bench.collection [--scopes 20] [--defects 100000] [--latency 0.025] [--no-parts]
                               [--slos-per-scope N] [--explained]

Prints, from one run: wall time against the lower bound requests x latency / concurrency
and against the barest client walking the same pages on the same rig (bench/bare_client.py),
peak RSS against idle RSS, and requests sent against the minimum possible. The minimum
counts the service health request of each scope and the SLO pages (--no-parts turns those
queries off, to see what they cost). A second cycle then measures time to resolve at work:
every defect of the first cycle is tracked and compared.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.common import REPO, dump, print_table, scope_sizes, sim_env, simulator, slo_sizes

CONFIG = """
causely:
  scopes: discover
  page_size: {page_size}
  concurrency: {concurrency}
  entity_health: {{enabled: {parts}}}
  slos: {{enabled: {parts}}}
  time_to_resolve: {ttr}
  explained_services: {{enabled: {explained}}}
collection:
  interval: 10m
http:
  read_timeout: 60s
"""


def run(
    scopes: int,
    defects: int,
    latency: float,
    page_size: int,
    concurrency: int,
    parts: bool = True,
    ttr: bool = True,
    slos_per_scope: int = 0,
    explained: bool = False,
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-collect-") as tmp_name:
        tmp = Path(tmp_name)
        config = tmp / "config.yaml"
        config.write_text(
            CONFIG.format(
                page_size=page_size,
                concurrency=concurrency,
                parts=str(parts).lower(),
                ttr=str(ttr).lower(),
                explained=str(explained).lower(),
            )
        )
        options = {"slos_per_scope": slos_per_scope} if slos_per_scope else {}
        with simulator(
            tmp, scopes=scopes, defects=defects, incidents=0, latency=latency, **options
        ) as url:
            sizes = scope_sizes(url)
            slos = slo_sizes(url) if parts else {}
            child = subprocess.run(
                [sys.executable, "-m", "bench.collect_child", str(config)],
                capture_output=True,
                text=True,
                cwd=REPO,
                timeout=1800,
                env={**os.environ, **sim_env(url)},
            )
            bare = subprocess.run(
                [sys.executable, "-m", "bench.bare_client", url, str(concurrency), str(page_size)]
                + (["explained"] if explained else []),
                capture_output=True,
                text=True,
                cwd=REPO,
                timeout=1800,
            )
        if bare.returncode != 0:
            raise SystemExit(f"bench: bare client failed: {bare.stderr[-2000:]}")
        if child.returncode != 0:
            raise SystemExit(f"bench: collection failed: {child.stdout}{child.stderr[-2000:]}")
        result: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
        floor = json.loads(bare.stdout.strip().splitlines()[-1])
        result["bare_wall_seconds"] = floor["wall_seconds"]
        result["page_bytes_per_defect"] = floor["page_bytes"] / max(1, floor["defects"])
    minimum = (
        1  # token exchange
        + max(1, math.ceil(len(sizes) / page_size))  # getUserScopes pages
        + sum(max(1, math.ceil(n / page_size)) for n in sizes.values())  # defect pages
    )
    part_requests = (
        len(slos)  # one entityTypeCounts per scope
        + sum(max(1, math.ceil(n / page_size)) for n in slos.values())  # SLO pages
    )
    minimum += part_requests
    sent = sum(result["requests"].values())
    # The token and the scope list come before any scope can start: they are serial.
    serial = 1 + max(1, math.ceil(len(sizes) / page_size))
    lower_bound = (serial + (minimum - serial) / concurrency) * latency
    result.update(
        scopes=len(sizes),
        defects=sum(sizes.values()),
        latency=latency,
        page_size=page_size,
        concurrency=concurrency,
        parts=parts,
        time_to_resolve=ttr,
        slos_per_scope=slos_per_scope,
        explained=explained,
        part_requests_minimum=part_requests,
        part_requests_sent=sum(
            n for key, n in result["requests"].items() if key.split()[0] in PART_OPERATIONS
        ),
        minimum_requests=minimum,
        requests_sent=sent,
        lower_bound_seconds=lower_bound,
        wall_ratio=result["wall_seconds"] / lower_bound if lower_bound else None,
        bare_ratio=result["bare_wall_seconds"] / lower_bound if lower_bound else None,
        over_bare_ratio=result["wall_seconds"] / result["bare_wall_seconds"],
        rss_growth_mib=(result["peak_rss_kib"] - result["idle_rss_kib"]) / 1024,
        rss_growth_second_mib=(result["peak_rss_second_kib"] - result["idle_rss_kib"]) / 1024,
    )
    return result


PART_OPERATIONS = ("entityTypeCounts", "sloConnection")


def report(r: dict[str, Any]) -> None:
    print_table(
        f"Collection: {r['defects']} active defects over {r['scopes']} scopes, "
        f"{r['latency'] * 1000:.0f} ms latency, page_size {r['page_size']}, "
        f"concurrency {r['concurrency']}"
        + (f", {r['slos_per_scope']} SLOs per scope" if r["slos_per_scope"] else "")
        + (", impacts and symptoms asked for" if r["explained"] else ""),
        [
            ("wall time", f"{r['wall_seconds']:.2f} s", ""),
            (
                "lower bound",
                f"{r['lower_bound_seconds']:.2f} s",
                "requests x latency / concurrency",
            ),
            (
                "wall / lower bound",
                f"{r['wall_ratio']:.2f}x" if r["wall_ratio"] else "n/a",
                "target <= 1.25x",
            ),
            (
                "bare client, same walk",
                f"{r['bare_wall_seconds']:.2f} s",
                f"{r['bare_ratio']:.2f}x the lower bound: the rig's own floor"
                if r["bare_ratio"]
                else "the rig's own floor (requests + json.loads, defect pages only)",
            ),
            ("wall / bare client", f"{r['over_bare_ratio']:.2f}x", "what the exporter adds"),
            (
                "defect page bytes",
                f"{r['page_bytes_per_defect']:.0f} B",
                "per defect, as the bare client read them",
            ),
            ("idle RSS", f"{r['idle_rss_kib'] / 1024:.1f} MiB", ""),
            ("peak RSS", f"{r['peak_rss_kib'] / 1024:.1f} MiB", ""),
            ("peak - idle RSS", f"+{r['rss_growth_mib']:.1f} MiB", "target <= +40 MiB"),
            ("requests sent", str(r["requests_sent"]), ""),
            ("minimum possible", str(r["minimum_requests"]), "target: equal"),
            ("sent / minimum", f"{r['requests_sent'] / r['minimum_requests']:.2f}x", ""),
            (
                "health + SLO requests",
                f"{r['part_requests_sent']} / {r['part_requests_minimum']}",
                "sent / minimum (entityTypeCounts, sloConnection)",
            ),
            (
                "health + SLO unit time",
                f"{r['part_unit_seconds']:.2f} s",
                f"summed; / concurrency: {r['part_unit_seconds'] / r['concurrency']:.2f} s",
            ),
            ("2nd cycle wall time", f"{r['second_wall_seconds']:.2f} s", "tracking clears"),
            (
                "time to resolve update",
                f"{r['tracker_seconds'] * 1000:.0f} ms",
                f"{r['tracked']} active defects compared",
            ),
            (
                "peak - idle RSS, 2 cycles",
                f"+{r['rss_growth_second_mib']:.1f} MiB",
                "time to resolve on if enabled; the target is on 1 cycle",
            ),
        ],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.collection")
    parser.add_argument("--scopes", type=int, default=20)
    parser.add_argument("--defects", type=int, default=100_000)
    parser.add_argument("--latency", type=float, default=0.025)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument(
        "--no-parts", action="store_true", help="turn the health and SLO queries off"
    )
    parser.add_argument(
        "--no-time-to-resolve", action="store_true", help="turn time to resolve tracking off"
    )
    parser.add_argument(
        "--slos-per-scope", type=int, default=0, help="SLOs in each scope (0: about 40)"
    )
    parser.add_argument(
        "--explained",
        action="store_true",
        help="turn causely.explained_services on (impacts and symptoms in every defect page)",
    )
    args = parser.parse_args(argv)
    result = run(
        args.scopes,
        args.defects,
        args.latency,
        args.page_size,
        args.concurrency,
        parts=not args.no_parts,
        ttr=not args.no_time_to_resolve,
        slos_per_scope=args.slos_per_scope,
        explained=args.explained,
    )
    report(result)
    dump(REPO / "bench" / "results" / "collection.json", result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
