"""Log lines cannot be forged: every line is one logfmt record, whatever the values hold."""

from __future__ import annotations

import json
import logging
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from exporter.logs import LogFormatter, quote
from exporter.simulator.simulator import Simulator
from tests.conftest import REPO, sim_env, write_config

FORGED = 'team\nts=2026-01-01T00:00:00.000Z level=error logger=exporter msg="forged"'
_VALUE = r'(?:"(?:[^"\\\x00-\x1f]|\\[\\"nrtu])*"|[^\s"\x00-\x1f]*)'
_PAIR = re.compile(rf"([A-Za-z_][A-Za-z0-9_.\-]*)=({_VALUE})(?: |$)")


def parse_logfmt(line: str) -> dict[str, str]:
    """A strict logfmt reader: the whole line must be key=value pairs, values bare or quoted."""
    pairs: dict[str, str] = {}
    position = 0
    while position < len(line):
        match = _PAIR.match(line, position)
        assert match, f"not logfmt at {position}: {line!r}"
        pairs[match.group(1)] = match.group(2)
        position = match.end()
    assert list(pairs)[:3] == ["ts", "level", "logger"], line
    return pairs


def format_record(message: str, *args: Any, exc: bool = False, **kw: Any) -> str:
    record = logging.LogRecord("exporter.test", logging.INFO, __file__, 1, message, args, None)
    if exc:
        try:
            raise ValueError("boom\nlevel=error forged")
        except ValueError:
            record.exc_info = sys.exc_info()
    return LogFormatter(**kw).format(record)


@pytest.mark.parametrize(
    "value",
    [FORGED, "a b", 'say "hi"', "x=y", "", "tab\there", "\x1b[31mred", "\u2028", "\ud800", "é"],
)
def test_an_untrusted_value_stays_one_value_of_one_line(value: str) -> None:
    line = format_record("event=test scope=%s n=%d", quote(value), 3)
    assert "\n" not in line and len(line.splitlines()) == 1
    pairs = parse_logfmt(line)
    assert set(pairs) == {"ts", "level", "logger", "event", "scope", "n"}
    assert pairs["n"] == "3"


def test_a_raw_value_is_caught_by_the_last_line_of_defence() -> None:
    line = format_record("event=collect_failed unit=%s", FORGED)
    assert len(line.splitlines()) == 1
    pairs = parse_logfmt(line)
    assert set(pairs) == {"ts", "level", "logger", "msg"}  # the whole message, escaped
    assert pairs["level"] == "info"
    assert "\\n" in pairs["msg"]


def test_free_text_and_tracebacks_become_quoted_values() -> None:
    line = format_record("simulator listening on %s", "http://x", exc=True)
    pairs = parse_logfmt(line)
    assert pairs["msg"] == '"simulator listening on http://x"'
    assert "ValueError" in pairs["exc"] and len(line.splitlines()) == 1


def test_secrets_are_redacted_and_json_is_unchanged() -> None:
    line = format_record("event=x token=%s", "hunter2-secret", secrets=["hunter2-secret"])
    assert "hunter2" not in line and "token=***" in line
    doc = json.loads(format_record("event=x scope=%s", FORGED, json_format=True))
    assert doc["msg"] == f"event=x scope={FORGED}" and doc["level"] == "info"


def test_json_lines_carry_the_event_fields_as_fields() -> None:
    line = format_record("event=x scope=%s n=%d", quote(FORGED), 3, json_format=True)
    assert len(line.splitlines()) == 1
    doc = json.loads(line)
    assert doc == {
        "ts": doc["ts"],
        "level": "info",
        "logger": "exporter.test",
        "event": "x",
        "scope": FORGED,  # unquoted and unescaped: the value as it was
        "n": "3",
    }
    # A message's own ts/level/logger cannot pass for the record's.
    doc = json.loads(format_record("event=y level=error", json_format=True))
    assert doc["level"] == "info" and doc["level_"] == "error"
    # Secrets are redacted in the fields too; a traceback is a field of its own.
    doc = json.loads(
        format_record(
            "event=z token=%s",
            "hunter2-secret",
            secrets=["hunter2-secret"],
            json_format=True,
            exc=True,
        )
    )
    assert doc["token"] == "***" and "hunter2" not in json.dumps(doc)
    assert "ValueError" in doc["exc"]


def test_quote_bounds_long_values() -> None:
    assert len(quote("x" * 100_000)) < 300
    assert quote("plain") == "plain"
    assert quote("") == '""'


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
