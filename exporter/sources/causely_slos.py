"""Causely SLOs per scope from `sloConnection`, walked with the one pagination mechanism.

Counts by state cover every SLO; the per-SLO records are capped, most at risk first, the
way the per-defect records are.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from exporter.sources import top_k

log = logging.getLogger(__name__)

OPERATION = "sloConnection"
SLO_STATES = ("VIOLATED", "AT_RISK", "NORMAL")  # most at risk first
STATE_RANK = {state: rank for rank, state in enumerate(SLO_STATES)}
UNKNOWN = "unknown"

SLOS_QUERY = """
query sloConnection($filter: SloFilter, $first: Int, $after: String) {
  sloConnection(filter: $filter, first: $first, after: $after) {
    edges { node { id state entity { name typeName } relatedEntity { name typeName } } }
    pageInfo { hasNextPage endCursor }
  }
}
""".strip()


@dataclass(frozen=True)
class Slo:
    id: str
    name: str  # the SLO entity's name
    entity_name: str  # the entity the SLO is about (relatedEntity)
    entity_type: str
    state: str


@dataclass(frozen=True)
class SloResult:
    scope: str
    counts: Mapping[str, int]  # state -> SLOs; every known state, 0 included
    slos: tuple[Slo, ...]  # capped, most at risk first
    dropped: int
    total: int


def slo_variables(filters: Sequence[Mapping[str, Any]], page_size: int) -> dict[str, Any]:
    return {
        "filter": {"relatedByFilter": {"scopesFilter": {"scopes": [dict(f) for f in filters]}}},
        "first": page_size,
    }


def slo_order(slo: Slo) -> tuple[object, ...]:
    return (STATE_RANK.get(slo.state, len(STATE_RANK)), slo.name, slo.id)


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def parse_slo(node: Mapping[str, Any]) -> Slo | None:
    """An Slo from a node; None without an id. Wrong types become empty strings."""
    slo_id = node.get("id")
    if isinstance(slo_id, int) and not isinstance(slo_id, bool):
        slo_id = str(slo_id)
    if not isinstance(slo_id, str) or not slo_id:
        return None
    entity, related = node.get("entity"), node.get("relatedEntity")
    entity = entity if isinstance(entity, dict) else {}
    related = related if isinstance(related, dict) else {}
    state = node.get("state")
    return Slo(
        id=slo_id,
        name=_text(entity.get("name")),
        entity_name=_text(related.get("name")),
        entity_type=_text(related.get("typeName")) or "unknown",
        state=state if state in STATE_RANK else UNKNOWN,
    )


def collect_slos(scope: str, nodes: Iterable[Any], cap: int) -> SloResult:
    counts: Counter[str] = Counter(dict.fromkeys(SLO_STATES, 0))
    skipped = 0

    def parsed() -> Iterator[Slo]:
        nonlocal skipped
        for node in nodes:
            slo = parse_slo(node) if isinstance(node, dict) else None
            if slo is None:
                skipped += 1
                continue
            counts[slo.state] += 1
            yield slo

    kept = top_k(parsed(), cap, slo_order)
    if skipped:
        log.warning("event=slos_without_id scope=%s skipped=%d", scope, skipped)
    total = sum(counts.values())
    return SloResult(scope, dict(counts), tuple(kept), total - len(kept), total)
