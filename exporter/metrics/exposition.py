"""Rendering: one cycle's view to the bytes every scrape copies, in both exposition formats.

Rendering happens once per cycle: every family into the pieces of the Prometheus text format
and OpenMetrics. Each of the four bodies (each format, plain and gzip) is joined from the
pieces when a scrape first asks for it, at most once per render; a scrape only picks one.
Label values come from the API and are escaped by prometheus_client's own escaping function,
never by hand.

For a plain family (gauge or counter samples: a plain name, plain label names, no timestamp,
exemplar or created sample) a sample's line is the same bytes in both formats, so it is
written once, its label values escaped by the library's function once per distinct value,
and only the HELP/TYPE lines come from the library's generators (run on the family without its
samples). Every other family is rendered by the library whole. The unit tests hold the result
byte for byte to the library's own render, hostile label values included.
"""

from __future__ import annotations

import io
import itertools
import re
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
from prometheus_client.utils import floatToGoString

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


class Exposition:
    """One render: every family rendered into pieces, each body built from them on its first
    ask, once per render (a lock), then the same bytes for every scrape.

    A piece is a family's text-format head, its OpenMetrics head and the sample lines both
    share. Prometheus asks for OpenMetrics with gzip, so the text format is then never built
    and the plain bodies never held; the gzip is packed piece by piece, without the plain body.
    """

    def __init__(self, pieces: list[tuple[bytes, bytes, bytes]]) -> None:
        self._pieces = pieces
        self._lock = threading.Lock()
        self._built: dict[tuple[bool, bool], bytes] = {}

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
                chunks = self._chunks(openmetrics)
                built = self._built[key] = _gzip(chunks) if packed else b"".join(chunks)
            return built

    def _chunks(self, openmetrics: bool) -> Iterator[bytes]:
        for text_head, om_head, lines in self._pieces:
            yield om_head if openmetrics else text_head
            yield lines
        if openmetrics:
            yield OPENMETRICS_EOF


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


# A name both formats write as it is (no escaping, no quoting, no colon: OpenMetrics escapes
# sample names by the label-name rules).
PLAIN_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
# The sample names each plain family type may hold; anything else (_created, _gsum, ...) is
# placed differently by the two formats.
PLAIN_SUFFIX = {"gauge": "", "counter": "_total"}


def _both_formats(family: Metric) -> tuple[bytes, bytes]:
    """The library's render of one family, text format and OpenMetrics (without its EOF)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_OneFamily(family))
    om = openmetrics.generate_latest(registry)  # type: ignore[no-untyped-call]
    return generate_latest(registry), om.removesuffix(OPENMETRICS_EOF)


def _library_escape() -> Callable[[str], str] | None:
    """prometheus_client's own label-value escaping, or None where this version has no such
    function or it does not escape as the formats say: the families are then rendered by the
    library whole (slower, the same bytes). Private to the library, hence checked at import."""
    try:
        from prometheus_client.openmetrics.exposition import (
            ALLOWUTF8,
            _escape,
        )

        def escape(value: str) -> str:
            return str(_escape(value, ALLOWUTF8, _no_rune_check))

        if escape('a"b\\c\nd\u00e9') != 'a\\"b\\\\c\\nd\u00e9':
            return None
    except (ImportError, TypeError, ValueError):
        return None
    return escape


def _sample_lines(family: Metric) -> bytes | None:
    """The family's sample lines, the same in both formats; None if it is not plain."""
    suffix = PLAIN_SUFFIX.get(family.type)
    if suffix is None or ESCAPE is None:
        return None
    name = family.name + suffix
    if not PLAIN_NAME.fullmatch(name):
        return None
    plain_label_names: dict[str, bool] = {}
    escaped: dict[str, str] = {}  # label value -> the library's escaping of it
    # Bytes line by line: a list of lines, their join and its encoding would be three
    # copies of the largest family at the render's peak.
    lines = io.BytesIO()
    for sample in family.samples:
        if (
            sample.name != name
            or sample.timestamp is not None
            or sample.exemplar is not None
            or sample.native_histogram is not None
        ):
            return None
        pairs: list[str] = []
        for label, value in sorted(sample.labels.items()):
            plain = plain_label_names.get(label)
            if plain is None:
                plain = plain_label_names[label] = PLAIN_NAME.fullmatch(label) is not None
            if not plain:
                return None
            text = escaped.get(value)
            if text is None:
                text = escaped[value] = ESCAPE(value)
            pairs.append(f'{label}="{text}"')
        labels = "{" + ",".join(pairs) + "}" if pairs else ""
        lines.write(f"{name}{labels} {_go_float(sample.value)}\n".encode())
    return lines.getvalue()


def _go_float(value: float) -> str:
    """The library's number format (Go's), as both its generators write sample values."""
    text: str = floatToGoString(value)  # type: ignore[no-untyped-call]
    return text


def _no_rune_check(rune: str, index: int) -> bool:
    return True  # label values may hold any character: only escaped, never replaced


ESCAPE = _library_escape()


def write(families: Iterable[Metric]) -> Exposition:
    """Family by family: the peak is the pieces and one family, not every family's samples
    plus prometheus_client's line list and its copies."""
    pieces: list[tuple[bytes, bytes, bytes]] = []
    for family in families:
        lines = _sample_lines(family)
        if lines is None:
            pieces.append((*_both_formats(family), b""))
        else:
            header = Metric(family.name, family.documentation, family.type, family.unit)
            pieces.append((*_both_formats(header), lines))
        del family, lines
    return Exposition(pieces)


def render(view: View) -> Exposition:
    return write(itertools.chain(view_families(view), runtime_families()))
