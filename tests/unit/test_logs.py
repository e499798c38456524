"""Log lines cannot be forged: every line is one logfmt record, whatever the values hold."""

from __future__ import annotations

import json
import logging
import re
import sys
from typing import Any

import pytest

from exporter.logs import LogFormatter, quote

FORGED = 'team\nts=2026-01-01T00:00:00.000Z level=error logger=exporter msg="forged"'
_VALUE = r'(?:"(?:[^"\\\x00-\x1f]|\\[\\"nrtu])*"|[^\s"\x00-\x1f]*)'
_PAIR = re.compile(rf"([A-Za-z_][A-Za-z0-9_.\-]*)=({_VALUE})(?: |$)")


def parse_logfmt(line: str) -> dict[str, str]:
    """A strict logfmt reader: the whole line must be key=value pairs, values bare or quoted."""
    pairs: dict[str, str] = {}
    position = 0
    while position < len(line):
        match = _PAIR.match(line, position)
        assert match, f"not logfmt at {position}: {line!r}"
        pairs[match.group(1)] = match.group(2)
        position = match.end()
    assert list(pairs)[:3] == ["ts", "level", "logger"], line
    return pairs


def format_record(message: str, *args: Any, exc: bool = False, **kw: Any) -> str:
    record = logging.LogRecord("exporter.test", logging.INFO, __file__, 1, message, args, None)
    if exc:
        try:
            raise ValueError("boom\nlevel=error forged")
        except ValueError:
            record.exc_info = sys.exc_info()
    return LogFormatter(**kw).format(record)


@pytest.mark.parametrize(
    "value",
    [FORGED, "a b", 'say "hi"', "x=y", "", "tab\there", "\x1b[31mred", "\u2028", "\ud800", "é"],
)
def test_an_untrusted_value_stays_one_value_of_one_line(value: str) -> None:
    line = format_record("event=test scope=%s n=%d", quote(value), 3)
    assert "\n" not in line and len(line.splitlines()) == 1
    pairs = parse_logfmt(line)
    assert set(pairs) == {"ts", "level", "logger", "event", "scope", "n"}
    assert pairs["n"] == "3"


def test_a_raw_value_is_caught_by_the_last_line_of_defence() -> None:
    line = format_record("event=collect_failed unit=%s", FORGED)
    assert len(line.splitlines()) == 1
    pairs = parse_logfmt(line)
    assert set(pairs) == {"ts", "level", "logger", "msg"}  # the whole message, escaped
    assert pairs["level"] == "info"
    assert "\\n" in pairs["msg"]


def test_free_text_and_tracebacks_become_quoted_values() -> None:
    line = format_record("simulator listening on %s", "http://x", exc=True)
    pairs = parse_logfmt(line)
    assert pairs["msg"] == '"simulator listening on http://x"'
    assert "ValueError" in pairs["exc"] and len(line.splitlines()) == 1


def test_secrets_are_redacted_and_json_is_unchanged() -> None:
    line = format_record("event=x token=%s", "hunter2-secret", secrets=["hunter2-secret"])
    assert "hunter2" not in line and "token=***" in line
    doc = json.loads(format_record("event=x scope=%s", FORGED, json_format=True))
    assert doc["msg"] == f"event=x scope={FORGED}" and doc["level"] == "info"


def test_json_lines_carry_the_event_fields_as_fields() -> None:
    line = format_record("event=x scope=%s n=%d", quote(FORGED), 3, json_format=True)
    assert len(line.splitlines()) == 1
    doc = json.loads(line)
    assert doc == {
        "ts": doc["ts"],
        "level": "info",
        "logger": "exporter.test",
        "event": "x",
        "scope": FORGED,  # unquoted and unescaped: the value as it was
        "n": "3",
    }
    # A message's own ts/level/logger cannot pass for the record's.
    doc = json.loads(format_record("event=y level=error", json_format=True))
    assert doc["level"] == "info" and doc["level_"] == "error"
    # Secrets are redacted in the fields too; a traceback is a field of its own.
    doc = json.loads(
        format_record(
            "event=z token=%s",
            "hunter2-secret",
            secrets=["hunter2-secret"],
            json_format=True,
            exc=True,
        )
    )
    assert doc["token"] == "***" and "hunter2" not in json.dumps(doc)
    assert "ValueError" in doc["exc"]


def test_quote_bounds_long_values() -> None:
    assert len(quote("x" * 100_000)) < 300
    assert quote("plain") == "plain"
    assert quote("") == '""'
