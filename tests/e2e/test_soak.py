"""Soak: hundreds of collection cycles under random faults and churn, watching for leaks.

Runs only with --soak (make soak). The exporter collects every second from a churning
simulator while a seeded injector adds a random fault every half second. The test samples
the process's RSS, threads and open fds, scrapes /metrics throughout, and at the end checks
that the values converge on the simulator's ground truth once the faults stop.
SOAK_SECONDS sets the length (default 300, about 300 cycles).
"""

from __future__ import annotations

import os
import random
import statistics
import threading
import time
from collections import Counter
from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from exporter.simulator.config import SimulatorConfig
from exporter.simulator.faults import KINDS as FAULT_KINDS
from exporter.simulator.simulator import Simulator
from tests.conftest import parse_exposition, sim_env, write_config

Metrics = dict[str, dict[tuple[tuple[str, str], ...], float]]

SOAK_SECONDS = float(os.environ.get("SOAK_SECONDS", "300"))
SEED = 20240611
INTERVAL = 1.0
FAULT_PERIOD = 0.5
SCRAPE_PERIOD = 1.0
PROBE_PERIOD = 0.25  # /proc reads are cheap; frequent ones catch short-lived threads
ROW_SECONDS = 3.0  # one row of the summary table
SCRAPE_TIMEOUT = 5.0
WINDOW = 0.2  # warm-up is the first 20% of the run, the end the last 20%
RSS_GROWTH_LIMIT_KB = 10 * 1024
# Peaks are compared, so margins only absorb a worker or a socket caught at a bad moment.
THREAD_MARGIN = 2
FD_MARGIN = 4
TRUTH_TIMEOUT = 30.0
TRUTH_POLL = 0.02  # far below the churn interval, so no state of the truth goes unseen
TRUTH_SLACK = 0.05  # a change is seen up to one poll late
AGREEMENTS = 3  # fresh snapshots in a row that must agree with truth
LAST_SUCCESS = "causely_exporter_last_success_timestamp_seconds"
DURATION = "causely_exporter_collection_duration_seconds"
# Three rows in each 20% window at least, or the medians and peaks mean little.
MIN_SOAK_SECONDS = 60.0
OPEN_STATUSES = ["open", "triaging", "investigating", "awaiting_approval", "remediating"]

CONFIG = """\
causely:
  scopes: discover
  page_size: 50
  max_defect_series: 1000
causeflow:
  enabled: true
  page_size: 50
collection:
  interval: 1s
http:
  backoff_initial: 50ms
  backoff_max: 200ms
  read_timeout: 1s
  connect_timeout: 1s
  max_rate_limit_wait: 5s
"""

ALL_TARGETS = ("auth", "graphql", "causeflow")
# Where each kind means something; kept here rather than imported so that a new kind in the
# simulator fails the check below until someone decides how the soak should use it.
FAULT_TARGETS: dict[str, tuple[str, ...]] = {
    "rate_limit": ALL_TARGETS,
    "status": ALL_TARGETS,
    "latency": ALL_TARGETS,
    "stall": ALL_TARGETS,
    "reset": ALL_TARGETS,
    "malformed_json": ALL_TARGETS,
    "unauthorized": ALL_TARGETS,
    "graphql_errors": ("graphql",),
    "non_advancing_cursor": ("graphql", "causeflow"),
    "duplicate_node": ("graphql", "causeflow"),
    "missing_fields": ("graphql", "causeflow"),
    "expired_cursor": ("causeflow",),
    "wrong_count": ("causeflow",),
    "wrong_types": ("graphql",),
    "hostile_labels": ("graphql",),
    "set_field": ("graphql", "causeflow"),
    "hostile_strings": ("graphql", "causeflow"),
    "distinct_names": ("graphql",),
    "trickle_body": ALL_TARGETS,
    "trickle_head": ALL_TARGETS,
    "deep_json": ALL_TARGETS,
    # Not on auth: a 400 there is a rejected credential, which backs off for minutes by design.
    "hostile_error": ("graphql", "causeflow"),
}


# Bodies as large as the cap: each such answer takes http.max_response_bytes of memory while
# it is read, and the allocator keeps much of it afterwards, so RSS steps up once by design
# and the flatness check below would measure the cap, not a leak. bench.hostile measures them.
NOT_SOAKED = frozenset({"huge_body", "endless_body", "gzip_bomb"})


@dataclass(frozen=True)
class FaultSpec:
    kind: str
    target: str
    count: int
    params: dict[str, Any]


def random_fault(rng: random.Random) -> FaultSpec:
    """Small faults only: each must be over within a few cycles."""
    kind = rng.choice(sorted(FAULT_TARGETS))
    target = rng.choice(FAULT_TARGETS[kind])
    count = rng.randint(1, 3)
    params: dict[str, Any] = {}
    if kind == "rate_limit":
        params["seconds"] = rng.choice([1, 2])
        if target != "causeflow":  # CauseFlow announces resets one way only
            params["header"] = rng.choice(["retry-after", "retry-after-date", "x-ratelimit-reset"])
    elif kind == "status":
        params["status"] = rng.choice([400, 500, 502, 503, 504])
    elif kind == "latency":
        params["seconds"] = round(rng.uniform(0.05, 0.5), 2)
    elif kind == "stall":
        # Longer than read_timeout (1s), so the client must give up and retry.
        params["seconds"] = round(rng.uniform(0.5, 3.0), 2)
        count = 1
    elif kind in ("trickle_body", "trickle_head"):
        params["seconds"] = 2  # past the 1s cycle: the deadline, not each read, must end it
        count = 1
    elif kind == "set_field":
        # An unhashable id: the node is skipped and counted, the walk goes on.
        params.update(field="incidentId" if target == "causeflow" else "id", value=["x"], nodes=1)
    return FaultSpec(kind, target, count, params)


class Injector:
    """A background thread adding one random fault every FAULT_PERIOD."""

    def __init__(self, sim: Simulator, seed: int) -> None:
        self._sim = sim
        self._rng = random.Random(seed)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="soak-injector", daemon=True)
        self.injected: Counter[str] = Counter()

    def _run(self) -> None:
        while not self._stop.wait(FAULT_PERIOD):
            fault = random_fault(self._rng)
            self._sim.inject(fault.kind, count=fault.count, target=fault.target, **fault.params)
            self.injected[fault.kind] += 1

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class ProcSample:
    rss_kb: int
    threads: int
    fds: int


def read_proc(pid: int) -> ProcSample:
    fields: dict[str, list[str]] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        fields[name] = value.split()
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    return ProcSample(int(fields["VmRSS"][0]), int(fields["Threads"][0]), fds)


@dataclass
class Row:
    """One summary row: RSS at its end, thread and fd peaks and floors, counters so far."""

    t: float
    rss_kb: int = 0
    threads: int = 0
    fds: int = 0
    # Floors as well as peaks: a single busy moment early on can hide a slow leak from a
    # peak-to-peak comparison, while a leak raises the floor.
    threads_floor: int = 1 << 30
    fds_floor: int = 1 << 30
    scrapes: int = 0
    failures: int = 0
    degraded: int = 0  # scrapes with causely_up or causeflow_up at 0: the faults biting
    faults: int = 0

    def take(self, sample: ProcSample) -> None:
        self.rss_kb = sample.rss_kb
        self.threads = max(self.threads, sample.threads)
        self.fds = max(self.fds, sample.fds)
        self.threads_floor = min(self.threads_floor, sample.threads)
        self.fds_floor = min(self.fds_floor, sample.fds)


@dataclass
class ScrapeTally:
    scrapes: int = 0
    failures: list[str] = field(default_factory=list)
    degraded: int = 0


def scrape(session: requests.Session, url: str) -> Metrics:
    response = session.get(url, timeout=SCRAPE_TIMEOUT)
    if response.status_code != 200:
        raise AssertionError(f"status {response.status_code}")
    return parse_exposition(response.text)


def scrape_and_tally(session: requests.Session, url: str, tally: ScrapeTally) -> None:
    tally.scrapes += 1
    try:
        metrics = scrape(session, url)
        ups = (metrics["causely_up"][()], metrics["causeflow_up"][()])
    except (requests.RequestException, AssertionError, KeyError, ValueError) as exc:
        tally.failures.append(f"{time.strftime('%H:%M:%S')} {exc!r}")
        return
    tally.degraded += 0 in ups


def watch(exporter: Any, injector: Injector, seconds: float) -> tuple[list[Row], ScrapeTally]:
    """Samples /proc and scrapes /metrics until `seconds` pass or the process dies."""
    pid = exporter.proc.pid
    tally = ScrapeTally()
    rows: list[Row] = []
    started = time.monotonic()
    row = Row(t=0.0)
    next_scrape = next_row = started
    with requests.Session() as session:
        while (now := time.monotonic()) < started + seconds:
            if exporter.proc.poll() is not None:
                break  # the caller reports the death
            row.take(read_proc(pid))
            if now >= next_scrape:
                scrape_and_tally(session, exporter.url + "/metrics", tally)
                next_scrape += SCRAPE_PERIOD
            if now >= next_row + ROW_SECONDS:
                row.scrapes, row.failures = tally.scrapes, len(tally.failures)
                row.degraded, row.faults = tally.degraded, sum(injector.injected.values())
                rows.append(row)
                next_row += ROW_SECONDS
                row = Row(t=next_row - started)
            time.sleep(PROBE_PERIOD)
    return rows, tally


def print_table(rows: list[Row]) -> None:
    print(
        f"\n{'t(s)':>6} {'RSS MB':>7} {'threads':>9} {'fds':>7} {'scrapes':>7} "
        f"{'failed':>6} {'degraded':>8} {'faults':>6}"
    )
    for r in rows:
        threads, fds = f"{r.threads_floor}-{r.threads}", f"{r.fds_floor}-{r.fds}"
        print(
            f"{r.t:6.0f} {r.rss_kb / 1024:7.1f} {threads:>9} {fds:>7} {r.scrapes:7d} "
            f"{r.failures:6d} {r.degraded:8d} {r.faults:6d}"
        )
    print("(threads and fds: least-most seen in the row)")


def windows(rows: list[Row], seconds: float) -> tuple[list[Row], list[Row]]:
    warm = [r for r in rows if r.t < WINDOW * seconds]
    last = [r for r in rows if r.t >= (1 - WINDOW) * seconds]
    assert len(warm) >= 3 and len(last) >= 3, f"SOAK_SECONDS={seconds:.0f} is too short"
    return warm, last


def peak(rows: list[Row], name: str) -> int:
    return max(int(getattr(r, name)) for r in rows)


def floor(rows: list[Row], name: str) -> int:
    return min(int(getattr(r, f"{name}_floor")) for r in rows)


def spread(rows: list[Row], name: str) -> str:
    return f"{floor(rows, name)}-{peak(rows, name)}"


def by_scope(metrics: Metrics) -> dict[str, int]:
    totals: Counter[str] = Counter()
    for labels, value in metrics.get("causely_active_defects", {}).items():
        totals[dict(labels)["scope"]] += int(value)
    return dict(totals)


def incident_counts(metrics: Metrics) -> Counter[tuple[str, str, str]]:
    counts: Counter[tuple[str, str, str]] = Counter()
    for labels, value in metrics.get("causeflow_incidents", {}).items():
        d = dict(labels)
        if value:
            counts[(d["severity"], d["status"], d["source"])] = int(value)
    return counts


State = dict[str, Hashable]  # "defects <scope>" -> count, "incidents" -> counts by labels


def truth_now(sim: Simulator) -> State:
    state: State = {f"defects {s}": len(sim.active_defects(s)) for s in sim.scope_names()}
    incidents = Counter((i.severity, i.status, i.source) for i in sim.incidents(OPEN_STATUSES))
    state["incidents"] = frozenset(incidents.items())
    return state


def exported(metrics: Metrics) -> State:
    # A scope that left the plan (a fault renamed it for a while) keeps its rows at 0 for the
    # retention time, by design; the truth is the scopes collected now.
    planned = {dict(labels)["scope"] for labels in metrics.get("causely_scope_up", {})}
    state: State = {
        f"defects {scope}": count for scope, count in by_scope(metrics).items() if scope in planned
    }
    state["incidents"] = frozenset(incident_counts(metrics).items())
    return state


class TruthRecorder:
    """Ground truth over time, as (first seen, state) on each change.

    The simulator cannot pause its churn, and its ticks and the collection cycles both run
    on fixed periods, so a tick can land between fetch and comparison cycle after cycle.
    Comparing a snapshot with the truth while it was being collected avoids that race.
    """

    def __init__(self, sim: Simulator) -> None:
        self._sim = sim
        self._lock = threading.Lock()
        self._history: list[tuple[float, State]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="soak-truth", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(TRUTH_POLL):
            at = time.time()
            state = truth_now(self._sim)
            with self._lock:
                if not self._history or self._history[-1][1] != state:
                    self._history.append((at, state))

    def __enter__(self) -> TruthRecorder:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def during(self, start: float, end: float) -> list[State] | None:
        """Every state in effect at some time in [start, end]; None before the records."""
        with self._lock:
            history = list(self._history)
        earlier = [i for i, (at, _) in enumerate(history) if at <= start]
        if not earlier:
            return None
        return [state for at, state in history[earlier[-1] :] if at <= end]


def disagreement(metrics: Metrics, truths: list[State]) -> str | None:
    """None when each exported count equals its truth at some time during the collection.

    Per scope rather than as a whole: scopes are fetched concurrently, so a tick in the
    middle of a cycle may be seen by one scope and not by another.
    """
    got = exported(metrics)
    if set(got) != set(truths[0]):
        return f"components {sorted(got)} != truth {sorted(truths[0])}"
    for key, value in sorted(got.items()):
        allowed = [truth[key] for truth in truths]
        if value not in allowed:
            shown = allowed if key != "incidents" else f"{len(allowed)} state(s)"
            return f"{key}: exported {value if key != 'incidents' else '...'}, truth {shown}"
    ups = [metrics["causely_up"][()], metrics["causeflow_up"][()]]
    ups += list(metrics["causely_scope_up"].values())
    return None if all(up == 1 for up in ups) else f"not up: {ups}"


def converge_on_truth(recorder: TruthRecorder, url: str) -> list[str | None]:
    """Compares each fresh successful snapshot with truth until AGREEMENTS in a row agree.

    Retrying is still needed: a tick in the middle of paging through a scope can give a
    count that never existed as a whole (a defect cleared on a later page, one added on an
    earlier one). Returns what each compared snapshot disagreed on (None where it agreed).
    """
    deadline = time.monotonic() + TRUTH_TIMEOUT
    seen: set[float] = set()
    outcomes: list[str | None] = []
    with requests.Session() as session:
        while time.monotonic() < deadline:
            metrics = scrape(session, url)
            success = metrics.get(LAST_SUCCESS, {}).get(())
            if success is not None and success not in seen:
                seen.add(success)
                began = success - metrics[DURATION][()]
                truths = recorder.during(began - TRUTH_SLACK, success + TRUTH_SLACK)
                if truths is not None:
                    outcomes.append(disagreement(metrics, truths))
                    if outcomes[-AGREEMENTS:] == [None] * AGREEMENTS:
                        return outcomes
            time.sleep(0.05)
    return [*outcomes, f"fewer than {AGREEMENTS} agreeing snapshots in a row"]


@pytest.fixture
def churning_sim() -> Iterator[Simulator]:
    config = SimulatorConfig(seed=SEED, scopes=4, defects=400, incidents=60, churn_interval=0.5)
    with Simulator(config) as sim:
        yield sim


@pytest.mark.soak
def test_soak_under_random_faults(
    churning_sim: Simulator, exporter_process: Any, tmp_path: Path
) -> None:
    assert SOAK_SECONDS >= MIN_SOAK_SECONDS, f"SOAK_SECONDS must be >= {MIN_SOAK_SECONDS:.0f}"
    sim = churning_sim
    assert set(FAULT_TARGETS) | NOT_SOAKED == set(FAULT_KINDS), (
        "fault kinds changed: update FAULT_TARGETS"
    )
    exporter = exporter_process(["--config.file", write_config(tmp_path, CONFIG)], sim_env(sim))
    exporter.wait_ready()
    injector = Injector(sim, SEED)
    injector.start()
    began = time.monotonic()
    try:
        rows, tally = watch(exporter, injector, SOAK_SECONDS)
    finally:
        injector.stop()
    ran = time.monotonic() - began
    with TruthRecorder(sim) as recorder:
        sim.clear_faults()
        time.sleep(2 * INTERVAL)
        alive = exporter.proc.poll() is None
        outcomes = converge_on_truth(recorder, exporter.url + "/metrics") if alive else ["died"]
    final = exporter.metrics() if alive else {}

    print_table(rows)
    retries = sum(final.get("causely_exporter_api_retries_total", {}).values())
    errors = sum(final.get("causely_exporter_api_errors_total", {}).values())
    print(
        f"ran {ran:.0f}s; faults injected {sum(injector.injected.values())}: "
        f"{dict(sorted(injector.injected.items()))}\n"
        f"api retries {retries:.0f}, api errors {errors:.0f}; scrapes {tally.scrapes}, "
        f"failed {len(tally.failures)}, degraded {tally.degraded}; "
        f"snapshots compared with truth {len(outcomes)}; "
        f"rate-limit violations {sim.rate_limit_violations()}"
    )
    for outcome in outcomes:
        print(f"  truth check: {outcome or 'agrees'}")

    assert alive, f"exporter died: {exporter.logs()[-2000:]}"
    assert not tally.failures, f"{len(tally.failures)} failed scrapes: {tally.failures[:5]}"
    warm, last = windows(rows, SOAK_SECONDS)
    rss_warm = statistics.median(r.rss_kb for r in warm)
    rss_last = statistics.median(r.rss_kb for r in last)
    print(
        f"RSS median {rss_warm / 1024:.1f} -> {rss_last / 1024:.1f} MB; "
        f"threads {spread(warm, 'threads')} -> {spread(last, 'threads')}; "
        f"fds {spread(warm, 'fds')} -> {spread(last, 'fds')} (least-most)"
    )
    assert rss_last - rss_warm < RSS_GROWTH_LIMIT_KB, f"RSS grew {rss_last - rss_warm} kB"
    for name, margin in (("threads", THREAD_MARGIN), ("fds", FD_MARGIN)):
        assert peak(last, name) <= peak(warm, name) + margin, f"{name} peak grew"
        assert floor(last, name) <= floor(warm, name) + margin, f"{name} floor grew"
    assert outcomes[-AGREEMENTS:] == [None] * AGREEMENTS, f"no agreement with truth: {outcomes}"
    assert sim.rate_limit_violations() == 0, "requests arrived before a 429's reset time"
    # Without these the run proved nothing: the faults must have reached the exporter.
    assert retries > 0 and errors > 0 and tally.degraded > 0
    logs = exporter.logs()
    assert "Traceback" not in logs and "event=collect_error" not in logs
