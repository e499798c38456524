"""The Helm chart rendered by Helm's own engine (the helm-python-sdk wheel bundles Helm's Go
library): what test_chart.py, test_deploy.py and test_image.py check."""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.processes import find_binary

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "helm" / "causely-exporter"
VALUES_FILES = sorted((CHART / "ci").glob("*-values.yaml"))
RELEASE = "causely-exporter"
NAMESPACE = "monitoring"


def helm() -> Any:
    """The chart module of helm-python-sdk (a test extra); a clear failure without it."""
    try:
        from helm_python import chart
    except ImportError as exc:  # pragma: no cover - only without the test extras
        pytest.fail(f"helm-python-sdk is missing ({exc}): run make venv", pytrace=False)
    return chart


@functools.lru_cache(maxsize=1)
def _loaded() -> Any:
    return helm().Chart.load(str(CHART))


def values_of(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def render_templates(values: dict[str, Any] | None = None) -> dict[str, str]:
    """Template path -> rendered text, as `helm template` would print it."""
    rendered: dict[str, str] = _loaded().render(values or {}, name=RELEASE, namespace=NAMESPACE)
    return rendered


def render(values: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every object the chart renders with `values`, NOTES.txt left out."""
    objects = []
    for path, text in sorted(render_templates(values).items()):
        if path.endswith("NOTES.txt"):
            continue
        objects += [doc for doc in yaml.safe_load_all(text) if doc]
    return objects


def one(objects: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    found = [obj for obj in objects if obj["kind"] == kind]
    assert len(found) == 1, f"expected one {kind}, got {len(found)}"
    return found[0]


def container(objects: list[dict[str, Any]]) -> dict[str, Any]:
    containers = one(objects, "Deployment")["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    result: dict[str, Any] = containers[0]
    return result


def config_text(objects: list[dict[str, Any]]) -> str:
    """The exporter's config file in the chart's ConfigMap (the dashboards' are others)."""
    found = [o for o in objects if o["kind"] == "ConfigMap" and "config.yaml" in o["data"]]
    assert len(found) == 1, f"expected one ConfigMap with config.yaml, got {len(found)}"
    text: str = found[0]["data"]["config.yaml"]
    return text


def self_signed_certificate(directory: Path) -> None:
    """tls.crt and tls.key for 127.0.0.1 in `directory`, made by openssl."""
    subprocess.run(
        [
            *(find_binary("openssl"), "req", "-x509", "-newkey", "rsa:2048"),
            *("-nodes", "-days", "2"),
            *("-subj", "/CN=causely-exporter", "-addext", "subjectAltName=IP:127.0.0.1"),
            *("-keyout", str(directory / "tls.key"), "-out", str(directory / "tls.crt")),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )


def materialize(objects: list[dict[str, Any]], where: Path) -> dict[str, Path]:
    """The files the pod sees (config, credentials, web config, TLS pair), written under
    `where` at the chart's mount paths; returns {mount path: host path}."""
    mounts: dict[str, Path] = {}
    config = where / "config.yaml"
    config.write_text(config_text(objects), encoding="utf-8")
    mounts["/etc/causely-exporter/config.yaml"] = config
    secrets = where / "secrets"
    secrets.mkdir()
    created = [
        o for o in objects if o["kind"] == "Secret" and "web-config.yml" not in o["stringData"]
    ]
    # An existing Secret (the default): the simulator's demo credentials stand in for it.
    demo = {"client_id": "demo-client", "client_secret": "demo-secret"}
    data = created[0]["stringData"] if created else demo
    for key, value in data.items():
        (secrets / key).write_text(str(value), encoding="utf-8")
    mounts["/etc/causely-exporter/secrets"] = secrets
    web = [o for o in objects if o["kind"] == "Secret" and "web-config.yml" in o["stringData"]]
    if web:
        (where / "web").mkdir()
        (where / "web" / "web-config.yml").write_text(
            web[0]["stringData"]["web-config.yml"], encoding="utf-8"
        )
        mounts["/etc/causely-exporter/web"] = where / "web"
        (where / "tls").mkdir()
        self_signed_certificate(where / "tls")
        mounts["/etc/causely-exporter/tls"] = where / "tls"
    return mounts
