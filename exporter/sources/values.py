"""Readers for fields of untrusted API answers: bounded printable strings, times, ids."""

from __future__ import annotations

import re
from collections.abc import Hashable
from datetime import datetime

MAX_LABEL_CHARS = 256
MAX_TIME_CHARS = 64  # an RFC 3339 time with nanoseconds and an offset is 35
REPLACEMENT = "\ufffd"
# Lone surrogates cannot be encoded at all; control characters (and the Unicode line
# separators) would split or repaint a log line or a label.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


_FRACTION = re.compile(r"(\.\d{6})\d+")


def parse_time(value: object) -> float | None:
    """Unix seconds from an RFC 3339 string (Z or offset, up to nanoseconds); None if absent."""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TIME_CHARS:
        return None
    try:
        parsed = datetime.fromisoformat(value)  # the common case, fast on Python 3.11+
    except ValueError:
        text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
        try:
            parsed = datetime.fromisoformat(_FRACTION.sub(r"\1", text))
        except ValueError:
            return None
    if parsed.tzinfo is None:
        return None
    return parsed.timestamp()


def clean(value: str, limit: int = MAX_LABEL_CHARS) -> str:
    """An API string made safe for a label value or a log line: valid UTF-8, one line, bounded.

    Lone surrogates and control characters become U+FFFD; the rest is cut at `limit`.
    The common case (short and printable) costs one length check and one C-level scan.
    """
    if len(value) > limit:
        value = value[:limit]
    if value.isprintable():
        return value
    return _UNSAFE.sub(REPLACEMENT, value)


def text(value: object, default: str = "") -> str:
    """A cleaned string, or `default` when the value is absent, empty or not a string."""
    return clean(value) if isinstance(value, str) and value else default


def is_clean_id(value: str) -> bool:
    """An id fit to be a label and a key as it is: non-empty, printable, bounded."""
    return 0 < len(value) <= MAX_LABEL_CHARS and value.isprintable()


def node_key(value: object) -> Hashable:
    """A dedupe key from an API id: strings and integers as themselves, anything else unique.

    A list or an object as an id must not end a walk with "unhashable type"; such a node is
    never a duplicate of another, and the parser then skips and counts it.
    """
    if type(value) is str:
        return value
    if type(value) is int:
        return str(value)
    return object()
