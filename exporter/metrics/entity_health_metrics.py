"""Metric families of service health: Causely entities by health severity, per scope."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, Metric

from exporter.metrics.families import CACHED, per_scope
from exporter.view import HealthAndSlosView


def entity_health_families(view: HealthAndSlosView) -> Iterator[Metric]:
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
