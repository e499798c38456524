"""Helpers shared by the benchmarks: free ports, processes on loopback that always stop."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, timeout: float = 60.0, method: str = "GET", **kwargs: Any) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if requests.request(method, url, timeout=2, **kwargs).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise SystemExit(f"bench: {url} did not answer within {timeout:.0f}s")


@contextmanager
def process(args: list[str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, cwd=REPO)
        try:
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@contextmanager
def simulator(tmp: Path, **options: Any) -> Iterator[str]:
    """The simulator in its own process, so its CPU and memory are not the exporter's."""
    port = free_port()
    args = [
        sys.executable,
        "-m",
        "exporter.simulator",
        "--listen",
        f"127.0.0.1:{port}",
        "--churn-interval",
        "0",
        "--exit-after",
        "3600",
    ]
    for key, value in options.items():
        args += [f"--{key.replace('_', '-')}", str(value)]
    url = f"http://127.0.0.1:{port}"
    with process(args, tmp / "simulator.log"):
        wait_for(
            url + "/frontegg/identity/resources/auth/v2/api-token",
            method="POST",
            json={"clientId": "demo-client", "secret": "demo-secret"},
            timeout=120,
        )
        yield url


def sim_env(url: str) -> dict[str, str]:
    return {
        "CAUSELY_CLIENT_ID": "demo-client",
        "CAUSELY_CLIENT_SECRET": "demo-secret",
        "CAUSELY_AUTH_URL": url + "/frontegg/identity/resources/auth/v2/api-token",
        "CAUSELY_API_URL": url + "/query/",
    }


def scope_sizes(url: str) -> dict[str, int]:
    truth = requests.get(url + "/_sim/truth", timeout=120).json()
    return {name: len(defects) for name, defects in truth["scopes"].items()}


def slo_sizes(url: str) -> dict[str, int]:
    truth = requests.get(url + "/_sim/truth", timeout=120).json()
    return {name: len(slos) for name, slos in truth["slos"].items()}


def print_table(title: str, rows: list[tuple[str, str, str]]) -> None:
    print(f"\n{title}")
    width = max(len(r[0]) for r in rows)
    for name, value, note in rows:
        print(f"  {name:<{width}}  {value:>14}  {note}")


def dump(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
