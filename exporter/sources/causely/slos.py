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

from exporter.sources.base import SkipCounter, top_k
from exporter.sources.values import is_clean_id, text

log = logging.getLogger("exporter.sources.causely_slos")  # pinned: log lines keep their name

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


def parse_slo(node: Mapping[str, Any]) -> Slo | None:
    """An Slo from a node; None without a usable id. Names are cleaned and bounded label
    values; wrong types become empty strings."""
    slo_id = node.get("id")
    if type(slo_id) is int:
        slo_id = str(slo_id)
    if type(slo_id) is not str or not is_clean_id(slo_id):
        return None
    entity, related = node.get("entity"), node.get("relatedEntity")
    entity = entity if isinstance(entity, dict) else {}
    related = related if isinstance(related, dict) else {}
    state = node.get("state")
    return Slo(
        id=slo_id,
        name=text(entity.get("name")),
        entity_name=text(related.get("name")),
        entity_type=text(related.get("typeName"), "unknown"),
        state=state if state in STATE_RANK else UNKNOWN,
    )


def skip_reason(node: Mapping[str, Any]) -> str:
    slo_id = node.get("id")
    if slo_id is None or slo_id == "":
        return "missing_id"
    return "wrong_type" if type(slo_id) not in (str, int) else "invalid_id"


def collect_slos(scope: str, nodes: Iterable[Any], cap: int, skips: SkipCounter) -> SloResult:
    counts: Counter[str] = Counter(dict.fromkeys(SLO_STATES, 0))
    skipped: Counter[str] = Counter()

    def parsed() -> Iterator[Slo]:
        for node in nodes:
            slo = parse_slo(node)
            if slo is None:
                skipped[skip_reason(node)] += 1
                continue
            counts[slo.state] += 1
            yield slo

    kept = top_k(parsed(), cap, slo_order)
    for reason, count in skipped.items():
        skips.add(OPERATION, reason, count)
    if skipped:
        log.warning("event=slos_skipped skipped=%d", sum(skipped.values()))
    total = sum(counts.values())
    return SloResult(scope, dict(counts), tuple(kept), total - len(kept), total)
