"""Log lines that cannot be forged: logfmt (or JSON), one record per line, secrets redacted.

Messages are written as `key=value` pairs by the code that logs them. Values that come from
outside (API strings, config values, client bytes) go through `quote()`; and the formatter is
the last line of defence: a message that is not well-formed logfmt, or holds a control
character, is emitted whole as one escaped `msg="..."` value, so no value ever splits a line or
adds a key of its own.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from collections.abc import Sequence

LOG_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "error": logging.ERROR,
}
LOG_FORMATS = ("logfmt", "json")

# Characters that may end a line for some reader (Python's splitlines included).
_CONTROLS = "\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029"
_KEY = r"[A-Za-z_][A-Za-z0-9_.\-]*"
_BARE = rf'[^\s"{_CONTROLS}]*'
_QUOTED = rf'"(?:[^"\\{_CONTROLS}]|\\[^{_CONTROLS}])*"'
_PAIR = rf"{_KEY}=(?:{_QUOTED}|{_BARE})"
_LOGFMT = re.compile(rf"{_PAIR}(?: {_PAIR})*")
# A bare value must not need quoting: empty, spaces, quotes, '=', backslashes, controls.
_NEEDS_QUOTES = re.compile(rf'[\s"=\\{_CONTROLS}]|^$')
_TO_ESCAPE = re.compile(rf'[\\"{_CONTROLS}]')
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", '"': '\\"', "\\": "\\\\"}


def _escape_char(match: re.Match[str]) -> str:
    char = match.group(0)
    return _ESCAPES.get(char) or f"\\u{ord(char):04x}"


def escape(text: str) -> str:
    """`text` with backslashes, quotes and control characters escaped: one line, always."""
    return _TO_ESCAPE.sub(_escape_char, text)


def quote(value: object, limit: int = 256) -> str:
    """A logfmt value for untrusted text in a `key=%s` position: quoted only when needed.

    Cut to `limit` characters so a hostile value cannot make a line arbitrarily long; lone
    surrogates are replaced so the line can always be encoded.
    """
    text = value if isinstance(value, str) else str(value)
    if len(text) > limit:
        text = text[:limit] + "..."
    text = text.encode("utf-8", "replace").decode("utf-8")
    if not _NEEDS_QUOTES.search(text):
        return text
    return f'"{escape(text)}"'


def quote_bytes(data: bytes, limit: int = 256) -> str:
    """A logfmt value for bytes a client sent (a request line): never raw, never long."""
    return quote(data[: limit + 1].decode("latin-1"), limit)


def is_logfmt(message: str) -> bool:
    return _LOGFMT.fullmatch(message) is not None


class LogFormatter(logging.Formatter):
    """logfmt or JSON lines with secrets replaced by `***`."""

    def __init__(self, json_format: bool = False, secrets: Sequence[str] = ()) -> None:
        super().__init__()
        self._json = json_format
        self._secrets = [s for s in secrets if len(s) >= 4]

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def format(self, record: logging.LogRecord) -> str:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the record
            message = f"{record.msg!r} {record.args!r}"
        message = self._redact(message).encode("utf-8", "replace").decode("utf-8")
        error = ""
        if record.exc_info:
            error = self._redact(self.formatException(record.exc_info))
        timestamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        timestamp += f".{int(record.msecs):03d}Z"
        level = record.levelname.lower().replace("warning", "warn")
        if self._json:
            if error:
                message += " " + error.replace("\n", " | ")
            return json.dumps(
                {"ts": timestamp, "level": level, "logger": record.name, "msg": message}
            )
        if not is_logfmt(message):
            message = f"msg={quote(message, limit=64 * 1024)}"
        line = f"ts={timestamp} level={level} logger={quote(record.name)} {message}"
        if error:
            line += f" exc={quote(error, limit=64 * 1024)}"
        return line


def setup_logging(level: str, log_format: str, secrets: Sequence[str] = ()) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(LogFormatter(log_format == "json", secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(LOG_LEVELS[level])
    # urllib3 logs full URLs at debug; ours are free of secrets, but keep its noise out.
    logging.getLogger("urllib3").setLevel(logging.WARNING)
