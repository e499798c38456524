"""The exporter's own metrics: cycles, API calls, skips, the bridge's sends, the build."""

from __future__ import annotations

import platform
from collections.abc import Callable, Iterator, Mapping

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from exporter.client.stats import Quota
from exporter.sources.values import clean
from exporter.view import BridgeStats, ReloadState, View


def _counter(
    name: str, documentation: str, labels: list[str], values: Mapping[tuple[str, str], int]
) -> CounterMetricFamily:
    # Codes and reasons may carry API bytes: cleaned here too, as a last line of defence, and
    # merged, so two codes that clean to the same text never make a duplicate series.
    merged: dict[tuple[str, ...], int] = {}
    for label_values, count in values.items():
        key = tuple(clean(value, 64) for value in label_values)
        merged[key] = merged.get(key, 0) + count
    family = CounterMetricFamily(name, documentation, labels=labels)
    for key, count in sorted(merged.items()):
        family.add_metric(list(key), count)
    return family


def self_families(view: View) -> Iterator[Metric]:
    if view.last_success is not None:
        yield GaugeMetricFamily(
            "causely_exporter_last_success_timestamp_seconds",
            "End of the last collection cycle in which every enabled source succeeded.",
            value=view.last_success,
        )
    if view.duration is not None:
        yield GaugeMetricFamily(
            "causely_exporter_collection_duration_seconds",
            "Wall time of the last collection cycle.",
            value=view.duration,
        )
    yield GaugeMetricFamily(
        "causely_exporter_collection_interval_seconds",
        "Configured time between collection cycles.",
        value=view.interval,
    )
    yield _counter(
        "causely_exporter_api_requests",
        "HTTP requests sent to the APIs, every attempt, by operation and status code "
        "(timeout and connection_error when no status came back).",
        ["operation", "code"],
        view.stats.requests,
    )
    yield _counter(
        "causely_exporter_api_retries",
        "API requests repeated after a failure, by operation and reason.",
        ["operation", "reason"],
        view.stats.retries,
    )
    yield _counter(
        "causely_exporter_api_errors",
        "API calls that failed after all retries, by operation and error code.",
        ["operation", "error"],
        view.stats.errors,
    )
    yield _counter(
        "causely_exporter_collection_errors",
        "Units (scopes, incident lists) or plans failed by an unexpected error, by source and "
        "exception type; the unit keeps its last good values.",
        ["source", "reason"],
        view.collection_errors,
    )
    yield CounterMetricFamily(
        "causely_exporter_render_failures",
        "Cycles whose exposition could not be rendered; the previous one was served instead.",
        value=view.render_failures,
    )
    yield _counter(
        "causely_exporter_skipped_nodes",
        "API nodes left out for a field of the wrong type or an unfit id, by operation and reason.",
        ["operation", "reason"],
        view.skipped_nodes,
    )
    yield from quota_families(view.stats.quotas)
    build = GaugeMetricFamily(
        "causely_exporter_build_info",
        "Build information; always 1.",
        labels=["version", "python_version"],
    )
    build.add_metric([view.version, platform.python_version()], 1)
    yield build


def _per_alertmanager(
    family: CounterMetricFamily | GaugeMetricFamily, values: Mapping[str, float]
) -> CounterMetricFamily | GaugeMetricFamily:
    for alertmanager, value in sorted(values.items()):
        family.add_metric([alertmanager], value)
    return family


def bridge_families(stats: BridgeStats) -> Iterator[Metric]:
    label = ["alertmanager"]
    yield _per_alertmanager(
        CounterMetricFamily(
            "causely_exporter_alertmanager_notifications",
            "Requests (batches of at most 256 alerts) the bridge posted to an Alertmanager "
            "and it accepted.",
            labels=label,
        ),
        stats.sent,
    )
    yield _per_alertmanager(
        CounterMetricFamily(
            "causely_exporter_alertmanager_notifications_failed",
            "Requests the bridge posted to an Alertmanager that failed; not retried, the next "
            "resend covers them.",
            labels=label,
        ),
        stats.failed,
    )
    yield _per_alertmanager(
        GaugeMetricFamily(
            "causely_exporter_alertmanager_last_success_timestamp_seconds",
            "When an Alertmanager last accepted a request from the bridge, as Unix seconds.",
            labels=label,
        ),
        stats.last_success,
    )
    yield GaugeMetricFamily(
        "causely_exporter_alertmanager_alerts_firing",
        "Alerts the bridge currently sends as firing.",
        value=stats.firing,
    )
    yield GaugeMetricFamily(
        "causely_exporter_alertmanager_alerts_held",
        "Firing alerts whose scope's latest collection failed: not re-sent as fresh, but "
        "extended (marked data_stale_since) where an Alertmanager still holds them firing.",
        value=stats.held,
    )
    yield _per_alertmanager(
        CounterMetricFamily(
            "causely_exporter_alertmanager_reads",
            "Reads of an Alertmanager's active alerts before extending stale ones there.",
            labels=label,
        ),
        stats.reads,
    )
    yield _per_alertmanager(
        CounterMetricFamily(
            "causely_exporter_alertmanager_reads_failed",
            "Reads of an Alertmanager's active alerts that failed (down, error, too big, too "
            "slow, malformed): nothing was extended there that time.",
            labels=label,
        ),
        stats.reads_failed,
    )
    yield _per_alertmanager(
        CounterMetricFamily(
            "causely_exporter_alertmanager_alerts_extended",
            "Stale alerts the bridge extended in an Alertmanager that still held them firing.",
            labels=label,
        ),
        stats.extended,
    )
    yield CounterMetricFamily(
        "causely_exporter_alertmanager_alerts_dropped",
        "Alerts left out by alertmanager.max_alerts, counted once per collection cycle.",
        value=stats.dropped,
    )


def reload_families(state: ReloadState) -> Iterator[Metric]:
    yield GaugeMetricFamily(
        "causely_exporter_config_last_reload_successful",
        "Whether the last configuration reload attempt succeeded (1) or failed (0).",
        value=1 if state.successful else 0,
    )
    yield GaugeMetricFamily(
        "causely_exporter_config_last_reload_success_timestamp_seconds",
        "Time of the last successful configuration load, at start or on SIGHUP.",
        value=round(state.success_time, 3),
    )


def quota_families(quotas: Mapping[str, Quota]) -> Iterator[Metric]:
    """The rate-limit window of each API whose answers carry X-RateLimit-* headers."""
    if not quotas:
        return
    rows: tuple[tuple[str, str, Callable[[Quota], float | None]], ...] = (
        (
            "causely_exporter_api_rate_limit_requests",
            "Requests the API allows per rate-limit window (X-RateLimit-Limit of its latest "
            "answer carrying it).",
            lambda q: q.limit,
        ),
        (
            "causely_exporter_api_rate_limit_remaining_requests",
            "Requests left in the API's current rate-limit window (X-RateLimit-Remaining of its "
            "latest answer carrying it).",
            lambda q: q.remaining,
        ),
        (
            "causely_exporter_api_rate_limit_reset_timestamp_seconds",
            "When the API's rate-limit window resets (X-RateLimit-Reset), as Unix seconds.",
            lambda q: q.reset_at,
        ),
        (
            "causely_exporter_api_rate_limit_seen_timestamp_seconds",
            "When the API last answered with X-RateLimit-* headers, as Unix seconds.",
            lambda q: q.seen_at,
        ),
    )
    for name, documentation, value_of in rows:
        family = GaugeMetricFamily(name, documentation, labels=["api"])
        for api, quota in sorted(quotas.items()):
            value = value_of(quota)
            if value is not None:
                family.add_metric([api], value)
        yield family
