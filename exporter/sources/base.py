"""What every source is and shares: the Source protocol, skip counting, the bridge's selection,
and bounded top-k over streams.

A source plans its units of work (Causely: scopes; CauseFlow: one incident list) and
collects one unit at a time, so the collector can run units concurrently and keep the last
good result of each. Everything else the collector needs of a source is declared by the
protocol, so the collector treats every source alike and names none.
"""

from __future__ import annotations

import heapq
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Generic, Protocol, TypeVar

from exporter.resolve_times import ActiveSet

T = TypeVar("T")


class Section(Enum):
    """Which part of each cycle's view a source's results make (collect/cycle_view.py)."""

    ROOT_CAUSES = "root_causes"  # Causely defects, per scope
    INCIDENTS = "incidents"  # CauseFlow incidents
    HEALTH_AND_SLOS = "health_and_slos"  # Causely service health and SLOs, per scope


class Source(Protocol):
    """What the collector needs of a source, and all it uses."""

    # Its label value (causely_exporter_collection_errors_total{source}); unique, kept across
    # a reload so a source rebuilt from a new config keeps its last good data.
    name: str
    # True: a failing unit makes the cycle fail (causely_exporter_last_success_timestamp_seconds
    # stands still, --once exits 1). False: its units only have up gauges of their own.
    essential: bool
    # The names of the sources it must be planned after: its plan reads theirs (the scope list).
    after: tuple[str, ...]
    # API nodes it left out (causely_exporter_skipped_nodes_total), for the life of the source.
    skips: SkipCounter
    section: Section

    def plan(self, deadline: float) -> list[str]:
        """The units to collect this cycle (scope names); raises ApiError when it cannot tell."""
        ...

    def collect(self, unit: str, deadline: float) -> object:
        """One unit's result; raises ApiError (or PaginationError) on failure."""
        ...

    def resolve_filter(self) -> object | None:
        """What its time to resolve is tracked under, None when it is not tracked.

        A change of the value (the configured filter) starts the tracking over; what the
        units of one collection hold at a time comes from `active`.
        """
        ...

    def active(self, result: object) -> ActiveSet | None:
        """A unit's result as the set of what is open now, for time to resolve (None: none)."""
        ...


def top_k(items: Iterable[T], k: int, key: Callable[[T], tuple[object, ...]]) -> list[T]:
    """The k smallest by key, streaming: memory stays O(k) however many items pass."""
    if k <= 0:
        for _ in items:
            pass
        return []
    return heapq.nsmallest(k, items, key=key)


class SkipCounter:
    """Nodes left out because a field had the wrong type or value, by operation and reason."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[tuple[str, str]] = Counter()

    def add(self, operation: str, reason: str, count: int = 1) -> None:
        if count:
            with self._lock:
                self._counts[(operation, reason)] += count

    def snapshot(self) -> dict[tuple[str, str], int]:
        with self._lock:
            return dict(self._counts)


@dataclass(frozen=True)
class AlertSelection:
    """What the Alertmanager bridge wants a source to keep besides its capped series.

    Empty severities: nothing (the bridge is off). `limit` bounds the memory per unit.
    """

    severities: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    limit: int = 0
    explain: bool = False  # read what each root cause explains (alertmanager.inhibitors)


class Best(Generic[T]):
    """Keeps the k smallest items by key while they stream past, in O(k) memory."""

    def __init__(self, k: int, key: Callable[[T], tuple[object, ...]]) -> None:
        self._k = k
        self._key = key
        self._items: list[T] = []
        self.seen = 0

    def add(self, item: T) -> None:
        self.seen += 1
        self._items.append(item)
        if len(self._items) >= 2 * self._k + 64:  # trim rarely: amortised O(log k) per item
            self._items = heapq.nsmallest(self._k, self._items, key=self._key)

    def result(self) -> list[T]:
        return heapq.nsmallest(self._k, self._items, key=self._key) if self._k > 0 else []
