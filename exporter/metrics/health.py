"""Metric families of service health, SLOs and time to resolve (called from exposition)."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, Metric

from exporter.metrics.families import CACHED, per_scope
from exporter.resolve_times import BUCKETS, HistogramValue
from exporter.view import PartsView, ResolveView


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
