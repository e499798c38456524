"""The per-cycle view: plain frozen data that the collector builds once a cycle and both
consumers read, the metrics (rendered to bytes) and the Alertmanager bridge (sent as alerts).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from exporter import __version__
from exporter.client.stats import StatsSnapshot
from exporter.resolve_times import HistogramValue
from exporter.sources.causeflow_incidents import Incident
from exporter.sources.causely.defects import Defect
from exporter.sources.causely.explained import Service
from exporter.sources.causely.slos import Slo


@dataclass(frozen=True)
class CauselyView:
    up: bool
    scope_up: Mapping[str, bool]
    # (scope, severity, entity_type, defect_name) -> count, zeros kept for the retention time
    active: Mapping[tuple[str, str, str, str], int]
    defects: Mapping[str, tuple[Defect, ...]]
    dropped: Mapping[str, int]
    folded: Mapping[str, int] = field(default_factory=dict)
    # Prometheus label names of causely.entity_labels, in the order of Defect.labels.
    entity_labels: tuple[str, ...] = ()
    # For the Alertmanager bridge: per scope, the defects it pages for, and how many
    # its cap left out.
    alertable: Mapping[str, tuple[Defect, ...]] = field(default_factory=dict)
    alert_dropped: Mapping[str, int] = field(default_factory=dict)
    # Per scope, when explanations are read: (cluster, namespace, service) -> paging root
    # causes explaining it; whether the server answered them; services left out by the cap.
    explained: Mapping[str, Mapping[Service, int]] = field(default_factory=dict)
    explained_up: Mapping[str, bool] = field(default_factory=dict)
    explained_dropped: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class CauseFlowView:
    up: bool
    # (severity, status, source) -> count, zeros kept for the retention time
    incidents: Mapping[tuple[str, str, str], int]
    info: tuple[Incident, ...]
    dropped: int
    alertable: tuple[Incident, ...] = ()
    folded: int = 0
    alert_dropped: int = 0


@dataclass(frozen=True)
class ReloadState:
    """The outcome of the last configuration load (at start or on SIGHUP)."""

    successful: bool
    success_time: float


@dataclass(frozen=True)
class BridgeStats:
    """The Alertmanager bridge's counters, read when a cycle's exposition is rendered."""

    # alertmanager (host:port) -> value
    sent: Mapping[str, int]
    failed: Mapping[str, int]
    last_success: Mapping[str, float]
    firing: int
    dropped: int
    held: int = 0  # firing alerts not re-sent because their data is stale
    # The reads of what each Alertmanager holds, before extending stale alerts there.
    reads: Mapping[str, int] = field(default_factory=dict)
    reads_failed: Mapping[str, int] = field(default_factory=dict)
    extended: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class View:
    interval: float
    stats: StatsSnapshot
    causely: CauselyView | None = None
    causeflow: CauseFlowView | None = None
    last_success: float | None = None
    duration: float | None = None
    version: str = field(default=__version__)
    health_and_slos: HealthAndSlosView | None = None
    resolve: ResolveView | None = None  # time to resolve
    # (source, reason) -> units or plans failed by an unexpected error
    collection_errors: Mapping[tuple[str, str], int] = field(default_factory=dict)
    render_failures: int = 0
    # (operation, reason) -> API nodes skipped for a wrong type or an unfit id
    skipped_nodes: Mapping[tuple[str, str], int] = field(default_factory=dict)
    bridge: BridgeStats | None = None
    reload: ReloadState | None = None


@dataclass(frozen=True)
class HealthAndSlosView:
    health_enabled: bool
    slos_enabled: bool
    # scope -> up, for the scopes whose part is planned
    health_up: Mapping[str, bool]
    slos_up: Mapping[str, bool]
    # (scope, entity_type, severity) -> entities
    entities: Mapping[tuple[str, str, str], int]
    # (scope, state) -> SLOs
    slo_counts: Mapping[tuple[str, str], int]
    slos: Mapping[str, tuple[Slo, ...]]
    slos_dropped: Mapping[str, int]


@dataclass(frozen=True)
class ResolveView:
    # (scope, severity) -> histogram of Causely defects; severity -> CauseFlow incidents
    defects: Mapping[tuple[str, str], HistogramValue] | None
    incidents: Mapping[str, HistogramValue] | None
