"""A hostile or broken API through the exporter as a process: `--once`, its logs, its memory."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from exporter.simulator.simulator import Simulator
from tests.conftest import REPO, write_config
from tests.processes import free_port


def test_a_500_mb_body_keeps_the_exporter_near_the_cap() -> None:
    """The issue's 500 MB page took the process to 2 GB; now growth stays near the 32 MiB cap.

    Peak RSS is the kernel's high-water mark of a fresh process running one cycle (the same
    runner as bench.hostile, which prints the figures).
    """
    from bench.hostile import run_case

    result = run_case({"kind": "huge_body", "size": 500_000_000}, interval=20)
    assert result["error"] == "response_too_large"
    assert result["rss_growth_mib"] < 100, result


def test_once_against_an_unreachable_api_says_what_it_retries(tmp_path: Path) -> None:
    port = free_port()  # bound then released: nothing listens there
    dead = f"http://127.0.0.1:{port}"
    config = write_config(tmp_path, "http:\n  backoff_initial: 1s\n  backoff_max: 4s\n")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "CAUSELY_CLIENT_ID": "someone",
        "CAUSELY_CLIENT_SECRET": "something",
        "CAUSELY_AUTH_URL": dead + "/frontegg/identity/resources/auth/v2/api-token",
        "CAUSELY_API_URL": dead + "/query/",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "exporter", "--once", "--config.file", config],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )
    lines: list[str] = []
    found: list[str] = []

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)
            if "event=retrying" in line:
                found.append(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        give_up = time.time() + 30
        while not found and time.time() < give_up and proc.poll() is None:
            time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        reader.join(timeout=5)
    assert found, "".join(lines)
    line = found[0]
    # The call that needs the token retries; the line names the token exchange and its host.
    assert "reason=connection_error" in line and f"target=127.0.0.1:{port} " in line
    assert 'msg="token: connection failed"' in line
    assert re.search(r"next_attempt_in_seconds=\d+\.\d", line)
    assert "level=info" in line.lower() or "info" in line.lower()
    assert "something" not in "".join(lines)  # the secret never shows


def test_once_with_the_auth_server_down_tries_the_token_max_attempts_times(
    tmp_path: Path, small_sim: Simulator
) -> None:
    # Once the token exchange retried inside every retry of the call that needed it:
    # 5 x 5 = 25 token attempts for one scopes query with http.max_attempts 5; then 5 per
    # call of the cycle (15 with health and SLOs).
    dead = f"http://127.0.0.1:{free_port()}"
    config = write_config(
        tmp_path, "http:\n  max_attempts: 5\n  backoff_initial: 10ms\n  backoff_max: 50ms\n"
    )
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "CAUSELY_CLIENT_ID": "someone",
        "CAUSELY_CLIENT_SECRET": "something",
        "CAUSELY_AUTH_URL": dead + "/frontegg/identity/resources/auth/v2/api-token",
        "CAUSELY_API_URL": small_sim.url + "/query/",
    }
    done = subprocess.run(
        [sys.executable, "-m", "exporter", "--once", "--config.file", config],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=60,
    )

    def counts(name: str) -> dict[str, float]:
        found = {}
        for line in done.stdout.splitlines():
            match = re.match(rf"^{name}\{{(.*)\}} (\S+)$", line)
            labels = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1))) if match else {}
            if match and "connection_error" in labels.values():
                found[labels["operation"]] = float(match.group(2))
        return found

    calls = {
        op: n for op, n in counts("causely_exporter_api_errors_total").items() if op != "token"
    }
    assert calls and set(calls.values()) == {1.0}, done.stdout[-3000:]
    # One budget per cycle (issue 28): the calls of the cycle share 5 token attempts (calls
    # running at once each spend some); once spent, the others fail at once, no request.
    # Without a `scopes` key the cycle is one call: defects, health and SLOs in one document.
    assert calls == {"defectConnection": 1.0}
    assert counts("causely_exporter_api_requests_total") == {"token": 5.0}
    assert sum(counts("causely_exporter_api_retries_total").values()) <= 5.0
