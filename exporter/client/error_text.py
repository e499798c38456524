"""Text an API sends back (error codes, messages) made safe for labels and log lines.

An API is untrusted: its error codes become label values and its messages go into logs, so a
code is folded into a short `[a-z0-9_]` word from a bounded set, and a message loses its
newlines and control characters and is cut short. Nothing here raises on odd input (lone
surrogates included).
"""

from __future__ import annotations

import re
import threading
from urllib.parse import urlsplit

MAX_CODE_LENGTH = 40
MAX_MESSAGE_LENGTH = 300
# Distinct API-supplied codes kept per process; later new ones are counted as OTHER.
MAX_DISTINCT_CODES = 32
OTHER = "other"

_NOT_CODE = re.compile(r"[^a-z0-9_]+")
_UNSAFE = re.compile(r'["\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]')


def error_code(raw: object) -> str:
    """A label-safe code: lower case, runs of other characters become one `_`, cut short."""
    if not isinstance(raw, str):
        return OTHER
    code = _NOT_CODE.sub("_", raw.lower()).strip("_")[:MAX_CODE_LENGTH].rstrip("_")
    return code or OTHER


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in "\t\n\r":
        return " "
    if char == '"':
        return "'"  # the line's quoting stays the logger's
    return f"\\u{ord(char):04x}"


def clean_message(raw: object, limit: int = MAX_MESSAGE_LENGTH) -> str:
    """One log-safe line: control characters and lone surrogates escaped, whitespace folded."""
    text = raw if isinstance(raw, str) else _safe_str(raw)
    # Cut before escaping too, so a megabyte message costs no more than a short one.
    text = _UNSAFE.sub(_escape, text[: limit * 2])
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _safe_str(value: object) -> str:
    try:
        return str(value)[: MAX_MESSAGE_LENGTH * 2]
    except Exception:  # a str() of hostile data must not end the caller
        return f"<{type(value).__name__}>"


class CodeFolder:
    """Keeps the set of error codes seen by one process bounded.

    Codes the exporter itself raises (`known`) always pass; the first MAX_DISTINCT_CODES
    other codes pass too, every later new one becomes OTHER.
    """

    def __init__(self, known: frozenset[str] = frozenset(), limit: int = MAX_DISTINCT_CODES):
        self._known = known
        self._limit = limit
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def fold(self, raw: object) -> str:
        code = error_code(raw)
        if code in self._known:
            return code
        with self._lock:
            if code in self._seen:
                return code
            if len(self._seen) < self._limit:
                self._seen.add(code)
                return code
        return OTHER


def endpoint(url: str) -> str:
    """host:port of a URL, for log lines: never its user info, path or query."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "invalid-url"
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    return f"{host}:{port or (443 if parts.scheme == 'https' else 80)}"
