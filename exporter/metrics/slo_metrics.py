"""Metric families of the Causely SLOs: counts by state, one info series each, per scope."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import Metric

from exporter.metrics.families import CACHED, GaugeRows, Row, per_scope
from exporter.view import HealthAndSlosView


def slo_families(view: HealthAndSlosView) -> Iterator[Metric | GaugeRows]:
    if view.slos_enabled:
        yield GaugeRows(
            "causely_slos",
            "Causely SLOs by scope and state (NORMAL, AT_RISK, VIOLATED)" + CACHED,
            ("scope", "state"),
            lambda: sorted(view.slo_counts.items()),
        )

        def info_rows() -> Iterator[Row]:
            for scope, slos in sorted(view.slos.items()):
                for s in slos:
                    yield (scope, s.id, s.name, s.entity_name, s.entity_type, s.state), 1

        yield GaugeRows(
            "causely_slo_info",
            "One series per SLO, capped per scope, most at risk first" + CACHED,
            ("scope", "slo_id", "slo_name", "entity_name", "entity_type", "state"),
            info_rows,
        )
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
