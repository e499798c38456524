"""Rendering: one cycle's view to the bytes every scrape copies, in both exposition formats.

Rendering happens once per cycle: the Prometheus text format and OpenMetrics, each plain and
gzip. A scrape only picks one of the four. Label values come from the API and are escaped by
prometheus_client, never by hand.
"""

from __future__ import annotations

import io
import itertools
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from prometheus_client import (
    CollectorRegistry,
    GCCollector,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import Metric
from prometheus_client.openmetrics import exposition as openmetrics

from exporter.metrics.causely import causely_families
from exporter.metrics.entity_health_metrics import entity_health_families
from exporter.metrics.explained import explained_families
from exporter.metrics.incident_metrics import causeflow_families
from exporter.metrics.self_metrics import bridge_families, reload_families, self_families
from exporter.metrics.slo_metrics import slo_families
from exporter.metrics.time_to_resolve_metrics import resolve_families
from exporter.view import View

TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
OPENMETRICS_CONTENT_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8"
OPENMETRICS_EOF = b"# EOF\n"
GZIP_WBITS = 16 + zlib.MAX_WBITS  # a gzip header and trailer around the deflate stream


def view_families(view: View) -> Iterator[Metric]:
    if view.causely is not None:
        yield from causely_families(view.causely)
        yield from explained_families(view.causely)
    if view.causeflow is not None:
        yield from causeflow_families(view.causeflow)
    if view.health_and_slos is not None:
        yield from entity_health_families(view.health_and_slos)
        yield from slo_families(view.health_and_slos)
    if view.resolve is not None:
        yield from resolve_families(view.resolve)
    yield from self_families(view)
    if view.bridge is not None:
        yield from bridge_families(view.bridge)
    if view.reload is not None:
        yield from reload_families(view.reload)


def runtime_families() -> Iterator[Metric]:
    """The client library's process_* and python_* metrics, as of this render."""
    yield from ProcessCollector(registry=None).collect()
    yield from PlatformCollector(registry=None).collect()
    yield from GCCollector(registry=CollectorRegistry(auto_describe=False)).collect()


@dataclass(frozen=True)
class Exposition:
    body: bytes
    gzip_body: bytes
    openmetrics_body: bytes
    openmetrics_gzip_body: bytes


class _OneFamily:
    def __init__(self, family: Metric) -> None:
        self._family = family

    def collect(self) -> Iterator[Metric]:
        yield self._family


class _Stream:
    """One format's body and its gzip, written chunk by chunk."""

    def __init__(self) -> None:
        self.plain = io.BytesIO()
        # Level 6 balances size and the once-per-cycle CPU cost; scrapes then copy bytes.
        self._packer = zlib.compressobj(6, zlib.DEFLATED, GZIP_WBITS)
        self._packed: list[bytes] = []

    def write(self, chunk: bytes) -> None:
        self.plain.write(chunk)
        self._packed.append(self._packer.compress(chunk))

    def close(self) -> tuple[bytes, bytes]:
        self._packed.append(self._packer.flush())
        return self.plain.getvalue(), b"".join(self._packed)


def write(families: Iterable[Metric]) -> Exposition:
    """Family by family, both formats side by side: the peak is the bodies, not the bodies
    plus every family's samples plus prometheus_client's line list and its copies."""
    text, om = _Stream(), _Stream()
    for family in families:
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_OneFamily(family))
        text.write(generate_latest(registry))
        chunk = openmetrics.generate_latest(registry)  # type: ignore[no-untyped-call]
        om.write(chunk.removesuffix(OPENMETRICS_EOF))
        del family, registry
    om.write(OPENMETRICS_EOF)
    return Exposition(*text.close(), *om.close())


def render(view: View) -> Exposition:
    return write(itertools.chain(view_families(view), runtime_families()))
