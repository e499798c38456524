"""Processes the tests start on 127.0.0.1, and always stop: one way to start, read, stop."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

INSTALL_HINT = "run scripts/install-test-deps.sh"
# Tools the suite uses when present but CI does not install (find_binary(required_in_ci=False)).
OPTIONAL_TOOL = "optional, not installed by scripts/install-test-deps.sh"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def find_binary(
    name: str, *aliases: str, install: str = INSTALL_HINT, required_in_ci: bool = True
) -> str:
    """The path of an external binary a test runs, looked up in one place.

    Missing on a developer's machine, the test skips and says how to install it; missing in CI
    (CI=true), it fails, so a CI run never passes by skipping what it was meant to run.
    `required_in_ci=False` is for the optional tools CI does not install: they always skip.
    """
    for candidate in (name, *aliases):
        path = shutil.which(candidate)
        if path is not None:
            return path
    reason = f"{name} not installed: {install}"
    if required_in_ci and os.environ.get("CI") == "true":
        pytest.fail(
            f"{reason} (CI=true: a missing binary fails instead of skipping)", pytrace=False
        )
    pytest.skip(reason)


class Process:
    """A subprocess whose output goes to a log file."""

    def __init__(
        self,
        args: list[str],
        log_path: Path,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.log_path = log_path
        self._log = log_path.open("w")
        self.proc = subprocess.Popen(
            args, stdout=self._log, stderr=subprocess.STDOUT, env=env, cwd=cwd
        )

    def logs(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text()

    def stop(self, sig: int = signal.SIGTERM) -> float:
        """Stop it (killed after 10 s) and return how long that took."""
        started = time.time()
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return time.time() - started
