"""The test tiers hold: every test file sits in a tier, the unit tier refuses processes, and a
missing binary skips on a developer's machine but fails in CI."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.conftest import TESTS, TIERS, tier_of
from tests.processes import OPTIONAL_TOOL, find_binary

MISSING = "causely-no-such-binary"


def test_every_test_file_sits_in_a_tier() -> None:
    loose = sorted(
        str(path.relative_to(TESTS)) for path in TESTS.rglob("test_*.py") if tier_of(path) is None
    )
    assert loose == [], f"test files outside {sorted(TIERS)}: {loose}"


def test_tests_carry_the_marker_of_their_directory(request: pytest.FixtureRequest) -> None:
    assert request.node.get_closest_marker("unit") is not None
    assert tier_of(TESTS / "e2e" / "test_bridge.py") == "e2e"
    assert tier_of(TESTS / "conftest.py") is None
    assert tier_of(TESTS.parent / "bench" / "test_x.py") is None


def test_a_unit_test_cannot_start_a_process() -> None:
    with pytest.raises(AssertionError, match="belongs in tests/integration"):
        subprocess.run(["true"], check=False)
    with pytest.raises(AssertionError, match="belongs in tests/integration"):
        os.system("true")


def test_a_missing_binary_skips_with_its_reason_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=f"{MISSING} not installed: run scripts/"):
        find_binary(MISSING)


def test_a_missing_binary_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=f"{MISSING} not installed.*CI=true"):
        find_binary(MISSING)
    # An optional tool CI does not install still skips there, saying so.
    with pytest.raises(pytest.skip.Exception, match="optional"):
        find_binary(MISSING, install=OPTIONAL_TOOL, required_in_ci=False)


def test_a_binary_is_found_by_any_of_its_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    # Debian names Alertmanager prometheus-alertmanager: the second name is tried.
    assert find_binary(MISSING, "sh").endswith("/sh")
