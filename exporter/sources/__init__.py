"""API sources: each turns pages into plain records and knows nothing of metrics.

A source plans its units of work (Causely: scopes; CauseFlow: one incident list) and
collects one unit at a time, so the collector can run units concurrently and keep the last
good result of each.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Protocol, TypeVar

T = TypeVar("T")


class Source(Protocol):
    name: str

    def plan(self, deadline: float) -> list[str]:
        """The units to collect this cycle (scope names); raises ApiError when it cannot tell."""
        ...

    def collect(self, unit: str, deadline: float) -> object:
        """One unit's result; raises ApiError (or PaginationError) on failure."""
        ...


def top_k(items: Iterable[T], k: int, key: Callable[[T], tuple[object, ...]]) -> list[T]:
    """The k smallest by key, streaming: memory stays O(k) however many items pass."""
    if k <= 0:
        for _ in items:
            pass
        return []
    return heapq.nsmallest(k, items, key=key)


_FRACTION = re.compile(r"(\.\d{6})\d+")


def parse_time(value: object) -> float | None:
    """Unix seconds from an RFC 3339 string (Z or offset, up to nanoseconds); None if absent."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value)  # the common case, fast on Python 3.11+
    except ValueError:
        text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
        try:
            parsed = datetime.fromisoformat(_FRACTION.sub(r"\1", text))
        except ValueError:
            return None
    if parsed.tzinfo is None:
        return None
    return parsed.timestamp()


def text(value: object, default: str = "") -> str:
    return value if isinstance(value, str) and value else default


@dataclass(frozen=True)
class AlertSelection:
    """What the Alertmanager bridge wants a source to keep besides its capped series.

    Empty severities: nothing (the bridge is off). `limit` bounds the memory per unit.
    """

    severities: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    limit: int = 0


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
