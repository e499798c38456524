"""`causely-exporter simulate` (also `python -m exporter.simulator`): run the fake APIs until
SIGINT/SIGTERM or --exit-after. Flags, help and log lines follow the exporter's conventions."""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType

from exporter.flags import PROGRAM, HelpFormatter, add_log_flags
from exporter.logs import LOG_LEVELS, LogFormatter, quote

from .config import SimulatorConfig
from .simulator import Simulator

log = logging.getLogger("exporter.simulator")


def parse_listen(value: str) -> tuple[str, int]:
    """`host:port`, `:port` (all interfaces) or `[v6addr]:port`."""
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or int(port) > 65535:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {value!r}")
    host = host.strip("[]") or "0.0.0.0"
    return host, int(port)


def build_parser() -> argparse.ArgumentParser:
    defaults = SimulatorConfig()
    parser = argparse.ArgumentParser(
        prog=f"{PROGRAM} simulate",
        formatter_class=HelpFormatter,
        description="Fake Causely GraphQL and CauseFlow REST APIs with seeded demo data.",
    )
    add = parser.add_argument
    add(
        "--listen",
        type=parse_listen,
        default="127.0.0.1:8787",
        metavar="HOST:PORT",
        help="address to serve on",
    )
    add("--seed", type=int, default=defaults.seed, help="random seed of the data")
    add("--scopes", type=int, default=defaults.scopes, help="number of user scopes")
    add("--defects", type=int, default=defaults.defects, help="active defects at start")
    add("--incidents", type=int, default=defaults.incidents, help="CauseFlow incidents at start")
    add(
        "--latency",
        type=float,
        default=0.0,
        help="seconds each API request takes to answer, simulator work included",
    )
    add(
        "--churn-interval",
        type=float,
        default=15.0,
        help="seconds between data changes; 0 keeps the data still",
    )
    add(
        "--slos-per-scope",
        type=int,
        default=defaults.slos_per_scope,
        help="SLOs in each scope; 0: one or two per service",
    )
    add(
        "--quota-per-minute",
        type=int,
        default=defaults.quota_per_minute,
        help="send X-RateLimit-* headers for a window of this many requests a minute; 0: none",
    )
    add("--token-ttl", type=float, default=defaults.token_ttl, help="token lifetime in seconds")
    add(
        "--exit-after",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="stop by itself after this long; 0 runs until SIGINT/SIGTERM",
    )
    add_log_flags(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = SimulatorConfig(
            seed=args.seed,
            scopes=args.scopes,
            defects=args.defects,
            incidents=args.incidents,
            latency=args.latency,
            churn_interval=args.churn_interval,
            token_ttl=args.token_ttl,
            slos_per_scope=args.slos_per_scope,
            quota_per_minute=args.quota_per_minute,
        )
    except ValueError as exc:
        print(f"{PROGRAM} simulate: {exc}", file=sys.stderr)
        return 2
    # main() may run inside another program (causely-exporter simulate, tests): everything
    # it changes in process-wide state is put back on the way out.
    with _own_logging(args.log_level, args.log_format), _stop_on_signals() as done:
        return _serve(config, args.listen, args.exit_after, done)


def _serve(
    config: SimulatorConfig, listen: tuple[str, int], exit_after: float, done: threading.Event
) -> int:
    sim = Simulator(config)
    try:
        sim.start(*listen)
    except OSError as exc:
        print(
            f"{PROGRAM} simulate: --listen: cannot listen on {listen[0]}:{listen[1]}: "
            f"{exc.strerror}",
            file=sys.stderr,
        )
        return 1
    # One logfmt line on stdout for whoever wires a client to us; the log goes to stderr.
    print(
        f"auth={quote(sim.auth_url)} api={quote(sim.api_url)} "
        f"causeflow={quote(sim.causeflow_url)} client_id={quote(config.client_id)} "
        f"client_secret={quote(config.client_secret)} "
        f'causeflow_token={quote(config.causeflow_token)} note="fake demo credentials"',
        flush=True,
    )
    try:
        done.wait(exit_after if exit_after > 0 else None)
    finally:
        sim.stop()
    return 0


@contextlib.contextmanager
def _own_logging(level: str, log_format: str) -> Iterator[None]:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(LogFormatter(json_format=log_format == "json"))
    saved = (log.level, log.propagate)
    log.addHandler(handler)
    log.setLevel(LOG_LEVELS[level])
    log.propagate = False
    try:
        yield
    finally:
        log.removeHandler(handler)
        log.setLevel(saved[0])
        log.propagate = saved[1]


@contextlib.contextmanager
def _stop_on_signals() -> Iterator[threading.Event]:
    done = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        log.info("event=shutdown signal=%s", signal.Signals(signum).name)
        done.set()

    # Only the main thread may install handlers; elsewhere the caller stops us its own way.
    if threading.current_thread() is not threading.main_thread():
        yield done
        return
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield done
    finally:
        for sig, handler in previous.items():
            if handler is not None:  # None: installed outside Python, cannot be restored
                signal.signal(sig, handler)


if __name__ == "__main__":
    sys.exit(main())
