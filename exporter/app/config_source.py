"""Where the configuration comes from: the two files, or `--demo`'s built-in simulator.

Decided once, from the flags (config_source); from then on start and every SIGHUP load the
same way, and nothing else asks whether this is the demo.
"""

from __future__ import annotations

import argparse
import logging
from typing import Any, Protocol

from exporter.config.fields import error_lines
from exporter.config.file import ConfigError
from exporter.config.loader import build_config, load_config
from exporter.config.model import Config
from exporter.web.web_config import WebConfig, load_web_config

log = logging.getLogger("exporter")  # the command line's logger: log lines keep their name

DEMO_INTERVAL = "15s"


class ConfigSource(Protocol):
    def load(self) -> tuple[WebConfig, Config]:
        """The web config and the config, at start and on each SIGHUP; ConfigError if bad."""
        ...

    def close(self) -> None:
        """Release what it started (the demo's simulator)."""
        ...


class ConfigFiles:
    """--config.file and --web.config.file, validated together."""

    def __init__(self, args: argparse.Namespace, *, check: bool = False) -> None:
        self._args = args
        self._check = check  # --check-config: credentials may be unset

    def load(self) -> tuple[WebConfig, Config]:
        return web_and_config(self._args, check=self._check)

    def close(self) -> None:
        pass


class DemoConfig:
    """`--demo`: the simulator on loopback, started on the first load, and a config that
    points at it; only the web config is a file (and is read again on SIGHUP)."""

    def __init__(self, web_config_file: str | None) -> None:
        self._web_config_file = web_config_file
        self._config: Config | None = None
        self._simulator: Any = None

    def load(self) -> tuple[WebConfig, Config]:
        web = load_web_config(self._web_config_file) if self._web_config_file else WebConfig()
        if self._config is None:
            self._config = self._start_simulator()
        return web, self._config

    def close(self) -> None:
        if self._simulator is not None:
            self._simulator.stop()
            self._simulator = None

    def _start_simulator(self) -> Config:
        from exporter.simulator.config import SimulatorConfig
        from exporter.simulator.simulator import Simulator

        sim_config = SimulatorConfig(churn_interval=15.0)
        self._simulator = simulator = Simulator(sim_config)
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
        log.info("event=demo_started simulator=%s interval=%s", simulator.url, DEMO_INTERVAL)
        return build_config(raw, env)


def config_source(args: argparse.Namespace) -> ConfigSource:
    """The one place that tells the demo from a real run."""
    if args.demo:
        return DemoConfig(args.web_config_file)
    return ConfigFiles(args, check=args.check_config)


def web_and_config(args: argparse.Namespace, *, check: bool) -> tuple[WebConfig, Config]:
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
