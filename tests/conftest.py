"""Shared fixtures: the simulator on 127.0.0.1, exporter processes, exposition parsing."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from exporter.app.wiring import build_collector
from exporter.client.stats import ApiStats
from exporter.config.loader import build_config
from exporter.config.model import Config
from exporter.simulator.config import SimulatorConfig
from exporter.simulator.simulator import Simulator
from tests.processes import Process, find_binary, free_port

REPO = Path(__file__).resolve().parent.parent
TESTS = REPO / "tests"

# Each tier is a directory; its tests carry its marker (`pytest -m unit`, `make test-unit`).
# What each holds is said once, in pyproject.toml's markers.
TIERS = ("unit", "integration", "e2e", "shipped")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--soak", action="store_true", help="run the long soak test")
    parser.addoption("--chaos", action="store_true", help="run the long chaos test")


def tier_of(path: Path) -> str | None:
    """The tier a test file belongs to: the directory under tests/ it sits in."""
    path = path.resolve()
    parts = path.relative_to(TESTS).parts if path.is_relative_to(TESTS) else ()
    return parts[0] if len(parts) > 1 and parts[0] in TIERS else None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        tier = tier_of(item.path)
        if tier is not None:
            item.add_marker(tier)
    long_runs = {
        "soak": "soak test: run with --soak (make soak)",
        "chaos": "chaos test: run with --chaos (make chaos)",
    }
    for marker, reason in long_runs.items():
        if config.getoption(f"--{marker}"):
            continue
        skip = pytest.mark.skip(reason=reason)
        for item in items:
            if marker in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def binary() -> Callable[..., str]:
    """find_binary for tests and fixtures: `promtool = binary("promtool")` (skip or CI failure)."""
    return find_binary


@pytest.fixture
def small_sim() -> Iterator[Simulator]:
    """One scope, few defects: for the hostile-answer tests of both tiers."""
    simulator = Simulator(SimulatorConfig(seed=3, scopes=1, defects=20, incidents=5))
    simulator.start(host="127.0.0.1", port=0)
    try:
        yield simulator
    finally:
        simulator.stop()


@pytest.fixture
def sim() -> Iterator[Simulator]:
    simulator = Simulator(SimulatorConfig(seed=7, scopes=3, defects=150, incidents=40))
    simulator.start(host="127.0.0.1", port=0)
    try:
        yield simulator
    finally:
        simulator.stop()


def sim_env(sim: Simulator) -> dict[str, str]:
    return {
        "CAUSELY_CLIENT_ID": "demo-client",
        "CAUSELY_CLIENT_SECRET": "demo-secret",
        "CAUSELY_AUTH_URL": sim.auth_url,
        "CAUSELY_API_URL": sim.api_url,
        "CAUSEFLOW_TOKEN": "demo-causeflow-token",
        "CAUSEFLOW_BASE_URL": sim.causeflow_url,
    }


FAST_HTTP = {
    "backoff_initial": "50ms",
    "backoff_max": "200ms",
    "read_timeout": "2s",
    "connect_timeout": "1s",
    "max_rate_limit_wait": "10s",
}


def sim_config(
    sim: Simulator, env: dict[str, str] | None = None, **sections: dict[str, Any]
) -> Config:
    raw: dict[str, Any] = {"http": dict(FAST_HTTP), "collection": {"interval": "30s"}}
    for name, values in sections.items():
        raw[name] = {**raw.get(name, {}), **values}
    return build_config(raw, {**sim_env(sim), **(env or {})})


class InProcess:
    """A collector wired exactly as the CLI wires it, without the HTTP server."""

    def __init__(self, config: Config) -> None:
        self.stop = threading.Event()
        self.stats = ApiStats()
        self.collector = build_collector(config, self.stats, self.stop)

    def cycle(self) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
        snapshot = self.collector.collect_once()
        return parse_exposition(snapshot.body.decode())


def parse_exposition(text: str) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """{sample name: {sorted label items: value}}."""
    out: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return out


def active_by_combination(
    metrics: dict[str, dict[tuple[tuple[str, str], ...], float]], scope: str | None = None
) -> Counter[tuple[str, str, str, str]]:
    """Non-zero causely_active_defects as (scope, severity, entity_type, defect_name) counts."""
    result: Counter[tuple[str, str, str, str]] = Counter()
    for labels, value in metrics.get("causely_active_defects", {}).items():
        d = dict(labels)
        if value and (scope is None or d["scope"] == scope):
            key = (d["scope"], d["severity"], d["entity_type"], d["defect_name"])
            result[key] = int(value)
    return result


def truth_by_combination(sim: Simulator, scope: str, label: str | None = None) -> Counter[Any]:
    result: Counter[tuple[str, str, str, str]] = Counter()
    for d in sim.active_defects(None if scope == "all" else scope):
        result[(label or scope, d.severity, d.entity_type, d.name)] += 1
    return result


class ExporterProcess(Process):
    """`python -m exporter` as a user runs it; always stopped by the fixture."""

    def __init__(self, args: list[str], env: dict[str, str], tmp: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        super().__init__(
            [
                sys.executable,
                "-m",
                "exporter",
                f"--web.listen-address=127.0.0.1:{self.port}",
                *args,
            ],
            tmp / f"exporter-{self.port}.log",
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env},
            cwd=REPO,
        )

    def wait_healthy(self, timeout: float = 20) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"exporter exited {self.proc.returncode}: {self.logs()}")
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise AssertionError(f"exporter not healthy in {timeout}s: {self.logs()}")

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if requests.get(self.url + "/readyz", timeout=2).status_code == 200:
                return
            time.sleep(0.1)
        raise AssertionError(f"exporter not ready in {timeout}s: {self.logs()}")

    def metrics(self) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
        response = requests.get(self.url + "/metrics", timeout=5)
        response.raise_for_status()
        return parse_exposition(response.text)


@pytest.fixture
def exporter_process(tmp_path: Path) -> Iterator[Any]:
    started: list[ExporterProcess] = []

    def start(args: list[str], env: dict[str, str]) -> ExporterProcess:
        process = ExporterProcess(args, env, tmp_path)
        started.append(process)
        process.wait_healthy()
        return process

    yield start
    for process in started:
        process.stop()


def write_config(tmp: Path, text: str) -> str:
    path = tmp / "config.yaml"
    path.write_text(text)
    return str(path)
