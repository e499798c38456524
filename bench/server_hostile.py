"""Hostile clients against a real exporter process: what they cost it.

    python -m bench.server_hostile [--big-heads 100] [--slow 200] [--guess-seconds 10]

- RSS (and threads) of the exporter while N clients each push 5.4 MB of request head
  (90 header lines of 60 kB, never finished): before the cap, 100 such clients took 3.4 GB;
- /metrics latency (a new connection per request, as with a fresh scraper) while N slow
  clients, more than the connection cap, keep half-sent heads open and reconnect when dropped;
- CPU per wrong password and the cores used by 16 parallel guessers (bcrypt cost 10), with
  the default failed-attempt rate limit and with the rate limit off (concurrency bound only).
"""

from __future__ import annotations

import argparse
import base64
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import bcrypt
import requests

from bench.common import REPO, dump, free_port, print_table, sim_env, simulator, wait_for

CONFIG = """
causely:
  scopes: discover
collection:
  interval: 10m
"""
PASSWORD = "scrape-secret"


def _status(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM", "Threads"):
            fields[key] = int(value.split()[0])
    return fields


def _cpu_seconds(pid: int) -> float:
    parts = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def exporter(tmp: Path, url: str, web_config: str) -> Iterator[tuple[str, int]]:
    (tmp / "config.yaml").write_text(CONFIG)
    (tmp / "web.yml").write_text(web_config)
    port = free_port()
    args = [
        sys.executable,
        "-m",
        "exporter",
        f"--config.file={tmp / 'config.yaml'}",
        f"--web.config.file={tmp / 'web.yml'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--log.level=warn",
    ]
    with subprocess.Popen(
        args,
        env={**os.environ, **sim_env(url)},
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    ) as proc:
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for(base + "/healthz", timeout=120)
            deadline = time.time() + 60
            while requests.get(base + "/readyz", timeout=5).status_code != 200:
                if time.time() > deadline:
                    raise SystemExit("bench: exporter never became ready")
                time.sleep(0.2)
            yield base, proc.pid
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def _sampler(pid: int, stop: threading.Event, peaks: dict[str, int]) -> None:
    while not stop.is_set():
        for key, value in _status(pid).items():
            peaks[key] = max(peaks.get(key, 0), value)
        stop.wait(0.02)


def big_heads(base: str, pid: int, clients: int) -> dict[str, Any]:
    host, port = "127.0.0.1", int(base.rsplit(":", 1)[1])
    before = _status(pid)
    peaks: dict[str, int] = {}
    stop = threading.Event()
    sampler = threading.Thread(target=_sampler, args=(pid, stop, peaks), daemon=True)
    sampler.start()
    answers: Counter[str] = Counter()
    line = b"X-Filler: " + b"a" * 60_000 + b"\r\n"

    def attack() -> None:
        try:
            with socket.create_connection((host, port), timeout=20) as sock:
                sock.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
                try:
                    for _ in range(90):
                        sock.sendall(line)
                except OSError:
                    pass
                sock.settimeout(5)
                try:
                    answer = sock.recv(64)
                except OSError:
                    answer = b""
                answers[answer[9:12].decode() or "closed"] += 1
        except OSError:
            answers["connect_failed"] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=attack) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    stop.set()
    sampler.join()
    healthy = requests.get(base + "/healthz", timeout=5).status_code == 200
    return {
        "clients": clients,
        "rss_before_mib": before["VmRSS"] / 1024,
        "rss_peak_mib": peaks.get("VmRSS", 0) / 1024,
        "rss_growth_mib": (peaks.get("VmRSS", 0) - before["VmRSS"]) / 1024,
        "threads_before": before["Threads"],
        "threads_peak": peaks.get("Threads", 0),
        "answers": dict(answers),
        "seconds": elapsed,
        "healthy_after": healthy,
    }


def _latencies(url: str, auth: tuple[str, str], count: int) -> tuple[list[float], int]:
    times, errors = [], 0
    for _ in range(count):
        started = time.perf_counter()
        try:
            ok = requests.get(url, auth=auth, timeout=10).status_code == 200
        except requests.RequestException:
            ok = False
        times.append((time.perf_counter() - started) * 1000)
        errors += not ok
    return times, errors


def slow_clients(base: str, clients: int, requests_count: int) -> dict[str, Any]:
    host, port = "127.0.0.1", int(base.rsplit(":", 1)[1])
    auth = ("prom", PASSWORD)
    quiet, quiet_errors = _latencies(base + "/metrics", auth, requests_count)
    stop = threading.Event()
    reconnects = Counter[str]()

    def slowloris() -> None:
        while not stop.is_set():
            try:
                with socket.create_connection((host, port), timeout=5) as sock:
                    sock.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
                    while not stop.wait(1.0):
                        sock.sendall(b"X: y\r\n")  # one more header a second, never the end
            except OSError:
                reconnects["dropped"] += 1
                stop.wait(0.05)

    threads = [threading.Thread(target=slowloris, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    time.sleep(2.0)
    loaded, loaded_errors = _latencies(base + "/metrics", auth, requests_count)
    health, health_errors = _latencies(base + "/healthz", auth, requests_count)
    stop.set()
    for thread in threads:
        thread.join(timeout=10)

    def p(values: list[float], q: float) -> float:
        return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]

    return {
        "slow_clients": clients,
        "requests": requests_count,
        "quiet_p50_ms": statistics.median(quiet),
        "quiet_p99_ms": p(quiet, 99),
        "loaded_p50_ms": statistics.median(loaded),
        "loaded_p99_ms": p(loaded, 99),
        "healthz_p50_ms": statistics.median(health),
        "errors": quiet_errors + loaded_errors + health_errors,
        "slow_client_drops": reconnects["dropped"],
    }


def guessers(base: str, pid: int, seconds: float, parallel: int = 16) -> dict[str, Any]:
    stop = threading.Event()
    codes: Counter[int] = Counter()
    lock = threading.Lock()

    def guess(worker: int) -> None:
        with requests.Session() as session:
            attempt = 0
            while not stop.is_set():
                attempt += 1
                user = "prom" if attempt % 2 else f"nobody{worker}"
                token = base64.b64encode(f"{user}:guess-{worker}-{attempt}".encode()).decode()
                try:
                    code = session.get(
                        base + "/metrics", headers={"Authorization": f"Basic {token}"}, timeout=30
                    ).status_code
                except requests.RequestException:
                    code = 0
                with lock:
                    codes[code] += 1

    cpu_before, started = _cpu_seconds(pid), time.monotonic()
    threads = [threading.Thread(target=guess, args=(i,)) for i in range(parallel)]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    cpu_used, elapsed = _cpu_seconds(pid) - cpu_before, time.monotonic() - started
    stop.set()
    for thread in threads:
        thread.join()
    denied = codes[401]
    ok = requests.get(base + "/metrics", auth=("prom", PASSWORD), timeout=10).status_code
    return {
        "guessers": parallel,
        "seconds": elapsed,
        "answers": {str(k): v for k, v in codes.items()},
        "bcrypt_failures_per_second": denied / elapsed,
        "cores_used": cpu_used / elapsed,
        "cpu_ms_per_wrong_password": 1000 * cpu_used / denied if denied else 0.0,
        "scrape_with_right_password_after": ok,
    }


def run(big: int = 100, slow: int = 200, guess_seconds: float = 10.0) -> dict[str, Any]:
    hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=10)).decode()
    users = f"basic_auth_users:\n  prom: '{hashed}'\n"
    with tempfile.TemporaryDirectory(prefix="bench-hostile-") as tmp_name:
        tmp = Path(tmp_name)
        with simulator(tmp, scopes=2, defects=200, incidents=0) as url:
            with exporter(tmp, url, users) as (base, pid):
                requests.get(base + "/metrics", auth=("prom", PASSWORD), timeout=10)  # cached
                heads = big_heads(base, pid, big)
                slowed = slow_clients(base, slow, 50)
                limited = guessers(base, pid, guess_seconds)
            with exporter(tmp, url, users + "rate_limit:\n  interval: 0s\n") as (base, pid):
                requests.get(base + "/metrics", auth=("prom", PASSWORD), timeout=10)
                unlimited = guessers(base, pid, guess_seconds)
    return {
        "big_heads": heads,
        "slow_clients": slowed,
        "guessers_rate_limited": limited,
        "guessers_no_rate_limit": unlimited,
    }


def report(r: dict[str, Any]) -> None:
    h, s = r["big_heads"], r["slow_clients"]
    g, u = r["guessers_rate_limited"], r["guessers_no_rate_limit"]
    # CPU per failure without the limit is almost all bcrypt (few requests besides).
    bcrypt_cores = g["bcrypt_failures_per_second"] * u["cpu_ms_per_wrong_password"] / 1000
    requests_per_second = sum(g["answers"].values()) / g["seconds"]
    print_table(
        "Hostile clients against one exporter process (default limits: 64 connections, "
        "16 KiB heads, 10 s head deadline)",
        [
            (
                f"RSS, {h['clients']} clients x 5.4 MB heads",
                f"+{h['rss_growth_mib']:.1f} MiB",
                f"{h['rss_before_mib']:.0f} -> {h['rss_peak_mib']:.0f} MiB peak, "
                f"threads {h['threads_before']} -> {h['threads_peak']}, answers {h['answers']}",
            ),
            (
                f"/metrics p50 / p99, {s['slow_clients']} slow clients",
                f"{s['loaded_p50_ms']:.1f} / {s['loaded_p99_ms']:.1f} ms",
                f"quiet {s['quiet_p50_ms']:.1f} / {s['quiet_p99_ms']:.1f} ms, "
                f"/healthz p50 {s['healthz_p50_ms']:.1f} ms, errors {s['errors']}",
            ),
            (
                "16 guessers, rate-limited: cores used",
                f"{g['cores_used']:.2f}",
                f"of which bcrypt ~{bcrypt_cores:.2f} ({g['bcrypt_failures_per_second']:.1f} "
                f"failures/s), the rest answering {requests_per_second:.0f} req/s; "
                f"answers {g['answers']}",
            ),
            (
                "16 guessers, no rate limit: cores used",
                f"{u['cores_used']:.2f}",
                f"{u['cpu_ms_per_wrong_password']:.0f} ms CPU per wrong password, "
                f"{u['bcrypt_failures_per_second']:.1f} bcrypt failures/s (2 at a time at most)",
            ),
        ],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.server_hostile")
    parser.add_argument("--big-heads", type=int, default=100)
    parser.add_argument("--slow", type=int, default=200)
    parser.add_argument("--guess-seconds", type=float, default=10.0)
    args = parser.parse_args(argv)
    result = run(args.big_heads, args.slow, args.guess_seconds)
    report(result)
    dump(REPO / "bench" / "results" / "server_hostile.json", result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
