"""Sample lines written without prometheus_client's generators: the render's fast path.

A plain family's sample line (a gauge or counter sample with a plain name, plain label names
and no timestamp, exemplar or created sample) is the same bytes in both exposition formats,
so the renderer (exposition.py) writes it once for both. Label values are escaped by
prometheus_client's own function, which is private to the library: it is looked up and
checked at import, and without it (ESCAPE None) every family goes to the library whole.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator

from prometheus_client.core import Metric
from prometheus_client.utils import floatToGoString

from exporter.metrics.families import GaugeRows

# A name both formats write as it is (no escaping, no quoting, no colon: OpenMetrics escapes
# sample names by the label-name rules).
PLAIN_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
# The sample names each plain family type may hold; anything else (_created, _gsum, ...) is
# placed differently by the two formats.
PLAIN_SUFFIX = {"gauge": "", "counter": "_total"}


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


def sample_lines(family: Metric) -> bytes | None:
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


def rows_plain(family: GaugeRows) -> bool:
    """Whether the fast path writes the family: a plain name, plain distinct label names."""
    names = family.labels
    return (
        ESCAPE is not None
        and PLAIN_NAME.fullmatch(family.name) is not None
        and len(set(names)) == len(names)
        and all(PLAIN_NAME.fullmatch(name) for name in names)
    )


ROW_CHUNK_BYTES = 64 * 1024  # lines handed on in pieces this size: never a family's whole


def row_lines(family: GaugeRows) -> Iterator[bytes]:
    """A plain GaugeRows family's sample lines as sample_lines writes them for the same
    family made by prometheus_client (labels sorted by name)."""
    assert ESCAPE is not None  # rows_plain said so
    escape, names = ESCAPE, family.labels
    heads = [
        (index, f'{names[index]}="') for index in sorted(range(len(names)), key=names.__getitem__)
    ]
    start = f"{family.name}{{" if names else family.name
    end = "} " if names else " "
    escaped: dict[str, str] = {}  # label value -> the library's escaping of it
    lines: list[str] = []
    size = 0
    for values, value in family.rows():
        if len(values) != len(names):
            raise ValueError(f"{family.name}: {len(values)} label values for {len(names)} names")
        pairs = []
        for index, head in heads:
            raw = values[index]
            text = escaped.get(raw)
            if text is None:
                text = escaped[raw] = escape(raw)
            pairs.append(f'{head}{text}"')
        line = f"{start}{','.join(pairs)}{end}{_go_float(value)}\n"
        lines.append(line)
        size += len(line)
        if size >= ROW_CHUNK_BYTES:
            yield "".join(lines).encode()
            lines, size = [], 0
    if lines:
        yield "".join(lines).encode()


def _go_float(value: float) -> str:
    """The library's number format (Go's), as both its generators write sample values."""
    text: str = floatToGoString(value)  # type: ignore[no-untyped-call]
    return text


def _no_rune_check(rune: str, index: int) -> bool:
    return True  # label values may hold any character: only escaped, never replaced


ESCAPE = _library_escape()
