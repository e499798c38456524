"""What the collector keeps between cycles for each source, and zero retention of series.

Plain state with no I/O, apart from the loop that fills it and the cycle view that reads it,
so both sides agree on one definition of "up" and of a series kept at 0.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


@dataclass
class SourceState:
    """One source's units as last planned, their last good results and whether each is up."""

    units: list[str] = field(default_factory=list)
    last_good: dict[str, object] = field(default_factory=dict)
    unit_up: dict[str, bool] = field(default_factory=dict)
    planned: bool = False
    essential: bool = True  # False: its units do not decide the cycle's overall success


def source_up(state: SourceState) -> bool:
    """Up only when it planned and every planned unit brought fresh data this cycle."""
    return state.planned and all(state.unit_up.get(u, False) for u in state.units)


class ZeroRetention(Generic[K]):
    """Keeps a label set that dropped to none at 0 for `seconds`, then forgets it.

    A series that vanishes the moment its count reaches zero reads as "no data" to a rule;
    held at 0 for a while, `increase()` and alerts on it see the drop.
    """

    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        self._last_seen: dict[K, float] = {}

    def forget(self, gone: Callable[[K], bool]) -> None:
        """Drop the kept zeros of label sets that are gone on purpose (a scope a reload removed)."""
        for key in [k for k in self._last_seen if gone(k)]:
            del self._last_seen[key]

    def apply(self, counts: Mapping[K, int], now: float) -> dict[K, int]:
        rows = dict(counts)
        for key, count in counts.items():
            if count > 0:
                self._last_seen[key] = now
        for key, seen in list(self._last_seen.items()):
            if key in rows:
                continue
            if now - seen <= self._seconds:
                rows[key] = 0
            else:
                del self._last_seen[key]
        return rows
