"""Metric families of the CauseFlow source: incidents by severity, status and source."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, Metric

from exporter.metrics.families import CACHED
from exporter.view import CauseFlowView


def causeflow_families(view: CauseFlowView) -> Iterator[Metric]:
    incidents = GaugeMetricFamily(
        "causeflow_incidents",
        "CauseFlow incidents by severity, status and source" + CACHED,
        labels=["severity", "status", "source"],
    )
    for labels, count in sorted(view.incidents.items()):
        incidents.add_metric(list(labels), count)
    yield incidents
    info = GaugeMetricFamily(
        "causeflow_incident_info",
        "One series per CauseFlow incident, capped, most severe first" + CACHED,
        labels=["incident_id", "title", "severity", "status"],
    )
    for i in view.info:
        info.add_metric([i.id, i.title, i.severity, i.status], 1)
    yield info
    yield GaugeMetricFamily(
        "causeflow_incidents_folded",
        "Combinations of causeflow_incidents merged into source (and unknown severities or "
        'statuses) "__other__" past 1000; sums stay exact' + CACHED,
        value=view.folded,
    )
    yield GaugeMetricFamily(
        "causeflow_incident_series_dropped",
        "CauseFlow incidents left out of causeflow_incident_info by the cap" + CACHED,
        value=view.dropped,
    )
    yield GaugeMetricFamily(
        "causeflow_up",
        "1 if the last CauseFlow collection succeeded, else 0.",
        value=1 if view.up else 0,
    )
