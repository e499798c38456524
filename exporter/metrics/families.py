"""What every family builder shares: the HELP suffix of cached values, the per-scope gauge."""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client.core import GaugeMetricFamily

CACHED = " (cached: value from the last collection cycle)."


def per_scope(
    name: str, documentation: str, values: Mapping[str, int | float | bool]
) -> GaugeMetricFamily:
    """A gauge with one series per scope (an up flag counts as 1 or 0)."""
    family = GaugeMetricFamily(name, documentation, labels=["scope"])
    for scope, value in sorted(values.items()):
        family.add_metric([scope], float(value))
    return family
