"""Log lines that cannot be forged: logfmt (or JSON), one record per line, secrets redacted.

Messages are written as `key=value` pairs by the code that logs them; in JSON each pair is a
field of its own. Values that come from
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


def is_logfmt(message: str) -> bool:
    return _LOGFMT.fullmatch(message) is not None


_PAIR_PARTS = re.compile(rf"({_KEY})=({_QUOTED}|{_BARE})(?: |$)")
_ESCAPED = re.compile(r"\\(u[0-9a-fA-F]{4}|.)")
_UNESCAPES = {"n": "\n", "r": "\r", "t": "\t"}


def _unescape_char(match: re.Match[str]) -> str:
    code = match.group(1)
    if code.startswith("u") and len(code) == 5:
        return chr(int(code[1:], 16))
    return _UNESCAPES.get(code, code)


def logfmt_fields(message: str) -> dict[str, str]:
    """The key=value pairs of a well-formed logfmt message, values unquoted and unescaped."""
    fields: dict[str, str] = {}
    position = 0
    while position < len(message):
        match = _PAIR_PARTS.match(message, position)
        if match is None:  # not logfmt: is_logfmt() is asked first
            break
        key, value = match.group(1), match.group(2)
        if value.startswith('"'):
            value = _ESCAPED.sub(_unescape_char, value[1:-1])
        fields[key] = value
        position = match.end()
    return fields


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
            return self._json_line(timestamp, level, record.name, message, error)
        if not is_logfmt(message):
            message = f"msg={quote(message, limit=64 * 1024)}"
        line = f"ts={timestamp} level={level} logger={quote(record.name)} {message}"
        if error:
            line += f" exc={quote(error, limit=64 * 1024)}"
        return line

    @staticmethod
    def _json_line(timestamp: str, level: str, logger: str, message: str, error: str) -> str:
        """The event's key=value pairs as fields of their own; free text as `msg`."""
        document = {"ts": timestamp, "level": level, "logger": logger}
        if is_logfmt(message):
            for key, value in logfmt_fields(message).items():
                # A message's own ts, level or logger must not pass for the record's.
                document[f"{key}_" if key in ("ts", "level", "logger") else key] = value
        else:
            document["msg"] = message
        if error:
            document["exc"] = error
        return json.dumps(document)


def setup_logging(level: str, log_format: str, secrets: Sequence[str] = ()) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(LogFormatter(log_format == "json", secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(LOG_LEVELS[level])
    # urllib3 logs full URLs at debug; ours are free of secrets, but keep its noise out.
    logging.getLogger("urllib3").setLevel(logging.WARNING)
