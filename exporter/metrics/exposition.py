"""Metric names, HELP text and rendering: pure functions from one cycle's view to bytes.

Rendering happens once per cycle (plain and gzip); a scrape only copies bytes. Label values
come from the API and are escaped by prometheus_client, never by hand.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from exporter.metrics.explained import explained_families
from exporter.metrics.families import CACHED, per_scope
from exporter.metrics.health import parts_families, resolve_families
from exporter.sources.values import clean
from exporter.view import BridgeStats, CauseFlowView, CauselyView, View

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
GZIP_WBITS = 16 + zlib.MAX_WBITS  # a gzip header and trailer around the deflate stream


def _causely_families(view: CauselyView) -> Iterator[Metric]:
    active = GaugeMetricFamily(
        "causely_active_defects",
        "Active Causely defects (root causes) by scope, severity, entity type and defect name"
        + CACHED,
        labels=["scope", "severity", "entity_type", "defect_name"],
    )
    for (scope, severity, entity_type, name), count in sorted(view.active.items()):
        active.add_metric([scope, severity, entity_type, name], count)
    yield active

    yield per_scope(
        "causely_active_defects_folded",
        "Label combinations of causely_active_defects merged into entity_type and defect_name "
        '"__other__" by causely.max_active_series; sums per scope and severity stay exact' + CACHED,
        view.folded,
    )

    info = GaugeMetricFamily(
        "causely_defect_info",
        "One series per active defect, capped per scope, most severe first" + CACHED,
        labels=[
            "scope",
            "defect_id",
            "defect_name",
            "entity_name",
            "entity_type",
            "severity",
            *view.entity_labels,
        ],
    )
    width = len(view.entity_labels)
    start = GaugeMetricFamily(
        "causely_defect_start_timestamp_seconds",
        "When the active defect started (fromTime), as Unix seconds" + CACHED,
        labels=["scope", "defect_id"],
    )
    impacted = GaugeMetricFamily(
        "causely_defect_impacted_services",
        "Services impacted by the active defect (serviceCount)" + CACHED,
        labels=["scope", "defect_id"],
    )
    # One family at a time: render() drops each one before the next is built.
    for scope, defects in sorted(view.defects.items()):
        for d in defects:
            entity = (d.labels + ("",) * width)[:width]
            info.add_metric(
                [scope, d.id, d.name, d.entity_name, d.entity_type, d.severity, *entity], 1
            )
    yield info
    del info
    for scope, defects in sorted(view.defects.items()):
        for d in defects:
            if d.start_time is not None:
                start.add_metric([scope, d.id], d.start_time)
    yield start
    del start
    for scope, defects in sorted(view.defects.items()):
        for d in defects:
            if d.service_count is not None:
                impacted.add_metric([scope, d.id], d.service_count)
    yield impacted

    yield per_scope(
        "causely_defect_series_dropped",
        "Active defects left out of the per-defect series by causely.max_defect_series" + CACHED,
        view.dropped,
    )

    yield GaugeMetricFamily(
        "causely_up",
        "1 if the last Causely collection succeeded for every scope, else 0.",
        value=1 if view.up else 0,
    )
    yield per_scope(
        "causely_scope_up",
        "1 if the last collection of the scope succeeded; on 0 its last good values are kept.",
        view.scope_up,
    )


def _causeflow_families(view: CauseFlowView) -> Iterator[Metric]:
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


def _counter(
    name: str, documentation: str, labels: list[str], values: Mapping[tuple[str, str], int]
) -> CounterMetricFamily:
    # Codes and reasons may carry API bytes: cleaned here too, as a last line of defence, and
    # merged, so two codes that clean to the same text never make a duplicate series.
    merged: dict[tuple[str, ...], int] = {}
    for label_values, count in values.items():
        key = tuple(clean(value, 64) for value in label_values)
        merged[key] = merged.get(key, 0) + count
    family = CounterMetricFamily(name, documentation, labels=labels)
    for key, count in sorted(merged.items()):
        family.add_metric(list(key), count)
    return family


def _self_families(view: View) -> Iterator[Metric]:
    if view.last_success is not None:
        yield GaugeMetricFamily(
            "causely_exporter_last_success_timestamp_seconds",
            "End of the last collection cycle in which every enabled source succeeded.",
            value=view.last_success,
        )
    if view.duration is not None:
        yield GaugeMetricFamily(
            "causely_exporter_collection_duration_seconds",
            "Wall time of the last collection cycle.",
            value=view.duration,
        )
    yield GaugeMetricFamily(
        "causely_exporter_collection_interval_seconds",
        "Configured time between collection cycles.",
        value=view.interval,
    )
    yield _counter(
        "causely_exporter_api_requests",
        "HTTP requests sent to the APIs, every attempt, by operation and status code "
        "(timeout and connection_error when no status came back).",
        ["operation", "code"],
        view.stats.requests,
    )
    yield _counter(
        "causely_exporter_api_retries",
        "API requests repeated after a failure, by operation and reason.",
        ["operation", "reason"],
        view.stats.retries,
    )
    yield _counter(
        "causely_exporter_api_errors",
        "API calls that failed after all retries, by operation and error code.",
        ["operation", "error"],
        view.stats.errors,
    )
    yield _counter(
        "causely_exporter_collection_errors",
        "Units (scopes, incident lists) or plans failed by an unexpected error, by source and "
        "exception type; the unit keeps its last good values.",
        ["source", "reason"],
        view.collection_errors,
    )
    yield CounterMetricFamily(
        "causely_exporter_render_failures",
        "Cycles whose exposition could not be rendered; the previous one was served instead.",
        value=view.render_failures,
    )
    yield _counter(
        "causely_exporter_skipped_nodes",
        "API nodes left out for a field of the wrong type or an unfit id, by operation and reason.",
        ["operation", "reason"],
        view.skipped_nodes,
    )
    build = GaugeMetricFamily(
        "causely_exporter_build_info", "Build information; always 1.", labels=["version"]
    )
    build.add_metric([view.version], 1)
    yield build


def _per_alertmanager(
    family: CounterMetricFamily | GaugeMetricFamily, values: Mapping[str, float]
) -> CounterMetricFamily | GaugeMetricFamily:
    for alertmanager, value in sorted(values.items()):
        family.add_metric([alertmanager], value)
    return family


def _bridge_families(stats: BridgeStats) -> Iterator[Metric]:
    label = ["alertmanager"]
    yield _per_alertmanager(
        CounterMetricFamily(
            "causely_exporter_alertmanager_notifications",
            "Requests (batches of at most 256 alerts) the bridge posted to an Alertmanager "
            "and it accepted.",
            labels=label,
        ),
        stats.sent,
    )
    yield _per_alertmanager(
        CounterMetricFamily(
            "causely_exporter_alertmanager_notifications_failed",
            "Requests the bridge posted to an Alertmanager that failed; not retried, the next "
            "resend covers them.",
            labels=label,
        ),
        stats.failed,
    )
    yield _per_alertmanager(
        GaugeMetricFamily(
            "causely_exporter_alertmanager_last_success_timestamp_seconds",
            "When an Alertmanager last accepted a request from the bridge, as Unix seconds.",
            labels=label,
        ),
        stats.last_success,
    )
    yield GaugeMetricFamily(
        "causely_exporter_alertmanager_alerts_firing",
        "Alerts the bridge currently sends as firing.",
        value=stats.firing,
    )
    yield GaugeMetricFamily(
        "causely_exporter_alertmanager_alerts_held",
        "Firing alerts not re-sent because their scope's latest collection failed: they stay "
        "in Alertmanager until the endsAt of their last fresh send (alertmanager.keep_firing_for).",
        value=stats.held,
    )
    yield CounterMetricFamily(
        "causely_exporter_alertmanager_alerts_dropped",
        "Alerts left out by alertmanager.max_alerts, counted once per collection cycle.",
        value=stats.dropped,
    )


class _ViewCollector:
    def __init__(self, view: View) -> None:
        self._view = view

    def collect(self) -> Iterator[Metric]:
        if self._view.causely is not None:
            yield from _causely_families(self._view.causely)
            yield from explained_families(self._view.causely)
        if self._view.causeflow is not None:
            yield from _causeflow_families(self._view.causeflow)
        if self._view.parts is not None:
            yield from parts_families(self._view.parts)
        if self._view.resolve is not None:
            yield from resolve_families(self._view.resolve)
        yield from _self_families(self._view)
        if self._view.bridge is not None:
            yield from _bridge_families(self._view.bridge)


@dataclass(frozen=True)
class Exposition:
    body: bytes
    gzip_body: bytes


class _OneFamily:
    def __init__(self, family: Metric) -> None:
        self._family = family

    def collect(self) -> Iterator[Metric]:
        yield self._family


def render(view: View) -> Exposition:
    """Family by family into one buffer, gzip alongside: the peak is the body, not the
    body plus every family's samples plus prometheus_client's line list and its copies."""
    body = io.BytesIO()
    # Level 6 balances size and the once-per-cycle CPU cost; scrapes then copy bytes.
    packer = zlib.compressobj(6, zlib.DEFLATED, GZIP_WBITS)
    packed: list[bytes] = []
    for family in _ViewCollector(view).collect():
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_OneFamily(family))
        chunk = generate_latest(registry)
        del family, registry
        body.write(chunk)
        packed.append(packer.compress(chunk))
    packed.append(packer.flush())
    return Exposition(body.getvalue(), b"".join(packed))
