"""Fixtures shared by the tests of shipped files."""

from __future__ import annotations

import shutil

import pytest


@pytest.fixture(scope="session")
def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        pytest.fail(
            "promtool not found on PATH: run scripts/install-test-deps.sh "
            "(installs the prometheus package)",
            pytrace=False,
        )
    return path
