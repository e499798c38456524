"""Load: many concurrent scrapers against a real exporter process with a realistic snapshot.

Bounded in clients, time and place (32 threads for a few seconds, loopback only), so it runs
in the normal suite. Every scrape must succeed with a complete snapshot, latency must stay
low, /healthz must keep answering under the load, and connection threads must end with it.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from exporter.simulator.config import SimulatorConfig
from exporter.simulator.simulator import Simulator
from tests.conftest import parse_exposition, sim_env, write_config

Metrics = dict[str, dict[tuple[tuple[str, str], ...], float]]

CLIENTS = 32
LOAD_SECONDS = 5.0
REQUEST_TIMEOUT = 10.0
# Far above the usual figures (tens of ms): these catch a scrape that queues behind others or
# behind the collector, not a busy machine; bench.scrape measures latency against nginx.
P99_BOUND = 5.0
HEALTH_P99_BOUND = 5.0
HEALTH_PERIOD = 0.05
# Threads of an idle exporter vary by a collect worker or two mid-cycle; 32 lingering
# connection threads would not fit in this.
THREAD_MARGIN = 2
SETTLE_SECONDS = 5.0
# A short interval so that snapshots are swapped while the scrapers run.
CONFIG = """\
causely:
  scopes: discover
  max_defect_series: 1000
  page_size: 1000
collection:
  interval: 2s
"""
LAST_SUCCESS = "causely_exporter_last_success_timestamp_seconds"


@dataclass(frozen=True)
class Mode:
    """How one client scrapes: compressed or not, on a kept-alive connection or a new one."""

    gzip: bool
    keep_alive: bool

    def headers(self) -> dict[str, str]:
        # requests asks for gzip by default; "identity" is the only way to get plain bytes.
        headers = {"Accept-Encoding": "gzip" if self.gzip else "identity"}
        if not self.keep_alive:
            headers["Connection"] = "close"
        return headers


MODES = [Mode(False, True), Mode(True, True), Mode(False, False), Mode(True, False)]


@dataclass
class ClientLog:
    """What one scraper saw; digests in order, so snapshot age can be checked per client."""

    latencies: list[float] = field(default_factory=list)
    digests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    body_bytes: int = 0


@dataclass
class Bodies:
    """Each distinct body once, keyed by digest: parsing 1 MB per scrape would be the load."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    by_digest: dict[str, bytes] = field(default_factory=dict)

    def add(self, body: bytes) -> str:
        digest = hashlib.sha256(body).hexdigest()
        with self.lock:
            self.by_digest.setdefault(digest, body)
        return digest


@pytest.fixture
def big_sim() -> Iterator[Simulator]:
    # ~2000 active defects in 4 scopes: about 6400 series, a body of about 1 MB.
    with Simulator(SimulatorConfig(seed=21, scopes=4, defects=2000, incidents=20)) as sim:
        yield sim


def thread_count(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    raise AssertionError(f"no Threads: line for pid {pid}")


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile; the values need not be sorted."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, int(fraction * len(ordered) + 0.5) - 1))
    return ordered[rank]


def response_problem(response: requests.Response, mode: Mode) -> str | None:
    if response.status_code != 200:
        return f"status {response.status_code}"
    encoding = response.headers.get("Content-Encoding")
    if encoding != ("gzip" if mode.gzip else None):
        return f"Content-Encoding {encoding!r} for {mode}"
    if not response.headers.get("Content-Type", "").startswith("text/plain; version=0.0.4"):
        return f"Content-Type {response.headers.get('Content-Type')!r}"
    return None


def scrape_once(
    session: requests.Session, url: str, mode: Mode, log: ClientLog, bodies: Bodies
) -> None:
    began = time.perf_counter()
    try:
        response = session.get(url, headers=mode.headers(), timeout=REQUEST_TIMEOUT)
        body = response.content  # urllib3 checks it against Content-Length
    except requests.RequestException as exc:
        log.errors.append(f"{mode}: {exc!r}")
        return
    log.latencies.append(time.perf_counter() - began)
    problem = response_problem(response, mode)
    if problem is not None:
        log.errors.append(problem)
        return
    log.body_bytes += len(body)
    log.digests.append(bodies.add(body))


def scrape_until(url: str, mode: Mode, deadline: float, bodies: Bodies) -> ClientLog:
    log = ClientLog()
    session = requests.Session()
    try:
        while time.monotonic() < deadline:
            if not mode.keep_alive:
                # The server closes after a "Connection: close" request without saying so in
                # the response, so http.client would pool the socket and race the server's
                # FIN on the next request. A new session is a new connection for certain.
                session.close()
                session = requests.Session()
            scrape_once(session, url, mode, log, bodies)
    finally:
        # Closes the kept-alive connection, so that its server thread can end.
        session.close()
    return log


@dataclass
class HealthLog:
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    peak_threads: int = 0


def probe_health(url: str, pid: int, stop: threading.Event, log: HealthLog) -> None:
    # A new connection per probe, as a kubelet makes: it must get past the accept queue too.
    while not stop.is_set():
        began = time.perf_counter()
        try:
            response = requests.get(url + "/healthz", timeout=REQUEST_TIMEOUT)
            if response.status_code != 200:
                log.failures.append(f"status {response.status_code}")
        except requests.RequestException as exc:
            log.failures.append(repr(exc))
        log.latencies.append(time.perf_counter() - began)
        log.peak_threads = max(log.peak_threads, thread_count(pid))
        stop.wait(HEALTH_PERIOD)


def run_load(url: str, pid: int) -> tuple[list[ClientLog], HealthLog, Bodies, float]:
    bodies = Bodies()
    logs: list[ClientLog | None] = [None] * CLIENTS
    health = HealthLog()
    stop_health = threading.Event()
    started = time.monotonic()
    deadline = started + LOAD_SECONDS

    def client(index: int) -> None:
        logs[index] = scrape_until(url + "/metrics", MODES[index % len(MODES)], deadline, bodies)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    prober = threading.Thread(target=probe_health, args=(url, pid, stop_health, health))
    prober.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(LOAD_SECONDS + 2 * REQUEST_TIMEOUT)
    elapsed = time.monotonic() - started
    stop_health.set()
    prober.join()
    assert all(log is not None for log in logs), "a scraper thread did not finish"
    return [log for log in logs if log is not None], health, bodies, elapsed


def check_snapshot(body: bytes, reference: Metrics) -> float:
    """Asserts the body is a complete snapshot of the same data; returns its last success."""
    try:
        metrics = parse_exposition(body.decode())
    except ValueError as exc:
        raise AssertionError(f"a served body is not a valid exposition: {exc}") from None
    assert metrics["causely_up"][()] == 1
    # No churn in the simulator: any newer snapshot carries exactly the same defects, so a
    # truncated or half-swapped body shows up here.
    for name in ("causely_active_defects", "causely_defect_info", "causely_scope_up"):
        assert metrics[name] == reference[name], name
    last_success = metrics[LAST_SUCCESS][()]
    assert last_success >= reference[LAST_SUCCESS][()]
    return last_success


def idle_thread_count(pid: int, seconds: float = 2.5) -> int:
    """The least seen over more than one interval, so a worker caught mid-cycle is left out."""
    lowest = thread_count(pid)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.1)
        lowest = min(lowest, thread_count(pid))
    return lowest


def settled_thread_count(pid: int, limit: int) -> int:
    """Lowest thread count seen until it reaches `limit` or SETTLE_SECONDS pass."""
    deadline = time.monotonic() + SETTLE_SECONDS
    lowest = thread_count(pid)
    while lowest > limit and time.monotonic() < deadline:
        time.sleep(0.1)
        lowest = min(lowest, thread_count(pid))
    return lowest


def test_many_concurrent_scrapers(
    big_sim: Simulator, exporter_process: Any, tmp_path: Path
) -> None:
    exporter = exporter_process(["--config.file", write_config(tmp_path, CONFIG)], sim_env(big_sim))
    exporter.wait_ready()
    pid = exporter.proc.pid
    reference_response = requests.get(
        exporter.url + "/metrics", headers={"Accept-Encoding": "identity"}, timeout=5
    )
    assert reference_response.status_code == 200
    reference_body = reference_response.content
    reference = parse_exposition(reference_body.decode())
    series = sum(len(samples) for samples in reference.values())
    assert series > 5000, f"snapshot too small to load anything: {series} series"
    idle_threads = idle_thread_count(pid)

    logs, health, bodies, elapsed = run_load(exporter.url, pid)

    latencies = [latency for log in logs for latency in log.latencies]
    errors = [error for log in logs for error in log.errors]
    received = sum(log.body_bytes for log in logs)
    p50, p99 = percentile(latencies, 0.50), percentile(latencies, 0.99)
    health_p99 = percentile(health.latencies, 0.99)
    print(
        f"\nload: {CLIENTS} clients, {elapsed:.1f}s, {len(latencies)} scrapes of "
        f"{len(reference_body) / 1e6:.2f} MB ({series} series), {len(errors)} errors\n"
        f"  p50 {p50 * 1000:.1f} ms  p99 {p99 * 1000:.1f} ms  max {max(latencies) * 1000:.1f} ms"
        f"  {len(latencies) / elapsed:.0f} req/s  {received / elapsed / 1e6:.0f} MB/s decoded\n"
        f"  healthz: {len(health.latencies)} probes, p99 {health_p99 * 1000:.1f} ms\n"
        f"  snapshots seen: {len(bodies.by_digest)}  threads idle {idle_threads}"
        f" peak {health.peak_threads}"
    )

    assert not errors, f"{len(errors)} failed scrapes, first: {errors[:5]}"
    assert all(log.digests for log in logs), "a client never completed a scrape"
    assert p99 < P99_BOUND, f"scrape p99 {p99:.3f}s"
    assert not health.failures, health.failures[:5]
    assert len(health.latencies) >= 10, "the health prober hardly ran"
    assert health_p99 < HEALTH_P99_BOUND, f"/healthz p99 {health_p99:.3f}s under load"

    reference_digest = hashlib.sha256(reference_body).hexdigest()
    age = {reference_digest: reference[LAST_SUCCESS][()]}
    for digest, body in bodies.by_digest.items():
        if digest != reference_digest:
            age[digest] = check_snapshot(body, reference)
    # The interval is 2s, so the load must have spanned a swap; otherwise it tested less.
    assert len(bodies.by_digest) >= 2, "no snapshot swap happened during the load"
    for log in logs:
        ages = [age[digest] for digest in log.digests]
        assert ages == sorted(ages), "a client was served an older snapshot after a newer one"

    settled = settled_thread_count(pid, idle_threads + THREAD_MARGIN)
    print(f"  threads {SETTLE_SECONDS:.0f}s after the load: {settled}")
    assert settled <= idle_threads + THREAD_MARGIN, (
        f"threads did not return to idle: {settled} now, {idle_threads} before the load"
    )
    assert exporter.proc.poll() is None
