"""Series caps: label combinations beyond a cap fold into a reserved bucket, sums stay exact.

A hostile or buggy API can send a million distinct defect names; each would be a series.
Past the cap the least populous combinations are merged into a bucket key (for defects: the
same severity, entity type and name `__other__`), so every count still lands in some series
and a sum over the kept labels is exact. How many combinations were folded is exported.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, MutableMapping
from typing import Generic, TypeVar

OTHER = "__other__"
# Fold while counting once the counts pass this many times the cap, so a million distinct
# names never sit in memory at once.
COMPACT_FACTOR = 4
K = TypeVar("K", bound=Hashable)


def fold(counts: MutableMapping[K, int], cap: int, bucket: Callable[[K], K]) -> int:
    """Fold `counts` in place to at most `cap` keys; the number of non-zero keys folded.

    The most populous keys stay (ties broken by key, so the choice is stable across cycles);
    each bucket key takes one of the `cap` places.
    """
    if len(counts) <= cap:
        return 0
    buckets = {bucket(key) for key in counts}
    keep = max(0, cap - len(buckets))
    kept = {
        key
        for key, _ in heapq.nsmallest(keep, counts.items(), key=lambda item: (-item[1], item[0]))
    }
    folded = 0
    moved: dict[K, int] = {}
    for key in [key for key in counts if key not in kept]:
        count = counts.pop(key)
        target = bucket(key)
        moved[target] = moved.get(target, 0) + count
        folded += 1 if count else 0
    for target, count in moved.items():
        counts[target] = counts.get(target, 0) + count
    return folded


class FoldingCounter(Generic[K]):
    """Counts label combinations as they stream past, folding beyond `cap` as it goes."""

    __slots__ = ("_bucket", "_cap", "_high_water", "counts", "folded")

    def __init__(self, cap: int, bucket: Callable[[K], K]) -> None:
        self.counts: Counter[K] = Counter()
        self.folded = 0
        self._cap = cap
        self._bucket = bucket
        self._high_water = COMPACT_FACTOR * cap

    def add(self, key: K) -> None:
        counts = self.counts
        counts[key] += 1
        if len(counts) > self._high_water:
            self.folded += fold(counts, self._cap, self._bucket)

    def add_all(self, keys: Iterable[K]) -> None:
        """Count each key (a page's worth), folding once after them, not after each."""
        counts = self.counts
        count_of = counts.get  # dict.get: Counter's += would call __missing__ per new key
        for key in keys:
            counts[key] = count_of(key, 0) + 1
        if len(counts) > self._high_water:
            self.folded += fold(counts, self._cap, self._bucket)

    def finish(self) -> tuple[dict[K, int], int]:
        """The counts folded to the cap, and how many combinations were folded in all."""
        self.folded += fold(self.counts, self._cap, self._bucket)
        return dict(self.counts), self.folded
