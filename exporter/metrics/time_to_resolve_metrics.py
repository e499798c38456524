"""Metric families of time to resolve: root causes' and incidents' durations as histograms."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import HistogramMetricFamily, Metric

from exporter.resolve_times import BUCKETS, HistogramValue
from exporter.view import ResolveView


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
