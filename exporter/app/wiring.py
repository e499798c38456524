"""Wiring: the running pieces built from a loaded config (API clients, sources, the bridge).

Apart from the command line so that start, SIGHUP and the tests and benchmarks build the
pieces the same way, from the same two files. Nothing here runs anything but the `--demo`
simulator: starting the loop and the server is runner.py's job.
"""

from __future__ import annotations

import argparse
import logging
import threading
from typing import Any

from exporter.bridge.notifier import Notifier
from exporter.client.api_client import ApiClient
from exporter.client.ratelimit import RateLimitGate
from exporter.client.stats import ApiStats
from exporter.client.tokens import CauselyAuth, StaticBearer
from exporter.collect.collector import Collector
from exporter.config.fields import error_lines
from exporter.config.file import ConfigError
from exporter.config.loader import build_config, load_config
from exporter.config.model import Config
from exporter.config.secrets import Secret
from exporter.metrics.exposition import render
from exporter.sources.base import AlertSelection, Source
from exporter.sources.causeflow import CauseFlowSource
from exporter.sources.causely.parts import CauselyPartsSource
from exporter.sources.causely.source import CauselySource
from exporter.web.web_config import WebConfig, load_web_config

log = logging.getLogger("exporter")  # the command line's logger: log lines keep their name

DEMO_INTERVAL = "15s"


def secrets_of(config: Config) -> list[str]:
    """Every secret the config holds, for the log formatter to redact."""
    found = [config.causely.client_secret, config.causeflow.token]
    if config.alertmanager is not None:
        found += [config.alertmanager.password, config.alertmanager.bearer_token]
    return [s.reveal() for s in found if isinstance(s, Secret)]


def alert_selections(config: Config) -> tuple[AlertSelection, AlertSelection]:
    """What the bridge needs the sources to keep beyond their series caps (nothing if off)."""
    bridge = config.alertmanager
    if bridge is None:
        return AlertSelection(), AlertSelection()
    causely = AlertSelection(
        bridge.causely_severities, (), bridge.max_alerts, bridge.inhibitors.enabled
    )
    causeflow = AlertSelection(
        bridge.causeflow_severities, bridge.causeflow_statuses, bridge.max_alerts
    )
    return causely, causeflow


def build_sources(config: Config, stats: ApiStats, stop: threading.Event) -> list[Source]:
    """The enabled sources, each API with its own clients; Causely's share one rate gate."""
    sources: list[Source] = []
    parts: Source | None = None
    causely_alerts, causeflow_alerts = alert_selections(config)
    if config.causely.enabled:
        assert config.causely.client_id and config.causely.client_secret
        gate = RateLimitGate(stop, config.http.max_requests_per_second)
        token_client = ApiClient(
            config.http,
            stats,
            stop,
            gate=gate,
            pool_size=2,
            base_url=config.causely.auth_url,
            api="causely_auth",
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
            api="causely",
        )
        causely = CauselySource(config.causely, api_client, causely_alerts)
        sources.append(causely)
        if config.causely.parts.health or config.causely.parts.slos:
            # Listed last so its units queue behind every other source's (it declares that
            # it is planned after the defects, whose scope list it reuses).
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
            api="causeflow",
        )
        sources.append(CauseFlowSource(config.causeflow, client, causeflow_alerts))
    if parts is not None:
        sources.append(parts)
    return sources


def build_collector(
    config: Config, stats: ApiStats, stop: threading.Event, sources: list[Source] | None = None
) -> Collector:
    """The collector of these sources (by default the config's), rendering with the metrics."""
    if sources is None:
        sources = build_sources(config, stats, stop)
    return Collector(config, sources, stats, stop, render)


def demo_config() -> tuple[Config, Any]:
    """`--demo`: the simulator on loopback, and a config that points at it."""
    from exporter.simulator.config import SimulatorConfig
    from exporter.simulator.simulator import Simulator

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


def start_bridge(config: Config, collector: Collector) -> Notifier | None:
    """The Alertmanager bridge, fed by the collector after every cycle; None when off."""
    if config.alertmanager is None:
        return None
    notifier = Notifier(config.alertmanager, config.http, config.collection.interval)
    collector.view_hooks.append(notifier.consume)
    collector.extra_stats = notifier.stats
    notifier.start()
    return notifier


def swap_bridge(
    old: Notifier | None, old_config: Config, new_config: Config, collector: Collector
) -> Notifier | None:
    """On reload: the bridge stays as it is unless its settings changed, else it is replaced.

    The collection interval counts too (the default keep_firing_for depends on it), and so do
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
    return start_bridge(new_config, collector)
