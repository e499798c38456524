"""Command line: parse flags, wire config -> clients -> collector -> server, handle signals."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from types import FrameType
from typing import Any

from exporter import __version__
from exporter.auth import CauselyAuth, StaticBearer
from exporter.collector import Collector
from exporter.config import Config, ConfigError, Secret, build_config, load_config
from exporter.http import ApiClient, ApiStats, RateLimitGate
from exporter.server import ExporterServer, ServerSettings, parse_listen_address
from exporter.sources import Source
from exporter.sources.causeflow import CauseFlowSource
from exporter.sources.causely import CauselySource
from exporter.sources.causely_parts import CauselyPartsSource
from exporter.webconfig import WebConfig, load_web_config

log = logging.getLogger("exporter")

DEFAULT_LISTEN_ADDRESS = ":9863"
DEFAULT_TELEMETRY_PATH = "/metrics"
LOG_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "error": logging.ERROR,
}
SHUTDOWN_GRACE_SECONDS = 4.0
EXIT_BAD_CONFIG = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="causely-exporter",
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
        help=f"address to serve on (default {DEFAULT_LISTEN_ADDRESS})",
    )
    parser.add_argument(
        "--web.telemetry-path",
        dest="telemetry_path",
        default=DEFAULT_TELEMETRY_PATH,
        metavar="PATH",
        help=f"path of the metrics (default {DEFAULT_TELEMETRY_PATH})",
    )
    parser.add_argument(
        "--web.config.file",
        dest="web_config_file",
        metavar="FILE",
        help="TLS and basic auth, in the exporter-toolkit web config format",
    )
    parser.add_argument("--log.level", dest="log_level", choices=list(LOG_LEVELS), default="info")
    parser.add_argument(
        "--log.format", dest="log_format", choices=["logfmt", "json"], default="logfmt"
    )
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
        help="run the built-in API simulator on loopback and export from it",
    )
    parser.add_argument("--version", action="version", version=f"causely-exporter {__version__}")
    return parser


class _RedactingFormatter(logging.Formatter):
    def __init__(self, json_format: bool, secrets: Sequence[str]) -> None:
        super().__init__()
        self._json = json_format
        self._secrets = [s for s in secrets if len(s) >= 4]

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.exc_info:
            message += " " + self.formatException(record.exc_info).replace("\n", " | ")
        for secret in self._secrets:
            message = message.replace(secret, "***")
        timestamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        timestamp += f".{int(record.msecs):03d}Z"
        level = record.levelname.lower().replace("warning", "warn")
        if self._json:
            return json.dumps(
                {"ts": timestamp, "level": level, "logger": record.name, "msg": message}
            )
        return f"ts={timestamp} level={level} logger={record.name} {message}"


def setup_logging(level: str, log_format: str, secrets: Sequence[str] = ()) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_RedactingFormatter(log_format == "json", secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(LOG_LEVELS[level])
    # urllib3 logs full URLs at debug; ours are free of secrets, but keep its noise out.
    logging.getLogger("urllib3").setLevel(logging.WARNING)


def _secrets_of(config: Config) -> list[str]:
    found = [config.causely.client_secret, config.causeflow.token]
    return [s.reveal() for s in found if isinstance(s, Secret)]


def build_sources(config: Config, stats: ApiStats, stop: threading.Event) -> list[Source]:
    sources: list[Source] = []
    parts: Source | None = None
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
        causely = CauselySource(config.causely, api_client)
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
        sources.append(CauseFlowSource(config.causeflow, client))
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
    raw = {
        "causely": {"scopes": "discover"},
        "causeflow": {"enabled": True},
        "collection": {"interval": "15s"},
    }
    log.info("event=demo_started simulator=%s", simulator.url)
    return build_config(raw, env), simulator


def _fail(message: str, code: int = EXIT_BAD_CONFIG) -> int:
    print(f"causely-exporter: {message}", file=sys.stderr)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["simulate"]:
        from exporter.simulator.__main__ import main as simulate

        return simulate(args_list[1:])
    args = build_parser().parse_args(args_list)
    setup_logging(args.log_level, args.log_format)
    try:
        host, port = parse_listen_address(args.listen_address)
        if not args.telemetry_path.startswith("/") or args.telemetry_path in (
            "/",
            "/healthz",
            "/readyz",
        ):
            raise ConfigError(
                f"web.telemetry-path: must be a free path, got {args.telemetry_path!r}"
            )
        web = load_web_config(args.web_config_file) if args.web_config_file else WebConfig()
        simulator = None
        if args.demo:
            config, simulator = _demo_config(args)
        else:
            config = load_config(args.config_file)
    except ValueError as exc:
        return _fail(f"web.listen-address: {exc}")
    except ConfigError as exc:
        return _fail(str(exc))
    setup_logging(args.log_level, args.log_format, _secrets_of(config))
    if args.check_config:
        print("configuration ok")
        return 0
    try:
        return _run(
            args,
            config,
            ServerSettings(host, port, args.telemetry_path, config.collection.interval, web),
        )
    finally:
        if simulator is not None:
            simulator.stop()


def _run(args: argparse.Namespace, config: Config, settings: ServerSettings) -> int:
    stop = threading.Event()
    stats = ApiStats()
    collector = Collector(config, build_sources(config, stats, stop), stats, stop)
    if args.once:
        snapshot = collector.collect_once()
        sys.stdout.buffer.write(snapshot.body)
        sys.stdout.flush()
        return 0 if snapshot.ok else 1

    def on_signal(signum: int, frame: FrameType | None) -> None:
        log.info("event=shutdown signal=%s", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        server = ExporterServer(settings, lambda: collector.snapshot)
    except OSError as exc:
        return _fail(
            f"web.listen-address: cannot listen on {args.listen_address}: {exc.strerror}", 1
        )
    server.start()
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
    while not stop.wait(1.0):
        pass
    server.stop()
    # In-flight requests end at their timeout; daemon threads do not hold the exit.
    worker.join(timeout=SHUTDOWN_GRACE_SECONDS)
    log.info("event=stopped")
    return 0
