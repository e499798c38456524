"""Causely SLOs per scope from `sloConnection`, walked with the one pagination mechanism.

Counts by state cover every SLO; the per-SLO records are capped, most at risk first, the
way the per-defect records are.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from exporter.sources.base import SkipCounter, top_k
from exporter.sources.causely.wire import SloNode
from exporter.sources.values import is_clean_id, text

log = logging.getLogger("exporter.sources.causely_slos")  # pinned: log lines keep their name

OPERATION = "sloConnection"
SLO_STATES = ("VIOLATED", "AT_RISK", "NORMAL")  # most at risk first
STATE_RANK = {state: rank for rank, state in enumerate(SLO_STATES)}
UNKNOWN = "unknown"
# A known state as this module's own string: a kept SLO holds no decoded copy of it.
KNOWN_STATE = {state: state for state in SLO_STATES}

SLO_VARIABLES = "$sloFilter: SloFilter, $sloFirst: Int, $sloAfter: String"
SLO_FIELD = """
  sloConnection(filter: $sloFilter, first: $sloFirst, after: $sloAfter) {
    edges { node { id state entity { name typeName } relatedEntity { name typeName } } }
    pageInfo { hasNextPage endCursor }
  }""".strip("\n")


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
        "sloFilter": {"relatedByFilter": {"scopesFilter": {"scopes": [dict(f) for f in filters]}}},
        "sloFirst": page_size,
    }


def slo_order(slo: Slo) -> tuple[object, ...]:
    return (STATE_RANK.get(slo.state, len(STATE_RANK)), slo.name, slo.id)


def parse_slo(node: SloNode) -> Slo | None:
    """An Slo from a node; None without a usable id. Names are cleaned and bounded label
    values; absent ones (or of the wrong type, wire.py) become empty strings."""
    slo_id = node.id
    if type(slo_id) is int:
        slo_id = str(slo_id)
    if type(slo_id) is not str or not is_clean_id(slo_id):
        return None
    entity, related = node.entity, node.relatedEntity
    state = node.state
    return Slo(
        id=slo_id,
        name=text(entity.name) if entity is not None else "",
        entity_name=text(related.name) if related is not None else "",
        entity_type=text(related.typeName if related is not None else None, "unknown"),
        state=KNOWN_STATE.get(state, UNKNOWN) if type(state) is str else UNKNOWN,
    )


def skip_reason(node: SloNode) -> str:
    slo_id = node.id
    if slo_id is None or slo_id == "":
        return "missing_id"
    return "wrong_type" if type(slo_id) not in (str, int) else "invalid_id"


class SloTally:
    """One scope's SLOs counted by state as pages stream past, the most at risk kept (capped)."""

    def __init__(self, cap: int) -> None:
        self._cap = cap
        self.counts: Counter[str] = Counter(dict.fromkeys(SLO_STATES, 0))
        self.skipped: Counter[str] = Counter()
        self._kept: list[Slo] = []

    def add(self, nodes: Iterable[SloNode]) -> None:
        for node in nodes:
            slo = parse_slo(node)
            if slo is None:
                self.skipped[skip_reason(node)] += 1
                continue
            self.counts[slo.state] += 1
            self._kept.append(slo)
        if len(self._kept) >= 2 * self._cap + 64:  # trim now and then: memory stays O(cap)
            self._kept = top_k(self._kept, self._cap, slo_order)

    def result(self, scope: str, skips: SkipCounter) -> SloResult:
        kept = top_k(self._kept, self._cap, slo_order)
        for reason, count in self.skipped.items():
            skips.add(OPERATION, reason, count)
        if self.skipped:
            log.warning("event=slos_skipped skipped=%d", sum(self.skipped.values()))
        total = sum(self.counts.values())
        return SloResult(scope, dict(self.counts), tuple(kept), total - len(kept), total)


def collect_slos(scope: str, nodes: Iterable[SloNode], cap: int, skips: SkipCounter) -> SloResult:
    tally = SloTally(cap)
    tally.add(nodes)
    return tally.result(scope, skips)
