"""Metric families of the Causely source: defects by scope, per-defect series, up flags."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client.core import GaugeMetricFamily, Metric

from exporter.metrics.families import CACHED, GaugeRows, Row, per_scope
from exporter.sources.causely.defects import Defect
from exporter.view import CauselyView


def causely_families(view: CauselyView) -> Iterator[Metric | GaugeRows]:
    yield GaugeRows(
        "causely_active_defects",
        "Active Causely defects (root causes) by scope, severity, entity type and defect name"
        + CACHED,
        ("scope", "severity", "entity_type", "defect_name"),
        lambda: sorted(view.active.items()),
    )

    yield per_scope(
        "causely_active_defects_folded",
        "Label combinations of causely_active_defects merged into entity_type and defect_name "
        '"__other__" by causely.max_active_series; sums per scope and severity stay exact' + CACHED,
        view.folded,
    )

    width = len(view.entity_labels)

    def info_rows() -> Iterator[Row]:
        for scope, d in _each_defect(view):
            entity = (d.labels + ("",) * width)[:width]
            yield (scope, d.id, d.name, d.entity_name, d.entity_type, d.severity, *entity), 1

    yield GaugeRows(
        "causely_defect_info",
        "One series per active defect, capped per scope, most severe first" + CACHED,
        (
            "scope",
            "defect_id",
            "defect_name",
            "entity_name",
            "entity_type",
            "severity",
            *view.entity_labels,
        ),
        info_rows,
    )
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
) -> GaugeRows:
    """One series per defect of causely_defect_info that has the value."""

    def rows() -> Iterator[Row]:
        for scope, d in _each_defect(view):
            value = value_of(d)
            if value is not None:
                yield (scope, d.id), value

    return GaugeRows(name, documentation + CACHED, ("scope", "defect_id"), rows)


def _each_defect(view: CauselyView) -> Iterator[tuple[str, Defect]]:
    """(scope, defect) of every per-defect series, scopes in order."""
    for scope, defects in sorted(view.defects.items()):
        for defect in defects:
            yield scope, defect
