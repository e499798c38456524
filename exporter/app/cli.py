"""Command line: parse flags, load and check the config, then hand over to the runner.

Where the config comes from (the files or `--demo`) is config_source.py's; the pieces are
built in wiring.py and run (signals, reload, shutdown) by runner.py's RunningExporter; this
module only turns argv into a config and an exit code, and keeps the flags' spelling.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence

from exporter import __version__
from exporter.app.config_source import DEMO_INTERVAL, ConfigSource, config_source
from exporter.app.runner import RunningExporter, collect_once
from exporter.app.wiring import secrets_of
from exporter.config.credentials import missing_credentials
from exporter.config.file import ConfigError, brief
from exporter.flags import PROGRAM, HelpFormatter, add_log_flags
from exporter.logs import setup_logging
from exporter.web.connections import ConnectionLimits
from exporter.web.http_server import ServerSettings
from exporter.web.request import parse_listen_address

DEFAULT_LISTEN_ADDRESS = ":9863"
DEFAULT_TELEMETRY_PATH = "/metrics"
EXIT_BAD_CONFIG = 2


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
        help="connections served at once; idle and slow ones give way to new ones",
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


def _fail(message: str, code: int = EXIT_BAD_CONFIG) -> int:
    print(f"causely-exporter: {message}", file=sys.stderr)
    return code


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
    try:
        _check_telemetry_path(args.telemetry_path)
    except ConfigError as exc:
        return _fail(str(exc))
    configs = config_source(args)
    try:
        return _load_and_run(args, configs, host, port)
    finally:
        configs.close()


def _load_and_run(args: argparse.Namespace, configs: ConfigSource, host: str, port: int) -> int:
    try:
        web, config = configs.load()
    except ConfigError as exc:
        for line in str(exc).splitlines():
            print(f"{PROGRAM}: {line}", file=sys.stderr)
        return EXIT_BAD_CONFIG
    setup_logging(args.log_level, args.log_format, secrets_of(config))
    if args.check_config:
        missing = missing_credentials(config)
        if missing:
            print("configuration ok; credentials are not set (needed to run):")
            for line in missing:
                print(f"  {line}")
        else:
            print("configuration ok")
        return 0
    if args.once:
        return collect_once(config)
    limits = ConnectionLimits(max_connections=args.max_connections)
    settings = ServerSettings(
        host, port, args.telemetry_path, config.collection.interval, web, limits
    )
    try:
        exporter = RunningExporter(args, configs, config, settings)
    except OSError as exc:
        return _fail(
            f"web.listen-address: cannot listen on {args.listen_address}: {exc.strerror}", 1
        )
    return exporter.run()
