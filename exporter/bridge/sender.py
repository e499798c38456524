"""Posting alerts to Alertmanagers: one queue and one thread per URL.

Like Prometheus' notifier: at most 256 alerts per request, every URL on its own so one
Alertmanager that is down or slow delays nothing for the others, and a failed request is
not retried (the next resend carries the same alerts). A queue keeps only the newest
version of each alert, so a slow Alertmanager catches up with one request, not a backlog.

Extensions of stale alerts (state.py) wait beside the queue; before posting them, the thread
reads what its Alertmanager still holds firing (held.py) and posts only those, and only
those whose endsAt there is near (`renew_within`): a copy kept fresh by another replica is
left alone. An Alertmanager that cannot be read gets no extension.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import requests

from exporter import __version__
from exporter.bridge.held import HeldAlerts, HeldUnreadable, read_held
from exporter.config.alertmanager import AlertmanagerConfig, alertmanager_label
from exporter.config.model import HttpConfig
from exporter.config.proxies import proxies_for
from exporter.view import BridgeStats

log = logging.getLogger(__name__)

BATCH_SIZE = 256
MAX_PENDING = 50_000
MAX_ERROR_BODY = 512


class SendStats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.sent: dict[str, int] = {}
        self.failed: dict[str, int] = {}
        self.last_success: dict[str, float] = {}
        # The reads before extensions: reads, failed reads, bytes read, alerts extended.
        self.reads: dict[str, int] = {}
        self.read_failed: dict[str, int] = {}
        self.read_bytes: dict[str, int] = {}
        self.extended: dict[str, int] = {}

    def read(self, label: str, size: int | None, extended: int) -> None:
        with self._lock:
            self.reads[label] = self.reads.get(label, 0) + 1
            if size is None:
                self.read_failed[label] = self.read_failed.get(label, 0) + 1
            else:
                self.read_bytes[label] = self.read_bytes.get(label, 0) + size
            self.extended[label] = self.extended.get(label, 0) + extended

    def register(self, label: str) -> None:
        with self._lock:
            for counts in (self.sent, self.failed, self.reads, self.read_failed, self.extended):
                counts.setdefault(label, 0)

    def record(self, label: str, ok: bool, at: float) -> None:
        with self._lock:
            if ok:
                self.sent[label] = self.sent.get(label, 0) + 1
                self.last_success[label] = at
            else:
                self.failed[label] = self.failed.get(label, 0) + 1

    def snapshot(self, firing: int, held: int, dropped: int) -> BridgeStats:
        with self._lock:
            return BridgeStats(
                dict(self.sent),
                dict(self.failed),
                dict(self.last_success),
                firing,
                dropped,
                held,
                reads=dict(self.reads),
                reads_failed=dict(self.read_failed),
                extended=dict(self.extended),
            )


def _session(config: AlertmanagerConfig, http: HttpConfig, url: str) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # proxies and CA come from the config, read once at start
    session.proxies.update(proxies_for(url, http.proxy_env))
    if config.tls_insecure_skip_verify:
        session.verify = False
    elif config.ca_file:
        session.verify = config.ca_file
    elif http.ca_bundle:
        session.verify = http.ca_bundle
    session.headers["User-Agent"] = f"causely-exporter/{__version__}"
    session.headers["Content-Type"] = "application/json"
    if config.username is not None and config.password is not None:
        session.auth = (config.username, config.password.reveal())
    elif config.bearer_token is not None:
        session.headers["Authorization"] = f"Bearer {config.bearer_token.reveal()}"
    return session


def _short(text: str) -> str:
    return " ".join(text.split())[:200].replace('"', "'")


class AlertmanagerTarget:
    """One Alertmanager URL with its own pending alerts and sending thread."""

    def __init__(
        self,
        url: str,
        config: AlertmanagerConfig,
        http: HttpConfig,
        stats: SendStats,
        stop: threading.Event,
        *,
        renew_within: float = float("inf"),
        alertnames: Sequence[str] = (),
        held_limit: int = 4 * 1024 * 1024,
    ) -> None:
        self.url = url
        self.label = alertmanager_label(url)
        self._endpoint = url + "/api/v2/alerts"
        self._timeout = config.timeout
        self._session = _session(config, http, url)
        self._stats = stats
        self._stop = stop
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._pending: OrderedDict[Any, dict[str, Any]] = OrderedDict()
        self._extensions: dict[Any, dict[str, Any]] = {}
        self._renew_within = renew_within
        self._alertnames = tuple(alertnames)
        self._held_limit = held_limit
        self._thread = threading.Thread(
            target=self._run, name=f"alertmanager-{self.label}", daemon=True
        )
        stats.register(self.label)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def join(self, timeout: float) -> None:
        if self._thread.is_alive():
            self._thread.join(timeout)

    def enqueue(
        self, alerts: Sequence[dict[str, Any]], extensions: Sequence[dict[str, Any]] = ()
    ) -> None:
        """Queue alerts to send, and stale ones to extend if this Alertmanager holds them."""
        with self._lock:
            for alert in alerts:
                key = tuple(sorted(alert["labels"].items()))
                self._pending.pop(key, None)
                self._extensions.pop(key, None)
                self._pending[key] = alert
            for alert in extensions:
                key = tuple(sorted(alert["labels"].items()))
                if key not in self._pending:
                    self._extensions[key] = alert
            overflow_extensions = len(self._extensions) - MAX_PENDING
            if overflow_extensions > 0:
                self._extensions = dict(list(self._extensions.items())[overflow_extensions:])
            overflow = len(self._pending) - MAX_PENDING
            for _ in range(max(0, overflow)):
                self._pending.popitem(last=False)
        if overflow > 0:
            log.warning(
                "event=alertmanager_queue_full alertmanager=%s dropped=%d", self.label, overflow
            )
        self._wake.set()

    def _take(self) -> tuple[list[dict[str, Any]], dict[Any, dict[str, Any]]]:
        with self._lock:
            alerts = list(self._pending.values())
            extensions = self._extensions
            self._pending.clear()
            self._extensions = {}
            self._wake.clear()
        return alerts, extensions

    def _still_held(self, extensions: dict[Any, dict[str, Any]]) -> list[dict[str, Any]]:
        """The extensions this Alertmanager still holds firing with an endsAt near."""
        try:
            held: HeldAlerts = read_held(
                self._session, self.url, self._alertnames, self._timeout, self._held_limit
            )
        except HeldUnreadable as exc:
            self._stats.read(self.label, None, 0)
            log.warning(
                "event=alertmanager_read_failed alertmanager=%s reason=%s detail=%s "
                'kept=0 msg="cannot tell what it holds: extending none of %d stale alerts '
                'there (never re-open); they expire by endsAt unless fresh data comes"',
                self.label,
                exc.reason,
                _short(exc.detail) or "-",
                len(extensions),
            )
            return []
        horizon = time.time() + self._renew_within
        kept = [
            alert
            for key, alert in extensions.items()
            if key in held.ends_at and held.ends_at[key] <= horizon
        ]
        self._stats.read(self.label, held.size, len(kept))
        log.debug(
            "event=alertmanager_stale_alerts alertmanager=%s stale=%d held=%d extended=%d "
            "bytes=%d skipped=%d",
            self.label,
            len(extensions),
            sum(1 for key in extensions if key in held.ends_at),
            len(kept),
            held.size,
            held.skipped,
        )
        return kept

    def _run(self) -> None:
        while True:
            self._wake.wait()
            # On stop, what is queued is still sent once (like Prometheus' notifier drains its
            # queue on shutdown): otherwise one Alertmanager of a cluster gets the last resend
            # and another not, their endsAt differ, and when the dead exporter's alerts expire
            # the earlier one notifies a resolve the other then re-fires.
            stopping = self._stop.is_set()
            alerts, extensions = self._take()
            if extensions and not stopping:
                try:
                    alerts += self._still_held(extensions)
                except Exception as exc:  # a bug must not end this thread, nor re-open
                    log.error(
                        "event=alertmanager_read_bug alertmanager=%s error=%s",
                        self.label,
                        type(exc).__name__,
                    )
            for start in range(0, len(alerts), BATCH_SIZE):
                try:
                    self._post(alerts[start : start + BATCH_SIZE])
                except Exception as exc:  # a bug must not end this Alertmanager's thread
                    self._stats.record(self.label, False, time.time())
                    log.error(
                        "event=alertmanager_send_bug alertmanager=%s error=%s",
                        self.label,
                        type(exc).__name__,
                    )
            if stopping:
                return

    def _post(self, batch: list[dict[str, Any]]) -> None:
        body = json.dumps(batch, separators=(",", ":")).encode()
        try:
            response = self._session.post(
                self._endpoint,
                data=body,
                timeout=(self._timeout, self._timeout),
                allow_redirects=False,
                stream=True,
            )
        except requests.RequestException as exc:
            self._stats.record(self.label, False, time.time())
            log.warning(
                "event=alertmanager_send_failed alertmanager=%s alerts=%d error=%s",
                self.label,
                len(batch),
                type(exc).__name__,
            )
            return
        try:
            ok = 200 <= response.status_code < 300
            detail = ""
            if not ok:
                raw = response.raw.read(MAX_ERROR_BODY, decode_content=True) or b""
                detail = _short(raw.decode("utf-8", "replace"))
        except (requests.RequestException, OSError, ValueError):
            detail = ""
        finally:
            response.close()
        self._stats.record(self.label, ok, time.time())
        if not ok:
            log.warning(
                'event=alertmanager_send_failed alertmanager=%s alerts=%d status=%d msg="%s"',
                self.label,
                len(batch),
                response.status_code,
                detail,
            )
