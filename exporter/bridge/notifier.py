"""The bridge as the collector sees it: a hook for each cycle's view, plus its counters."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from exporter.bridge.alerts import KEPT_ALERTNAMES, build_alerts
from exporter.bridge.held import held_bytes_limit
from exporter.bridge.inhibitors import inhibitor_batch
from exporter.bridge.sender import AlertmanagerTarget, SendStats
from exporter.bridge.state import AlertState
from exporter.config.alertmanager import AlertmanagerConfig
from exporter.config.model import HttpConfig
from exporter.view import BridgeStats, View

log = logging.getLogger(__name__)

MIN_RESOLVED_KEPT = 1024


class Notifier:
    """Turns views into alerts and hands what is due to every Alertmanager.

    `consume` runs on the collector's thread and never blocks on the network. Every send
    follows a collection (state.py says why): a resend interval shorter than the collection
    interval resends once per cycle.
    """

    def __init__(
        self,
        config: AlertmanagerConfig,
        http: HttpConfig,
        collection_interval: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._config = config
        self._clock = clock
        valid_for = keep_firing_for(config, collection_interval)
        self._state = AlertState(
            config.resend_interval,
            valid_for,
            max(MIN_RESOLVED_KEPT, 4 * config.max_alerts),
            slack=min(config.resend_interval, collection_interval) / 2,
        )
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._enqueue_lock = threading.Lock()
        self._stats = SendStats()
        self._dropped = 0
        renew = renew_within(valid_for, max(config.resend_interval, collection_interval))
        self._targets = [
            AlertmanagerTarget(
                url,
                config,
                http,
                self._stats,
                self._stop,
                renew_within=renew,
                alertnames=KEPT_ALERTNAMES,
                held_limit=held_bytes_limit(config.max_alerts),
            )
            for url in config.urls
        ]

    def start(self) -> None:
        for target in self._targets:
            target.start()
        log.info(
            "event=bridge_started alertmanagers=%s resend_interval=%.0fs",
            ",".join(t.label for t in self._targets),
            self._config.resend_interval,
        )

    def stop(self, timeout: float = 2.0) -> None:
        """Stop, sending what is queued once more to every Alertmanager (within timeout)."""
        with self._enqueue_lock:  # a cycle's alerts reach every Alertmanager's queue or none
            self._stop.set()
        for target in self._targets:
            target.wake()
        deadline = time.monotonic() + timeout
        for target in self._targets:
            target.join(max(0.0, deadline - time.monotonic()))

    def consume(self, view: View) -> None:
        batch = build_alerts(view, self._config)
        inhibitors = inhibitor_batch(view, self._config)
        with self._lock:
            now = self._clock()
            self._state.update({**batch.alerts, **inhibitors.alerts}, now, batch.fresh)
            due = self._state.due(now)
            extensions = self._state.extensions(now)
            self._dropped += batch.dropped + inhibitors.dropped
        if batch.dropped:
            log.warning(
                "event=alerts_dropped dropped=%d cap=%d", batch.dropped, self._config.max_alerts
            )
        if inhibitors.dropped:
            log.warning(
                "event=inhibitors_dropped dropped=%d cap=%d",
                inhibitors.dropped,
                self._config.inhibitors.max_alerts,
            )
        if due or extensions:
            with self._enqueue_lock:
                if self._stop.is_set():
                    return
                for target in self._targets:
                    target.enqueue(due, extensions)

    def stats(self) -> BridgeStats:
        with self._lock:
            firing, held, dropped = self._state.firing, self._state.held, self._dropped
        return self._stats.snapshot(firing, held, dropped)


def keep_firing_for(config: AlertmanagerConfig, collection_interval: float) -> float:
    """How far ahead a firing alert's endsAt is set: how long it outlives the last fresh data.

    By default Prometheus' own 4 x max(resend, interval): three lost collections or sends
    in a row do not resolve a root cause, and alerts of exporters that all died expire within
    minutes. alertmanager.keep_firing_for trades one against the other.
    """
    return config.keep_firing_for or 4 * max(config.resend_interval, collection_interval)


def renew_within(valid_for: float, period: float) -> float:
    """How close to its endsAt an Alertmanager's copy must be for a stale replica to extend it.

    A replica with fresh data resends every `period` (max of resend and collection interval)
    with endsAt `valid_for` ahead, so its copy never gets closer than valid_for - period:
    extending only below valid_for - 1.5 x period leaves that copy (and its fresh
    annotations) alone, and a stale replica alone extends every other period, its copy never
    closer than valid_for - 2 x period. Below 3 periods there is no such room: extend always.
    """
    if valid_for >= 3 * period:
        return valid_for - 1.5 * period
    return valid_for
