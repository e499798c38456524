"""Collection benchmark: 100k active defects over 21 scopes with 25 ms simulated latency.

    python -m bench.collection [--scopes 21] [--defects 100000] [--latency 0.025] [--no-parts]
                               [--slos-per-scope N] [--explained] [--before REV]

With --before, the same cycle is run first by the code of REV (a git worktree of it, made for
the run and removed after) against the same simulator, and both are printed side by side:
CPU (getrusage, first cycle, render included and alone), wall time against each code's own
round-trip bound, peak RSS growth and requests.

Prints, from one run: wall time against the lower bound requests x latency / concurrency
and against the barest client walking the same pages on the same rig (bench/bare_client.py),
peak RSS against idle RSS, and requests sent against the minimum possible. The minimum
counts the service health request of each scope and the SLO pages (--no-parts turns those
queries off, to see what they cost). A second cycle then measures time to resolve at work:
every defect of the first cycle is tracked and compared.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.common import REPO, dump, print_table, scope_sizes, sim_env, simulator, slo_sizes

CONFIG = """
causely:
{scopes}  page_size: {page_size}
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
    before: str | None = None,
    discover: bool = True,
) -> dict[str, Any]:
    """One cycle by this code; with `before`, the same cycle by that revision's code first
    (result["before"]), against the same simulator."""
    with tempfile.TemporaryDirectory(prefix="bench-collect-") as tmp_name:
        tmp = Path(tmp_name)
        config = tmp / "config.yaml"
        config.write_text(
            CONFIG.format(
                scopes="  scopes: discover\n" if discover else "",
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
            old: dict[str, Any] | None = None
            if before is not None:
                with worktree(before) as tree:
                    old = _child(tree, config, url)
            result = _child(REPO, config, url)
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
        floor = json.loads(bare.stdout.strip().splitlines()[-1])
    # The token and (when scopes are configured) the scope list come before any scope.
    serial = 1 + (pages(len(sizes), page_size) if discover else 0)
    if not discover:  # no `scopes` key: one scope, everything
        sizes = {"all": sum(sizes.values())}
        slos = {"all": sum(slos.values())} if slos else {}
    # One request per scope step: its defect page, its health and its SLO page together.
    minimum = serial + sum(
        max(pages(sizes[name], page_size), pages(slos.get(name, 0), page_size) if slos else 1)
        for name in sizes
    )
    # The code before issue 30: health and SLO pages in requests of their own.
    separate = (
        serial
        + sum(pages(n, page_size) for n in sizes.values())
        + len(slos)
        + sum(pages(n, page_size) for n in slos.values())
    )
    if old is not None:
        result["before"] = _figures(old, floor, separate, serial, latency, concurrency)
        result["before"]["minimum_requests_new"] = minimum
    _figures(result, floor, minimum, serial, latency, concurrency)
    result["minimum_requests_separate"] = separate
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
    )
    return result


def pages(items: int, page_size: int) -> int:
    return max(1, math.ceil(items / page_size))


def _child(tree: Path, config: Path, url: str) -> dict[str, Any]:
    """One exporter process of the code in `tree` running bench/collect_child.py (this one)."""
    child = subprocess.run(
        [sys.executable, str(REPO / "bench" / "collect_child.py"), str(config)],
        capture_output=True,
        text=True,
        cwd=tree,
        timeout=1800,
        env={**os.environ, **sim_env(url), "PYTHONPATH": str(tree)},
    )
    if child.returncode != 0:
        raise SystemExit(f"bench: collection failed: {child.stdout}{child.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
    return result


@contextlib.contextmanager
def worktree(rev: str) -> Iterator[Path]:
    """A detached git worktree of `rev`, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="bench-before-") as tmp_name:
        tree = Path(tmp_name) / "tree"
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "add", "--detach", "-q", str(tree), rev],
            check=True,
            capture_output=True,
        )
        try:
            yield tree
        finally:
            subprocess.run(
                ["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)],
                capture_output=True,
            )


def issue_30_base() -> str:
    """The commit before the first `issue 30:` commit: the code this benchmark compares with."""
    found = subprocess.run(
        ["git", "-C", str(REPO), "log", "--format=%H", "--grep=^issue 30:", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return f"{found[-1]}^" if found else "HEAD"


def _figures(
    r: dict[str, Any],
    floor: dict[str, Any],
    minimum: int,
    serial: int,
    latency: float,
    concurrency: int,
) -> dict[str, Any]:
    lower_bound = (serial + (minimum - serial) / concurrency) * latency
    sent = sum(r["requests"].values())
    r.update(
        bare_wall_seconds=floor["wall_seconds"],
        page_bytes_per_defect=floor["page_bytes"] / max(1, floor["defects"]),
        minimum_requests=minimum,
        requests_sent=sent,
        lower_bound_seconds=lower_bound,
        wall_ratio=r["wall_seconds"] / lower_bound if lower_bound else None,
        over_bare_ratio=r["wall_seconds"] / floor["wall_seconds"],
        rss_growth_mib=(r["peak_rss_kib"] - r["idle_rss_kib"]) / 1024,
        rss_growth_second_mib=(r["peak_rss_second_kib"] - r["idle_rss_kib"]) / 1024,
        collection_cpu_seconds=r["cycle_cpu_seconds"] - r["render_cpu_seconds"],
    )
    return r


def report(r: dict[str, Any]) -> None:
    old = r.get("before")
    title = (
        f"Collection: {r['defects']} active defects over {r['scopes']} scopes, "
        f"{r['latency'] * 1000:.0f} ms latency, page_size {r['page_size']}, "
        f"concurrency {r['concurrency']}"
        + (f", {r['slos_per_scope']} SLOs per scope" if r["slos_per_scope"] else "")
        + (", impacts and symptoms asked for" if r["explained"] else "")
    )
    rows: list[tuple[str, str, str]] = []

    def shown(value: Any, unit: str, fmt: str) -> str:
        return "n/a" if value is None else f"{value:{fmt}}{unit}"

    def row(name: str, key: str, unit: str, fmt: str, note: str = "", ratio: bool = True) -> None:
        now = r[key]
        if old is None:
            rows.append((name, shown(now, unit, fmt), note))
            return
        then = old[key]
        change = f"  after/before {now / then:.2f}x" if ratio and then and now is not None else ""
        rows.append((name, f"{shown(then, unit, fmt)} -> {shown(now, unit, fmt)}", note + change))

    row("exporter CPU, cycle", "cycle_cpu_seconds", " s", ".2f", "getrusage; render included")
    row("  of which render", "render_cpu_seconds", " s", ".2f", "render + 1st scrape (OM, gzip)")
    row("  of which collection", "collection_cpu_seconds", " s", ".2f", "requests, parsing")
    row("wall time", "wall_seconds", " s", ".2f")
    row("round-trip bound", "lower_bound_seconds", " s", ".2f", "minimum requests x latency")
    row("wall / bound", "wall_ratio", "x", ".2f", "target <= 1.15x", ratio=False)
    row("wall / bare client", "over_bare_ratio", "x", ".2f", "what the exporter adds", False)
    row("idle RSS", "idle_rss_kib", " KiB", ".0f", "", ratio=False)
    row("peak - idle RSS", "rss_growth_mib", " MiB", ".1f", "target <= +30 MiB (+40 explained)")
    row("requests sent", "requests_sent", "", "d", "")
    row("minimum possible", "minimum_requests", "", "d", "each code's own; target: equal")
    row("2nd cycle requests", "second_requests", "", "d", "token held")
    row("2nd cycle wall time", "second_wall_seconds", " s", ".2f", "tracking clears")
    rows.append(
        ("bare client, same walk", f"{r['bare_wall_seconds']:.2f} s", "the rig's own floor")
    )
    rows.append(
        (
            "defect page bytes",
            f"{r['page_bytes_per_defect']:.0f} B",
            "per defect, as the bare client read them",
        )
    )
    print_table(title, rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.collection")
    parser.add_argument("--scopes", type=int, default=21)
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
    parser.add_argument(
        "--before",
        nargs="?",
        const="",
        default=None,
        help="run the same cycle with the code of this revision first (default: before issue 30)",
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
        before=None if args.before is None else args.before or issue_30_base(),
    )
    report(result)
    dump(REPO / "bench" / "results" / "collection.json", result)
    return 0


if __name__ == "__main__":
    sys.exit(main())


def requests_per_cycle(before: str | None, scope_counts: tuple[int, ...] = (1, 21, 50)) -> None:
    """Requests a cycle costs a tenant whose scopes each fit in one page (token held)."""
    rows = []
    for scopes, discover in [(5, False)] + [(n, True) for n in scope_counts]:
        r = run(
            scopes, 10 * scopes, 0.0, 100, 4, slos_per_scope=20, before=before, discover=discover
        )
        name = "no scopes key (all)" if not discover else f"{scopes} scopes, discovered"
        then = f"{r['before']['second_requests']} -> " if "before" in r else ""
        rows.append((name, f"{then}{r['second_requests']}", f"minimum {r['minimum_requests'] - 1}"))
    print_table("Requests per cycle, a token held (before -> after), scopes of one page each", rows)
