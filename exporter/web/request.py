"""The small strings the server parses itself: its listen address, Accept and Accept-Encoding.

They are parsed by hand rather than by a library: the address is a flag value whose error
must read well at start, and the Accept headers come from any client on every scrape, so
their parsers stay cheap and never raise on odd input.
"""

from __future__ import annotations


def parse_listen_address(value: str) -> tuple[str, int]:
    """HOST:PORT, :PORT or [IPv6]:PORT; raises ValueError with a readable message."""
    host, sep, port_text = value.rpartition(":")
    if not sep or not port_text.isdigit() or int(port_text) > 65535:
        raise ValueError(f"expected HOST:PORT, got {value!r}")
    return host.strip("[]"), int(port_text)


# A header longer than this many items is judged by its first ones (heads are capped anyway).
MAX_ACCEPT_ITEMS = 64
OPENMETRICS = "application/openmetrics-text"
OPENMETRICS_VERSIONS = ("1.0.0", "0.0.1")  # what a 1.0.0 body satisfies


def _items(header: str | None) -> list[tuple[str, dict[str, str]]]:
    """Each comma-separated item: its lowercased value and its parameters."""
    items = []
    for part in (header or "").split(",")[:MAX_ACCEPT_ITEMS]:
        name, *params = part.split(";")
        values = {}
        for param in params:
            key, _, value = param.partition("=")
            values[key.strip().lower()] = value.strip().strip('"')
        items.append((name.strip().lower(), values))
    return items


def _quality(params: dict[str, str]) -> float:
    try:
        quality = float(params.get("q", "1"))
    except ValueError:
        return 0.0
    return quality if 0.0 <= quality <= 1.0 else 0.0  # nan and out of range: refused


def accepts_gzip(header: str | None) -> bool:
    """True when Accept-Encoding admits gzip (explicitly or by *) with a quality above 0."""
    for name, params in _items(header):
        if name in ("gzip", "*"):
            return _quality(params) > 0
    return False


def prefers_openmetrics(header: str | None) -> bool:
    """True when Accept weighs OpenMetrics above the text format; the text is the default.

    Each format takes the quality of the most specific range that names it (RFC 9110); on a
    tie, OpenMetrics when it is named outright (as Prometheus names it), else the text.
    """
    best = {"om": (-1, 0.0), "text": (-1, 0.0)}  # (specificity, quality)
    for name, params in _items(header):
        kind, _, sub = name.partition("/")
        if name == OPENMETRICS:
            matches = [("om", 2)] if params.get("version", "1.0.0") in OPENMETRICS_VERSIONS else []
        elif name == "text/plain":
            matches = [("text", 2)]
        elif sub == "*" and kind in ("application", "text"):
            matches = [("om" if kind == "application" else "text", 1)]
        elif name == "*/*":
            matches = [("om", 0), ("text", 0)]
        else:
            continue
        for fmt, specificity in matches:
            seen = best[fmt]
            quality = _quality(params)
            if specificity > seen[0] or (specificity == seen[0] and quality > seen[1]):
                best[fmt] = (specificity, quality)
    om, text = best["om"], best["text"]
    if om[1] != text[1]:
        return om[1] > text[1]
    return om[1] > 0 and om[0] == 2
