"""Rendering: one cycle's view to the bytes every scrape copies, in both exposition formats.

The body Prometheus asks for (OpenMetrics, gzip) is rendered when the cycle publishes, family
by family straight into the compressor: no plain body, no list of every family's lines, is
ever held, and a family that cannot be rendered fails the render in the cycle, not in a
scrape. Each other body (the text format, plain OpenMetrics) is rendered from the same view
when a scrape first asks for it, at most once per render; the runtime families (process_*,
python_*) are read once, so every format shows the same values. Label values come from the
API and are escaped by prometheus_client's own escaping function, never by hand.

For a plain family (gauge or counter samples: a plain name, plain label names, no timestamp,
exemplar or created sample) a sample's line is the same bytes in both formats, so it is
written once, its label values escaped by the library's function once per distinct value,
and only the HELP/TYPE lines come from the library's generators (run on the family without its
samples); a GaugeRows family is written from its rows without any Sample. Every other family
is rendered by the library whole. The unit tests hold the result byte for byte to the
library's own render, hostile label values included.
"""

from __future__ import annotations

import io
import itertools
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator

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
from exporter.metrics.families import GaugeRows
from exporter.metrics.incident_metrics import causeflow_families
from exporter.metrics.sample_lines import row_lines, rows_plain, sample_lines
from exporter.metrics.self_metrics import bridge_families, reload_families, self_families
from exporter.metrics.slo_metrics import slo_families
from exporter.metrics.time_to_resolve_metrics import resolve_families
from exporter.view import View

TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
OPENMETRICS_CONTENT_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8"
OPENMETRICS_EOF = b"# EOF\n"
GZIP_WBITS = 16 + zlib.MAX_WBITS  # a gzip header and trailer around the deflate stream


def view_families(view: View) -> Iterator[Family]:
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


Family = Metric | GaugeRows


class Exposition:
    """One render: the OpenMetrics gzip body built at once, each other body on its first ask
    (once per render, under a lock), then the same bytes for every scrape."""

    def __init__(self, families: Callable[[], Iterable[Family]]) -> None:
        """`families` gives the same families each time it is called (one view's)."""
        self._families = families
        self._lock = threading.Lock()
        self._built = {(True, True): _gzip(_chunks(families(), openmetrics=True))}

    @property
    def openmetrics(self) -> bool:
        return True

    @property
    def body(self) -> bytes:
        return self._get(openmetrics=False, packed=False)

    @property
    def gzip_body(self) -> bytes:
        return self._get(openmetrics=False, packed=True)

    @property
    def openmetrics_body(self) -> bytes:
        return self._get(openmetrics=True, packed=False)

    @property
    def openmetrics_gzip_body(self) -> bytes:
        return self._get(openmetrics=True, packed=True)

    def _get(self, openmetrics: bool, packed: bool) -> bytes:
        key = (openmetrics, packed)
        with self._lock:
            built = self._built.get(key)
            if built is None:
                chunks = _chunks(self._families(), openmetrics)
                built = self._built[key] = _gzip(chunks) if packed else b"".join(chunks)
            return built


def _chunks(families: Iterable[Family], openmetrics: bool) -> Iterator[bytes]:
    """One format's body in pieces: each family's head and its sample lines, then the EOF."""
    for family in families:
        text_head, om_head, lines = _rendered(family)
        yield om_head if openmetrics else text_head
        yield from lines
        del family, lines
    if openmetrics:
        yield OPENMETRICS_EOF


def _rendered(family: Family) -> tuple[bytes, bytes, Iterable[bytes]]:
    """The family's text-format head, OpenMetrics head and sample lines (both formats')."""
    if isinstance(family, GaugeRows):
        if rows_plain(family):
            header = Metric(family.name, family.documentation, "gauge")
            return (*_both_formats(header), row_lines(family))
        family = family.metric()
    lines = sample_lines(family)
    if lines is None:
        return (*_both_formats(family), ())
    header = Metric(family.name, family.documentation, family.type, family.unit)
    return (*_both_formats(header), (lines,))


def _gzip(chunks: Iterable[bytes]) -> bytes:
    # Level 6 balances size and the once-per-render CPU cost; scrapes then copy bytes.
    packer = zlib.compressobj(6, zlib.DEFLATED, GZIP_WBITS)
    packed = io.BytesIO()  # one growing buffer, not a list of pieces and their join
    for chunk in chunks:
        packed.write(packer.compress(chunk))
    packed.write(packer.flush())
    return packed.getvalue()


class _OneFamily:
    def __init__(self, family: Metric) -> None:
        self._family = family

    def collect(self) -> Iterator[Metric]:
        yield self._family


def _both_formats(family: Metric) -> tuple[bytes, bytes]:
    """The library's render of one family, text format and OpenMetrics (without its EOF)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_OneFamily(family))
    om = openmetrics.generate_latest(registry)  # type: ignore[no-untyped-call]
    return generate_latest(registry), om.removesuffix(OPENMETRICS_EOF)


def write(families: Iterable[Family]) -> Exposition:
    """The exposition of these families (rendered again for each format's first ask)."""
    kept = list(families)
    return Exposition(lambda: kept)


def render(view: View) -> Exposition:
    runtime = list(runtime_families())  # as of this render, the same in every format
    return Exposition(lambda: itertools.chain(view_families(view), runtime))
