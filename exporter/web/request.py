"""The two small strings the server parses itself: its listen address and Accept-Encoding.

Both are parsed by hand rather than by a library: the address is a flag value whose error
must read well at start, and Accept-Encoding comes from any client on every scrape, so its
parser stays cheap and never raises on odd input.
"""

from __future__ import annotations


def parse_listen_address(value: str) -> tuple[str, int]:
    """HOST:PORT, :PORT or [IPv6]:PORT; raises ValueError with a readable message."""
    host, sep, port_text = value.rpartition(":")
    if not sep or not port_text.isdigit() or int(port_text) > 65535:
        raise ValueError(f"expected HOST:PORT, got {value!r}")
    return host.strip("[]"), int(port_text)


def accepts_gzip(header: str | None) -> bool:
    """True when Accept-Encoding admits gzip (explicitly or by *) with a quality above 0."""
    for part in (header or "").split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() not in ("gzip", "*"):
            continue
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        return quality > 0
    return False
