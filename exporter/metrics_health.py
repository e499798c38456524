"""Metric families of service health, SLOs and time to resolve (called from metrics.py)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, Metric

from exporter.resolve_times import BUCKETS, HistogramValue
from exporter.sources.causely_slos import Slo

# Same wording as metrics.CACHED (not imported: metrics.py imports this module).
CACHED = " (cached: value from the last collection cycle)."


@dataclass(frozen=True)
class PartsView:
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


def parts_families(view: PartsView) -> Iterator[Metric]:
    if view.health_enabled:
        entities = GaugeMetricFamily(
            "causely_entities",
            "Causely entities by scope, entity type and health severity (Normal is healthy)"
            + CACHED,
            labels=["scope", "entity_type", "severity"],
        )
        for labels, count in sorted(view.entities.items()):
            entities.add_metric(list(labels), count)
        yield entities
        yield per_scope(
            "causely_entities_up",
            "1 if the last service health query (entityTypeCounts) of the scope succeeded; "
            "on 0 its last good values are kept.",
            view.health_up,
        )
    if view.slos_enabled:
        counts = GaugeMetricFamily(
            "causely_slos",
            "Causely SLOs by scope and state (NORMAL, AT_RISK, VIOLATED)" + CACHED,
            labels=["scope", "state"],
        )
        for (scope, state), count in sorted(view.slo_counts.items()):
            counts.add_metric([scope, state], count)
        yield counts
        info = GaugeMetricFamily(
            "causely_slo_info",
            "One series per SLO, capped per scope, most at risk first" + CACHED,
            labels=["scope", "slo_id", "slo_name", "entity_name", "entity_type", "state"],
        )
        for scope, slos in sorted(view.slos.items()):
            for s in slos:
                info.add_metric([scope, s.id, s.name, s.entity_name, s.entity_type, s.state], 1)
        yield info
        yield per_scope(
            "causely_slo_series_dropped",
            "SLOs left out of causely_slo_info by causely.slos.max_series" + CACHED,
            view.slos_dropped,
        )
        yield per_scope(
            "causely_slos_up",
            "1 if the last SLO query (sloConnection) of the scope succeeded; "
            "on 0 its last good values are kept.",
            view.slos_up,
        )


def per_scope(
    name: str, documentation: str, values: Mapping[str, int | float | bool]
) -> GaugeMetricFamily:
    """A gauge with one series per scope (an up flag counts as 1 or 0)."""
    family = GaugeMetricFamily(name, documentation, labels=["scope"])
    for scope, value in sorted(values.items()):
        family.add_metric([scope], float(value))
    return family


def _buckets(value: HistogramValue) -> list[tuple[str, float]]:
    pairs = [(_bound(b), float(n)) for b, n in zip(BUCKETS, value.buckets, strict=True)]
    return [*pairs, ("+Inf", float(value.count))]


def _bound(bound: float) -> str:
    return f"{bound:.1f}" if bound == int(bound) else str(bound)


def resolve_families(view: ResolveView) -> Iterator[Metric]:
    if view.defects is not None:
        defects = HistogramMetricFamily(
            "causely_defect_time_to_resolve_seconds",
            "How long root causes lasted (from fromTime) when a successful collection of "
            "their scope no longer found them active, by the severity they last had.",
            labels=["scope", "severity"],
        )
        for (scope, severity), value in sorted(view.defects.items()):
            defects.add_metric([scope, severity], _buckets(value), value.sum)
        yield defects
    if view.incidents is not None:
        incidents = HistogramMetricFamily(
            "causeflow_incident_time_to_resolve_seconds",
            "How long CauseFlow incidents stayed open (from createdAt) when they left the "
            "open statuses, by the severity they last had.",
            labels=["severity"],
        )
        for severity, value in sorted(view.incidents.items()):
            incidents.add_metric([severity], _buckets(value), value.sum)
        yield incidents
