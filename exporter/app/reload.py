"""SIGHUP reloads the config and the web config, as Prometheus and Alertmanager do.

A new config that loads is handed over whole (it takes effect from the next cycle); one that
does not is logged and the running one kept. The outcome is exported as
causely_exporter_config_last_reload_successful and
causely_exporter_config_last_reload_success_timestamp_seconds: the collector renders the state
with each cycle's view, and once more right after a reload, so a scrape still only copies bytes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from exporter.config.file import ConfigError
from exporter.logs import quote
from exporter.view import ReloadState

log = logging.getLogger("exporter.reload")  # pinned: log lines keep their name


class Reloader:
    """Runs one reload at a time: load, then apply; any failure keeps what runs."""

    def __init__(self, reload: Callable[[], None], republish: Callable[[], None]) -> None:
        self._reload = reload
        self._republish = republish  # renders the new state into the served metrics
        self.state = ReloadState(True, time.time())  # the config loaded at start

    def reload(self) -> bool:
        log.info("event=reload_started")
        ok = self._attempt()
        self._republish()
        return ok

    def _attempt(self) -> bool:
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
