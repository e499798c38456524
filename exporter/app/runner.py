"""The running exporter: one object owns the collector thread, the server, the bridge, the
reloads and the signals, from start until a signal stops them.

Every part is built in the constructor and handed what it needs there; nothing is attached
to a part afterwards. Signal handlers only set events; the main thread does the work (a
reload loads files and builds sources, which a handler must not). A failed reload keeps
what runs and shows in the reload gauges. `--once` (collect_once) runs one cycle and prints
it, with no server, no bridge and no signal handling.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from types import FrameType

from exporter import __version__
from exporter.app.config_source import ConfigSource
from exporter.app.reload import Reloader
from exporter.app.wiring import (
    bridge_changed,
    build_bridge,
    build_collector,
    build_sources,
    secrets_of,
)
from exporter.client.stats import ApiStats
from exporter.config.model import Config
from exporter.logs import setup_logging
from exporter.web.http_server import ExporterServer, ServerSettings

log = logging.getLogger("exporter")  # the command line's logger: log lines keep their name

SHUTDOWN_GRACE_SECONDS = 4.0


def collect_once(config: Config) -> int:
    """`--once`: one cycle, its exposition on stdout; 0 if it succeeded, else 1."""
    collector = build_collector(config, ApiStats(), threading.Event(), once=True)
    snapshot = collector.collect_once()
    sys.stdout.buffer.write(snapshot.body)
    sys.stdout.flush()
    code = 0 if snapshot.ok else 1
    log.info("event=exiting mode=once ok=%s exit_code=%d", str(snapshot.ok).lower(), code)
    return code


class RunningExporter:
    """Collects and serves until SIGTERM or SIGINT; SIGHUP reloads from its config source.

    Raises OSError from the constructor when it cannot listen.
    """

    def __init__(
        self,
        args: argparse.Namespace,
        configs: ConfigSource,
        config: Config,
        settings: ServerSettings,
    ) -> None:
        self._args = args
        self._configs = configs
        self._config = config
        self._settings = settings
        self._stop = threading.Event()
        self._hangup = threading.Event()
        self._stats = ApiStats()
        self._reloader = Reloader()
        self._bridge = build_bridge(config)
        self._collector = build_collector(
            config,
            self._stats,
            self._stop,
            bridge=self._bridge,
            reload_state=self._reloader.state,
        )
        collector = self._collector
        self._server = ExporterServer(settings, lambda: collector.snapshot)

    def run(self) -> int:
        """Until a signal stops it; 0 on a clean stop."""
        signal.signal(signal.SIGTERM, self._on_stop_signal)
        signal.signal(signal.SIGINT, self._on_stop_signal)
        signal.signal(signal.SIGHUP, self._on_hangup)
        self._server.start()
        if self._bridge is not None:
            self._bridge.start()
        log.info(
            "event=started version=%s address=%s path=%s interval=%.0fs pid=%d",
            __version__,
            self._args.listen_address,
            self._settings.telemetry_path,
            self._config.collection.interval,
            os.getpid(),
        )
        worker = threading.Thread(target=self._collector.run, name="collector", daemon=True)
        worker.start()
        while not self._stop.is_set():
            if self._hangup.wait(1.0) and not self._stop.is_set():
                self._hangup.clear()
                self._reloader.reload(self._apply_reload)
                self._collector.republish(self._reloader.state)
        self._server.stop()
        if self._bridge is not None:
            self._bridge.stop()
        # In-flight requests end at their timeout; daemon threads do not hold the exit.
        worker.join(timeout=SHUTDOWN_GRACE_SECONDS)
        log.info("event=stopped")
        return 0

    def _on_stop_signal(self, signum: int, frame: FrameType | None) -> None:
        log.info("event=shutdown signal=%s", signal.Signals(signum).name)
        self._stop.set()
        self._hangup.set()  # wakes the main loop now

    def _on_hangup(self, signum: int, frame: FrameType | None) -> None:
        self._hangup.set()  # the main loop reloads: a signal handler must not do the work

    def _apply_reload(self) -> None:
        """Load the config source again and hand what changed to each part."""
        web, new = self._configs.load()
        if new != self._config:  # unchanged: keep the sources, their token and rate state
            self._collector.reconfigure(new, build_sources(new, self._stats, self._stop))
        self._server.set_web_config(web)
        self._server.set_interval(new.collection.interval)
        if bridge_changed(self._config, new):
            old, self._bridge = self._bridge, build_bridge(new)
            self._collector.use_bridge(self._bridge)
            if old is not None:
                old.stop()
            if self._bridge is not None:
                self._bridge.start()
        self._config = new
        setup_logging(self._args.log_level, self._args.log_format, secrets_of(new))
        log.info(
            "event=config_reloaded interval=%.0fs effective=next_cycle", new.collection.interval
        )
