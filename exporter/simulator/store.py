"""Indexed defect storage: pages cost O(page + buckets), never a scan of every defect."""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from .data import SimDefect
from .health import EntityIndex

# (namespace, severity, active) -> ids in ascending order; the id order is the page order.
BucketKey = tuple[str, str, bool]


@dataclass(frozen=True)
class DefectQuery:
    namespaces: frozenset[str]
    severities: frozenset[str] | None  # None: every severity
    states: tuple[bool, ...]  # which values of `active` to include
    # Optional slow-path filter for rarely used DefectFilter fields (defectNames, entityTypes...).
    extra: Callable[[SimDefect], bool] | None = None


@dataclass
class DefectPage:
    defects: list[SimDefect]
    total: int
    has_next: bool


class DefectStore:
    """Not thread-safe on its own; World serialises access."""

    def __init__(self) -> None:
        self._by_id: dict[str, SimDefect] = {}
        self._buckets: dict[BucketKey, list[str]] = {}
        self.entities = EntityIndex(lambda: self._by_id.values())

    def load(self, defects: Iterable[SimDefect]) -> None:
        defects = list(defects)
        for defect in defects:
            self._by_id[defect.id] = defect
            self._bucket(defect).append(defect.id)
        self.entities.load(defects)
        for ids in self._buckets.values():
            ids.sort()

    def __len__(self) -> int:
        return len(self._by_id)

    def get(self, defect_id: str) -> SimDefect | None:
        return self._by_id.get(defect_id)

    def all(self) -> Iterable[SimDefect]:
        return self._by_id.values()

    def namespaces(self) -> set[str]:
        return {key[0] for key in self._buckets}

    def add(self, defect: SimDefect) -> None:
        if defect.id in self._by_id:
            raise ValueError(f"duplicate defect id {defect.id}")
        self._by_id[defect.id] = defect
        bisect.insort(self._bucket(defect), defect.id)
        self.entities.change(defect, 1 if defect.active else 0)

    def clear(self, defect_id: str, when: float, remediated: bool = False) -> SimDefect:
        defect = self._by_id[defect_id]
        if not defect.active:
            return defect
        ids = self._bucket(defect)
        del ids[bisect.bisect_left(ids, defect_id)]
        defect.to_time = when
        defect.remediated = remediated
        self.entities.change(defect, -1)
        bisect.insort(self._bucket(defect), defect_id)
        return defect

    def random_active(self, pick: Callable[[int], int], count: int) -> list[str]:
        """Up to `count` distinct active ids; pick(n) returns a random index below n."""
        buckets = [ids for key, ids in self._buckets.items() if key[2] and ids]
        chosen: set[str] = set()
        for _ in range(count * 4):
            if not buckets or len(chosen) >= count:
                break
            ids = buckets[pick(len(buckets))]
            chosen.add(ids[pick(len(ids))])
        return sorted(chosen)

    def page(self, query: DefectQuery, after_id: str | None, first: int) -> DefectPage:
        lists = self._lists(query)
        merged = self._merged_after(lists, after_id)
        total = sum(len(ids) for ids in lists)
        if query.extra is not None:
            keep = query.extra
            merged = (d for d in merged if keep(d))
            total = sum(1 for ids in lists for i in ids if keep(self._by_id[i]))
        page: list[SimDefect] = []
        has_next = False
        for defect in merged:
            if len(page) == first:
                has_next = True
                break
            page.append(defect)
        return DefectPage(defects=page, total=total, has_next=has_next)

    def _bucket(self, defect: SimDefect) -> list[str]:
        key = (defect.namespace, defect.severity, defect.active)
        return self._buckets.setdefault(key, [])

    def _lists(self, query: DefectQuery) -> list[list[str]]:
        result = []
        for (namespace, severity, active), ids in self._buckets.items():
            if not ids or active not in query.states or namespace not in query.namespaces:
                continue
            if query.severities is None or severity in query.severities:
                result.append(ids)
        return result

    def _merged_after(self, lists: list[list[str]], after_id: str | None) -> Iterator[SimDefect]:
        def tail(ids: list[str]) -> Iterator[str]:
            start = 0 if after_id is None else bisect.bisect_right(ids, after_id)
            # Index-based generator: slicing would copy the whole remainder of each bucket.
            return (ids[i] for i in range(start, len(ids)))

        by_id = self._by_id
        return (by_id[i] for i in heapq.merge(*(tail(ids) for ids in lists)))
