from __future__ import annotations

from pathlib import Path

import pytest

from exporter.config.fields import parse_duration
from exporter.config.file import ConfigError
from exporter.config.loader import build_config, load_config

CREDS = {"CAUSELY_CLIENT_ID": "id-1", "CAUSELY_CLIENT_SECRET": "s3cret-value"}


def test_defaults_match_the_documented_contract() -> None:
    config = build_config({}, CREDS)
    assert config.causely.enabled and not config.causeflow.enabled
    assert config.causely.scopes is None and not config.causely.discover_scopes
    assert config.causely.page_size == 100
    assert config.causely.max_defect_series == 500
    assert config.causely.concurrency == 4
    assert config.collection.interval == 60.0
    assert config.causely.client_secret is not None
    assert config.causely.client_secret.reveal() == "s3cret-value"
    assert "s3cret" not in repr(config)


def test_env_overrides_urls_and_discover_scopes() -> None:
    env = {**CREDS, "CAUSELY_AUTH_URL": "http://127.0.0.1:1/a", "CAUSELY_API_URL": "http://x/q"}
    raw = {"causely": {"scopes": "discover", "api_url": "http://ignored/q"}}
    config = build_config(raw, env)
    assert config.causely.auth_url == "http://127.0.0.1:1/a"
    assert config.causely.api_url == "http://x/q"
    assert config.causely.discover_scopes


def test_secret_files(tmp_path: Path) -> None:
    (tmp_path / "id").write_text("file-id\n")
    (tmp_path / "secret").write_text("file-secret\n")
    raw = {
        "causely": {
            "client_id_file": str(tmp_path / "id"),
            "client_secret_file": str(tmp_path / "secret"),
        }
    }
    config = build_config(raw, {})
    assert config.causely.client_id is not None
    assert config.causely.client_id.reveal() == "file-id"
    assert config.causely.client_secret is not None
    assert config.causely.client_secret.reveal() == "file-secret"


def test_causeflow_alone_needs_no_causely_credentials() -> None:
    raw = {"causely": {"enabled": False}, "causeflow": {"enabled": True}}
    config = build_config(raw, {"CAUSEFLOW_TOKEN": "cf"})
    assert config.causeflow.enabled and not config.causely.enabled


@pytest.mark.parametrize(
    ("raw", "env", "field"),
    [
        ({"causely": {"page_size": "ten"}}, CREDS, "causely.page_size: expected an integer"),
        ({"causely": {"page_size": 0}}, CREDS, "causely.page_size: must be"),
        ({"causely": {"scopes": 5}}, CREDS, "causely.scopes"),
        ({"causely": {"scopes": []}}, CREDS, "causely.scopes"),
        ({"causely": {"severities": ["Urgent"]}}, CREDS, "causely.severities[0]: unknown value"),
        ({"causely": {"colour": "red"}}, CREDS, "causely.colour: unknown key"),
        ({"causely": {"api_url": "ftp://x"}}, CREDS, "causely.api_url"),
        ({"causely": {"enabled": "yes"}}, CREDS, "causely.enabled: expected true or false"),
        ({"causely": {"max_defect_series": -1}}, CREDS, "causely.max_defect_series"),
        ({"causely": {"client_secret_file": "/nonexistent"}}, {}, "causely.client_secret_file"),
        ({}, {"CAUSELY_CLIENT_ID": "x"}, "causely.client_secret: missing"),
        ({}, {"CAUSELY_CLIENT_SECRET": "x"}, "causely.client_id: missing"),
        ({"collection": {"interval": "soon"}}, CREDS, "collection.interval: expected a duration"),
        ({"collection": {"interval": "0s"}}, CREDS, "collection.interval: must be at least"),
        ({"collection": []}, CREDS, "collection: expected a mapping"),
        ({"http": {"max_attempts": 0}}, CREDS, "http.max_attempts"),
        ({"causeflow": {"enabled": True}}, CREDS, "causeflow.token: missing"),
        ({"causeflow": {"page_size": 500}}, CREDS, "causeflow.page_size: must be between"),
        ({"causeflow": {"statuses": ["done"]}}, CREDS, "causeflow.statuses[0]: unknown value"),
        ({"causely": {"enabled": False}}, {}, "at least one source"),
        ({"surprise": 1}, CREDS, "surprise: unknown key"),
        ("just a string", CREDS, "expected a mapping"),
    ],
)
def test_bad_config_names_the_field(raw: object, env: dict[str, str], field: str) -> None:
    with pytest.raises(ConfigError) as info:
        build_config(raw, env)
    assert field in str(info.value)
    assert "s3cret" not in str(info.value)


@pytest.mark.parametrize(
    ("text", "seconds"), [("60s", 60), ("5m", 300), ("1h30m", 5400), ("500ms", 0.5), (15, 15)]
)
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration(text, "x") == seconds


def test_invalid_yaml_reports_the_line(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("causely:\n  scopes: [a\n")
    with pytest.raises(ConfigError, match=r"config.file: .* is not valid YAML at line"):
        load_config(str(path), CREDS)


def test_proxy_variables_are_read_once_and_no_proxy_is_honoured() -> None:
    from exporter.config.proxies import proxies_for

    env = {
        **CREDS,
        "HTTPS_PROXY": "http://upper:3128",
        "https_proxy": "http://proxy.corp:3128",
        "NO_PROXY": "localhost,.internal.example",
        "REQUESTS_CA_BUNDLE": "/etc/ssl/corp.pem",
    }
    config = build_config({}, env)
    assert config.http.ca_bundle == "/etc/ssl/corp.pem"
    assert proxies_for("https://api.causely.app/query/", config.http.proxy_env) == {
        "https": "http://proxy.corp:3128"
    }
    assert proxies_for("https://api.internal.example/q", config.http.proxy_env) == {}
    assert proxies_for("http://localhost:8787/q", config.http.proxy_env) == {}
    assert build_config({}, CREDS).http.proxy_env == {}
