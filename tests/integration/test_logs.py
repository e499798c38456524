"""Log lines of the real processes cannot be forged; their help and start lines say what they do."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from exporter.simulator.simulator import Simulator
from tests.conftest import REPO, sim_env, write_config
from tests.unit.test_logs import FORGED, parse_logfmt


def test_a_hostile_scope_name_never_forges_a_line_of_the_real_process(
    sim: Simulator, tmp_path: Path
) -> None:
    """The scope does not exist, so the exporter logs its name as a failing unit."""
    config = write_config(
        tmp_path, "causely:\n  scopes:\n    - " + json.dumps(FORGED) + "\n    - plain\n"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "exporter",
            "--once",
            "--log.level",
            "debug",
            "--config.file",
            config,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", **sim_env(sim)},
        cwd=REPO,
    )
    lines = result.stderr.splitlines()
    assert any("team" in line for line in lines), result.stderr  # the name was logged
    for line in lines:
        pairs = parse_logfmt(line)
        assert pairs["level"] != "error" or "forged" not in line


def test_client_bytes_in_the_request_line_are_escaped(
    exporter_process: Any, sim: Simulator
) -> None:
    exporter = exporter_process(["--log.level", "debug"], sim_env(sim))
    with socket.create_connection(("127.0.0.1", exporter.port), timeout=5) as conn:
        conn.sendall(b"GET /\x1b[31m\rlevel=error\x85\xff HTTP/1.0\r\n\r\n")
        conn.recv(65536)
    time.sleep(0.5)
    exporter.stop()
    lines = exporter.logs().splitlines()
    assert any("event=http_request" in line for line in lines)
    for line in lines:
        parse_logfmt(line)


def test_simulator_logs_in_the_exporters_format() -> None:
    result = subprocess.run(
        [
            *(sys.executable, "-m", "exporter", "simulate", "--listen", "127.0.0.1:0"),
            *("--exit-after", "0.3", "--log.level", "debug"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines, "the simulator logged nothing"
    events = [parse_logfmt(line).get("event") for line in lines]
    assert "simulator_started" in events and "simulator_stopped" in events
    assert None not in events, lines
    banner = result.stdout.strip().splitlines()
    assert len(banner) == 1 and re.search(r"^auth=http://127\.0\.0\.1:\d+/", banner[0])


def test_simulate_help_speaks_like_the_exporter() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "exporter", "simulate", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert result.returncode == 0
    assert result.stdout.startswith("usage: causely-exporter simulate")
    assert "--log.level {debug,info,warn,error}" in result.stdout
    assert "--log.format {logfmt,json}" in result.stdout
    assert "--log-level" not in result.stdout
    help_text = " ".join(result.stdout.split())
    assert "(default: 127.0.0.1:8787)" in help_text and "(default: 15.0)" in help_text


def test_demo_start_up_says_its_interval(exporter_process: Any) -> None:
    exporter = exporter_process(["--demo"], {})
    exporter.stop()
    lines = exporter.logs().splitlines()
    started = [parse_logfmt(line) for line in lines if "event=demo_started" in line]
    assert started and started[0]["interval"] == "15s"
    # Every line, the simulator's too, is an event of its own: no free text.
    assert all("event" in parse_logfmt(line) for line in lines), lines


def test_exporter_help_states_each_default_once() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "exporter", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert result.returncode == 0
    help_text = " ".join(result.stdout.split())
    assert "(default: 64)" in help_text
    assert re.search(r"\(default \d", help_text) is None, help_text
    assert help_text.count("(default") == len(re.findall(r"\(default: ", help_text))
