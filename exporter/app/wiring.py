"""Wiring: the pieces built from a loaded config (API clients, sources, the collector, the
bridge).

Apart from the command line so that start, SIGHUP and the tests and benchmarks build the
pieces the same way. Nothing here runs anything: runner.py's RunningExporter starts them.
"""

from __future__ import annotations

import threading

from exporter.bridge.notifier import Notifier
from exporter.client.api_client import ApiClient
from exporter.client.ratelimit import RateLimitGate
from exporter.client.stats import ApiStats
from exporter.client.tokens import CauselyAuth, StaticBearer
from exporter.collect.collector import Collector
from exporter.config.model import Config
from exporter.config.secrets import Secret
from exporter.metrics.exposition import render
from exporter.sources.base import AlertSelection, Source
from exporter.sources.causeflow_incidents import CauseFlowSource
from exporter.sources.causely.health_and_slos import HealthAndSlosSource
from exporter.sources.causely.source import CauselySource
from exporter.view import ReloadState


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


def build_sources(
    config: Config, stats: ApiStats, stop: threading.Event, *, once: bool = False
) -> list[Source]:
    """The enabled sources, each API with its own clients; Causely's share one rate gate.

    once: for a run of one cycle (--once), where nothing is tried again."""
    sources: list[Source] = []
    health_and_slos: Source | None = None
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
            retry=not once,
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
            max_in_flight=config.causely.concurrency,
        )
        causely = CauselySource(config.causely, api_client, causely_alerts)
        sources.append(causely)
        if config.causely.features.health or config.causely.features.slos:
            # Listed last so its units queue behind every other source's (it declares that
            # it is planned after the defects, whose scope list it reuses).
            health_and_slos = HealthAndSlosSource(config.causely, api_client, causely)
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
    if health_and_slos is not None:
        sources.append(health_and_slos)
    return sources


def build_collector(
    config: Config,
    stats: ApiStats,
    stop: threading.Event,
    sources: list[Source] | None = None,
    *,
    bridge: Notifier | None = None,
    reload_state: ReloadState | None = None,
    once: bool = False,
) -> Collector:
    """The collector of these sources (by default the config's), rendering with the metrics."""
    if sources is None:
        sources = build_sources(config, stats, stop, once=once)
    return Collector(config, sources, stats, stop, render, bridge=bridge, reload_state=reload_state)


def build_bridge(config: Config) -> Notifier | None:
    """The Alertmanager bridge of this config, not started; None when off."""
    if config.alertmanager is None:
        return None
    return Notifier(config.alertmanager, config.http, config.collection.interval)


def bridge_changed(old: Config, new: Config) -> bool:
    """Whether a reload must replace the bridge: its settings changed, or the collection
    interval (the default keep_firing_for depends on it), or the HTTP proxy and CA settings
    its sender uses."""
    return not (
        new.alertmanager == old.alertmanager
        and new.collection.interval == old.collection.interval
        and new.http.proxy_env == old.http.proxy_env
        and new.http.ca_bundle == old.http.ca_bundle
    )
