"""The exporter as a user runs it: --once, signals, --demo, the simulator command, secrets."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

from exporter.simulator.config import SimulatorConfig
from exporter.simulator.simulator import Simulator
from tests.conftest import REPO, free_port, parse_exposition, sim_env, write_config

CANARY = "canary-7f3a9c-do-not-leak"


def run(
    args: list[str], env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "exporter", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={"PATH": "/usr/bin:/bin", **env},
        cwd=REPO,
    )


def test_once_prints_the_exposition_and_exits_0(sim: Simulator, tmp_path: Path) -> None:
    config = write_config(tmp_path, "causely:\n  scopes: discover\n")
    result = run(["--once", "--config.file", config], sim_env(sim))
    assert result.returncode == 0, result.stderr
    metrics = parse_exposition(result.stdout)
    assert metrics["causely_up"][()] == 1
    total = sum(metrics["causely_active_defects"].values())
    assert total == sum(len(sim.active_defects(s)) for s in sim.scope_names())


def test_once_exits_1_when_collection_fails(sim: Simulator) -> None:
    sim.inject("status", status=500, count=None)
    result = run(["--once"], sim_env(sim))
    assert result.returncode == 1
    assert "causely_up 0.0" in result.stdout
    assert "Traceback" not in result.stderr
    assert "event=collect_failed" in result.stderr


def test_sigterm_stops_within_5s_even_mid_collection(
    sim: Simulator, exporter_process: Any, tmp_path: Path
) -> None:
    sim.inject("stall", seconds=30, count=None)
    config = write_config(tmp_path, "http:\n  read_timeout: 25s\n")
    exporter = exporter_process(["--config.file", config], sim_env(sim))
    time.sleep(1.0)  # the collector is now waiting on a stalled request
    assert requests.get(exporter.url + "/metrics", timeout=5).status_code == 200
    assert exporter.stop(signal.SIGTERM) < 5
    assert exporter.proc.returncode == 0
    assert "Traceback" not in exporter.logs()


def test_sigint_stops_cleanly(sim: Simulator, exporter_process: Any) -> None:
    exporter = exporter_process([], sim_env(sim))
    exporter.wait_ready()
    assert exporter.stop(signal.SIGINT) < 5
    assert exporter.proc.returncode == 0
    assert "event=stopped" in exporter.logs()


def test_demo_serves_both_sources(exporter_process: Any) -> None:
    exporter = exporter_process(["--demo"], {})
    exporter.wait_ready()
    metrics = exporter.metrics()
    assert metrics["causely_up"][()] == 1
    assert metrics["causeflow_up"][()] == 1
    assert len(metrics["causely_scope_up"]) >= 3
    assert sum(metrics["causely_active_defects"].values()) > 0


def test_simulate_command_serves_the_api() -> None:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "exporter",
            "simulate",
            "--listen",
            f"127.0.0.1:{port}",
            "--exit-after",
            "20",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=REPO,
    )
    try:
        deadline = time.time() + 15
        while time.time() < deadline:
            try:
                token = requests.post(
                    f"http://127.0.0.1:{port}/frontegg/identity/resources/auth/v2/api-token",
                    json={"clientId": "demo-client", "secret": "demo-secret"},
                    timeout=2,
                )
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        assert token.status_code == 200 and token.json()["access_token"]
    finally:
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert "Traceback" not in output


def test_canary_secret_never_appears(tmp_path: Path, exporter_process: Any) -> None:
    """The secret is wrong on purpose: the rejection path is where leaks usually happen."""
    with Simulator(SimulatorConfig(seed=4, scopes=2, defects=10)) as sim:
        secret_file = tmp_path / "secret"
        secret_file.write_text(CANARY + "\n")
        config = write_config(
            tmp_path,
            f"causely:\n  client_secret_file: {secret_file}\n"
            "causeflow:\n  enabled: true\ncollection:\n  interval: 1s\n",
        )
        env = {**sim_env(sim), "CAUSEFLOW_TOKEN": CANARY + "-cf"}
        del env["CAUSELY_CLIENT_SECRET"]
        exporter = exporter_process(["--config.file", config, "--log.level", "debug"], env)
        sim.inject("unauthorized", target="causeflow", count=None)
        time.sleep(2.5)
        pages = [
            requests.get(exporter.url + path, timeout=5)
            for path in ("/metrics", "/", "/healthz", "/readyz", "/nope", "/metrics?x=" + CANARY)
        ]
        pages.append(requests.post(exporter.url + "/metrics", data=CANARY, timeout=5))
        exporter.stop()
        logs = exporter.logs()
        assert "credentials_rejected" in logs  # the failure path really ran
        for page in pages:
            assert CANARY not in page.text and CANARY not in str(page.headers)
        assert CANARY not in logs
        assert not re.search(r"Bearer \S", logs)


def test_bad_configs_exit_2_naming_the_field(tmp_path: Path) -> None:
    cases = {
        "causely:\n  page_size: -1\n": "causely.page_size",
        "causely:\n  scopes: 3\n": "causely.scopes",
        "collection:\n  interval: often\n": "collection.interval",
        "http:\n  read_timeout: 0s\n": "http.read_timeout",
        "causeflow:\n  enabled: true\n  page_size: 0\n": "causeflow.page_size",
        "nonsense: true\n": "nonsense: unknown key",
        "causely: [\n": "config.file",
    }
    env = {"CAUSELY_CLIENT_ID": "x", "CAUSELY_CLIENT_SECRET": CANARY}
    for text, field in cases.items():
        result = run(["--check-config", "--config.file", write_config(tmp_path, text)], env)
        assert result.returncode == 2, (text, result.stderr)
        assert field in result.stderr, (text, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1
        assert CANARY not in result.stderr + result.stdout


def test_missing_config_file_and_bad_web_config(tmp_path: Path) -> None:
    env = {"CAUSELY_CLIENT_ID": "x", "CAUSELY_CLIENT_SECRET": "y"}
    missing = run(["--check-config", "--config.file", str(tmp_path / "none.yaml")], env)
    assert missing.returncode == 2 and "config.file: cannot read" in missing.stderr
    web = tmp_path / "web.yml"
    web.write_text("basic_auth_users:\n  prom: plain\n")
    bad_web = run(["--check-config", "--web.config.file", str(web)], env)
    assert bad_web.returncode == 2 and "basic_auth_users.prom" in bad_web.stderr


def test_port_in_use_is_a_clear_error(sim: Simulator) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run([f"--web.listen-address=127.0.0.1:{port}"], sim_env(sim), timeout=30)
    assert result.returncode == 1
    assert "cannot listen" in result.stderr and "Traceback" not in result.stderr


def test_json_log_format_is_one_object_per_line(sim: Simulator) -> None:
    import json

    result = run(["--once", "--log.format", "json", "--log.level", "debug"], sim_env(sim))
    assert result.returncode == 0
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert lines and all({"ts", "level", "logger"} <= set(line) for line in lines)
    # The event's key=value pairs are fields of their own, not one logfmt string.
    done = [line for line in lines if line.get("event") == "collection_done"]
    assert done and done[0]["ok"] == "true" and "msg" not in done[0]
