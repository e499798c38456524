"""One collection cycle in a fresh process, reporting idle and peak RSS (run by collection.py).

Idle RSS is taken after the exporter is imported and wired, before the first request; peak
RSS is the kernel's high-water mark (VmHWM) after the cycle.
"""

from __future__ import annotations

import gc
import json
import os
import resource
import sys
import threading
import time
from typing import Any

from exporter.app.wiring import build_collector, build_sources
from exporter.client.stats import ApiStats
from exporter.config.loader import load_config
from exporter.sources.base import Section


def status_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    config = load_config(sys.argv[1])
    stop, stats = threading.Event(), ApiStats()
    sources = build_sources(config, stats, stop)
    # Time spent in the health and SLO units (their requests, latency included), summed.
    part_seconds = 0.0
    lock = threading.Lock()
    for source in sources:
        if source.section is Section.HEALTH_AND_SLOS:
            collect = source.collect

            def timed_collect(unit: str, deadline: float, collect: Any = collect) -> object:
                nonlocal part_seconds
                began = time.perf_counter()
                try:
                    return collect(unit, deadline)
                finally:
                    with lock:
                        part_seconds += time.perf_counter() - began

            source.collect = timed_collect  # type: ignore[method-assign]
    collector = build_collector(config, stats, stop, sources)
    gc.collect()
    idle = status_kib("VmRSS")
    started, cpu_before = time.perf_counter(), cpu_seconds()
    snapshot = collector.collect_once()
    # The first scrape as Prometheus sends it (OpenMetrics, gzip): a render may build the
    # bytes it serves on the first ask, so the cycle's CPU and peak count that too.
    snapshot.openmetrics_gzip_body  # noqa: B018
    wall = time.perf_counter() - started
    cycle_cpu = cpu_seconds() - cpu_before
    requests = stats.snapshot().requests
    peak = status_kib("VmHWM")
    # The render alone (the cycle's view once more): the cycle's CPU less this is collection.
    cpu_before = cpu_seconds()
    # The code before issue 27's split (`--before`) renders in the collector itself.
    publisher = getattr(collector, "_publisher", collector)
    publisher._render(publisher._last_view).openmetrics_gzip_body  # type: ignore[arg-type]  # noqa: B018
    render_cpu = cpu_seconds() - cpu_before
    first_part_seconds = part_seconds
    # A second cycle: every defect of the first is now tracked and compared (time to resolve).
    tracker_seconds = 0.0
    # Before issue 27's split the collector tracked clears itself (`--before`).
    owner = collector._clears if hasattr(collector._clears, "track") else collector
    name = "track" if owner is not collector else "_track_clears"
    track = getattr(owner, name)

    def timed_track(*args: Any) -> None:
        nonlocal tracker_seconds
        began = time.perf_counter()
        track(*args)
        tracker_seconds += time.perf_counter() - began

    setattr(owner, name, timed_track)
    started = time.perf_counter()
    second = collector.collect_once()
    second.openmetrics_gzip_body  # noqa: B018
    second_wall = time.perf_counter() - started
    second_requests = sum(stats.snapshot().requests.values()) - sum(requests.values())
    clears = collector._clears.get("causely")
    result = {
        "ok": snapshot.ok,
        "wall_seconds": wall,
        "cpu_seconds": time.process_time(),
        "cycle_cpu_seconds": cycle_cpu,
        "render_cpu_seconds": render_cpu,
        "second_requests": second_requests,
        "idle_rss_kib": idle,
        "peak_rss_kib": peak,
        "peak_rss_second_kib": status_kib("VmHWM"),
        "second_ok": second.ok,
        "part_unit_seconds": first_part_seconds,
        "second_wall_seconds": second_wall,
        "tracker_seconds": tracker_seconds,
        "tracked": clears.tracked() if clears is not None else 0,
        "requests": {f"{op} {code}": n for (op, code), n in requests.items()},
        "exposition_bytes": len(snapshot.body),
        "pid": os.getpid(),
    }
    print(json.dumps(result))
    return 0 if snapshot.ok else 1


if __name__ == "__main__":
    sys.exit(main())
