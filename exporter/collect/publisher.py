"""Publishing: each view rendered into the snapshot the server serves, swapped in whole.

A cycle's view goes to the bridge before it is rendered; the bridge's counters, the render
failures and the reload state join what is rendered. A failed render keeps the previous bytes
in service and is counted; nothing the renderer or the bridge raises gets past `publish`. After
a reload, `republish` renders the last view again with the new reload state.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Protocol

from exporter.collect.snapshot import FixedBytes, Render, Snapshot, with_exposition
from exporter.logs import quote
from exporter.view import BridgeStats, ReloadState, View

# The collector's logger: render and bridge failures are the loop's events, and log lines keep
# the name they always had.
log = logging.getLogger("exporter.collector")  # pinned: log lines keep their name


class Bridge(Protocol):
    """What consumes each cycle's view besides the metrics: the Alertmanager bridge."""

    def consume(self, view: View) -> None: ...

    def stats(self) -> BridgeStats: ...


class SnapshotPublisher:
    """Renders views and swaps in the snapshot; keeps what it adds to every view it renders.

    The collector's thread publishes; the main thread republishes after a reload (one lock
    for both); the server only reads `snapshot`, a single reference swapped in whole.
    """

    def __init__(
        self,
        render: Render,
        live_until: Callable[[], float],
        *,
        bridge: Bridge | None = None,
        reload_state: ReloadState | None = None,
    ) -> None:
        """`live_until` gives the instant past which the snapshot rendered now is stale (the
        collector's liveness window, which a reload may change)."""
        self._render = render
        self._live_until = live_until
        self._bridge = bridge
        self._reload_state = reload_state
        self._render_failures = 0
        self._last_view: View | None = None
        self._lock = threading.Lock()  # the loop's publish, or a republish after a reload
        self._snapshot = Snapshot(FixedBytes(), time.time(), None, False, live_until())

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot  # a single reference read: atomic under the GIL

    def use_bridge(self, bridge: Bridge | None) -> None:
        """Hand the views from now on to this bridge (a reload replaced it): one reference
        swap, so a cycle on the collector's thread feeds the old bridge or the new."""
        self._bridge = bridge

    def publish(
        self,
        view_of: Callable[[], View],
        *,
        now: float,
        data_time: float | None,
        ok: bool,
        cycle: bool,
    ) -> Snapshot:
        """Render and swap in a new snapshot; on failure keep serving the previous bytes.

        `view_of` builds the collector's view of its state, inside the same guard as the
        render: whatever fails there is a failed render too.
        """
        with self._lock:
            try:
                snapshot = self._build(view_of, now, data_time, ok, cycle)
            except Exception as exc:
                self._log_render_failure(exc)
                # live_until stays: renders failing for the whole window make /healthz fail.
                snapshot = replace(self._snapshot, render_failed=True)
            self._snapshot = snapshot
            return snapshot

    def republish(self, reload_state: ReloadState) -> None:
        """Render the last view again with this reload state (after a SIGHUP), so the reload
        gauges change at once; the data and the readiness facts stay the cycle's."""
        with self._lock:
            self._reload_state = reload_state
            view = self._last_view
            if view is None:
                return
            try:
                view = replace(view, reload=reload_state)
                exposition = self._render(view)
            except Exception as exc:
                self._log_render_failure(exc)
                return
            self._last_view = view
            self._snapshot = with_exposition(self._snapshot, exposition)

    def _log_render_failure(self, exc: Exception) -> None:
        self._render_failures += 1
        log.error(
            "event=render_failed reason=%s msg=%s", quote(type(exc).__name__), quote(str(exc))
        )
        log.debug("event=render_failed_traceback", exc_info=exc)

    def _build(
        self,
        view_of: Callable[[], View],
        now: float,
        data_time: float | None,
        ok: bool,
        cycle: bool,
    ) -> Snapshot:
        """Render a view of the state; a cycle's view goes to the bridge first.

        The bridge consumes the data only; its counters are added to what is rendered after.
        The view of no cycle (before the first) is not the bridge's to see.
        """
        view = replace(view_of(), render_failures=self._render_failures, reload=self._reload_state)
        bridge = self._bridge
        if cycle and bridge is not None:
            view = self._through_bridge(bridge, view)
        exposition = self._render(view)
        self._last_view = view
        return Snapshot(exposition, now, data_time, ok, self._live_until())

    def _through_bridge(self, bridge: Bridge, view: View) -> View:
        """The bridge consumes the view; its counters join what is rendered. Neither may
        end the loop."""
        try:
            bridge.consume(view)
        except Exception as exc:
            log.error("event=view_hook_failed hook=%s error=%r", bridge.consume, exc)
        try:
            return replace(view, bridge=bridge.stats())
        except Exception as exc:
            log.error("event=view_hook_failed hook=stats error=%r", exc)
            return view
