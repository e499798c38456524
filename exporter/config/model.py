"""The configuration model: frozen dataclasses with their defaults, and the constants they name.

Plain data only, so every consumer (sources, http, collector, bridge) can import the shape of
the configuration without pulling in how it is read and checked (`fields`, `sections`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from exporter.config.alertmanager import AlertmanagerConfig
from exporter.config.api_values import (
    CAUSEFLOW_OPEN_STATUSES,
)
from exporter.config.labels import DEFAULT_ENTITY_LABELS
from exporter.config.secrets import Secret

DEFAULT_AUTH_URL = "https://auth.causely.app/frontegg/identity/resources/auth/v2/api-token"
DEFAULT_API_URL = "https://api.causely.app/query/"
DEFAULT_CAUSEFLOW_URL = "https://api.causeflow.ai/v1"
DISCOVER = "discover"


@dataclass(frozen=True)
class CauselyFeatures:
    """The optional Causely features besides the defects (health, SLOs, time to resolve, explained
    services), on by default but the explained services."""

    health: bool = True
    health_entity_types: tuple[str, ...] = ("Service",)
    slos: bool = True
    max_slo_series: int = 500
    time_to_resolve: bool = True
    # The services each paging root cause explains (impacts, active symptoms): a series per
    # service, for rules that mute the symptoms; off by default (more bytes per page).
    explained_services: bool = False
    max_explained_series: int = 1000


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
    # Scopes collected with `scopes: discover`; the API decides how many there are.
    max_scopes: int = 500
    concurrency: int = 4
    features: CauselyFeatures = field(default_factory=CauselyFeatures)
    # (API entity label key, Prometheus label name): on causely_defect_info and bridge alerts.
    entity_labels: tuple[tuple[str, str], ...] = DEFAULT_ENTITY_LABELS


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
