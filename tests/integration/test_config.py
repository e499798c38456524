"""Config errors through the real CLI: exit codes and one-line messages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO
from tests.unit.config.test_config import CREDS


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "exporter", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", **(env or {})},
    )


def test_cli_bad_config_exits_2_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("causely:\n  page_size: lots\n")
    result = run_cli("--config.file", str(path), "--check-config", env=CREDS)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [
        f"causely-exporter: {path}:2: causely.page_size: expected an integer, got 'lots'"
    ]
    assert "Traceback" not in result.stderr


def test_cli_check_config_ok(tmp_path: Path) -> None:
    example = REPO / "config.example.yaml"
    result = run_cli("--config.file", str(example), "--check-config", env=CREDS)
    assert result.returncode == 0, result.stderr
    assert "configuration ok" in result.stdout


def test_cli_bad_listen_address_exits_2() -> None:
    result = run_cli("--web.listen-address", "nonsense", "--check-config", env=CREDS)
    assert result.returncode == 2
    assert "web.listen-address" in result.stderr
    assert "Traceback" not in result.stderr
