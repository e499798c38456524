"""Command line: parse flags, wire config -> clients -> collector -> server, handle signals."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType
from typing import Any

from exporter import __version__
from exporter.auth import CauselyAuth, StaticBearer
from exporter.bridge.notifier import Notifier
from exporter.collector import Collector
from exporter.config import (
    Config,
    ConfigError,
    Secret,
    build_config,
    error_lines,
    load_config,
    missing_credentials,
)
from exporter.configfile import brief
from exporter.flags import PROGRAM, HelpFormatter, add_log_flags
from exporter.http import ApiClient, ApiStats, RateLimitGate
from exporter.httpconn import ConnectionLimits
from exporter.logs import setup_logging
from exporter.reload import Reloader, WithReloadState
from exporter.server import ExporterServer, ServerSettings, parse_listen_address
from exporter.sources import AlertSelection, Source
from exporter.sources.causeflow import CauseFlowSource
from exporter.sources.causely import CauselySource
from exporter.sources.causely_parts import CauselyPartsSource
from exporter.webconfig import WebConfig, load_web_config

log = logging.getLogger("exporter")

DEFAULT_LISTEN_ADDRESS = ":9863"
DEFAULT_TELEMETRY_PATH = "/metrics"
SHUTDOWN_GRACE_SECONDS = 4.0
EXIT_BAD_CONFIG = 2
DEMO_INTERVAL = "15s"


def _positive_int(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 100_000:
        raise argparse.ArgumentTypeError(f"expected an integer 1..100000, got {text[:40]!r}")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROGRAM,
        formatter_class=HelpFormatter,
        description="Prometheus exporter for Causely root causes and CauseFlow incidents.",
        epilog="Run 'causely-exporter simulate --help' for the built-in API simulator.",
    )
    parser.add_argument(
        "--config.file",
        dest="config_file",
        metavar="FILE",
        help="YAML configuration file (see config.example.yaml)",
    )
    parser.add_argument(
        "--web.listen-address",
        dest="listen_address",
        default=DEFAULT_LISTEN_ADDRESS,
        metavar="HOST:PORT",
        help="address to serve on",
    )
    parser.add_argument(
        "--web.telemetry-path",
        dest="telemetry_path",
        default=DEFAULT_TELEMETRY_PATH,
        metavar="PATH",
        help="path of the metrics",
    )
    parser.add_argument(
        "--web.config.file",
        dest="web_config_file",
        metavar="FILE",
        help="TLS and basic auth, in the exporter-toolkit web config format",
    )
    parser.add_argument(
        "--web.max-connections",
        dest="max_connections",
        type=_positive_int,
        default=ConnectionLimits.max_connections,
        metavar="N",
        help="connections served at once; idle and slow ones give way to new ones "
        f"(default {ConnectionLimits.max_connections})",
    )
    add_log_flags(parser)
    parser.add_argument(
        "--once",
        action="store_true",
        help="collect one cycle, print the exposition, exit (1 if it failed)",
    )
    parser.add_argument(
        "--check-config", action="store_true", help="validate the configuration and exit"
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="run the built-in API simulator on loopback and export from it, collecting every "
        f"{DEMO_INTERVAL}",
    )
    parser.add_argument("--version", action="version", version=f"causely-exporter {__version__}")
    return parser


def _secrets_of(config: Config) -> list[str]:
    found = [config.causely.client_secret, config.causeflow.token]
    if config.alertmanager is not None:
        found += [config.alertmanager.password, config.alertmanager.bearer_token]
    return [s.reveal() for s in found if isinstance(s, Secret)]


def _alert_selections(config: Config) -> tuple[AlertSelection, AlertSelection]:
    """What the bridge needs the sources to keep beyond their series caps (nothing if off)."""
    bridge = config.alertmanager
    if bridge is None:
        return AlertSelection(), AlertSelection()
    causely = AlertSelection(bridge.causely_severities, (), bridge.max_alerts)
    causeflow = AlertSelection(
        bridge.causeflow_severities, bridge.causeflow_statuses, bridge.max_alerts
    )
    return causely, causeflow


def build_sources(config: Config, stats: ApiStats, stop: threading.Event) -> list[Source]:
    sources: list[Source] = []
    parts: Source | None = None
    causely_alerts, causeflow_alerts = _alert_selections(config)
    if config.causely.enabled:
        assert config.causely.client_id and config.causely.client_secret
        gate = RateLimitGate(stop, config.http.max_requests_per_second)
        token_client = ApiClient(
            config.http, stats, stop, gate=gate, pool_size=2, base_url=config.causely.auth_url
        )
        auth = CauselyAuth(
            token_client,
            config.causely.auth_url,
            config.causely.client_id,
            config.causely.client_secret,
            rejection_backoff=config.collection.interval,
        )
        api_client = ApiClient(
            config.http,
            stats,
            stop,
            auth=auth,
            gate=gate,
            pool_size=config.causely.concurrency + 2,
            base_url=config.causely.api_url,
        )
        causely = CauselySource(config.causely, api_client, causely_alerts)
        sources.append(causely)
        if config.causely.parts.health or config.causely.parts.slos:
            # Planned after the defects (it reuses their scope list) and run after them.
            parts = CauselyPartsSource(config.causely, api_client, causely)
    if config.causeflow.enabled:
        assert config.causeflow.token
        client = ApiClient(
            config.http,
            stats,
            stop,
            auth=StaticBearer(config.causeflow.token),
            pool_size=2,
            base_url=config.causeflow.base_url,
        )
        sources.append(CauseFlowSource(config.causeflow, client, causeflow_alerts))
    if parts is not None:
        sources.append(parts)
    return sources


def _demo_config(args: argparse.Namespace) -> tuple[Config, Any]:
    from exporter.simulator import Simulator, SimulatorConfig

    sim_config = SimulatorConfig(churn_interval=15.0)
    simulator = Simulator(sim_config)
    simulator.start(host="127.0.0.1", port=0)
    env = {
        "CAUSELY_CLIENT_ID": sim_config.client_id,
        "CAUSELY_CLIENT_SECRET": sim_config.client_secret,
        "CAUSELY_AUTH_URL": simulator.auth_url,
        "CAUSELY_API_URL": simulator.api_url,
        "CAUSEFLOW_TOKEN": sim_config.causeflow_token,
        "CAUSEFLOW_BASE_URL": simulator.causeflow_url,
    }
    raw: dict[str, dict[str, Any]] = {
        "causely": {"scopes": "discover"},
        "causeflow": {"enabled": True},
        "collection": {"interval": DEMO_INTERVAL},
    }
    log.info(
        "event=demo_started simulator=%s interval=%s", simulator.url, raw["collection"]["interval"]
    )
    return build_config(raw, env), simulator


def _fail(message: str, code: int = EXIT_BAD_CONFIG) -> int:
    print(f"causely-exporter: {message}", file=sys.stderr)
    return code


def _web_and_config(args: argparse.Namespace, *, check: bool) -> tuple[WebConfig, Config]:
    """Both files, validated together: a ConfigError lists every error of both."""
    errors: list[str] = []
    web = WebConfig()
    if args.web_config_file:
        try:
            web = load_web_config(args.web_config_file)
        except ConfigError as exc:
            errors.extend(str(exc).splitlines())
    config: Config | None = None
    try:
        config = load_config(args.config_file, require_credentials=not check)
    except ConfigError as exc:
        errors.extend(str(exc).splitlines())
    if errors or config is None:
        raise ConfigError(error_lines(errors))
    return web, config


def _check_telemetry_path(path: str) -> None:
    if not path.startswith("/") or path in ("/", "/healthz", "/readyz"):
        raise ConfigError(f"web.telemetry-path: must be a free path, got {brief(path)}")


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["simulate"]:
        from exporter.simulator.__main__ import main as simulate

        return simulate(args_list[1:])
    args = build_parser().parse_args(args_list)
    setup_logging(args.log_level, args.log_format)
    if not (args.check_config or args.once):
        # Until the reload handler is in place a SIGHUP is ignored, never the end of the process.
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        host, port = parse_listen_address(args.listen_address)
    except ValueError as exc:
        return _fail(f"web.listen-address: {exc}")
    simulator = None
    try:
        _check_telemetry_path(args.telemetry_path)
        if args.demo:
            web = load_web_config(args.web_config_file) if args.web_config_file else WebConfig()
            config, simulator = _demo_config(args)
        else:
            web, config = _web_and_config(args, check=args.check_config)
    except ConfigError as exc:
        for line in str(exc).splitlines():
            print(f"{PROGRAM}: {line}", file=sys.stderr)
        return EXIT_BAD_CONFIG
    setup_logging(args.log_level, args.log_format, _secrets_of(config))
    if args.check_config:
        if simulator is not None:
            simulator.stop()
        missing = missing_credentials(config)
        if missing:
            print("configuration ok; credentials are not set (needed to run):")
            for line in missing:
                print(f"  {line}")
        else:
            print("configuration ok")
        return 0
    try:
        return _run(
            args,
            config,
            ServerSettings(
                host,
                port,
                args.telemetry_path,
                config.collection.interval,
                web,
                ConnectionLimits(max_connections=args.max_connections),
            ),
        )
    finally:
        if simulator is not None:
            simulator.stop()


def _start_bridge(config: Config, collector: Collector) -> Notifier | None:
    """The Alertmanager bridge, fed by the collector after every cycle; None when off."""
    if config.alertmanager is None:
        return None
    notifier = Notifier(config.alertmanager, config.http, config.collection.interval)
    collector.view_hooks.append(notifier.consume)
    collector.extra_stats = notifier.stats
    notifier.start()
    return notifier


def _swap_bridge(
    old: Notifier | None, old_config: Config, new_config: Config, collector: Collector
) -> Notifier | None:
    """On reload: the bridge stays as it is unless its settings changed, else it is replaced.

    The collection interval counts too (endsAt is 4 x max(resend, interval) ahead), and so do
    the HTTP proxy and CA settings the sender uses.
    """
    same = (
        new_config.alertmanager == old_config.alertmanager
        and new_config.collection.interval == old_config.collection.interval
        and new_config.http.proxy_env == old_config.http.proxy_env
        and new_config.http.ca_bundle == old_config.http.ca_bundle
    )
    if same:
        return old
    if old is not None:
        # One list swap: the collector's thread sees the old hooks or the new, never half.
        collector.view_hooks = [h for h in collector.view_hooks if h != old.consume]
        collector.extra_stats = None
        old.stop()
    return _start_bridge(new_config, collector)


def _run(args: argparse.Namespace, config: Config, settings: ServerSettings) -> int:
    stop = threading.Event()
    stats = ApiStats()
    collector = Collector(config, build_sources(config, stats, stop), stats, stop)
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
            web, new = _web_and_config(args, check=False)
        if new != running:  # unchanged: keep the sources, their token and rate-limit state
            collector.reconfigure(new, build_sources(new, stats, stop))
        if server is not None:
            server.set_web_config(web)
            server.set_interval(new.collection.interval)
        notifier = _swap_bridge(notifier, running, new, collector)
        running = new
        setup_logging(args.log_level, args.log_format, _secrets_of(new))
        log.info(
            "event=config_reloaded interval=%.0fs effective=next_cycle", new.collection.interval
        )

    reloader = Reloader(reload)
    try:
        server = ExporterServer(settings, WithReloadState(lambda: collector.snapshot, reloader))
    except OSError as exc:
        return _fail(
            f"web.listen-address: cannot listen on {args.listen_address}: {exc.strerror}", 1
        )
    server.start()
    notifier = _start_bridge(config, collector)
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
