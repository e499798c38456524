"""Metric families of the Causely source: defects by scope, per-defect series, up flags."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client.core import GaugeMetricFamily, Metric

from exporter.metrics.families import CACHED, per_scope
from exporter.sources.causely.defects import Defect
from exporter.view import CauselyView


def causely_families(view: CauselyView) -> Iterator[Metric]:
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
    # One family at a time: render() drops each one before the next is built.
    for scope, d in _each_defect(view):
        entity = (d.labels + ("",) * width)[:width]
        info.add_metric([scope, d.id, d.name, d.entity_name, d.entity_type, d.severity, *entity], 1)
    yield info
    del info
    yield _per_defect(
        view,
        "causely_defect_start_timestamp_seconds",
        "When the active defect started (fromTime), as Unix seconds",
        lambda d: d.start_time,
    )
    yield _per_defect(
        view,
        "causely_defect_impacted_services",
        "Services impacted by the active defect (serviceCount)",
        lambda d: d.service_count,
    )

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


def _per_defect(
    view: CauselyView, name: str, documentation: str, value_of: Callable[[Defect], float | None]
) -> GaugeMetricFamily:
    """One series per defect of causely_defect_info that has the value."""
    family = GaugeMetricFamily(name, documentation + CACHED, labels=["scope", "defect_id"])
    for scope, d in _each_defect(view):
        value = value_of(d)
        if value is not None:
            family.add_metric([scope, d.id], value)
    return family


def _each_defect(view: CauselyView) -> Iterator[tuple[str, Defect]]:
    """(scope, defect) of every per-defect series, scopes in order."""
    for scope, defects in sorted(view.defects.items()):
        for defect in defects:
            yield scope, defect
