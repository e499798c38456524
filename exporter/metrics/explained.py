"""Metric families of what the paging root causes explain: one series per explained service.

For teams that alert from Prometheus rules: `... unless on(cluster, namespace, service)
causely_explained_services` drops the symptom alerts a root cause already pages for.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import Metric

from exporter.metrics.families import CACHED, GaugeRows, Row, per_scope
from exporter.view import CauselyView


def explained_families(view: CauselyView) -> Iterator[Metric | GaugeRows]:
    if not view.explained_up:
        return  # explanations are not read: no families at all

    def service_rows() -> Iterator[Row]:
        for scope, services in sorted(view.explained.items()):
            for (cluster, namespace, service), count in sorted(services.items()):
                yield (scope, cluster, namespace, service), float(count)

    yield GaugeRows(
        "causely_explained_services",
        "Active paging root causes explaining the service (its impacts and active symptoms), "
        "capped per scope by causely.explained_services.max_series" + CACHED,
        ("scope", "cluster", "namespace", "service"),
        service_rows,
    )

    def defect_rows() -> Iterator[Row]:
        for scope in sorted(view.explained):
            for defect in view.defects.get(scope, ()):
                if defect.explains:
                    yield (scope, defect.id), float(len(defect.explains))

    yield GaugeRows(
        "causely_defect_explained_services",
        "Services the active paging defect explains (impacts and active symptoms), for the "
        "defects of causely_defect_info" + CACHED,
        ("scope", "defect_id"),
        defect_rows,
    )
    yield per_scope(
        "causely_explained_services_up",
        "1 if the scope's root causes came with what they explain; 0 if the server rejected "
        "the impacts/symptoms fields (an older schema: asked again hourly)" + CACHED,
        view.explained_up,
    )
    yield per_scope(
        "causely_explained_services_dropped",
        "Explained services left out by causely.explained_services.max_series" + CACHED,
        view.explained_dropped,
    )
