"""The collection loop: runs the sources, keeps the last good result per unit, and swaps in
one immutable snapshot per cycle. /metrics reads the snapshot; it never calls an API.

Supervision: nothing a source, a parser or the renderer raises may end the loop. An
unexpected error fails only its unit (down, last good values kept), is counted by source and
reason, and is logged in one line (the traceback at debug): see supervision.py. A failed
render keeps the previous snapshot in service and is counted (publisher.py). Each snapshot
carries the instant after which /healthz calls the collector stuck or dead, so a wedged
process gets restarted. The view each cycle renders is built by cycle_view.py from the state
in unit_state.py; the time to resolve is tracked by resolve_trackers.py.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from functools import partial

from exporter.client.stats import ApiStats
from exporter.collect.cycle_view import CycleViews
from exporter.collect.publisher import Bridge, SnapshotPublisher
from exporter.collect.resolve_trackers import ResolveTrackers
from exporter.collect.snapshot import Render, Snapshot
from exporter.collect.supervision import FailureLog, run_bounded
from exporter.collect.unit_state import SourceState, source_up
from exporter.config.model import Config
from exporter.sources.base import Source
from exporter.view import ReloadState, View

log = logging.getLogger("exporter.collector")  # pinned: log lines keep their name

# Beyond the cycle's own bound (interval + deadline): rendering, scheduling, a slow machine.
LIVENESS_MARGIN_SECONDS = 5.0
# Scopes walked at a time per request slot of the Causely API (see worker_count): two keep
# every slot busy on the 2-core bench (bench/RESULTS.md); each walk in progress holds its
# tallies and one page, so more would cost memory for no time.
WALKS_PER_SLOT = 2
MAX_WORKERS = 64  # threads a cycle starts, whatever causely.concurrency says


def liveness_window(config: Config) -> float:
    """Longest normal gap between two finished cycles, plus a margin.

    A cycle ends within its deadline and the next one starts an interval after the last one
    started (or at once, when a cycle overran the interval).
    """
    collection = config.collection
    bound = max(collection.interval, collection.deadline) + collection.deadline
    return bound + max(LIVENESS_MARGIN_SECONDS, 0.1 * bound)


def worker_count(config: Config) -> int:
    """Threads running the units of a cycle.

    More scopes are walked at once than requests may be out (causely.concurrency, held by
    the API client): a walk spends most of its time waiting for an answer, and scopes that
    take turns on the request slots end together, where a fixed set of `concurrency` walks
    leaves slots idle while the last scopes run alone.
    """
    walks = config.causely.concurrency * WALKS_PER_SLOT
    return min(MAX_WORKERS, walks) + (1 if config.causeflow.enabled else 0)


def planning_order(sources: Sequence[Source]) -> list[Source]:
    """The sources in the order given, except that each comes after those it is planned after.

    Planned in this order, and their units queued in it: a source's plan may read the plan of
    one it names in `after` (the health and SLO units take the defects' scope list).
    """
    names = {s.name for s in sources}
    for source in sources:
        if not set(source.after) <= names:
            raise ValueError(f"source {source.name} needs {sorted(set(source.after) - names)}")
    ordered: list[Source] = []
    pending = list(sources)
    while pending:
        placed = {s.name for s in ordered}
        ready = next((s for s in pending if set(s.after) <= placed), None)
        if ready is None:
            raise ValueError(f"sources planned after each other: {[s.name for s in pending]}")
        pending.remove(ready)
        ordered.append(ready)
    return ordered


class Collector:
    """The loop and what it keeps between cycles: per-unit state, clears, the snapshot.

    One thread runs it; the server only reads `snapshot`, a single reference swapped in whole.
    """

    def __init__(
        self,
        config: Config,
        sources: Sequence[Source],
        stats: ApiStats,
        stop: threading.Event,
        render: Render,
        *,
        bridge: Bridge | None = None,
        reload_state: ReloadState | None = None,
    ) -> None:
        """`bridge` consumes each cycle's view; `reload_state` is rendered with each view (the
        running exporter passes both; `--once` and most tests neither)."""
        self._config = config
        self._sources = planning_order(sources)
        self._stats = stats
        self._stop = stop
        self._state = {s.name: SourceState(essential=s.essential) for s in self._sources}
        self._clears = ResolveTrackers(self._sources)
        self._views = CycleViews(config.collection.zero_retention)
        self._last_success: float | None = None
        self._data_time: float | None = None
        self._workers = worker_count(config)
        self._failures = FailureLog(log)
        self._retired_skips: Counter[tuple[str, str]] = Counter()  # of sources a reload replaced
        self._publisher = SnapshotPublisher(
            render, self._live_until, bridge=bridge, reload_state=reload_state
        )
        self._publish(time.time(), None, ok=False, cycle=False)
        self._pending: tuple[Config, list[Source]] | None = None
        self._pending_lock = threading.Lock()
        self._reload_plans: dict[str, set[str]] = {}  # source -> units planned before a reload

    def reconfigure(self, config: Config, sources: Sequence[Source]) -> None:
        """Use this config and these sources from the next cycle on (a reload, SIGHUP).

        A source of the same name keeps its last good data, so a reload blanks nothing.
        """
        with self._pending_lock:
            self._pending = (config, list(sources))

    def _apply_pending(self) -> None:
        with self._pending_lock:
            pending, self._pending = self._pending, None
        if pending is None:
            return
        config, sources = pending[0], planning_order(pending[1])
        # What each source planned before the reload: a scope missing from its next plan was
        # removed on purpose, and leaves without the zero retention (see _forget_removed).
        for name, state in self._state.items():
            if state.planned:
                self._reload_plans.setdefault(name, set(state.units))
        self._views.set_retention(config.collection.zero_retention)
        self._config = config
        # The new sources count from zero: what the old ones counted carries over.
        self._retired_skips = Counter(self._skipped_nodes())
        self._sources = sources
        self._state = {
            s.name: self._state.get(s.name) or SourceState(essential=s.essential) for s in sources
        }
        self._clears.follow(sources)
        self._workers = worker_count(config)

    @property
    def snapshot(self) -> Snapshot:
        return self._publisher.snapshot

    def run(self) -> None:
        """Collect now, then every interval, until stop is set."""
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                self.collect_once()
            except Exception as exc:  # a bug outside any unit: count it, keep the loop
                self._failures.unexpected("collector", "-", exc)
            interval = self._config.collection.interval  # a reload may have changed it
            self._stop.wait(max(0.0, started + interval - time.monotonic()))

    def collect_once(self) -> Snapshot:
        self._apply_pending()
        started = time.time()
        deadline = started + self._config.collection.deadline
        tasks = self._plan(deadline)
        results = run_bounded(tasks, self._workers)
        self._record(results)
        self._forget_removed()
        finished = time.time()
        self._clears.track(self._state, results, finished)
        ok = all(source_up(s) for s in self._state.values() if s.essential)
        if ok:
            self._last_success = finished
        if tasks and any(any(s.unit_up.values()) for s in self._state.values()):
            self._data_time = finished
        snapshot = self._publish(finished, finished - started, ok, cycle=True)
        log.info(
            "event=collection_done ok=%s duration_seconds=%.3f units_ok=%d units=%d",
            str(ok).lower(),
            finished - started,
            sum(sum(s.unit_up.values()) for s in self._state.values()),
            sum(len(s.unit_up) for s in self._state.values()),
        )
        return snapshot

    def _plan(self, deadline: float) -> list[tuple[tuple[str, str], Callable[[], object]]]:
        """Each source's units of this cycle, in declared order; a source whose `after` could
        not plan is not tried (logged once, FailureLog)."""
        tasks: list[tuple[tuple[str, str], Callable[[], object]]] = []
        unplanned: list[str] = []
        for source in self._sources:
            state = self._state[source.name]
            waits_on = [name for name in source.after if name in unplanned]
            try:
                if waits_on:
                    state.planned = False
                    self._failures.skipped(source.name, waits_on)
                else:
                    state.units = source.plan(deadline)
                    state.planned = True
                    self._failures.planned(source.name)
            except Exception as exc:
                state.planned = False
                self._failures.failure(source.name, "-", exc)
            if not state.planned:
                unplanned.append(source.name)
                continue
            for unit in state.units:
                tasks.append(((source.name, unit), partial(source.collect, unit, deadline)))
        return tasks

    def _record(self, results: Mapping[tuple[str, str], object]) -> None:
        """Keep each unit's outcome: a success as its last good result, a failure logged."""
        for (source_name, unit), outcome in results.items():
            state = self._state[source_name]
            state.unit_up[unit] = not isinstance(outcome, BaseException)
            if isinstance(outcome, BaseException):
                self._failures.failure(source_name, unit, outcome)
            else:
                state.last_good[unit] = outcome
        for state in self._state.values():
            if state.planned:
                # A unit that left the plan (a deleted scope) leaves with its values.
                for gone in set(state.last_good) - set(state.units):
                    del state.last_good[gone]
                state.unit_up = {u: state.unit_up.get(u, False) for u in state.units}
            else:
                state.unit_up = dict.fromkeys(state.unit_up, False)

    def _forget_removed(self) -> None:
        """After a reload, each source's first plan that succeeds says which units it removed."""
        for source in self._sources:
            state, before = self._state[source.name], self._reload_plans.get(source.name)
            if before is not None and state.planned:
                self._views.forget_units(source.section, before - set(state.units))
                del self._reload_plans[source.name]
        for name in set(self._reload_plans) - set(self._state):
            del self._reload_plans[name]  # a source the reload removed

    def _live_until(self) -> float:
        return time.monotonic() + liveness_window(self._config)

    def use_bridge(self, bridge: Bridge | None) -> None:
        """Hand the views from now on to this bridge (a reload replaced it)."""
        self._publisher.use_bridge(bridge)

    def republish(self, reload_state: ReloadState) -> None:
        """Render the last view again with this reload state (after a SIGHUP)."""
        self._publisher.republish(reload_state)

    def _publish(self, now: float, duration: float | None, ok: bool, cycle: bool) -> Snapshot:
        view_of = partial(self._view, now, duration)
        return self._publisher.publish(
            view_of, now=now, data_time=self._data_time, ok=ok, cycle=cycle
        )

    def _skipped_nodes(self) -> dict[tuple[str, str], int]:
        totals = Counter(self._retired_skips)
        for source in self._sources:
            totals.update(source.skips.snapshot())
        return dict(totals)

    def _view(self, now: float, duration: float | None) -> View:
        """The view of the state; the publisher adds the render failures, the reload state
        and, for a cycle, the bridge's counters."""
        sections = self._views.sections(
            {s.section: self._state[s.name] for s in self._sources},
            self._clears.by_section(),
            self._config,
            now,
        )
        return View(
            interval=self._config.collection.interval,
            stats=self._stats.snapshot(),
            causely=sections.causely,
            causeflow=sections.causeflow,
            last_success=self._last_success,
            duration=duration,
            health_and_slos=sections.health_and_slos,
            resolve=sections.resolve,
            collection_errors=self._failures.counts(),
            skipped_nodes=self._skipped_nodes(),
        )
