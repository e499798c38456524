"""Config files as a hostile or careless user writes them, through the real CLI.

Every error of a file is listed at once, secrets are not needed to check a file, and no file
(alias bomb, huge, FIFO, bad UTF-8, NaN) can hang the process, blow its memory or get a
traceback: each ends in exit 2 with short lines naming the field.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from exporter.config.file import MAX_CONFIG_BYTES
from tests.conftest import REPO

CREDS = {"CAUSELY_CLIENT_ID": "id-1", "CAUSELY_CLIENT_SECRET": "s3cret-value"}
EXAMPLE = REPO / "config.example.yaml"
# The CLI with its imports stays far below this; a config value repeated in full does not.
ADDRESS_SPACE_LIMIT = 1536 * 1024 * 1024


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_LIMIT, ADDRESS_SPACE_LIMIT))


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "exporter", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", **(env or {})},
        cwd=REPO,
        preexec_fn=_limit_memory,
    )


def error_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    lines = result.stderr.strip().splitlines()
    assert all(line.startswith("causely-exporter: ") for line in lines), result.stderr
    assert "Traceback" not in result.stderr
    return [line.removeprefix("causely-exporter: ") for line in lines]


# --- --check-config needs no secrets ---------------------------------------------------------


def test_check_config_without_secrets_exits_0_and_says_which_are_not_set() -> None:
    result = run_cli("--check-config", "--config.file", str(EXAMPLE))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("configuration ok")
    assert "credentials are not set" in result.stdout
    for hint in ("CAUSELY_CLIENT_ID", "causely.client_id_file", "CAUSELY_CLIENT_SECRET"):
        assert hint in result.stdout
    assert "CAUSEFLOW_TOKEN" not in result.stdout  # causeflow is off in the example


def test_check_config_with_secrets_says_only_ok() -> None:
    result = run_cli("--check-config", "--config.file", str(EXAMPLE), env=CREDS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "configuration ok"


def test_check_config_reports_every_error_of_every_section(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        "causely:\n  page_size: lots\n  colour: red\n"
        "causeflow:\n  statuses: [done]\n"
        "http:\n  read_timeout: .nan\n  max_attempts: 0\n"
        "collection:\n  interval: often\n"
        "surprise: 1\n"
    )
    result = run_cli("--check-config", "--config.file", str(path))
    assert result.returncode == 2
    lines = error_lines(result)
    # Each line: where in the file, then the field; the lines as the file holds the fields.
    places = [line.removeprefix(f"{path}:").split(":", 2)[:2] for line in lines]
    assert sorted(places) == sorted(
        [
            ["2", " causely.page_size"],
            ["3", " causely.colour"],
            ["5", " causeflow.statuses[0]"],
            ["7", " http.read_timeout"],
            ["8", " http.max_attempts"],
            ["10", " collection.interval"],
            ["11", " surprise"],
        ]
    )
    assert not any("CAUSELY_CLIENT" in line for line in lines)  # not asked when checking


def test_bad_web_config_and_bad_config_are_reported_together(tmp_path: Path) -> None:
    web = tmp_path / "web.yml"
    web.write_text("basic_auth_users:\n  prom: plain\n")
    path = tmp_path / "c.yaml"
    path.write_text("collection:\n  interval: often\n")
    result = run_cli("--check-config", "--config.file", str(path), "--web.config.file", str(web))
    assert result.returncode == 2
    lines = error_lines(result)
    assert f"{web}:2: basic_auth_users.prom: expected a bcrypt hash" in lines
    assert f"{path}:2: collection.interval: expected a duration such as 60s, got 'often'" in lines


def test_running_without_credentials_exits_2_naming_variable_and_key() -> None:
    result = run_cli("--config.file", str(EXAMPLE))
    assert result.returncode == 2
    lines = error_lines(result)
    assert lines[0].startswith("causely.client_id: missing; set CAUSELY_CLIENT_ID")
    assert "causely.client_id_file" in lines[0]
    assert lines[1].startswith("causely.client_secret: missing; set CAUSELY_CLIENT_SECRET")


# --- durations and numbers are finite ------------------------------------------------------


def test_nan_interval_exits_2_through_the_cli(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("collection:\n  interval: .nan\n")
    result = run_cli("--config.file", str(path), env=CREDS)
    assert result.returncode == 2
    assert error_lines(result) == [
        f"{path}:2: collection.interval: must be a finite duration, got nan"
    ]


# --- hostile files ---------------------------------------------------------------------------


def alias_bomb(indent: str) -> str:
    """A YAML flow list of 9 levels, each holding 9 references to the one before.

    72 aliases, within the loader's limit: parsed it is small (aliases share one object),
    written out in full it is 9**8 * 9 strings, gigabytes.
    """
    levels = ["&l0 [" + ", ".join(["lol"] * 9) + "]"]
    for n in range(1, 9):
        levels.append(f"&l{n} [" + ", ".join([f"*l{n - 1}"] * 9) + "]")
    return indent + "[" + ", ".join(levels) + "]"


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("causely:\n  page_size: {bomb}\n", "causely.page_size"),
        ("causely:\n  scopes: {bomb}\n", "causely.scopes"),
        ("collection:\n  interval: {bomb}\n", "collection.interval"),
        ("causely:\n  severities: {bomb}\n", "causely.severities"),
        ("http:\n  max_requests_per_second: {bomb}\n", "http.max_requests_per_second"),
    ],
)
def test_alias_bomb_in_a_checked_field_exits_2_with_a_short_message(
    tmp_path: Path, text: str, field: str
) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(text.format(bomb=alias_bomb("")))
    result = run_cli("--check-config", "--config.file", str(path), env=CREDS)
    assert result.returncode == 2, result.stderr[-2000:]
    lines = error_lines(result)
    # A list is checked entry by entry: one short line per entry of the bomb's top level.
    assert 1 <= len(lines) <= 9
    assert all(line.startswith((f"{path}:2: {field}: ", f"{path}:2: {field}[")) for line in lines)
    assert all(len(line) < 400 for line in lines) and len(result.stderr) < 9 * 400


def test_alias_bomb_in_the_web_config_headers_exits_2_with_a_short_message(
    tmp_path: Path,
) -> None:
    web = tmp_path / "web.yml"
    web.write_text(f"http_server_config:\n  headers:\n    X-Bomb: {alias_bomb('')}\n")
    result = run_cli("--check-config", "--web.config.file", str(web), env=CREDS)
    assert result.returncode == 2, result.stderr[-2000:]
    lines = error_lines(result)
    assert len(lines) == 1 and lines[0].startswith(f"{web}:3: http_server_config.headers.X-Bomb: ")
    assert len(result.stderr) < 400


def test_too_many_aliases_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    refs = ", ".join(["*a"] * 200)
    path.write_text(f"causely:\n  severities: [&a High, {refs}]\n")
    result = run_cli("--check-config", "--config.file", str(path), env=CREDS)
    assert result.returncode == 2
    assert error_lines(result)[0].startswith("config.file: ")
    assert "aliases" in result.stderr


def test_config_file_over_1_mib_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    with path.open("w") as out:
        out.write("# padding\n" * (MAX_CONFIG_BYTES // 10 + 1))
    assert path.stat().st_size > MAX_CONFIG_BYTES
    result = run_cli("--check-config", "--config.file", str(path), env=CREDS)
    assert result.returncode == 2
    assert error_lines(result) == [f"config.file: '{path}' is larger than 1048576 bytes"]


def test_secret_file_that_is_a_fifo_exits_2_without_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "secret"
    os.mkfifo(fifo)
    path = tmp_path / "c.yaml"
    path.write_text(f"causely:\n  client_secret_file: {fifo}\n")
    # No writer ever opens the FIFO: a plain read would block until the 60 s timeout.
    result = run_cli("--check-config", "--config.file", str(path), env={"CAUSELY_CLIENT_ID": "x"})
    assert result.returncode == 2
    assert error_lines(result) == [
        f"{path}:2: causely.client_secret_file: '{fifo}' is not a regular file"
    ]


@pytest.mark.parametrize("flag", ["--config.file", "--web.config.file"])
def test_invalid_utf8_names_the_file(tmp_path: Path, flag: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(b"causely:\n  scopes: [caf\xe9]\n")
    result = run_cli("--check-config", flag, str(path), env=CREDS)
    assert result.returncode == 2
    lines = error_lines(result)
    field = flag.removeprefix("--")
    assert lines == [f"{field}: '{path}' is not valid UTF-8 (byte 23)"]
    assert "web.listen-address" not in result.stderr
