"""Causely service health: entities per type and health severity, one request per scope.

`entityTypeCounts` answers a plain list (no paging) of `{entityType severity count}`. Only the
configured entity types are kept, whatever the server sends, so a server that ignores the
filter cannot grow the label set; every kept type gets a row per known severity (0 included)
so that health ratios always have a denominator.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from exporter.logs import quote
from exporter.sources.base import SkipCounter
from exporter.sources.causely.graphql import HealthRows

log = logging.getLogger("exporter.sources.causely_health")  # pinned: log lines keep their name

OPERATION = "entityTypeCounts"
# Causely's entity health, best first; its own plugin treats all but Normal as unhealthy.
ENTITY_SEVERITIES = ("Normal", "Warning", "Minor", "Major", "Critical")
UNKNOWN = "unknown"

HEALTH_VARIABLES = "$entityFilter: EntityFilter"
HEALTH_FIELD = "  entityTypeCounts(entityFilter: $entityFilter) { entityType severity count }"


@dataclass(frozen=True)
class HealthResult:
    scope: str
    # (entity_type, severity) -> number of entities; every known severity of every type
    counts: Mapping[tuple[str, str], int]
    skipped: int = 0  # rows with a wrong shape, counted and logged, never exported


def health_variables(
    filters: Sequence[Mapping[str, Any]], entity_types: Sequence[str]
) -> dict[str, Any]:
    return {
        "entityFilter": {
            "entityTypes": list(entity_types),
            "scopesFilter": {"scopes": [dict(f) for f in filters]},
        }
    }


def parse_health(
    scope: str, entity_types: Sequence[str], rows: HealthRows, skips: SkipCounter | None = None
) -> HealthResult:
    """Counts from the rows graphql.py read (a row of the wrong shape is skipped there and
    counted here). A null severity is counted as unknown, so the type's total stays whole."""
    wanted = set(entity_types)
    counts: dict[tuple[str, str], int] = {
        (entity_type, severity): 0 for entity_type in entity_types for severity in ENTITY_SEVERITIES
    }
    for row in rows.rows:
        entity_type, severity = row.entityType, row.severity
        if entity_type not in wanted or row.count is None:
            continue  # a server ignoring the filter must not add label values
        if severity not in ENTITY_SEVERITIES:  # None included
            severity = UNKNOWN
        key = (entity_type, severity)
        counts[key] = counts.get(key, 0) + row.count
    skipped = rows.skipped
    if skipped and skips is not None:
        skips.add(OPERATION, "wrong_type", skipped)
    if skipped:
        log.warning("event=health_rows_skipped scope=%s skipped=%d", quote(scope), skipped)
    return HealthResult(scope, counts, skipped)
