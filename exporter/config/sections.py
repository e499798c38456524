"""One parser per section of the file (causely, causeflow, http, collection).

Each turns its raw mapping (and the environment, for the URLs and secrets it may take from
there) into its frozen dataclass, recording every mistake with `Section` and raising them
all from `finish()`, so that `build_config` can report every section's errors in one run.
The `alertmanager:` section has a module of its own, `alertmanager`.
"""

from __future__ import annotations

from collections.abc import Mapping

from exporter.config.api_values import (
    CAUSEFLOW_OPEN_STATUSES,
    CAUSEFLOW_SEVERITIES,
    CAUSEFLOW_STATUSES,
    CAUSELY_SEVERITIES,
)
from exporter.config.fields import Section
from exporter.config.file import ConfigError, brief
from exporter.config.labels import parse_entity_labels
from exporter.config.model import (
    DEFAULT_API_URL,
    DEFAULT_AUTH_URL,
    DEFAULT_CAUSEFLOW_URL,
    DISCOVER,
    CauseFlowConfig,
    CauselyConfig,
    CauselyFeatures,
    CollectionConfig,
    HttpConfig,
)
from exporter.config.proxies import proxy_env
from exporter.config.secrets import secret_field

MIN_REQUESTS_PER_SECOND = 0.01


def _entity_labels(s: Section) -> tuple[tuple[str, str], ...]:
    try:
        return parse_entity_labels(s.get("entity_labels"), s.name("entity_labels"))
    except ConfigError as exc:  # recorded with the section's other errors
        s.errors.append(str(exc))
        return CauselyConfig().entity_labels


def parse_causely(raw: object, env: Mapping[str, str]) -> CauselyConfig:
    s = Section(raw, "causely")
    enabled = s.boolean("enabled", True)
    client_id = secret_field(s, "client_id", env, "CAUSELY_CLIENT_ID", inline=True)
    client_secret = secret_field(s, "client_secret", env, "CAUSELY_CLIENT_SECRET", inline=False)
    scopes_raw = s.get("scopes")
    scopes: tuple[str, ...] | None = None
    discover = False
    if scopes_raw == DISCOVER:
        discover = True
    elif isinstance(scopes_raw, str):
        problem = f"expected a list of names or 'discover', got {brief(scopes_raw)}"
        s.invalid("scopes", problem + s.suggest(scopes_raw, (DISCOVER,)), None)
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
        max_scopes=s.integer("max_scopes", 500, minimum=1, maximum=100_000),
        concurrency=s.integer("concurrency", 4, minimum=1, maximum=64),
        features=s.nested(_causely_features, CauselyFeatures()),
        entity_labels=_entity_labels(s),
    )
    s.finish()
    return config


def _causely_features(s: Section) -> CauselyFeatures:
    health = Section(s.get("entity_health"), s.name("entity_health"))
    slos = Section(s.get("slos"), s.name("slos"))
    explained = Section(s.get("explained_services"), s.name("explained_services"))
    entity_types = health.strings("entity_types") if "entity_types" in health.raw else None
    if entity_types is not None and not entity_types:
        raise ConfigError("causely.entity_health.entity_types: expected at least one type")
    features = CauselyFeatures(
        health=health.boolean("enabled", True),
        health_entity_types=entity_types or ("Service",),
        slos=slos.boolean("enabled", True),
        max_slo_series=slos.integer("max_series", 500, minimum=0),
        time_to_resolve=s.boolean("time_to_resolve", True),
        explained_services=explained.boolean("enabled", False),
        max_explained_series=explained.integer("max_series", 1000, minimum=0, maximum=100_000),
    )
    health.finish()
    slos.finish()
    explained.finish()
    for name in features.health_entity_types:
        if len(name) > 100:
            raise ConfigError("causely.entity_health.entity_types: a type name is too long")
    return features


def parse_causeflow(raw: object, env: Mapping[str, str]) -> CauseFlowConfig:
    s = Section(raw, "causeflow")
    enabled = s.boolean("enabled", False)
    token = secret_field(s, "token", env, "CAUSEFLOW_TOKEN", inline=False)
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


def parse_http(raw: object, env: Mapping[str, str]) -> HttpConfig:
    s = Section(raw, "http")
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
        proxy_env=proxy_env(env),
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


def parse_collection(raw: object) -> CollectionConfig:
    s = Section(raw, "collection")
    config = CollectionConfig(
        interval=s.duration("interval", 60.0),
        timeout=s.duration("timeout", 0.0),
        zero_retention=s.duration("zero_retention", 3600.0),
    )
    if config.interval < 1:
        s.invalid("interval", f"must be at least 1s, got {brief(s.raw.get('interval'))}", None)
    s.finish()
    return config
