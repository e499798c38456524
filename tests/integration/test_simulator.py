"""The simulator's command as a process: it stops cleanly on a signal."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import pytest
import requests

from tests.unit.simulator.test_simulator import CREDS, REPO


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_cli_stops_cleanly_on_signal(signum: int) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [sys.executable, "-m", "exporter.simulator", "--listen", "127.0.0.1:0"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        auth_url = re.search(r"auth=(\S+)", line)
        assert auth_url, line
        assert requests.post(auth_url.group(1), json=CREDS, timeout=5).status_code == 200
        process.send_signal(signum)
        _, err = process.communicate(timeout=5)
    finally:
        process.kill()
    assert process.returncode == 0
    assert "Traceback" not in err
