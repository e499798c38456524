"""The loop cannot die and staleness is visible: the real collector and server, over real HTTP
to the simulator on 127.0.0.1, with sources that raise, block or die, and a renderer that fails.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from exporter.app.wiring import build_collector, build_sources
from exporter.client.stats import ApiStats
from exporter.collect import collector as collector_module
from exporter.config.model import Config
from exporter.simulator.config import SimulatorConfig
from exporter.simulator.simulator import Simulator
from exporter.web.http_server import ExporterServer, ServerSettings
from exporter.web.web_config import WebConfig
from tests.conftest import parse_exposition, sim_config, sim_env, write_config
from tests.integration.test_hostile import assert_valid_exposition

Metrics = dict[str, dict[tuple[tuple[str, str], ...], float]]


class Unruly:
    """A real source that can be told to raise, block, or raise what no handler may catch."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self.skips = inner.skips
        self.fail_plan: BaseException | None = None
        self.fail_units: dict[str, BaseException] = {}
        self.block = threading.Event()
        self.release = threading.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)  # the rest of the Source protocol, as the real one

    def plan(self, deadline: float) -> list[str]:
        if self.fail_plan is not None:
            raise self.fail_plan
        units: list[str] = self.inner.plan(deadline)
        return units

    def collect(self, unit: str, deadline: float) -> object:
        if self.block.is_set():
            self.release.wait(60)  # bounded: the test releases it long before
        if unit in self.fail_units:
            raise self.fail_units[unit]
        return self.inner.collect(unit, deadline)


class World:
    def __init__(self, sim: Simulator, config: Config) -> None:
        self.sim = sim
        self.config = config
        self.stop = threading.Event()
        self.stats = stats = ApiStats()
        sources = build_sources(config, stats, self.stop)
        self.source = Unruly(sources[0])
        self.collector = build_collector(config, stats, self.stop, [self.source, *sources[1:]])
        self.server = ExporterServer(
            ServerSettings("127.0.0.1", 0, "/metrics", config.collection.interval, WebConfig()),
            lambda: self.collector.snapshot,
        )
        self.server.start()
        self.url = f"http://127.0.0.1:{self.server.port}"
        self.thread: threading.Thread | None = None

    def cycle(self) -> Metrics:
        return assert_valid_exposition(self.collector.collect_once().body)

    def scrape(self) -> Metrics:
        response = requests.get(self.url + "/metrics", timeout=5)
        assert response.status_code == 200
        return parse_exposition(response.text)

    def run_loop(self) -> threading.Thread:
        self.thread = threading.Thread(target=self.collector.run, name="collector", daemon=True)
        self.thread.start()
        return self.thread

    def close(self) -> None:
        self.stop.set()
        self.source.release.set()
        if self.thread is not None:
            self.thread.join(timeout=10)
        self.server.stop()


@pytest.fixture
def world() -> Iterator[World]:
    with Simulator(SimulatorConfig(seed=29, scopes=3, defects=60, incidents=20)) as sim:
        config = sim_config(
            sim,
            causely={"scopes": "discover", "page_size": 20},
            causeflow={"enabled": True},
            collection={"interval": "1s", "timeout": "1s"},
        )
        w = World(sim, config)
        try:
            yield w
        finally:
            w.close()


def scope_up(metrics: Metrics, scope: str) -> float:
    return metrics["causely_scope_up"][(("scope", scope),)]


def active(metrics: Metrics, scope: str) -> float:
    rows = metrics["causely_active_defects"].items()
    return sum(v for k, v in rows if dict(k)["scope"] == scope)


def errors(metrics: Metrics, source: str, reason: str) -> float:
    rows = metrics.get("causely_exporter_collection_errors_total", {})
    return rows.get((("reason", reason), ("source", source)), 0.0)


def test_an_unexpected_error_fails_only_its_unit_counted_and_logged_once(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    sim = world.sim
    first = world.cycle()
    broken, healthy = sim.scope_names()[0], sim.scope_names()[1]
    world.source.fail_units[broken] = KeyError("boom\ud800\nforged=line")
    with caplog.at_level(logging.INFO, logger="exporter.collector"):
        during = world.cycle()
    assert scope_up(during, broken) == 0 and scope_up(during, healthy) == 1
    assert active(during, broken) == active(first, broken)  # last good values kept
    assert during["causely_up"][()] == 0 and during["causeflow_up"][()] == 1
    assert errors(during, "causely", "KeyError") == 1
    lines = [r for r in caplog.records if "event=collect_error " in r.getMessage()]
    assert len(lines) == 1 and lines[0].levelno == logging.ERROR
    assert lines[0].exc_info is None  # the traceback is for debug only
    assert "\n" not in lines[0].getMessage() and "\ud800" not in lines[0].getMessage()

    world.source.fail_plan = RuntimeError("plan bug")
    planless = world.cycle()
    assert all(v == 0 for v in planless["causely_scope_up"].values())
    assert active(planless, healthy) == active(first, healthy)
    assert errors(planless, "causely", "RuntimeError") == 1

    world.source.fail_plan = None
    world.source.fail_units.clear()
    healed = world.cycle()
    assert healed["causely_up"][()] == 1 and scope_up(healed, broken) == 1


def test_the_loop_survives_errors_outside_any_unit(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = collector_module.run_bounded
    calls = {"n": 0}

    def flaky(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] in (1, 2):
            raise MemoryError("a bug between the units")
        return real(*args, **kwargs)

    monkeypatch.setattr(collector_module, "run_bounded", flaky)
    thread = world.run_loop()
    deadline = time.time() + 30
    while time.time() < deadline and calls["n"] < 4:
        time.sleep(0.1)
    assert thread.is_alive() and calls["n"] >= 4
    metrics = world.scrape()
    assert errors(metrics, "collector", "MemoryError") == 2
    assert metrics["causely_up"][()] == 1
    assert requests.get(world.url + "/healthz", timeout=5).status_code == 200


def test_a_failed_render_keeps_the_last_snapshot_and_is_counted(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.cycle()
    before = world.collector.snapshot

    def broken(view: Any) -> Any:
        raise UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")

    publisher = world.collector._publisher
    real = publisher._render
    monkeypatch.setattr(publisher, "_render", broken)
    after = world.collector.collect_once()
    assert after.body == before.body and after.render_failed
    health = requests.get(world.url + "/healthz", timeout=5)
    assert health.status_code == 200 and "render failed" in health.text
    assert world.scrape() == parse_exposition(before.body.decode())
    monkeypatch.setattr(publisher, "_render", real)
    metrics = world.cycle()
    assert metrics["causely_exporter_render_failures_total"][()] == 1
    assert requests.get(world.url + "/healthz", timeout=5).text == "ok\n"


def test_skipped_nodes_stay_counted_across_a_reload(world: World) -> None:
    world.sim.inject("set_field", count=None, operation="defectConnection", field="id", value=[1])
    key = (("operation", "defectConnection"), ("reason", "wrong_type"))
    counted = world.cycle()["causely_exporter_skipped_nodes_total"][key]
    assert counted > 0
    world.sim.clear_faults()
    world.collector.reconfigure(world.config, build_sources(world.config, world.stats, world.stop))
    after = world.cycle()
    assert after["causely_exporter_skipped_nodes_total"][key] == counted
    assert after["causely_up"][()] == 1


def wait_status(url: str, status: int, timeout: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if requests.get(url, timeout=5).status_code == status:
            return time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer {status} within {timeout}s")


def test_healthz_fails_when_the_collector_is_stuck_then_recovers(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # interval 1s + deadline 1s + margin 1s: stuck is told after 3s (bounded waits below).
    monkeypatch.setattr(collector_module, "LIVENESS_MARGIN_SECONDS", 1.0)
    world.run_loop()
    health = world.url + "/healthz"
    wait_status(health, 200, 10)
    world.source.block.set()
    waited = wait_status(health, 503, 30)
    assert waited >= 1.0  # not at once: a cycle in progress is not stuck
    assert "stuck" in requests.get(health, timeout=5).text
    assert requests.get(world.url + "/metrics", timeout=5).status_code == 200
    world.source.block.clear()
    world.source.release.set()
    wait_status(health, 200, 30)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_healthz_fails_when_the_collector_thread_died(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(collector_module, "LIVENESS_MARGIN_SECONDS", 1.0)
    world.cycle()
    # What no handler may swallow ends the thread: /healthz must say so, for a restart.
    world.source.fail_plan = SystemExit(3)
    thread = world.run_loop()
    thread.join(timeout=10)
    assert not thread.is_alive()
    wait_status(world.url + "/healthz", 503, 30)


def test_exporter_process_survives_hostile_answers(exporter_process: Any, tmp_path: Path) -> None:
    config = """
causely:
  scopes: discover
  page_size: 20
causeflow:
  enabled: true
collection:
  interval: 1s
http:
  read_timeout: 2s
  backoff_initial: 50ms
  backoff_max: 100ms
"""
    with Simulator(SimulatorConfig(seed=31, scopes=3, defects=80, incidents=20)) as sim:
        sim.add_defect(sim.scope_names()[0], name="lone\ud800surrogate")
        sim.inject("status", count=None, status=400, error="e\ud800", target="causeflow")
        sim.inject("set_field", count=None, operation="getUserScopes", field="id", value=["x"])
        sim.inject(
            "set_field", count=None, operation="defectConnection", field="id", value=["x"], nodes=1
        )
        sim.inject("hostile_strings", count=None, operation="defectConnection", skip=2)
        exporter = exporter_process(["--config.file", write_config(tmp_path, config)], sim_env(sim))

        def scrape() -> Metrics:
            response = requests.get(exporter.url + "/metrics", timeout=5)
            return assert_valid_exposition(response.content)

        def wait_for(check: Any, what: str) -> Metrics:
            deadline = time.time() + 30
            while time.time() < deadline:
                metrics = scrape()
                if check(metrics):
                    return metrics
                time.sleep(0.3)
            raise AssertionError(f"{what} not seen within 30s: {exporter.logs()[-3000:]}")

        during = wait_for(lambda m: "causeflow_up" in m and m["causely_up"][()] == 1, "a cycle")
        assert during["causeflow_up"][()] == 0
        skipped = during["causely_exporter_skipped_nodes_total"]
        assert skipped[(("operation", "defectConnection"), ("reason", "wrong_type"))] > 0
        sim.clear_faults()
        wait_for(lambda m: m["causeflow_up"][()] == 1, "causeflow back up")
        assert requests.get(exporter.url + "/healthz", timeout=5).status_code == 200
        logs = exporter.logs()
    assert "Traceback" not in logs and "Exception in thread" not in logs
    assert "event=collect_error" not in logs
