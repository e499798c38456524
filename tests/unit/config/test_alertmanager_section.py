"""The `alertmanager:` section and `causely.entity_labels`: defaults, and field-named errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from exporter.config.alertmanager import alertmanager_label
from exporter.config.file import ConfigError
from exporter.config.loader import build_config
from tests.conftest import REPO
from tests.unit.config.test_config import CREDS

AM = {"urls": ["http://127.0.0.1:9093"]}


def test_bridge_is_off_by_default_and_entity_labels_default() -> None:
    config = build_config({}, CREDS)
    assert config.alertmanager is None
    assert config.causely.entity_labels == (
        ("k8s.cluster.name", "cluster"),
        ("k8s.namespace.name", "namespace"),
    )
    assert build_config({"alertmanager": {"enabled": False, "urls": 5}}, CREDS).alertmanager is None


def test_bridge_defaults() -> None:
    config = build_config({"alertmanager": AM}, CREDS).alertmanager
    assert config is not None
    assert config.resend_interval == 60
    assert config.causely_severities == ("Critical", "High")
    assert config.severity_map["Critical"] == "critical"
    assert config.severity_map["High"] == "warning"
    assert config.severity_map["Medium"] == config.severity_map["Low"] == "info"
    assert not config.tls_insecure_skip_verify
    assert config.max_alerts == 1000


def test_secrets_from_files_never_shown(tmp_path: Path) -> None:
    (tmp_path / "pw").write_text("hunter2-pass\n")
    raw = {"alertmanager": {**AM, "username": "bridge", "password_file": str(tmp_path / "pw")}}
    config = build_config(raw, CREDS)
    assert config.alertmanager is not None and config.alertmanager.password is not None
    assert config.alertmanager.password.reveal() == "hunter2-pass"
    assert "hunter2" not in repr(config)


def test_alertmanager_label_is_host_and_port_only() -> None:
    assert alertmanager_label("http://am-0.monitoring:9093") == "am-0.monitoring:9093"
    assert alertmanager_label("https://am.example.com/prefix") == "am.example.com:443"
    assert alertmanager_label("http://[::1]:9093") == "[::1]:9093"


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (
            {"causely": {"entity_labels": {"k8s.namespace.name": "name-space"}}},
            "causely.entity_labels",
        ),
        ({"causely": {"entity_labels": {"k8s.namespace.name": "severity"}}}, "already used"),
        ({"causely": {"entity_labels": {"k8s.namespace.name": "scope"}}}, "causely.entity_labels"),
        ({"causely": {"entity_labels": {"a": "x", "b": "x"}}}, "causely.entity_labels.b"),
        ({"causely": {"entity_labels": {"a": "__x"}}}, "causely.entity_labels.a"),
        ({"causely": {"entity_labels": ["cluster"]}}, "causely.entity_labels"),
        ({"alertmanager": {}}, "alertmanager.urls"),
        ({"alertmanager": {"urls": ["ftp://x"]}}, "alertmanager.urls"),
        ({"alertmanager": {"urls": ["http://u:p@am:9093"]}}, "no credentials"),
        ({"alertmanager": {"urls": ["http://am:9093", "http://am:9093/x"]}}, "alertmanager.urls"),
        ({"alertmanager": {**AM, "resend_interval": "0s"}}, "alertmanager.resend_interval"),
        ({"alertmanager": {**AM, "timeout": "never"}}, "alertmanager.timeout"),
        ({"alertmanager": {**AM, "causely_severities": ["Urgent"]}}, "causely_severities"),
        ({"alertmanager": {**AM, "severity_map": {"Urgent": "x"}}}, "alertmanager.severity_map"),
        ({"alertmanager": {**AM, "severity_map": {"High": ""}}}, "alertmanager.severity_map"),
        ({"alertmanager": {**AM, "causeflow_statuses": ["done"]}}, "causeflow_statuses"),
        ({"alertmanager": {**AM, "extra_labels": {"alertname": "x"}}}, "extra_labels.alertname"),
        ({"alertmanager": {**AM, "extra_labels": {"namespace": "x"}}}, "extra_labels.namespace"),
        ({"alertmanager": {**AM, "extra_labels": {"team": 5}}}, "extra_labels.team"),
        ({"alertmanager": {**AM, "max_alerts": 0}}, "alertmanager.max_alerts"),
        ({"alertmanager": {**AM, "username": "u"}}, "alertmanager.password_file"),
        ({"alertmanager": {**AM, "bearer_token_file": "/nonexistent"}}, "bearer_token_file"),
        ({"alertmanager": {**AM, "colour": 1}}, "alertmanager.colour: unknown key"),
        ({"alertmanager": {**AM, "ca_file": "/x", "tls_insecure_skip_verify": True}}, "tls_"),
    ],
)
def test_bad_bridge_config_names_the_field(raw: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigError) as info:
        build_config(raw, CREDS)
    assert field in str(info.value)


def test_the_commented_example_section_is_valid() -> None:
    text = (REPO / "config.example.yaml").read_text()
    lines, inside = [], False
    for line in text.splitlines():
        inside = inside or line.startswith("# alertmanager:")
        if inside and line.startswith("#   #"):
            continue  # the alternatives (files that do not exist here)
        lines.append(line[2:] if inside and line.startswith("# ") else line)
    config = build_config(yaml.safe_load("\n".join(lines)), CREDS).alertmanager
    assert config is not None and len(config.urls) == 2


def test_bridge_runbook_anchors_exist() -> None:
    from tests.shipped.test_rules import RUNBOOKS, github_anchors

    anchors = github_anchors(RUNBOOKS.read_text())
    assert {"causelyrootcause", "causeflowincident"} <= anchors


def test_a_huge_label_name_is_not_repeated_in_the_error() -> None:
    raw = {"alertmanager": {**AM, "extra_labels": {"a" * 100_000: "x"}}}
    with pytest.raises(ConfigError) as info:
        build_config(raw, CREDS)
    assert str(info.value).startswith("alertmanager.extra_labels:")
    assert len(str(info.value)) < 300
