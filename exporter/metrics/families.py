"""What every family builder shares: the HELP suffix of cached values, the per-scope gauge,
and GaugeRows for the families of one series per defect or SLO."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

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


Row = tuple[Sequence[str], float]


@dataclass(frozen=True)
class GaugeRows:
    """A gauge family given as its label names and a way to list its rows (values, value).

    The large families (a series per defect, per SLO) are written line by line from the
    view's records by the renderer (exposition.py), so no prometheus_client Sample and label
    dict exists per series; `metric()` is the same family as prometheus_client's, for the
    renderer's fallback and for any other reader.
    """

    name: str
    documentation: str
    labels: tuple[str, ...]
    rows: Callable[[], Iterable[Row]]

    def metric(self) -> GaugeMetricFamily:
        family = GaugeMetricFamily(self.name, self.documentation, labels=list(self.labels))
        for values, value in self.rows():
            family.add_metric(values, value)
        return family
