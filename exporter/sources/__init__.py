"""API sources: each turns pages into plain records and knows nothing of metrics.

A source plans its units of work (Causely: scopes; CauseFlow: one incident list) and
collects one unit at a time, so the collector can run units concurrently and keep the last
good result of each.
"""

from __future__ import annotations

import heapq
import re
import threading
from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Protocol, TypeVar

T = TypeVar("T")

MAX_LABEL_CHARS = 256
MAX_TIME_CHARS = 64  # an RFC 3339 time with nanoseconds and an offset is 35
REPLACEMENT = "\ufffd"
# Lone surrogates cannot be encoded at all; control characters (and the Unicode line
# separators) would split or repaint a log line or a label.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


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
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TIME_CHARS:
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


def clean(value: str, limit: int = MAX_LABEL_CHARS) -> str:
    """An API string made safe for a label value or a log line: valid UTF-8, one line, bounded.

    Lone surrogates and control characters become U+FFFD; the rest is cut at `limit`.
    The common case (short and printable) costs one length check and one C-level scan.
    """
    if len(value) > limit:
        value = value[:limit]
    if value.isprintable():
        return value
    return _UNSAFE.sub(REPLACEMENT, value)


def text(value: object, default: str = "") -> str:
    """A cleaned string, or `default` when the value is absent, empty or not a string."""
    return clean(value) if isinstance(value, str) and value else default


def is_clean_id(value: str) -> bool:
    """An id fit to be a label and a key as it is: non-empty, printable, bounded."""
    return 0 < len(value) <= MAX_LABEL_CHARS and value.isprintable()


def node_key(value: object) -> Hashable:
    """A dedupe key from an API id: strings and integers as themselves, anything else unique.

    A list or an object as an id must not end a walk with "unhashable type"; such a node is
    never a duplicate of another, and the parser then skips and counts it.
    """
    if type(value) is str:
        return value
    if type(value) is int:
        return str(value)
    return object()


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
