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

from exporter.client.errors import ApiError
from exporter.logs import quote
from exporter.sources.base import SkipCounter

log = logging.getLogger("exporter.sources.causely_health")  # pinned: log lines keep their name

OPERATION = "entityTypeCounts"
# Causely's entity health, best first; its own plugin treats all but Normal as unhealthy.
ENTITY_SEVERITIES = ("Normal", "Warning", "Minor", "Major", "Critical")
UNKNOWN = "unknown"
MAX_ROWS = 10_000  # a plain list: bound what one answer may hold

HEALTH_QUERY = """
query entityTypeCounts($entityFilter: EntityFilter) {
  entityTypeCounts(entityFilter: $entityFilter) { entityType severity count }
}
""".strip()


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
    scope: str, entity_types: Sequence[str], rows: Any, skips: SkipCounter | None = None
) -> HealthResult:
    """Counts from the rows; a wrong row is skipped and counted, a wrong list is an error.

    The schema allows a null list (no rows) and a null severity (counted as unknown, so the
    type's total stays whole); neither is a wrong type.
    """
    if rows is None:
        rows = []
    if not isinstance(rows, list):
        raise ApiError(OPERATION, "malformed_response", "entityTypeCounts is not a list")
    if len(rows) > MAX_ROWS:
        raise ApiError(OPERATION, "malformed_response", f"more than {MAX_ROWS} rows")
    wanted = set(entity_types)
    counts: dict[tuple[str, str], int] = {
        (entity_type, severity): 0 for entity_type in entity_types for severity in ENTITY_SEVERITIES
    }
    skipped = 0
    for row in rows:
        if not isinstance(row, dict):
            skipped += 1
            continue
        entity_type, severity, count = row.get("entityType"), row.get("severity"), row.get("count")
        if type(count) is not int or count < 0 or not isinstance(severity, str | None):
            skipped += 1
            continue
        if entity_type not in wanted:
            continue  # a server ignoring the filter must not add label values
        if severity not in ENTITY_SEVERITIES:  # None included
            severity = UNKNOWN
        key = (str(entity_type), severity)
        counts[key] = counts.get(key, 0) + count
    if skipped and skips is not None:
        skips.add(OPERATION, "wrong_type", skipped)
    if skipped:
        log.warning("event=health_rows_skipped scope=%s skipped=%d", quote(scope), skipped)
    return HealthResult(scope, counts, skipped)
