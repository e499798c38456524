"""SIGHUP reloads the config and the web config, as Prometheus and Alertmanager do.

A new config that loads is handed over whole (it takes effect from the next cycle); one that
does not is logged and the running one kept. The outcome is exported as
causely_exporter_config_last_reload_successful and
causely_exporter_config_last_reload_success_timestamp_seconds, appended to each snapshot when
it is served: rendered once per new snapshot or reload, so a scrape still only copies bytes.
"""

from __future__ import annotations

import dataclasses
import gzip
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from exporter.collect.collector import Snapshot
from exporter.config.file import ConfigError
from exporter.logs import quote

log = logging.getLogger("exporter.reload")  # pinned: log lines keep their name


@dataclass(frozen=True)
class ReloadState:
    successful: bool
    success_time: float


def render_reload_state(state: ReloadState) -> bytes:
    return (
        "# HELP causely_exporter_config_last_reload_successful Whether the last configuration "
        "reload attempt succeeded (1) or failed (0).\n"
        "# TYPE causely_exporter_config_last_reload_successful gauge\n"
        f"causely_exporter_config_last_reload_successful {1 if state.successful else 0}\n"
        "# HELP causely_exporter_config_last_reload_success_timestamp_seconds Time of the last "
        "successful configuration load, at start or on SIGHUP.\n"
        "# TYPE causely_exporter_config_last_reload_success_timestamp_seconds gauge\n"
        "causely_exporter_config_last_reload_success_timestamp_seconds "
        f"{state.success_time:.3f}\n"
    ).encode()


class Reloader:
    """Runs one reload at a time: load, then apply; any failure keeps what runs."""

    def __init__(self, reload: Callable[[], None]) -> None:
        self._reload = reload
        self.state = ReloadState(True, time.time())  # the config loaded at start

    def reload(self) -> bool:
        log.info("event=reload_started")
        try:
            self._reload()
        except ConfigError as exc:
            log.error("event=reload_failed action=kept_running_config error=%s", quote(exc, 4096))
        except Exception as exc:  # a bug in applying must not end the process
            log.error(
                "event=reload_failed action=kept_running_config error=%s",
                quote(f"{type(exc).__name__}: {exc}", 4096),
            )
        else:
            self.state = ReloadState(True, time.time())
            log.info("event=reload_done")
            return True
        self.state = ReloadState(False, self.state.success_time)
        return False


class WithReloadState:
    """A snapshot provider: the collector's snapshot with the reload gauges appended."""

    def __init__(self, snapshots: Callable[[], Snapshot], reloader: Reloader) -> None:
        self._snapshots = snapshots
        self._reloader = reloader
        self._lock = threading.Lock()
        self._cached: tuple[Snapshot, ReloadState, Snapshot] | None = None

    def __call__(self) -> Snapshot:
        snapshot, state = self._snapshots(), self._reloader.state
        cached = self._cached
        if cached is not None and cached[0] is snapshot and cached[1] is state:
            return cached[2]
        with self._lock:  # concurrent scrapes after a new cycle render it once
            cached = self._cached
            if cached is not None and cached[0] is snapshot and cached[1] is state:
                return cached[2]
            body = snapshot.body + render_reload_state(state)
            gzip_body = gzip.compress(body, compresslevel=6, mtime=0)
            served = dataclasses.replace(snapshot, body=body, gzip_body=gzip_body)
            self._cached = (snapshot, state, served)
            return served
