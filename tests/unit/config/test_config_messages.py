"""Config files as a hostile or careless user writes them, read by the loader in-process.

Every error names its field, messages stay short, secrets point at the file key and the variable.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from exporter.config.file import ConfigError
from exporter.config.loader import build_config

CREDS = {"CAUSELY_CLIENT_ID": "id-1", "CAUSELY_CLIENT_SECRET": "s3cret-value"}


def test_causeflow_token_hint_names_the_variable_and_the_file_key() -> None:
    with pytest.raises(ConfigError) as info:
        build_config({"causeflow": {"enabled": True}}, CREDS)
    assert "CAUSEFLOW_TOKEN" in str(info.value) and "causeflow.token_file" in str(info.value)
    checked = build_config({"causeflow": {"enabled": True}}, CREDS, require_credentials=False)
    assert checked.causeflow.enabled and checked.causeflow.token is None


@pytest.mark.parametrize(
    ("section", "key", "text"),
    [
        ("collection", "interval", ".nan"),
        ("collection", "interval", ".inf"),
        ("collection", "interval", "-.inf"),
        ("collection", "interval", "-1"),
        ("collection", "interval", "0"),
        ("collection", "interval", "0s"),
        ("collection", "interval", "1" + "0" * 400),
        ("collection", "interval", "9" * 400 + "s"),
        ("collection", "timeout", ".nan"),
        ("collection", "zero_retention", ".inf"),
        ("http", "connect_timeout", ".nan"),
        ("http", "read_timeout", "0"),
        ("http", "backoff_initial", ".nan"),
        ("http", "backoff_max", ".inf"),
        ("http", "max_rate_limit_wait", ".nan"),
        ("http", "max_requests_per_second", ".nan"),
        ("http", "max_requests_per_second", ".inf"),
        ("http", "max_requests_per_second", "1.0e-300"),
    ],
)
def test_durations_and_numbers_must_be_finite(section: str, key: str, text: str) -> None:
    raw = yaml.safe_load(f"{section}:\n  {key}: {text}\n")
    with pytest.raises(ConfigError) as info:
        build_config(raw, CREDS)
    assert str(info.value).startswith(f"{section}.{key}: ")
    assert len(str(info.value)) < 200


def test_valid_durations_still_load() -> None:
    config = build_config({"collection": {"interval": "1s", "timeout": 0}}, CREDS)
    assert config.collection.interval == 1.0 and config.collection.deadline == 1.0
    assert math.isfinite(build_config({"http": {"backoff_initial": 0}}, CREDS).http.backoff_max)


def test_secret_file_that_is_huge_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("x" * (1024 * 1024))
    with pytest.raises(ConfigError, match=r"causely\.client_secret_file: .* is larger than"):
        build_config({"causely": {"client_secret_file": str(secret)}}, {"CAUSELY_CLIENT_ID": "x"})


def test_a_huge_value_is_cut_short_in_the_message() -> None:
    with pytest.raises(ConfigError) as info:
        build_config({"causely": {"page_size": "x" * 1_000_000}}, CREDS)
    assert len(str(info.value)) < 300
    with pytest.raises(ConfigError) as info:
        build_config({"y" * 1_000_000: 1}, CREDS)
    assert len(str(info.value)) < 300


def test_many_errors_are_capped_to_a_screenful() -> None:
    raw = {f"unknown_{n}": n for n in range(5000)}
    with pytest.raises(ConfigError) as info:
        build_config(raw, CREDS)
    lines = str(info.value).splitlines()
    assert len(lines) == 21 and lines[-1] == "config.file: 4980 more errors not shown"


def test_mixed_key_types_are_reported_not_a_traceback() -> None:
    with pytest.raises(ConfigError) as info:
        build_config({1: "x", "b": 2, None: 3}, CREDS)
    assert "unknown key" in str(info.value)


def test_a_sub_section_error_does_not_hide_its_parent_sections_errors() -> None:
    raw = {"causely": {"page_size": "x", "slos": {"bogus": 1}, "entity_labels": 5}}
    with pytest.raises(ConfigError) as info:
        build_config(raw, CREDS)
    fields = {line.split(":", 1)[0] for line in str(info.value).splitlines()}
    assert {"causely.page_size", "causely.slos.bogus", "causely.entity_labels"} <= fields


@pytest.mark.parametrize(
    ("section", "key", "file_key", "variable"),
    [
        ("causely", "client_secret", "causely.client_secret_file", "CAUSELY_CLIENT_SECRET"),
        ("causeflow", "token", "causeflow.token_file", "CAUSEFLOW_TOKEN"),
    ],
)
def test_an_inline_secret_points_at_the_file_key_and_the_variable(
    section: str, key: str, file_key: str, variable: str
) -> None:
    canary = "s3cr3t-canary-value"
    with pytest.raises(ConfigError) as info:
        build_config({section: {key: canary}}, CREDS, require_credentials=False)
    message = str(info.value)
    assert f"{section}.{key}: secrets are not read from the config file" in message
    assert file_key in message and variable in message
    assert "unknown key" not in message and canary not in message
