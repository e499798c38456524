"""One scope's defects counted as they stream past: the aggregates and the bounded top-k.

Nothing of a page outlives it but what lands here: counts per (severity, entity type, name),
the active set for time to resolve, the explained services' counts, and at most k full
Defect records (the per-defect series, the bridge's). A full record is built only for a
defect that would enter one of the two top-k lists, so most defects cost a Head and a few
counter updates.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable
from typing import Generic, TypeVar

from exporter.cardinality import FoldingCounter
from exporter.resolve_times import ActiveSet
from exporter.sources.causely.defects import (
    SEVERITY_RANK,
    Defect,
    Head,
    ScopeResult,
    fold_bucket,
    full_defect,
    kept_parts,
    read_head,
    skip_reason,
)
from exporter.sources.causely.explained import ExplainedCount, Service, services_of
from exporter.sources.causely.wire import DefectNode

Key = tuple[int, float, str]
T = TypeVar("T")
# What a full Defect is built from once it is sure to be kept (held only while among the k
# best): the head, the service count, the entity's label values, the services it explains.
Pending = tuple[Head, int | None, tuple[str, ...], tuple[Service, ...]]
UNRANKED = len(SEVERITY_RANK)
INF = float("inf")


class _Descending:
    """An id compared backwards, so a min-heap keeps the largest key on top (ties only)."""

    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value

    def __lt__(self, other: _Descending) -> bool:
        return self.value > other.value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Descending) and self.value == other.value

    __hash__ = None  # type: ignore[assignment]


class Smallest(Generic[T]):
    """The k smallest keys seen, with what they stand for; `wants` tells before adding."""

    __slots__ = ("_heap", "k", "seen")

    def __init__(self, k: int) -> None:
        self.k = k
        self.seen = 0
        # (-rank, -start, id backwards, key, item): the worst kept key is on top
        self._heap: list[tuple[int, float, _Descending, Key, T]] = []

    def wants(self, key: Key) -> bool:
        if self.k <= 0:
            return False
        return len(self._heap) < self.k or key < self._heap[0][3]

    def add(self, key: Key, record: T) -> None:
        entry = (-key[0], -key[1], _Descending(key[2]), key, record)
        if len(self._heap) < self.k:
            heapq.heappush(self._heap, entry)
        else:
            heapq.heapreplace(self._heap, entry)

    def result(self) -> list[T]:
        return [entry[4] for entry in sorted(self._heap, key=lambda entry: entry[3])]


class DefectTally:
    def __init__(
        self,
        *,
        label_keys: tuple[str, ...],
        max_series: int,
        max_active_series: int,
        alert_limit: int,
        alert_severities: Iterable[str],
        time_to_resolve: bool,
        explained: ExplainedCount | None,
    ) -> None:
        self._label_keys = label_keys
        self.counts: FoldingCounter[tuple[str, str, str]] = FoldingCounter(
            max_active_series, fold_bucket
        )
        self.active = ActiveSet(tuple(SEVERITY_RANK)) if time_to_resolve else None
        self.kept: Smallest[Pending] = Smallest(max_series)
        self.alertable: Smallest[Pending] = Smallest(alert_limit)
        self._alert_severities = frozenset(alert_severities)
        # Read what a defect explains only when asked for and the server answered the fields.
        self.explained = explained
        self._explain = explained is not None and explained.up
        self.skipped: Counter[str] = Counter()
        # One copy of each repeated string among the kept defects (names, types, labels).
        self._shared: dict[str, str] = {}

    def add_all(self, nodes: Iterable[DefectNode]) -> None:
        rank_of = SEVERITY_RANK.get
        combinations: list[tuple[str, str, str]] = []  # counted once the page is through
        add_count = combinations.append
        active = self.active
        kept, alertable = self.kept, self.alertable
        alert_severities = self._alert_severities
        explained = self.explained if self._explain else None
        label_keys = self._label_keys
        for node in nodes:
            head = read_head(node)
            if head is None:
                self.skipped[skip_reason(node)] += 1
                continue
            severity = head.severity
            add_count((severity, head.entity_type, head.name))
            if active is not None:
                active.add(head.id, head.start_time, severity)
            explains: tuple[Service, ...] = ()
            if explained is not None and severity in explained.severities:
                explains = services_of(node)
                if explains:
                    explains = explained.add(explains)
            start = head.start_time
            key = (rank_of(severity, UNRANKED), INF if start is None else start, head.id)
            alert = severity in alert_severities
            if alert:
                alertable.seen += 1
            if kept.wants(key) or (alert and alertable.wants(key)):
                pending = (head, *kept_parts(node, label_keys), explains)
                if kept.wants(key):
                    kept.add(key, pending)
                if alert and alertable.wants(key):
                    alertable.add(key, pending)
        self.counts.add_all(combinations)

    def _records(self, pending: list[Pending]) -> tuple[Defect, ...]:
        shared = self._shared
        return tuple(
            full_defect(head, count, labels, explains, shared)
            for head, count, labels, explains in pending
        )

    def result(self, scope: str) -> ScopeResult:
        combinations, folded = self.counts.finish()
        total = sum(combinations.values())
        kept = self._records(self.kept.result())
        paged = self._records(self.alertable.result())
        explained = self.explained
        return ScopeResult(
            scope,
            combinations,
            kept,
            total - len(kept),
            total,
            alertable=paged,
            alert_dropped=self.alertable.seen - len(paged),
            active=self.active,
            folded=folded,
            explained=dict(explained.counts) if explained is not None else None,
            explained_up=explained.up if explained is not None else True,
            explained_dropped=explained.dropped if explained is not None else 0,
        )
