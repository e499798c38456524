"""The collector's time to resolve: one tracker per source that tracks it (resolve_times.py),
fed each successful unit's active set at the end of every cycle."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from exporter.collect.unit_state import SourceState
from exporter.resolve_times import ResolveTracker
from exporter.sources.base import Section, Source


class ResolveTrackers:
    """A time to resolve tracker per source whose `resolve_filter` is not None."""

    def __init__(self, sources: Sequence[Source]) -> None:
        self._sources: list[Source] = []
        self._trackers: dict[str, ResolveTracker] = {}  # source -> its time to resolve
        self.follow(sources)

    def follow(self, sources: Sequence[Source]) -> None:
        """Track these sources from now on (a reload): one that stays on keeps its history
        (its filter, checked every cycle, forgets what a filter change hid)."""
        self._sources = list(sources)
        self._trackers = {
            s.name: self._trackers.get(s.name) or ResolveTracker()
            for s in self._sources
            if s.resolve_filter() is not None
        }

    def get(self, source_name: str) -> ResolveTracker | None:
        return self._trackers.get(source_name)

    def by_section(self) -> dict[Section, ResolveTracker]:
        """Each tracker under the section of the view its source makes."""
        return {
            s.section: self._trackers[s.name] for s in self._sources if s.name in self._trackers
        }

    def track(
        self,
        states: Mapping[str, SourceState],
        results: Mapping[tuple[str, str], object],
        now: float,
    ) -> None:
        """Feed each successful unit's active set to its tracker (see resolve_times.py)."""
        for source in self._sources:
            tracker, state = self._trackers.get(source.name), states[source.name]
            if tracker is None:
                continue
            tracker.start_cycle(state.units if state.planned else None, source.resolve_filter())
            for unit in state.units if state.planned else ():
                outcome = results.get((source.name, unit))
                if outcome is None or isinstance(outcome, BaseException):
                    continue
                active = source.active(outcome)
                if active is not None:
                    tracker.update(unit, active, now)
