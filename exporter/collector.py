"""The collection loop: runs the sources, keeps the last good result per unit, and swaps in
one immutable snapshot per cycle. /metrics reads the snapshot; it never calls an API.

Supervision: nothing a source, a parser or the renderer raises may end the loop. An
unexpected error fails only its unit (down, last good values kept), is counted by source and
reason, and is logged in one line (the traceback at debug). A failed render keeps the previous
snapshot in service and is counted. Each snapshot carries the instant after which /healthz
calls the collector stuck or dead, so a wedged process gets restarted.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Generic, TypeVar

from exporter.cardinality import fold
from exporter.config import Config
from exporter.http import ApiError, ApiStats, Stopped
from exporter.logs import quote
from exporter.metrics import BridgeStats, CauseFlowView, CauselyView, View, render
from exporter.metrics_health import PartsView, ResolveView
from exporter.resolve_times import ResolveTracker
from exporter.sources import SkipCounter, Source
from exporter.sources import causeflow as causeflow_source
from exporter.sources.causeflow import UNIT as INCIDENTS_UNIT
from exporter.sources.causeflow import IncidentResult, incident_bucket
from exporter.sources.causely import Defect, ScopeResult, fold_bucket
from exporter.sources.causely_health import HealthResult
from exporter.sources.causely_parts import HEALTH, split_unit
from exporter.sources.causely_slos import Slo, SloResult

log = logging.getLogger(__name__)
K = TypeVar("K", bound=Hashable)

# Beyond the cycle's own bound (interval + deadline): rendering, scheduling, a slow machine.
LIVENESS_MARGIN_SECONDS = 5.0
MAX_ERROR_REASONS = 20  # distinct exception types kept as labels; the rest count as "other"


def liveness_window(config: Config) -> float:
    """Longest normal gap between two finished cycles, plus a margin.

    A cycle ends within its deadline and the next one starts an interval after the last one
    started (or at once, when a cycle overran the interval).
    """
    collection = config.collection
    bound = max(collection.interval, collection.deadline) + collection.deadline
    return bound + max(LIVENESS_MARGIN_SECONDS, 0.1 * bound)


@dataclass(frozen=True)
class Snapshot:
    """What the server serves: bytes rendered once, and the facts readiness needs."""

    body: bytes
    gzip_body: bytes
    created_at: float
    # End of the last cycle in which at least one unit brought fresh data.
    data_time: float | None
    ok: bool
    # time.monotonic() past which no newer snapshot means the collector is stuck or dead.
    live_until: float = math.inf
    render_failed: bool = False  # the last cycle's render failed; these bytes are older


@dataclass
class SourceState:
    units: list[str] = field(default_factory=list)
    last_good: dict[str, object] = field(default_factory=dict)
    unit_up: dict[str, bool] = field(default_factory=dict)
    planned: bool = False
    essential: bool = True  # False: its units do not decide the cycle's overall success


class ZeroRetention(Generic[K]):
    """Keeps a label set that dropped to none at 0 for `seconds`, then forgets it."""

    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        self._last_seen: dict[K, float] = {}

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


def run_bounded(
    tasks: Sequence[tuple[K, Callable[[], object]]], workers: int
) -> dict[K, object | BaseException]:
    """Run tasks on at most `workers` threads; each result is a value or the exception raised.

    Daemon threads, not a ThreadPoolExecutor: a request stalled at shutdown must not hold the
    process open (the executor's workers are joined at interpreter exit).
    """
    pending = deque(tasks)
    results: dict[K, object | BaseException] = {}
    lock = threading.Lock()

    def work() -> None:
        while True:
            with lock:
                if not pending:
                    return
                key, task = pending.popleft()
            try:
                outcome: object | BaseException = task()
            except Exception as exc:
                outcome = exc
            with lock:
                results[key] = outcome

    threads = [
        threading.Thread(target=work, name=f"collect-{i}", daemon=True)
        for i in range(min(workers, len(tasks)))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


class Collector:
    def __init__(
        self,
        config: Config,
        sources: Sequence[Source],
        stats: ApiStats,
        stop: threading.Event,
    ) -> None:
        self._config = config
        self._sources = list(sources)
        self._stats = stats
        self._stop = stop
        self._state = {
            source.name: SourceState(essential=getattr(source, "essential", True))
            for source in self._sources
        }
        self._defect_clears: ResolveTracker | None = None
        self._incident_clears: ResolveTracker | None = None
        self._set_trackers(config)
        self._causely_zeros: ZeroRetention[tuple[str, str, str, str]] = ZeroRetention(
            config.collection.zero_retention
        )
        self._causeflow_zeros: ZeroRetention[tuple[str, str, str]] = ZeroRetention(
            config.collection.zero_retention
        )
        self._last_success: float | None = None
        self._data_time: float | None = None
        self._workers = config.causely.concurrency + (1 if config.causeflow.enabled else 0)
        self._errors: Counter[tuple[str, str]] = Counter()
        self._render_failures = 0
        self._retired_skips: Counter[tuple[str, str]] = Counter()  # of sources a reload replaced
        # Consumers of each cycle's view besides the metrics (the Alertmanager bridge), and
        # where their own counters come from. Called inside try/except: they cannot end the loop.
        self.view_hooks: list[Callable[[View], None]] = []
        self.extra_stats: Callable[[], BridgeStats] | None = None
        self._snapshot = Snapshot(b"", b"", time.time(), None, False, self._live_until())
        self._publish(time.time(), None, ok=False)
        self._pending: tuple[Config, list[Source]] | None = None
        self._pending_lock = threading.Lock()

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
        config, sources = pending
        if config.collection.zero_retention != self._config.collection.zero_retention:
            self._causely_zeros = ZeroRetention(config.collection.zero_retention)
            self._causeflow_zeros = ZeroRetention(config.collection.zero_retention)
        self._config = config
        # The new sources count from zero: what the old ones counted carries over.
        self._retired_skips = Counter(self._skipped_nodes())
        self._sources = sources
        self._state = {
            s.name: self._state.get(s.name) or SourceState(essential=getattr(s, "essential", True))
            for s in sources
        }
        self._set_trackers(config)
        self._workers = config.causely.concurrency + (1 if config.causeflow.enabled else 0)

    def _set_trackers(self, config: Config) -> None:
        """Time to resolve trackers as configured; one that stays on keeps its history (its
        filter key, checked every cycle, forgets what a severity filter change hid)."""
        causely = config.causely.enabled and config.causely.parts.time_to_resolve
        causeflow = config.causeflow.enabled and config.causeflow.time_to_resolve
        if not causely:
            self._defect_clears = None
        elif self._defect_clears is None:
            self._defect_clears = ResolveTracker()
        if not causeflow:
            self._incident_clears = None
        elif self._incident_clears is None:
            self._incident_clears = ResolveTracker()

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot  # a single reference read: atomic under the GIL

    def run(self) -> None:
        """Collect now, then every interval, until stop is set."""
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                self.collect_once()
            except Exception as exc:  # a bug outside any unit: count it, keep the loop
                self._unexpected("collector", "-", exc)
            interval = self._config.collection.interval  # a reload may have changed it
            self._stop.wait(max(0.0, started + interval - time.monotonic()))

    def collect_once(self) -> Snapshot:
        self._apply_pending()
        started = time.time()
        deadline = started + self._config.collection.deadline
        tasks: list[tuple[tuple[str, str], Callable[[], object]]] = []
        for source in self._sources:
            state = self._state[source.name]
            try:
                state.units = source.plan(deadline)
                state.planned = True
            except Exception as exc:
                state.planned = False
                self._log_failure(source.name, "-", exc)
            if not state.planned:
                continue
            for unit in state.units:
                tasks.append(((source.name, unit), partial(source.collect, unit, deadline)))
        results = run_bounded(tasks, self._workers)
        for (source_name, unit), outcome in results.items():
            state = self._state[source_name]
            state.unit_up[unit] = not isinstance(outcome, BaseException)
            if isinstance(outcome, BaseException):
                self._log_failure(source_name, unit, outcome)
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
        finished = time.time()
        self._track_clears(results, finished)
        ok = all(self._source_up(s) for s in self._state.values() if s.essential)
        if ok:
            self._last_success = finished
        if tasks and any(any(s.unit_up.values()) for s in self._state.values()):
            self._data_time = finished
        snapshot = self._publish(finished, finished - started, ok)
        log.info(
            "event=collection_done ok=%s duration_seconds=%.3f units_ok=%d units=%d",
            str(ok).lower(),
            finished - started,
            sum(sum(s.unit_up.values()) for s in self._state.values()),
            sum(len(s.unit_up) for s in self._state.values()),
        )
        return snapshot

    def _track_clears(self, results: Mapping[tuple[str, str], object], now: float) -> None:
        """Feed each successful unit's active set to its tracker (see resolve_times.py)."""
        defects, causely = self._defect_clears, self._state.get("causely")
        if defects is not None and causely is not None:
            planned = causely.units if causely.planned else None
            defects.start_cycle(planned, self._config.causely.severities)
            for (source_name, unit), outcome in results.items():
                active = outcome.active if isinstance(outcome, ScopeResult) else None
                if source_name == "causely" and active is not None:
                    defects.update(unit, active, now)
        incidents, causeflow = self._incident_clears, self._state.get("causeflow")
        if incidents is not None and causeflow is not None:
            flt = (self._config.causeflow.statuses, self._config.causeflow.severities)
            incidents.start_cycle([INCIDENTS_UNIT] if causeflow.planned else None, flt)
            outcome = results.get(("causeflow", INCIDENTS_UNIT))
            if isinstance(outcome, IncidentResult) and outcome.active is not None:
                incidents.update(INCIDENTS_UNIT, outcome.active, now)

    def _log_failure(self, source: str, unit: str, exc: BaseException) -> None:
        if isinstance(exc, Stopped):
            return
        if isinstance(exc, ApiError):
            if not exc.counted:  # raised outside an API call: a missing scope, a bad cursor
                self._stats.error(exc.operation, exc.error)
                exc.counted = True
            log.warning(
                "event=collect_failed source=%s unit=%s operation=%s error=%s msg=%s",
                source,
                quote(unit),
                exc.operation,
                quote(exc.error, 64),
                quote(exc.message, 300),
            )
            return
        # A bug, or an answer no parser expected: it must not blank the other units, and it
        # must be seen. One line a cycle; the traceback only at debug.
        self._unexpected(source, unit, exc)

    def _unexpected(self, source: str, unit: str, exc: BaseException) -> None:
        reason = type(exc).__name__
        if (source, reason) not in self._errors and len(self._errors) >= MAX_ERROR_REASONS:
            reason = "other"
        self._errors[(source, reason)] += 1
        log.error(
            "event=collect_error source=%s unit=%s reason=%s msg=%s",
            source,
            quote(unit),
            quote(reason),
            quote(str(exc), 300),
        )
        log.debug("event=collect_error_traceback source=%s", source, exc_info=exc)

    @staticmethod
    def _source_up(state: SourceState) -> bool:
        return state.planned and all(state.unit_up.get(u, False) for u in state.units)

    def _live_until(self) -> float:
        return time.monotonic() + liveness_window(self._config)

    def _publish(self, now: float, duration: float | None, ok: bool) -> Snapshot:
        """Render and swap in a new snapshot; on failure keep serving the previous bytes."""
        try:
            snapshot = self._build(now, duration, ok)
        except Exception as exc:
            self._render_failures += 1
            log.error(
                "event=render_failed reason=%s msg=%s", quote(type(exc).__name__), quote(str(exc))
            )
            log.debug("event=render_failed_traceback", exc_info=exc)
            # live_until stays: renders failing for the whole window make /healthz fail.
            snapshot = replace(self._snapshot, render_failed=True)
        self._snapshot = snapshot
        return snapshot

    def _skipped_nodes(self) -> dict[tuple[str, str], int]:
        totals = Counter(self._retired_skips)
        for source in self._sources:
            skips = getattr(source, "skips", None)
            if isinstance(skips, SkipCounter):
                totals.update(skips.snapshot())
        return dict(totals)

    def _build(self, now: float, duration: float | None, ok: bool) -> Snapshot:
        view = View(
            interval=self._config.collection.interval,
            stats=self._stats.snapshot(),
            causely=self._causely_view(now) if "causely" in self._state else None,
            causeflow=self._causeflow_view(now) if "causeflow" in self._state else None,
            last_success=self._last_success,
            duration=duration,
            parts=self._parts_view() if "causely_parts" in self._state else None,
            resolve=self._resolve_view(),
            collection_errors=dict(self._errors),
            render_failures=self._render_failures,
            skipped_nodes=self._skipped_nodes(),
        )
        view = self._hand_over(view)
        exposition = render(view)
        return Snapshot(
            exposition.body, exposition.gzip_body, now, self._data_time, ok, self._live_until()
        )

    def _hand_over(self, view: View) -> View:
        for hook in self.view_hooks:
            try:
                hook(view)
            except Exception as exc:
                log.error("event=view_hook_failed hook=%s error=%r", hook, exc)
        if self.extra_stats is not None:
            try:
                view = replace(view, bridge=self.extra_stats())
            except Exception as exc:
                log.error("event=view_hook_failed hook=stats error=%r", exc)
        return view

    def _causely_view(self, now: float) -> CauselyView:
        state = self._state["causely"]
        results = [r for r in state.last_good.values() if isinstance(r, ScopeResult)]
        active: dict[tuple[str, str, str, str], int] = {}
        defects: dict[str, tuple[Defect, ...]] = {}
        dropped: dict[str, int] = {}
        folded: dict[str, int] = {}
        alertable: dict[str, tuple[Defect, ...]] = {}
        alert_dropped: dict[str, int] = {}
        for result in results:
            alertable[result.scope] = result.alertable
            alert_dropped[result.scope] = result.alert_dropped
            for (severity, entity_type, name), count in result.counts.items():
                active[(result.scope, severity, entity_type, name)] = count
            defects[result.scope] = result.defects
            dropped[result.scope] = result.dropped
            folded[result.scope] = result.folded
        rows = self._causely_zeros.apply(active, now)
        return CauselyView(
            up=self._source_up(state),
            scope_up=dict(state.unit_up),
            active=self._cap_per_scope(rows, folded),
            defects=defects,
            dropped=dropped,
            folded=folded,
            entity_labels=tuple(label for _, label in self._config.causely.entity_labels),
            alertable=alertable,
            alert_dropped=alert_dropped,
        )

    def _cap_per_scope(
        self, rows: Mapping[tuple[str, str, str, str], int], folded: dict[str, int]
    ) -> dict[tuple[str, str, str, str], int]:
        """The sources fold what they count; zeros kept by retention are capped here."""
        cap = self._config.causely.max_active_series
        by_scope: dict[str, dict[tuple[str, str, str], int]] = {}
        for (scope, *labels), count in rows.items():
            by_scope.setdefault(scope, {})[(labels[0], labels[1], labels[2])] = count
        capped: dict[tuple[str, str, str, str], int] = {}
        for scope, counts in by_scope.items():
            if len(counts) > cap:
                folded[scope] = folded.get(scope, 0) + fold(counts, cap, fold_bucket)
            for (severity, entity_type, name), count in counts.items():
                capped[(scope, severity, entity_type, name)] = count
        return capped

    def _causeflow_view(self, now: float) -> CauseFlowView:
        state = self._state["causeflow"]
        result = next((r for r in state.last_good.values() if isinstance(r, IncidentResult)), None)
        counts: Mapping[tuple[str, str, str], int] = result.counts if result else {}
        rows = dict(self._causeflow_zeros.apply(counts, now))
        folded = result.folded if result is not None else 0
        folded += fold(rows, causeflow_source.MAX_INCIDENT_COMBINATIONS, incident_bucket)
        return CauseFlowView(
            up=self._source_up(state),
            incidents=rows,
            folded=folded,
            info=result.incidents if result is not None else (),
            dropped=result.dropped if result is not None else 0,
            alertable=result.alertable if result is not None else (),
            alert_dropped=result.alert_dropped if result is not None else 0,
        )

    def _parts_view(self) -> PartsView:
        state = self._state["causely_parts"]
        health_up: dict[str, bool] = {}
        slos_up: dict[str, bool] = {}
        for unit, ok in state.unit_up.items():
            part, scope = split_unit(unit)
            (health_up if part == HEALTH else slos_up)[scope] = ok
        entities: dict[tuple[str, str, str], int] = {}
        slo_counts: dict[tuple[str, str], int] = {}
        slos: dict[str, tuple[Slo, ...]] = {}
        dropped: dict[str, int] = {}
        for result in state.last_good.values():
            if isinstance(result, HealthResult):
                for (entity_type, severity), count in result.counts.items():
                    entities[(result.scope, entity_type, severity)] = count
            elif isinstance(result, SloResult):
                for slo_state, count in result.counts.items():
                    slo_counts[(result.scope, slo_state)] = count
                slos[result.scope] = result.slos
                dropped[result.scope] = result.dropped
        parts = self._config.causely.parts
        return PartsView(
            parts.health, parts.slos, health_up, slos_up, entities, slo_counts, slos, dropped
        )

    def _resolve_view(self) -> ResolveView | None:
        if self._defect_clears is None and self._incident_clears is None:
            return None
        defects = self._defect_clears.snapshot() if self._defect_clears else None
        incidents = None
        if self._incident_clears is not None:
            incidents = {sev: v for (_, sev), v in self._incident_clears.snapshot().items()}
        return ResolveView(defects, incidents)
