"""SIGHUP reloads the config and the web config, as Prometheus and Alertmanager do.

A new config that loads is handed over whole (it takes effect from the next cycle); one that
does not is logged and the running one kept. The outcome is exported as
causely_exporter_config_last_reload_successful and
causely_exporter_config_last_reload_success_timestamp_seconds: the running exporter hands the
state to the collector, which renders it with each cycle's view and once more right after a
reload, so a scrape still only copies bytes.
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
    """Runs a reload and keeps its outcome: any failure keeps what runs."""

    def __init__(self) -> None:
        self.state = ReloadState(True, time.time())  # the config loaded at start

    def reload(self, apply: Callable[[], None]) -> bool:
        """Load and apply (`apply` raises to refuse); True if the new config runs."""
        log.info("event=reload_started")
        try:
            apply()
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
