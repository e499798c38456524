"""Posting alerts to Alertmanagers: one queue and one thread per URL.

Like Prometheus' notifier: at most 256 alerts per request, every URL on its own so one
Alertmanager that is down or slow delays nothing for the others, and a failed request is
not retried (the next resend carries the same alerts). A queue keeps only the newest
version of each alert, so a slow Alertmanager catches up with one request, not a backlog.
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

    def register(self, label: str) -> None:
        with self._lock:
            self.sent.setdefault(label, 0)
            self.failed.setdefault(label, 0)

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
                dict(self.sent), dict(self.failed), dict(self.last_success), firing, dropped, held
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

    def enqueue(self, alerts: Sequence[dict[str, Any]]) -> None:
        with self._lock:
            for alert in alerts:
                key = tuple(sorted(alert["labels"].items()))
                self._pending.pop(key, None)
                self._pending[key] = alert
            overflow = len(self._pending) - MAX_PENDING
            for _ in range(max(0, overflow)):
                self._pending.popitem(last=False)
        if overflow > 0:
            log.warning(
                "event=alertmanager_queue_full alertmanager=%s dropped=%d", self.label, overflow
            )
        self._wake.set()

    def _take(self) -> list[dict[str, Any]]:
        with self._lock:
            alerts = list(self._pending.values())
            self._pending.clear()
            self._wake.clear()
        return alerts

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait()
            if self._stop.is_set():
                return
            alerts = self._take()
            for start in range(0, len(alerts), BATCH_SIZE):
                if self._stop.is_set():
                    return
                try:
                    self._post(alerts[start : start + BATCH_SIZE])
                except Exception as exc:  # a bug must not end this Alertmanager's thread
                    self._stats.record(self.label, False, time.time())
                    log.error(
                        "event=alertmanager_send_bug alertmanager=%s error=%s",
                        self.label,
                        type(exc).__name__,
                    )

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
