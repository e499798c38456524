"""Fixtures shared by the tests of shipped files."""

from __future__ import annotations

from collections.abc import Callable

import pytest


@pytest.fixture(scope="session")
def promtool(binary: Callable[..., str]) -> str:
    return binary("promtool", install="run scripts/install-test-deps.sh (package prometheus)")


@pytest.fixture(scope="session")
def amtool(binary: Callable[..., str]) -> str:
    return binary(
        "amtool", install="run scripts/install-test-deps.sh (package prometheus-alertmanager)"
    )
