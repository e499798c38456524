"""The bridge as the collector sees it: a hook for each cycle's view, plus its counters."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from exporter.bridge.alerts import build_alerts
from exporter.bridge.sender import AlertmanagerTarget, SendStats
from exporter.bridge.state import AlertState
from exporter.config.alertmanager import AlertmanagerConfig
from exporter.config.model import HttpConfig
from exporter.view import BridgeStats, View

log = logging.getLogger(__name__)

MIN_RESOLVED_KEPT = 1024


class Notifier:
    """Turns views into alerts and hands what is due to every Alertmanager.

    `consume` runs on the collector's thread and never blocks on the network; a ticker
    thread re-sends between cycles when the resend interval is shorter than the interval.
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
        valid_for = 4 * max(config.resend_interval, collection_interval)
        self._state = AlertState(
            config.resend_interval, valid_for, max(MIN_RESOLVED_KEPT, 4 * config.max_alerts)
        )
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._stats = SendStats()
        self._dropped = 0
        self._targets = [
            AlertmanagerTarget(url, config, http, self._stats, self._stop) for url in config.urls
        ]
        self._tick = max(0.2, min(5.0, config.resend_interval / 10))
        self._ticker = threading.Thread(target=self._run, name="alertmanager-ticker", daemon=True)

    def start(self) -> None:
        for target in self._targets:
            target.start()
        self._ticker.start()
        log.info(
            "event=bridge_started alertmanagers=%s resend_interval=%.0fs",
            ",".join(t.label for t in self._targets),
            self._config.resend_interval,
        )

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        for target in self._targets:
            target.wake()
        deadline = time.monotonic() + timeout
        for target in self._targets:
            target.join(max(0.0, deadline - time.monotonic()))

    def consume(self, view: View) -> None:
        batch = build_alerts(view, self._config)
        with self._lock:
            self._state.update(batch.alerts, self._clock())
            self._dropped += batch.dropped
        if batch.dropped:
            log.warning(
                "event=alerts_dropped dropped=%d cap=%d", batch.dropped, self._config.max_alerts
            )
        self.flush()

    def flush(self) -> None:
        with self._lock:
            due = self._state.due(self._clock())
        if due:
            for target in self._targets:
                target.enqueue(due)

    def stats(self) -> BridgeStats:
        with self._lock:
            firing, dropped = self._state.firing, self._dropped
        return self._stats.snapshot(firing, dropped)

    def _run(self) -> None:
        while not self._stop.wait(self._tick):
            try:
                self.flush()
            except Exception as exc:  # the ticker must outlive a bug
                log.error("event=bridge_tick_failed error=%r", exc)
