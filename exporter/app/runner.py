"""Running: the collector thread, the server and the bridge, until a signal stops them.

Signal handlers only set events; the main thread does the work (a reload loads files and
builds sources, which a handler must not). SIGHUP goes through reload.py's Reloader, so a
failed reload keeps what runs and shows in the reload gauges. `--once` runs one cycle here
and prints it, with no server and no signal handling.
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
from exporter.app.reload import Reloader
from exporter.app.wiring import (
    build_collector,
    build_sources,
    secrets_of,
    start_bridge,
    swap_bridge,
    web_and_config,
)
from exporter.bridge.notifier import Notifier
from exporter.client.stats import ApiStats
from exporter.config.model import Config
from exporter.logs import setup_logging
from exporter.web.http_server import ExporterServer, ServerSettings
from exporter.web.web_config import WebConfig, load_web_config

log = logging.getLogger("exporter")  # the command line's logger: log lines keep their name

SHUTDOWN_GRACE_SECONDS = 4.0


def run(args: argparse.Namespace, config: Config, settings: ServerSettings) -> int:
    """Collect and serve until SIGTERM or SIGINT; 0 on a clean stop, 1 if it cannot listen."""
    stop = threading.Event()
    stats = ApiStats()
    collector = build_collector(config, stats, stop)
    if args.once:
        snapshot = collector.collect_once()
        sys.stdout.buffer.write(snapshot.body)
        sys.stdout.flush()
        return 0 if snapshot.ok else 1
    hangup = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        log.info("event=shutdown signal=%s", signal.Signals(signum).name)
        stop.set()
        hangup.set()  # wakes the main loop now

    def on_hangup(signum: int, frame: FrameType | None) -> None:
        hangup.set()  # the main loop reloads: a signal handler must not do the work

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGHUP, on_hangup)
    server: ExporterServer | None = None
    notifier: Notifier | None = None
    running = config

    def reload() -> None:
        nonlocal notifier, running
        if args.demo:  # the demo's config is built in, only the web config is a file
            web = load_web_config(args.web_config_file) if args.web_config_file else WebConfig()
            new = config
        else:
            web, new = web_and_config(args, check=False)
        if new != running:  # unchanged: keep the sources, their token and rate-limit state
            collector.reconfigure(new, build_sources(new, stats, stop))
        if server is not None:
            server.set_web_config(web)
            server.set_interval(new.collection.interval)
        notifier = swap_bridge(notifier, running, new, collector)
        running = new
        setup_logging(args.log_level, args.log_format, secrets_of(new))
        log.info(
            "event=config_reloaded interval=%.0fs effective=next_cycle", new.collection.interval
        )

    reloader = Reloader(reload, collector.republish)
    collector.reload_state = lambda: reloader.state
    collector.republish()  # the first snapshot was rendered before the reloader existed
    try:
        server = ExporterServer(settings, lambda: collector.snapshot)
    except OSError as exc:
        message = f"web.listen-address: cannot listen on {args.listen_address}: {exc.strerror}"
        print(f"causely-exporter: {message}", file=sys.stderr)
        return 1
    server.start()
    notifier = start_bridge(config, collector)
    log.info(
        "event=started version=%s address=%s path=%s interval=%.0fs pid=%d",
        __version__,
        args.listen_address,
        settings.telemetry_path,
        config.collection.interval,
        os.getpid(),
    )
    worker = threading.Thread(target=collector.run, name="collector", daemon=True)
    worker.start()
    while not stop.is_set():
        if hangup.wait(1.0) and not stop.is_set():
            hangup.clear()
            reloader.reload()
    server.stop()
    if notifier is not None:
        notifier.stop()
    # In-flight requests end at their timeout; daemon threads do not hold the exit.
    worker.join(timeout=SHUTDOWN_GRACE_SECONDS)
    log.info("event=stopped")
    return 0
