"""The `alertmanager:` section and `causely.entity_labels`: parsed and validated here so
exporter/config/ only wires them in. Errors name the field, never repeat a secret."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from exporter.config.api_values import (
    CAUSEFLOW_OPEN_STATUSES,
    CAUSEFLOW_SEVERITIES,
    CAUSEFLOW_STATUSES,
    CAUSELY_SEVERITIES,
)
from exporter.config.fields import Section
from exporter.config.file import ConfigError, brief, brief_url
from exporter.config.labels import (
    MAX_EXTRA_LABELS,
    MAX_LABEL_NAME,
    MAX_LABEL_VALUE,
    RESERVED_LABELS,
    check_label_name,
)
from exporter.config.secrets import Secret, read_secret_file

DEFAULT_PORTAL_URL = "https://portal.causely.app"
INHIBITOR_TAKEN = frozenset({"alertname", "severity", "scope", "root_causes"})
DEFAULT_RUNBOOK_URL = (
    "https://github.com/causely-exporter/causely-exporter/blob/main/docs/runbooks.md"
)
DEFAULT_SEVERITY_MAP = {
    "Critical": "critical",
    "High": "warning",
    "Medium": "info",
    "Low": "info",
    "Hidden": "info",
}
DEFAULT_CAUSEFLOW_SEVERITY_MAP = {
    "critical": "critical",
    "high": "warning",
    "medium": "info",
    "low": "info",
}


INHIBITOR_ROLES = ("cluster", "namespace", "service")
MAX_URLS = 32


@dataclass(frozen=True)
class InhibitorConfig:
    """`alertmanager.inhibitors`: one alert per service a paging root cause explains, whose only
    job is to mute the team's own alerts on that service through an inhibit rule."""

    enabled: bool = False
    # role (cluster, namespace, service) -> the label name the team's alerts use for it;
    # "" leaves that label out (e.g. alerts without a cluster label).
    labels: Mapping[str, str] = field(default_factory=lambda: {r: r for r in INHIBITOR_ROLES})
    max_alerts: int = 1000


@dataclass(frozen=True)
class AlertmanagerConfig:
    urls: tuple[str, ...]
    username: str | None = None
    password: Secret | None = None
    bearer_token: Secret | None = None
    ca_file: str | None = None
    tls_insecure_skip_verify: bool = False
    timeout: float = 10.0
    resend_interval: float = 60.0
    keep_firing_for: float = 0.0  # 0: 4 x max(resend_interval, collection.interval)
    causely_severities: tuple[str, ...] = ("Critical", "High")
    severity_map: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_SEVERITY_MAP))
    causeflow_severities: tuple[str, ...] = ("critical", "high")
    causeflow_statuses: tuple[str, ...] = CAUSEFLOW_OPEN_STATUSES
    causeflow_severity_map: Mapping[str, str] = field(
        default_factory=lambda: dict(DEFAULT_CAUSEFLOW_SEVERITY_MAP)
    )
    extra_labels: Mapping[str, str] = field(default_factory=dict)
    max_alerts: int = 1000
    portal_url: str = DEFAULT_PORTAL_URL
    causeflow_portal_url: str | None = None
    runbook_url: str = DEFAULT_RUNBOOK_URL
    inhibitors: InhibitorConfig = field(default_factory=InhibitorConfig)


def _inhibitors(s: Section) -> InhibitorConfig:
    sub = Section(s.get("inhibitors"), s.name("inhibitors"))
    raw = sub.get("labels")
    labels = {role: role for role in INHIBITOR_ROLES}
    if raw is not None:
        if not isinstance(raw, Mapping):
            raise ConfigError(
                f"{sub.name('labels')}: expected a mapping of cluster, namespace, "
                "service to label names"
            )
        used: set[str] = set()
        for role, name in raw.items():
            where = f"{sub.name('labels')}.{role}" if isinstance(role, str) else sub.name("labels")
            if role not in INHIBITOR_ROLES:
                raise ConfigError(f"{where}: expected one of {', '.join(INHIBITOR_ROLES)}")
            if name == "" and role == "cluster":
                labels[role] = ""  # the team's alerts carry no cluster label
                continue
            label = check_label_name(name, where, INHIBITOR_TAKEN | used)
            used.add(label)
            labels[role] = label
        if len({v for v in labels.values() if v}) != len([v for v in labels.values() if v]):
            raise ConfigError(f"{sub.name('labels')}: two roles share one label name")
    config = InhibitorConfig(
        enabled=sub.boolean("enabled", False),
        labels=labels,
        max_alerts=sub.integer("max_alerts", 1000, minimum=1, maximum=100_000),
    )
    sub.finish()
    return config


def _map(
    s: Section, key: str, default: Mapping[str, str], allowed: tuple[str, ...]
) -> dict[str, str]:
    raw = s.get(key)
    if raw is None:
        return dict(default)
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{s.name(key)}: expected a mapping")
    result = dict(default)
    for source, target in raw.items():
        if source not in allowed:
            raise ConfigError(
                f"{s.name(key)}: unknown severity {brief(source)}, expected one of "
                + ", ".join(allowed)
            )
        if not isinstance(target, str) or not target or len(target) > 64:
            raise ConfigError(f"{s.name(key)}.{source}: expected a short non-empty string")
        result[source] = target
    return result


def _label_values(s: Section, key: str, taken: frozenset[str]) -> dict[str, str]:
    raw = s.get(key)
    if raw is None:
        return {}
    if not isinstance(raw, Mapping) or len(raw) > MAX_EXTRA_LABELS:
        raise ConfigError(f"{s.name(key)}: expected a mapping of at most {MAX_EXTRA_LABELS}")
    result: dict[str, str] = {}
    for name, value in raw.items():
        short = isinstance(name, str) and len(name) <= MAX_LABEL_NAME
        label = check_label_name(name, f"{s.name(key)}.{name}" if short else s.name(key), taken)
        if not isinstance(value, str) or not value or len(value) > MAX_LABEL_VALUE:
            raise ConfigError(f"{s.name(key)}.{label}: expected a non-empty string")
        result[label] = value
    return result


def alertmanager_label(url: str) -> str:
    """The URL's host:port, the bounded `alertmanager` label value; never its credentials."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{host}:{port}"


def _urls(s: Section) -> tuple[str, ...]:
    """The `urls` list; each bad entry is an error of its own, named by its index."""
    raw = s.get("urls")
    if not isinstance(raw, list) or not raw or len(raw) > MAX_URLS:
        return s.invalid("urls", f"expected a list of 1 to {MAX_URLS} Alertmanager URLs", ())
    urls: list[str] = []
    seen: dict[str, int] = {}  # host:port -> index of the first URL with it
    for index, item in enumerate(raw):
        problem = _url_problem(item)
        if problem is not None or not isinstance(item, str):
            s.invalid(f"urls[{index}]", problem or "expected a URL", None)
            continue
        url = item.strip().rstrip("/")
        label = alertmanager_label(url)
        if label in seen:
            s.invalid(f"urls[{index}]", f"same host:port as {s.name('urls')}[{seen[label]}]", None)
            continue
        seen[label] = index
        urls.append(url)
    return tuple(urls) if len(urls) == len(raw) else ()


def _url_problem(item: object) -> str | None:
    """What is wrong with one entry of `urls`, or None; never quotes a credential."""
    if not isinstance(item, str) or not re.match(r"^https?://[^/\s]+", item.strip()):
        return f"expected an http(s) URL, got {brief_url(item)}"
    try:
        parts = urlsplit(item.strip())
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError:
        return f"invalid port in {brief_url(item.strip())}"
    if parts.username is not None or parts.password is not None:
        # Credentials in a URL end up in logs and labels: take them from files instead.
        return "put no credentials in a URL; use username/password_file"
    if parts.query or parts.fragment:
        return "a URL may not carry a query or fragment"
    return None


def _secret_file(s: Section, key: str, path: str | None) -> Secret | None:
    if path is None:
        return None
    try:
        return read_secret_file(path, s.name(key))
    except ConfigError as exc:
        s.errors.append(str(exc))
        return None


def parse_alertmanager(
    raw: object, entity_labels: tuple[tuple[str, str], ...]
) -> AlertmanagerConfig | None:
    """The bridge's settings, or None when it is off (no section, or enabled: false).

    Every mistake is recorded and raised together by finish(), as in the other sections."""
    if raw is None:
        return None
    s = Section(raw, "alertmanager")
    if not s.boolean("enabled", True):
        s.read.update(s.raw)  # a disabled section may hold anything for later
        return None
    username = s.string("username", None)
    password_file = s.string("password_file", None)
    token_file = s.string("bearer_token_file", None)
    if (username is None) != (password_file is None):
        s.invalid("password_file", "basic auth needs username and password_file", None)
    if password_file and token_file:
        s.invalid("bearer_token_file", "use basic auth or a bearer token", None)
    taken = RESERVED_LABELS | {label for _, label in entity_labels}
    config = AlertmanagerConfig(
        urls=_urls(s),
        username=username,
        password=_secret_file(s, "password_file", password_file),
        bearer_token=_secret_file(s, "bearer_token_file", token_file),
        ca_file=s.string("ca_file", None),
        tls_insecure_skip_verify=s.boolean("tls_insecure_skip_verify", False),
        timeout=s.duration("timeout", 10.0),
        resend_interval=s.duration("resend_interval", 60.0),
        keep_firing_for=s.duration("keep_firing_for", 0.0),
        causely_severities=_strings(
            s, "causely_severities", ("Critical", "High"), CAUSELY_SEVERITIES
        ),
        severity_map=s.nested(
            lambda s: _map(s, "severity_map", DEFAULT_SEVERITY_MAP, CAUSELY_SEVERITIES),
            dict(DEFAULT_SEVERITY_MAP),
        ),
        causeflow_severities=_strings(
            s, "causeflow_severities", ("critical", "high"), CAUSEFLOW_SEVERITIES
        ),
        causeflow_statuses=_strings(
            s, "causeflow_statuses", CAUSEFLOW_OPEN_STATUSES, CAUSEFLOW_STATUSES
        ),
        causeflow_severity_map=s.nested(
            lambda s: _map(
                s, "causeflow_severity_map", DEFAULT_CAUSEFLOW_SEVERITY_MAP, CAUSEFLOW_SEVERITIES
            ),
            dict(DEFAULT_CAUSEFLOW_SEVERITY_MAP),
        ),
        extra_labels=s.nested(lambda s: _label_values(s, "extra_labels", taken), {}),
        max_alerts=s.integer("max_alerts", 1000, minimum=1, maximum=100_000),
        portal_url=_base_url(s, "portal_url", DEFAULT_PORTAL_URL) or DEFAULT_PORTAL_URL,
        causeflow_portal_url=_base_url(s, "causeflow_portal_url", None),
        runbook_url=_base_url(s, "runbook_url", DEFAULT_RUNBOOK_URL) or DEFAULT_RUNBOOK_URL,
        inhibitors=s.nested(_inhibitors, InhibitorConfig()),
    )
    if config.ca_file is not None and config.tls_insecure_skip_verify:
        s.invalid("tls_insecure_skip_verify", "conflicts with ca_file", None)
    if config.timeout <= 0:
        s.invalid("timeout", "must be greater than 0", None)
    if config.resend_interval < 1:
        s.invalid("resend_interval", "must be at least 1s", None)
    s.finish()
    return config


def _strings(
    s: Section, key: str, default: tuple[str, ...], allowed: tuple[str, ...]
) -> tuple[str, ...]:
    if s.raw.get(key) is None:
        s.read.add(key)
        return default
    return s.strings(key, allowed)


def _base_url(s: Section, key: str, default: str | None) -> str | None:
    value: Any = s.string(key, default)
    if value is None:
        return None
    if not re.match(r"^https?://[^/\s]+", value):
        return s.invalid(key, f"expected an http(s) URL, got {brief_url(value)}", default)
    return str(value).rstrip("/")
