"""SIGHUP reloads the config and the web config of a running exporter, as Prometheus does."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from exporter.simulator.simulator import Simulator
from tests.conftest import sim_env

RELOAD_OK = "causely_exporter_config_last_reload_successful"
RELOAD_TIME = "causely_exporter_config_last_reload_success_timestamp_seconds"


def wait_for(
    check: Callable[[], bool], what: str, logs: Callable[[], str], timeout: float = 30
) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"not seen in {timeout}s: {what}\n{logs()}")


def config_text(scopes: list[str], interval: str = "1s") -> str:
    return f"causely:\n  scopes: [{', '.join(scopes)}]\ncollection:\n  interval: {interval}\n"


def scopes_up(exporter: Any) -> set[str]:
    return {dict(labels)["scope"] for labels in exporter.metrics()["causely_scope_up"]}


def active_scopes(metrics: dict[str, Any]) -> set[str]:
    return {dict(labels)["scope"] for labels in metrics["causely_active_defects"]}


def test_sighup_applies_a_valid_config_and_keeps_the_old_one_on_error(
    sim: Simulator, exporter_process: Any, tmp_path: Path
) -> None:
    names = sim.scope_names()
    path = tmp_path / "config.yaml"
    path.write_text(config_text(names[:2]))
    exporter = exporter_process(["--config.file", str(path)], sim_env(sim))
    exporter.wait_ready()
    metrics = exporter.metrics()
    assert metrics[RELOAD_OK][()] == 1
    started = metrics[RELOAD_TIME][()]
    assert abs(started - time.time()) < 60
    assert scopes_up(exporter) == set(names[:2])
    assert active_scopes(metrics) == set(names[:2])

    assert metrics["causely_exporter_collection_interval_seconds"][()] == 1

    # The same file again: a successful reload that keeps the sources (no new token).
    tokens = sum(r.target == "auth" for r in sim.requests())
    exporter.proc.send_signal(signal.SIGHUP)
    wait_for(
        lambda: exporter.metrics()[RELOAD_TIME][()] > started, "same-file reload", exporter.logs
    )
    time.sleep(1.5)  # a cycle with the kept sources
    assert sum(r.target == "auth" for r in sim.requests()) == tokens
    started = exporter.metrics()[RELOAD_TIME][()]

    path.write_text(config_text(names[2:3], interval="2s"))
    exporter.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: scopes_up(exporter) == {names[2]}, "new scope list", exporter.logs)
    metrics = exporter.metrics()
    # Removed on purpose: gone at once, not kept at 0 for the zero retention (an hour).
    assert active_scopes(metrics) == {names[2]}
    assert metrics["causely_exporter_collection_interval_seconds"][()] == 2
    assert metrics[RELOAD_OK][()] == 1 and metrics[RELOAD_TIME][()] > started
    reloaded = metrics[RELOAD_TIME][()]

    path.write_text("collection:\n  interval: .nan\ncausely:\n  page_size: lots\n")
    exporter.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: exporter.metrics()[RELOAD_OK][()] == 0, "failed reload", exporter.logs)
    time.sleep(1.5)  # at least one more cycle, with the old config
    metrics = exporter.metrics()
    assert metrics[RELOAD_TIME][()] == reloaded
    assert scopes_up(exporter) == {names[2]}
    assert exporter.proc.poll() is None
    logs = exporter.logs()
    failed = [line for line in logs.splitlines() if "event=reload_failed" in line]
    assert len(failed) == 1 and "level=error" in failed[0]
    assert "collection.interval" in failed[0] and "causely.page_size" in failed[0]

    # Fixed again: the next SIGHUP succeeds.
    path.write_text(config_text(names[:1]))
    exporter.proc.send_signal(signal.SIGHUP)
    exporter.wait_ready()
    wait_for(lambda: exporter.metrics()[RELOAD_OK][()] == 1, "good reload", exporter.logs)
    wait_for(lambda: scopes_up(exporter) == {names[0]}, "scope list", exporter.logs)
    assert exporter.stop(signal.SIGTERM) < 5
    assert exporter.proc.returncode == 0
    assert "Traceback" not in exporter.logs()


def test_sighup_reloads_the_web_config(
    sim: Simulator, exporter_process: Any, tmp_path: Path
) -> None:
    web = tmp_path / "web.yml"
    web.write_text("http_server_config:\n  headers:\n    X-Reload-Test: first\n")
    exporter = exporter_process(["--web.config.file", str(web)], sim_env(sim))
    assert requests.get(exporter.url + "/metrics", timeout=5).headers["X-Reload-Test"] == "first"

    web.write_text("http_server_config:\n  headers:\n    X-Reload-Test: second\n")
    exporter.proc.send_signal(signal.SIGHUP)

    def header() -> str | None:
        return requests.get(exporter.url + "/metrics", timeout=5).headers.get("X-Reload-Test")

    wait_for(lambda: header() == "second", "new header", exporter.logs)

    web.write_text("http_server_config:\n  headers: [nonsense]\n")
    exporter.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: exporter.metrics()[RELOAD_OK][()] == 0, "failed reload", exporter.logs)
    assert header() == "second"
    assert "http_server_config.headers" in exporter.logs()
    assert exporter.stop() < 5 and exporter.proc.returncode == 0


def test_sighup_turns_the_bridge_on_and_moves_it(
    sim: Simulator, exporter_process: Any, tmp_path: Path
) -> None:
    from tests.receiver import Receiver

    path = tmp_path / "config.yaml"
    path.write_text(config_text(sim.scope_names()[:1]))
    exporter = exporter_process(["--config.file", str(path)], sim_env(sim))
    exporter.wait_ready()
    assert "causely_exporter_alertmanager_alerts_firing" not in exporter.metrics()
    with Receiver() as first, Receiver() as second:
        for receiver in (first, second):
            path.write_text(
                config_text(sim.scope_names()[:1])
                + f"alertmanager:\n  urls: [{receiver.url}]\n"
                + "  causely_severities: [Critical, High, Medium, Low, Hidden]\n"
                + "  resend_interval: 1s\n"  # a bridge left running would keep sending
            )
            exporter.proc.send_signal(signal.SIGHUP)
            wait_for(
                lambda r=receiver: bool(r.alerts()), f"alerts at {receiver.url}", exporter.logs
            )
        sent_to_first = len(first.received())
        time.sleep(2.5)  # two more cycles: the replaced bridge sends nothing more
        assert len(first.received()) == sent_to_first
        assert exporter.metrics()[RELOAD_OK][()] == 1
    assert exporter.stop() < 5 and exporter.proc.returncode == 0
    assert "Traceback" not in exporter.logs()


def test_reload_gauges_change_at_once_not_at_the_next_cycle(
    sim: Simulator, exporter_process: Any, tmp_path: Path
) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(config_text(sim.scope_names()[:1], interval="120s"))
    exporter = exporter_process(["--config.file", str(path)], sim_env(sim))
    exporter.wait_ready()
    om = {"Accept": "application/openmetrics-text; version=1.0.0"}
    cycle = exporter.metrics()["causely_exporter_last_success_timestamp_seconds"][()]
    path.write_text("collection:\n  interval: lots\n")
    exporter.proc.send_signal(signal.SIGHUP)
    # The next cycle is two minutes away: the failed reload shows well before it, in both
    # formats, over the same cycle's data.
    wait_for(lambda: exporter.metrics()[RELOAD_OK][()] == 0, "failed reload", exporter.logs, 20)
    served = requests.get(exporter.url + "/metrics", headers=om, timeout=5)
    assert served.headers["Content-Type"].startswith("application/openmetrics-text")
    assert "\ncausely_exporter_config_last_reload_successful 0.0\n" in served.text
    assert served.text.endswith("\n# EOF\n")
    metrics = exporter.metrics()
    assert metrics["causely_exporter_last_success_timestamp_seconds"][()] == cycle
    assert exporter.stop() < 5 and exporter.proc.returncode == 0
