"""Time to resolve: how long root causes (and CauseFlow incidents) lasted, as histograms.

A unit (a Causely scope, the CauseFlow incident list) hands over its whole active set after
each successful collection. What was active before and is gone now has cleared: its age
(collection time minus its start) is observed under the severity it last had. Only a
successful collection of the same unit, under the same filter, can clear anything: a failed
unit keeps its previous set, a unit that leaves the plan is forgotten, a filter change starts
every unit over, and a restart starts from nothing.

Memory: per unit only the active set, as packed arrays (an 8-byte key, a 4-byte start in
whole Unix seconds, a severity byte: 13 bytes a defect). The key is the id's 64-bit hash; two
ids of one scope colliding (odds about 1e-9 at 100k) would at worst hide one clear. Whole
seconds are plenty for buckets that start at a minute.
"""

from __future__ import annotations

from array import array
from collections.abc import Collection, Mapping
from dataclasses import dataclass

# From a minute to a week.
BUCKETS: tuple[float, ...] = (
    60,
    300,
    900,
    1800,
    3600,
    7200,
    14400,
    28800,
    86400,
    172800,
    345600,
    604800,
)
UNKNOWN = "unknown"
NO_START = 0  # in `starts`: no fromTime / createdAt, so no duration to tell
MAX_START = 2**32 - 1


class ActiveSet:
    """Ids (hashed), start times and severities of one unit's active items."""

    __slots__ = ("_codes", "_names", "keys", "severities", "starts")

    def __init__(self, severities: tuple[str, ...]) -> None:
        self.keys = array("q")
        self.starts = array("I")  # unsigned 32-bit: whole seconds until 2106
        self.severities = bytearray()
        self._names = (*severities, UNKNOWN)
        self._codes = {name: code for code, name in enumerate(severities)}

    def add(self, item_id: str, start: float | None, severity: str) -> None:
        self.keys.append(hash(item_id))
        seconds = NO_START if start is None or not 0 < start < MAX_START else int(start)
        self.starts.append(seconds)
        self.severities.append(self._codes.get(severity, len(self._codes)))

    def severity(self, index: int) -> str:
        return self._names[self.severities[index]]

    def severity_names(self) -> set[str]:
        return {self._names[code] for code in set(self.severities)}

    def __len__(self) -> int:
        return len(self.keys)


@dataclass(frozen=True)
class HistogramValue:
    buckets: tuple[int, ...]  # cumulative, one per BUCKETS bound (+Inf is `count`)
    count: int
    sum: float


class _Histogram:
    __slots__ = ("counts", "sum", "total")

    def __init__(self) -> None:
        self.counts = [0] * len(BUCKETS)
        self.total = 0
        self.sum = 0.0

    def observe(self, seconds: float) -> None:
        for i, bound in enumerate(BUCKETS):
            if seconds <= bound:
                self.counts[i] += 1
        self.total += 1
        self.sum += seconds

    def value(self) -> HistogramValue:
        return HistogramValue(tuple(self.counts), self.total, self.sum)


class ResolveTracker:
    """Clears between successful collections of each unit, by (unit, severity)."""

    def __init__(self) -> None:
        self._previous: dict[str, ActiveSet] = {}
        self._filter: object = None
        self._histograms: dict[tuple[str, str], _Histogram] = {}

    def start_cycle(self, planned: Collection[str] | None, filter_key: object) -> None:
        """Forget units that left the plan (None: the plan failed, keep all) or all on a
        filter change; their histograms go with a unit that left, never on a filter change."""
        if filter_key != self._filter:
            self._previous.clear()
            self._filter = filter_key
        if planned is None:
            return
        for unit in set(self._previous) - set(planned):
            del self._previous[unit]
        for key in [k for k in self._histograms if k[0] not in planned]:
            del self._histograms[key]

    def update(self, unit: str, current: ActiveSet, now: float) -> int:
        """Observe what cleared since the unit's previous successful set; returns how many."""
        for severity in current.severity_names():
            self._histograms.setdefault((unit, severity), _Histogram())
        previous = self._previous.get(unit)
        self._previous[unit] = current
        if previous is None or not len(previous):
            return 0
        still = set(current.keys)
        cleared = 0
        starts = previous.starts
        for index, key in enumerate(previous.keys):
            if key in still:
                continue
            start = starts[index]
            if start == NO_START:
                continue
            severity = previous.severity(index)
            histogram = self._histograms.setdefault((unit, severity), _Histogram())
            histogram.observe(max(0.0, now - start))
            cleared += 1
        return cleared

    def tracked(self) -> int:
        return sum(len(s) for s in self._previous.values())

    def snapshot(self) -> Mapping[tuple[str, str], HistogramValue]:
        return {key: h.value() for key, h in self._histograms.items()}
