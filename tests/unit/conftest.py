"""The unit tier runs in-process: a test here that starts a process fails, naming where it goes.

The simulator on 127.0.0.1 in threads is fine; the exporter or the simulator as a process, and
external binaries (promtool, openssl, ...), belong in tests/integration, tests/e2e or
tests/shipped (see TIERS in tests/conftest.py).
"""

from __future__ import annotations

import os
import subprocess
from typing import Any, NoReturn

import pytest

MOVE_IT = "tests/unit runs in-process: a test that starts {what} belongs in tests/integration"


def _refuse(what: str) -> Any:
    def refuse(*args: object, **kwargs: object) -> NoReturn:
        raise AssertionError(MOVE_IT.format(what=what))

    return refuse


@pytest.fixture(autouse=True)
def _in_process_only(monkeypatch: pytest.MonkeyPatch) -> None:
    # Popen.__init__ covers subprocess.run/call/check_output and any `from subprocess import`.
    monkeypatch.setattr(subprocess.Popen, "__init__", _refuse("a process (subprocess)"))
    for name in ("system", "posix_spawn", "posix_spawnp", "fork"):
        if hasattr(os, name):
            monkeypatch.setattr(os, name, _refuse(f"a process (os.{name})"))
