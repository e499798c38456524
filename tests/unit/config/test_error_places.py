"""Error messages point at where the mistake is (issue 31), in process.

A value from an environment variable is named by the variable, one from the file by its key
and line; an unknown key or value suggests the close known one; a list names the bad entry's
index and quotes it, never a credential; and every error is still reported at once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from exporter.app.cli import main
from exporter.config.file import ConfigError
from exporter.config.loader import build_config, load_config
from exporter.web.web_config import load_web_config

CREDS = {"CAUSELY_CLIENT_ID": "id-1", "CAUSELY_CLIENT_SECRET": "s3cret-value"}
CANARY = "hunter2-canary"


def errors_of(raw: object, env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as info:
        build_config(raw, {**CREDS, **(env or {})}, require_credentials=False)
    return str(info.value).splitlines()


def file_errors(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> list[str]:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(str(path), {**CREDS, **(env or {})})
    return [line.replace(str(path), "config.yaml") for line in str(info.value).splitlines()]


# --- item 1: a value from the environment is named by its variable ---------------------------


@pytest.mark.parametrize(
    ("variable", "key"),
    [
        ("CAUSELY_API_URL", "causely.api_url"),
        ("CAUSELY_AUTH_URL", "causely.auth_url"),
        ("CAUSEFLOW_BASE_URL", "causeflow.base_url"),
    ],
)
def test_a_url_from_a_variable_is_named_by_the_variable(variable: str, key: str) -> None:
    assert errors_of({}, {variable: "api.causely.app"}) == [
        f"{variable}: expected an http(s) URL, got 'api.causely.app'"
    ]
    section, name = key.split(".")
    assert errors_of({section: {name: "api.causely.app"}}) == [
        f"{key}: expected an http(s) URL, got 'api.causely.app'"
    ]


def test_a_variable_in_error_gets_no_line_of_the_file_that_also_sets_the_key(
    tmp_path: Path,
) -> None:
    text = "causely:\n  api_url: https://api.causely.app/query/\n  page_size: 0\n"
    assert file_errors(tmp_path, text, {"CAUSELY_API_URL": "api.causely.app"}) == [
        "CAUSELY_API_URL: expected an http(s) URL, got 'api.causely.app'",
        "config.yaml:3: causely.page_size: must be between 1 and 1000, got 0",
    ]


def test_a_url_variable_holding_credentials_is_quoted_without_them() -> None:
    lines = errors_of({}, {"CAUSELY_API_URL": f"admin:{CANARY}@api.causely.app/q?token={CANARY}"})
    assert lines == ["CAUSELY_API_URL: expected an http(s) URL, got '***@api.causely.app/q?***'"]


def test_a_blank_secret_variable_is_named_not_taken() -> None:
    assert errors_of({}, {"CAUSELY_CLIENT_SECRET": "  \t"}) == [
        "CAUSELY_CLIENT_SECRET: set but blank"
    ]


def test_the_cli_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("CAUSELY_AUTH_URL", "CAUSEFLOW_BASE_URL", "CAUSELY_CLIENT_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CAUSELY_API_URL", "api.causely.app")
    assert main(["--check-config"]) == 2
    assert capsys.readouterr().err == (
        "causely-exporter: CAUSELY_API_URL: expected an http(s) URL, got 'api.causely.app'\n"
    )


# --- item 2: suggestions, list entries, lines --------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "line"),
    [
        ({"causely": {"scope": ["prod"]}}, "causely.scope: unknown key; did you mean 'scopes'?"),
        ({"causly": {}}, "causly: unknown key; did you mean 'causely'?"),
        (
            {"collection": {"intervall": "1m"}},
            "collection.intervall: unknown key; did you mean 'interval'?",
        ),
        (
            {"causely": {"slos": {"enable": True}}},
            "causely.slos.enable: unknown key; did you mean 'enabled'?",
        ),
        (
            {"alertmanager": {"urls": ["http://a:9093"], "url": 1}},
            "alertmanager.url: unknown key; did you mean 'urls'?",
        ),
        ({"causely": {"colour": "red"}}, "causely.colour: unknown key"),
        (
            {"causely": {"scopes": "discovr"}},
            "causely.scopes: expected a list of names or 'discover', got 'discovr'; "
            "did you mean 'discover'?",
        ),
        (
            {"causely": {"severities": ["Critical", "Hgh"]}},
            "causely.severities[1]: unknown value 'Hgh', expected one of Critical, High, Medium, "
            "Low, Hidden; did you mean 'High'?",
        ),
    ],
)
def test_a_mistyped_name_suggests_the_close_known_one(raw: object, line: str) -> None:
    assert errors_of(raw) == [line]


def test_suggestions_are_bounded_but_every_unknown_key_is_reported() -> None:
    raw = {"causely": {f"page_size{n:03}": 1 for n in range(300)}}
    lines = errors_of(raw)
    assert lines[-1] == "config.file: 280 more errors not shown"
    # Within the budget each near miss carries its hint; the cap is on the hints, not the errors.
    assert all(line.endswith("unknown key; did you mean 'page_size'?") for line in lines[:20])


def test_every_bad_list_entry_is_named_by_index_and_quoted_without_credentials() -> None:
    urls = [
        "http://am-0:9093",
        "foo",
        f"https://admin:{CANARY}@am-2:9093",
        f"am-3:9093?token={CANARY}",
        "http://am-4:notaport",
        "http://am-0:9093/",
        5,
    ]
    lines = errors_of({"alertmanager": {"urls": urls, "timeout": "never"}})
    assert lines == [
        "alertmanager.urls[1]: expected an http(s) URL, got 'foo'",
        "alertmanager.urls[2]: put no credentials in a URL; use username/password_file",
        "alertmanager.urls[3]: expected an http(s) URL, got 'am-3:9093?***'",
        "alertmanager.urls[4]: invalid port in 'http://am-4:notaport'",
        "alertmanager.urls[5]: same host:port as alertmanager.urls[0]",
        "alertmanager.urls[6]: expected an http(s) URL, got 5",
        "alertmanager.timeout: expected a duration such as 60s, got 'never'",
    ]


def test_the_alertmanager_section_reports_every_error_at_once(tmp_path: Path) -> None:
    raw = {
        "alertmanager": {
            "urls": ["nope"],
            "username": "u",
            "severity_map": {"Urgent": "x"},
            "portal_url": "portal",
            "resend_interval": "0s",
            "colour": 1,
        }
    }
    fields = [line.split(":", 1)[0] for line in errors_of(raw)]
    assert fields == [
        "alertmanager.password_file",
        "alertmanager.urls[0]",
        "alertmanager.severity_map",
        "alertmanager.portal_url",
        "alertmanager.resend_interval",
        "alertmanager.colour",
    ]


def test_errors_from_a_file_give_its_line(tmp_path: Path) -> None:
    text = (
        "# the exporter's settings\n"  # 1
        "causely:\n"  # 2
        "  scope: [prod]\n"  # 3
        "  severities:\n"  # 4
        "    - Critical\n"  # 5
        "    - Hgh\n"  # 6
        "  page_size: 5000\n"  # 7
        "defaults: &defaults\n"  # 8
        "  interval: often\n"  # 9
        "collection:\n"  # 10
        "  <<: *defaults\n"  # 11
        "alertmanager:\n"  # 12
        "  urls: [http://am:9093, foo]\n"  # 13
    )
    assert file_errors(tmp_path, text) == [
        "config.yaml:6: causely.severities[1]: unknown value 'Hgh', expected one of Critical, "
        "High, Medium, Low, Hidden; did you mean 'High'?",
        "config.yaml:7: causely.page_size: must be between 1 and 1000, got 5000",
        "config.yaml:3: causely.scope: unknown key; did you mean 'scopes'?",
        # A merged key is where its anchor wrote it.
        "config.yaml:9: collection.interval: expected a duration such as 60s, got 'often'",
        "config.yaml:13: alertmanager.urls[1]: expected an http(s) URL, got 'foo'",
        "config.yaml:8: defaults: unknown key",
    ]


def test_a_missing_key_gets_no_line(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("causely:\n  page_size: 10\n")
    with pytest.raises(ConfigError) as info:
        load_config(str(path), {})
    assert str(info.value).splitlines() == [
        "causely.client_id: missing; set CAUSELY_CLIENT_ID, or causely.client_id or "
        "causely.client_id_file in the config file",
        "causely.client_secret: missing; set CAUSELY_CLIENT_SECRET, or "
        "causely.client_secret_file in the config file",
    ]


def test_a_file_that_holds_itself_is_located_without_looping(tmp_path: Path) -> None:
    text = "causely: &c\n  slos: *c\n  page_size: 0\n"
    lines = file_errors(tmp_path, text)
    assert "config.yaml:3: causely.page_size: must be between 1 and 1000, got 0" in lines
    assert all(len(line) < 400 for line in lines)


def test_keys_with_dots_and_odd_keys_are_located(tmp_path: Path) -> None:
    text = (
        "causely:\n"
        "  entity_labels:\n"
        "    k8s.cluster.name: cluster\n"
        "    k8s.namespace.name: 'not a label'\n"
        "7: x\n"
    )
    assert file_errors(tmp_path, text) == [
        "config.yaml:4: causely.entity_labels.k8s.namespace.name: 'not a label' is not a valid "
        "Prometheus label name",
        "config.yaml:5: 7: unknown key",
    ]


def test_a_web_config_error_gives_the_line_and_a_suggestion(tmp_path: Path) -> None:
    path = tmp_path / "web.yml"
    path.write_text("tls_server_config:\n  cert_fil: x.crt\n")
    with pytest.raises(ConfigError) as info:
        load_web_config(str(path))
    assert str(info.value) == (
        f"{path}:2: tls_server_config.cert_fil: unknown key; did you mean 'cert_file'?"
    )
    path.write_text("basic_auth_users:\n  admin: '$2b$04$abc'\n  prom: plaintext\n")
    with pytest.raises(ConfigError) as info:
        load_web_config(str(path))
    assert str(info.value) == f"{path}:2: basic_auth_users.admin: expected a bcrypt hash"


def test_the_cli_shows_file_lines_and_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("causely:\n  scope: [prod]\n")
    assert main(["--check-config", "--config.file", str(path)]) == 2
    assert capsys.readouterr().err == (
        f"causely-exporter: {path}:2: causely.scope: unknown key; did you mean 'scopes'?\n"
    )
