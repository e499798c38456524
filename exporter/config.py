"""Configuration: YAML file plus environment, validated into frozen dataclasses.

This is the only module that reads the environment. Every error names the field it is about,
and a file is checked whole: each section collects its errors (its `_Section` records them and
`finish()` raises them together), `build_config` gathers every section's, so one run lists all
the lines a person has to fix. Credentials are checked last and apart, so that a file can be
validated (`--check-config`) where no secret is available.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from requests.utils import should_bypass_proxies

from exporter.configfile import MAX_SECRET_BYTES, brief, load_yaml_file, read_text_file
from exporter.configfile import ConfigError as ConfigError

if TYPE_CHECKING:
    from exporter.bridge.config import AlertmanagerConfig

DEFAULT_AUTH_URL = "https://auth.causely.app/frontegg/identity/resources/auth/v2/api-token"
DEFAULT_API_URL = "https://api.causely.app/query/"
DEFAULT_CAUSEFLOW_URL = "https://api.causeflow.ai/v1"
CAUSELY_SEVERITIES = ("Critical", "High", "Medium", "Low", "Hidden")
CAUSEFLOW_SEVERITIES = ("critical", "high", "medium", "low")
CAUSEFLOW_STATUSES = (
    "open",
    "triaging",
    "investigating",
    "awaiting_approval",
    "remediating",
    "resolved",
    "closed",
)
CAUSEFLOW_OPEN_STATUSES = CAUSEFLOW_STATUSES[:5]
DISCOVER = "discover"
# Longer than any sane interval or timeout, short enough for every wait() on every platform.
MAX_DURATION_SECONDS = 365 * 86400.0
MAX_ERROR_LINES = 20
MIN_REQUESTS_PER_SECOND = 0.01
T = TypeVar("T")


class Secret:
    """A string that never shows itself in a repr, a log line or an error."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class CauselyParts:
    """Which Causely queries besides the defects run each cycle (issue 11), all on by default."""

    health: bool = True
    health_entity_types: tuple[str, ...] = ("Service",)
    slos: bool = True
    max_slo_series: int = 500
    time_to_resolve: bool = True


@dataclass(frozen=True)
class CauselyConfig:
    enabled: bool = True
    auth_url: str = DEFAULT_AUTH_URL
    api_url: str = DEFAULT_API_URL
    client_id: Secret | None = None
    client_secret: Secret | None = None
    # None: one pseudo-scope "all" with no filter; DISCOVER: every user scope; else names.
    scopes: tuple[str, ...] | None = None
    discover_scopes: bool = False
    severities: tuple[str, ...] = ()
    page_size: int = 100
    max_defect_series: int = 500
    # Series of causely_active_defects per scope; the least populous fold into __other__.
    max_active_series: int = 1000
    concurrency: int = 4
    parts: CauselyParts = field(default_factory=CauselyParts)
    # (API entity label key, Prometheus label name): on causely_defect_info and bridge alerts.
    entity_labels: tuple[tuple[str, str], ...] = (
        ("k8s.cluster.name", "cluster"),
        ("k8s.namespace.name", "namespace"),
    )


@dataclass(frozen=True)
class CauseFlowConfig:
    enabled: bool = False
    base_url: str = DEFAULT_CAUSEFLOW_URL
    token: Secret | None = None
    page_size: int = 100
    statuses: tuple[str, ...] = CAUSEFLOW_OPEN_STATUSES
    severities: tuple[str, ...] = ()
    max_incident_series: int = 500
    max_restarts: int = 2
    time_to_resolve: bool = True


@dataclass(frozen=True)
class HttpConfig:
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_attempts: int = 5
    backoff_initial: float = 0.5
    backoff_max: float = 30.0
    max_rate_limit_wait: float = 120.0
    max_requests_per_second: float = 0.0  # 0: no self-throttling
    max_response_bytes: int = 32 * 1024 * 1024  # a bigger body fails the call, unread
    # Proxy variables (scheme -> proxy URL, "no" -> NO_PROXY) and CA bundle, read once at start
    # so the HTTP sessions need not scan the environment on every request.
    proxy_env: Mapping[str, str] = field(default_factory=dict)
    ca_bundle: str | None = None


@dataclass(frozen=True)
class CollectionConfig:
    interval: float = 60.0
    timeout: float = 0.0  # per-cycle deadline; 0 means "the interval"
    zero_retention: float = 3600.0

    @property
    def deadline(self) -> float:
        return self.timeout or self.interval


@dataclass(frozen=True)
class Config:
    causely: CauselyConfig = field(default_factory=CauselyConfig)
    causeflow: CauseFlowConfig = field(default_factory=CauseFlowConfig)
    http: HttpConfig = field(default_factory=HttpConfig)
    collection: CollectionConfig = field(default_factory=CollectionConfig)
    alertmanager: AlertmanagerConfig | None = None  # None: the bridge is off


_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_duration(value: object, name: str) -> float:
    """Seconds from a number or a Prometheus-style duration such as 90s, 5m or 1h30m."""
    if isinstance(value, bool):
        raise ConfigError(f"{name}: expected a duration such as 60s, got {brief(value)}")
    if isinstance(value, int | float):
        try:
            seconds = float(value)
        except OverflowError:  # an int too large for a float
            seconds = math.inf
    elif isinstance(value, str) and value and _DURATION_PART.sub("", value.strip()) == "":
        seconds = sum(float(n) * _UNIT_SECONDS[u] for n, u in _DURATION_PART.findall(value.strip()))
    else:
        raise ConfigError(f"{name}: expected a duration such as 60s, got {brief(value)}")
    if not math.isfinite(seconds):
        raise ConfigError(f"{name}: must be a finite duration, got {brief(value)}")
    if seconds < 0:
        raise ConfigError(f"{name}: must not be negative, got {brief(value)}")
    if seconds > MAX_DURATION_SECONDS:
        raise ConfigError(f"{name}: must be at most 365d, got {brief(value)}")
    return seconds


def key_text(key: object) -> str:
    """A mapping key as it appears in an error: itself when short and printable."""
    if isinstance(key, str) and len(key) <= 80 and key.isprintable():
        return key
    return brief(key)


def error_lines(errors: list[str]) -> str:
    """The message of a ConfigError holding several errors: one per line, at most a screenful."""
    shown = errors[:MAX_ERROR_LINES]
    if len(errors) > MAX_ERROR_LINES:
        shown.append(f"config.file: {len(errors) - MAX_ERROR_LINES} more errors not shown")
    return "\n".join(shown)


class _Errors:
    """The errors of a whole configuration, gathered section by section."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, message: str) -> None:
        self.lines.append(message)

    def gather(self, build: Callable[..., T], *args: Any) -> T | None:
        """build(*args), or None with its errors recorded."""
        try:
            return build(*args)
        except ConfigError as exc:
            self.lines.extend(str(exc).splitlines())
            return None

    def raise_any(self) -> None:
        if self.lines:
            raise ConfigError(error_lines(self.lines))


class _Section:
    """Reads typed values from one mapping and rejects keys nobody asked for."""

    def __init__(self, raw: object, prefix: str) -> None:
        # Field errors are collected and raised together by finish().
        self.errors: list[str] = []
        if raw is None:
            raw = {}
        if not isinstance(raw, Mapping):
            where = prefix or "config.file"
            self.errors.append(f"{where}: expected a mapping, got {type(raw).__name__}")
            raw = {}
        self.raw: Mapping[str, Any] = raw
        self.prefix = prefix
        self.read: set[str] = set()

    def nested(self, build: Callable[[_Section], T], default: T) -> T:
        """build(self) for a part of this section with checks of its own (a sub-section):
        its errors are recorded with this section's instead of hiding them."""
        try:
            return build(self)
        except ConfigError as exc:
            self.errors.extend(str(exc).splitlines())
            return default

    def invalid(self, key: str, problem: str, default: T) -> T:
        """Record that `key` is wrong and go on with `default`."""
        self.errors.append(f"{self.name(key)}: {problem}")
        return default

    def name(self, key: str) -> str:
        return f"{self.prefix}.{key}" if self.prefix else key

    def get(self, key: str) -> Any:
        self.read.add(key)
        return self.raw.get(key)

    def boolean(self, key: str, default: bool) -> bool:
        value = self.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            return self.invalid(key, f"expected true or false, got {brief(value)}", default)
        return value

    def integer(self, key: str, default: int, minimum: int = 0, maximum: int | None = None) -> int:
        value = self.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            return self.invalid(key, f"expected an integer, got {brief(value)}", default)
        if value < minimum or (maximum is not None and value > maximum):
            bound = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
            return self.invalid(key, f"must be {bound}, got {brief(value)}", default)
        return value

    def number(self, key: str, default: float) -> float:
        value = self.get(key)
        if value is None:
            return default
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or value < 0
        ):
            problem = f"expected a finite non-negative number, got {brief(value)}"
            return self.invalid(key, problem, default)
        return float(value)

    def duration(self, key: str, default: float, *, positive: bool = False) -> float:
        value = self.get(key)
        if value is None:
            return default
        try:
            seconds = parse_duration(value, self.name(key))
        except ConfigError as exc:
            self.errors.append(str(exc))
            return default
        if positive and seconds <= 0:
            return self.invalid(key, f"must be greater than 0, got {brief(value)}", default)
        return seconds

    def string(self, key: str, default: str | None) -> str | None:
        value = self.get(key)
        if value is None:
            return default
        if not isinstance(value, str) or not value.strip():
            return self.invalid(key, f"expected a non-empty string, got {brief(value)}", default)
        return value.strip()

    def url(self, key: str, default: str, env: Mapping[str, str], env_name: str) -> str:
        value = env.get(env_name) or self.string(key, default) or default
        self.read.add(key)
        if not re.match(r"^https?://[^/\s]+", value):
            return self.invalid(key, f"expected an http(s) URL, got {brief(value)}", default)
        return value

    def strings(self, key: str, allowed: tuple[str, ...] | None = None) -> tuple[str, ...]:
        value = self.get(key)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            return self.invalid(key, f"expected a list of strings, got {brief(value)}", ())
        if allowed is not None:
            for item in value:
                if item not in allowed:
                    problem = f"unknown value {brief(item)}, expected one of " + ", ".join(allowed)
                    return self.invalid(key, problem, ())
        return tuple(dict.fromkeys(value))

    def finish(self) -> None:
        """Raise every error of this section at once, unknown keys included."""
        for key in sorted(set(self.raw) - self.read, key=str):
            self.errors.append(f"{self.name(key_text(key))}: unknown key")
        if self.errors:  # build_config cuts the whole list to a screenful
            raise ConfigError("\n".join(self.errors))


def _read_secret_file(path_value: str, name: str) -> Secret:
    # A regular file of bounded size only: a FIFO or a device would hang or flood the read.
    text = read_text_file(path_value, name, MAX_SECRET_BYTES).strip()
    if not text:
        raise ConfigError(f"{name}: {brief(path_value)} is empty")
    return Secret(text)


def _secret(
    section: _Section, key: str, env: Mapping[str, str], env_name: str, *, inline: bool
) -> Secret | None:
    """A secret from the environment, else from `<key>_file`, else (if allowed) inline."""
    file_value = section.string(f"{key}_file", None)
    inline_value = section.string(key, None) if inline else None
    if env.get(env_name):
        return Secret(env[env_name].strip())
    if file_value:
        try:
            return _read_secret_file(file_value, section.name(f"{key}_file"))
        except ConfigError as exc:
            section.errors.append(str(exc))
    if inline_value:
        return Secret(inline_value)
    return None


def _entity_labels(s: _Section) -> tuple[tuple[str, str], ...]:
    from exporter.bridge.config import parse_entity_labels  # it imports this module

    try:
        return parse_entity_labels(s.get("entity_labels"), s.name("entity_labels"))
    except ConfigError as exc:  # recorded with the section's other errors
        s.errors.append(str(exc))
        return CauselyConfig().entity_labels


def _causely(raw: object, env: Mapping[str, str]) -> CauselyConfig:
    s = _Section(raw, "causely")
    enabled = s.boolean("enabled", True)
    client_id = _secret(s, "client_id", env, "CAUSELY_CLIENT_ID", inline=True)
    client_secret = _secret(s, "client_secret", env, "CAUSELY_CLIENT_SECRET", inline=False)
    scopes_raw = s.get("scopes")
    scopes: tuple[str, ...] | None = None
    discover = False
    if scopes_raw == DISCOVER:
        discover = True
    elif scopes_raw is not None:
        scopes = s.strings("scopes")
        if not scopes and not s.errors:
            s.invalid("scopes", "expected a non-empty list of names or 'discover'", None)
    config = CauselyConfig(
        enabled=enabled,
        auth_url=s.url("auth_url", DEFAULT_AUTH_URL, env, "CAUSELY_AUTH_URL"),
        api_url=s.url("api_url", DEFAULT_API_URL, env, "CAUSELY_API_URL"),
        client_id=client_id,
        client_secret=client_secret,
        scopes=scopes,
        discover_scopes=discover,
        severities=s.strings("severities", CAUSELY_SEVERITIES),
        page_size=s.integer("page_size", 100, minimum=1, maximum=1000),
        max_defect_series=s.integer("max_defect_series", 500, minimum=0),
        # At least room for the __other__ buckets (one per severity) and some real rows.
        max_active_series=s.integer("max_active_series", 1000, minimum=10, maximum=1_000_000),
        concurrency=s.integer("concurrency", 4, minimum=1, maximum=64),
        parts=s.nested(_causely_parts, CauselyParts()),
        entity_labels=_entity_labels(s),
    )
    s.finish()
    return config


def _causely_parts(s: _Section) -> CauselyParts:
    health = _Section(s.get("entity_health"), s.name("entity_health"))
    slos = _Section(s.get("slos"), s.name("slos"))
    entity_types = health.strings("entity_types") if "entity_types" in health.raw else None
    if entity_types is not None and not entity_types:
        raise ConfigError("causely.entity_health.entity_types: expected at least one type")
    parts = CauselyParts(
        health=health.boolean("enabled", True),
        health_entity_types=entity_types or ("Service",),
        slos=slos.boolean("enabled", True),
        max_slo_series=slos.integer("max_series", 500, minimum=0),
        time_to_resolve=s.boolean("time_to_resolve", True),
    )
    health.finish()
    slos.finish()
    for name in parts.health_entity_types:
        if len(name) > 100:
            raise ConfigError("causely.entity_health.entity_types: a type name is too long")
    return parts


def _causeflow(raw: object, env: Mapping[str, str]) -> CauseFlowConfig:
    s = _Section(raw, "causeflow")
    enabled = s.boolean("enabled", False)
    token = _secret(s, "token", env, "CAUSEFLOW_TOKEN", inline=False)
    config = CauseFlowConfig(
        enabled=enabled,
        base_url=s.url("base_url", DEFAULT_CAUSEFLOW_URL, env, "CAUSEFLOW_BASE_URL").rstrip("/"),
        token=token,
        page_size=s.integer("page_size", 100, minimum=1, maximum=100),
        # Absent: the open statuses (history would grow without bound); []: every status.
        statuses=s.strings("statuses", CAUSEFLOW_STATUSES)
        if "statuses" in s.raw
        else CAUSEFLOW_OPEN_STATUSES,
        severities=s.strings("severities", CAUSEFLOW_SEVERITIES),
        max_incident_series=s.integer("max_incident_series", 500, minimum=0),
        max_restarts=s.integer("max_restarts", 2, minimum=0, maximum=10),
        time_to_resolve=s.boolean("time_to_resolve", True),
    )
    s.finish()
    return config


def missing_credentials(config: Config) -> list[str]:
    """One line per credential an enabled source needs and does not have, saying where from."""
    missing: list[str] = []
    if config.causely.enabled and config.causely.client_id is None:
        missing.append(
            "causely.client_id: missing; set CAUSELY_CLIENT_ID, or causely.client_id or "
            "causely.client_id_file in the config file"
        )
    if config.causely.enabled and config.causely.client_secret is None:
        missing.append(
            "causely.client_secret: missing; set CAUSELY_CLIENT_SECRET, or "
            "causely.client_secret_file in the config file"
        )
    if config.causeflow.enabled and config.causeflow.token is None:
        missing.append(
            "causeflow.token: missing; set CAUSEFLOW_TOKEN, or causeflow.token_file in the "
            "config file"
        )
    return missing


PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


def _proxy_env(env: Mapping[str, str]) -> dict[str, str]:
    """The proxy variables, lower case first, as requests and urllib read them."""
    found: dict[str, str] = {}
    for name in PROXY_VARIABLES:
        value = env.get(name) or env.get(name.upper())
        if value:
            found[name.removesuffix("_proxy")] = value
    return found


def proxies_for(url: str, proxy_env: Mapping[str, str]) -> dict[str, str]:
    """The proxies for requests to `url`: none when NO_PROXY covers its host."""
    no_proxy = proxy_env.get("no")
    if no_proxy and urlsplit(url).hostname and should_bypass_proxies(url, no_proxy=no_proxy):
        return {}
    return {scheme: proxy for scheme, proxy in proxy_env.items() if scheme != "no"}


def _http(raw: object, env: Mapping[str, str]) -> HttpConfig:
    s = _Section(raw, "http")
    config = HttpConfig(
        connect_timeout=s.duration("connect_timeout", 5.0, positive=True),
        read_timeout=s.duration("read_timeout", 30.0, positive=True),
        max_attempts=s.integer("max_attempts", 5, minimum=1, maximum=20),
        backoff_initial=s.duration("backoff_initial", 0.5),
        backoff_max=s.duration("backoff_max", 30.0),
        max_rate_limit_wait=s.duration("max_rate_limit_wait", 120.0),
        max_requests_per_second=s.number("max_requests_per_second", 0.0),
        max_response_bytes=s.integer(
            "max_response_bytes", 32 * 1024 * 1024, minimum=1024, maximum=1024**3
        ),
        proxy_env=_proxy_env(env),
        ca_bundle=env.get("REQUESTS_CA_BUNDLE") or env.get("CURL_CA_BUNDLE") or None,
    )
    if 0 < config.max_requests_per_second < MIN_REQUESTS_PER_SECOND:
        # 1/rate is a wait in seconds: a tiny rate would be a wait no timer can hold.
        s.invalid(
            "max_requests_per_second",
            f"must be 0 (no limit) or at least {MIN_REQUESTS_PER_SECOND}, "
            f"got {brief(config.max_requests_per_second)}",
            None,
        )
    s.finish()
    return config


def _collection(raw: object) -> CollectionConfig:
    s = _Section(raw, "collection")
    config = CollectionConfig(
        interval=s.duration("interval", 60.0),
        timeout=s.duration("timeout", 0.0),
        zero_retention=s.duration("zero_retention", 3600.0),
    )
    if config.interval < 1:
        s.invalid("interval", f"must be at least 1s, got {brief(s.raw.get('interval'))}", None)
    s.finish()
    return config


def build_config(
    raw: object, env: Mapping[str, str], *, require_credentials: bool = True
) -> Config:
    """The validated config; a ConfigError lists every error found, one per line.

    require_credentials=False validates everything but the presence of secrets (a secret file
    that is named must still be readable): see missing_credentials() for what is absent.
    A new section plugs in like the others: `errors.gather(parse_it, top.get("name"), ...)`.
    """
    from exporter.bridge.config import parse_alertmanager  # it imports this module

    errors = _Errors()
    top = _Section(raw, "")
    errors.lines.extend(top.errors)
    causely = errors.gather(_causely, top.get("causely"), env)
    causeflow = errors.gather(_causeflow, top.get("causeflow"), env)
    http = errors.gather(_http, top.get("http"), env)
    collection = errors.gather(_collection, top.get("collection"))
    entity_labels = (causely or CauselyConfig()).entity_labels
    alertmanager = errors.gather(parse_alertmanager, top.get("alertmanager"), entity_labels)
    top.errors.clear()
    errors.gather(top.finish)
    if causely and causeflow and not causely.enabled and not causeflow.enabled:
        errors.add("causely.enabled: at least one source (causely, causeflow) must be on")
    # A section that failed stands in disabled, so its credentials are not asked for too.
    config = Config(
        causely=causely or CauselyConfig(enabled=False),
        causeflow=causeflow or CauseFlowConfig(enabled=False),
        http=http or HttpConfig(),
        collection=collection or CollectionConfig(),
        alertmanager=alertmanager,
    )
    if require_credentials:
        errors.lines.extend(missing_credentials(config))
    errors.raise_any()
    return config


def load_config(
    path: str | None, env: Mapping[str, str] | None = None, *, require_credentials: bool = True
) -> Config:
    """Load and validate; raises ConfigError with one field-named line per error."""
    environment = os.environ if env is None else env
    raw: object = load_yaml_file(path, "config.file") if path else {}
    return build_config(raw, environment, require_credentials=require_credentials)
