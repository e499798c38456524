"""How an API call fails, and how failures are counted: the vocabulary every layer shares.

Sources, pagination, auth and the collector catch these errors and the metrics render these
counts, yet none of them needs the HTTP client itself; keeping them apart from http.py lets
them depend on what a failure is, not on how a request is sent.

An error's code ends up as a label value and its message in a log line, and either may come
from the API: both are made safe when the error is built (apitext.py), and the counters fold
API-supplied codes into a bounded set so a hostile API cannot add series without end.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from exporter.apitext import CodeFolder, clean_message, error_code
from exporter.body import BodyError, parse_json

# Codes the exporter raises itself: always their own label value, never folded into "other".
KNOWN_CODES = frozenset(
    {
        "connection_error",
        "credentials_rejected",
        "cursor_expired",
        "cursor_not_advancing",
        "deadline_exceeded",
        "graphql_error",
        "malformed_response",
        "not_planned",
        "rate_limited",
        "request_error",
        "response_too_large",
        "scope_not_found",
        "server_error",
        "timeout",
        "too_many_pages",
        "unauthorized",
    }
)


class ApiError(Exception):
    """A failed API call. `error` is a short machine code, counted and logged; never a secret."""

    def __init__(self, operation: str, error: str, message: str, status: int | None = None):
        # Whoever raises it, code and message are safe for a label and a log line from here on.
        error = error_code(error)
        message = clean_message(message)
        super().__init__(f"{operation}: {error}: {message}")
        self.operation = operation
        self.error = error
        self.message = message
        self.status = status
        self.counted = False  # set once a counter has seen it, so it is counted only once


class TransientError(ApiError):
    """A failure worth another attempt; `reason` labels the retry counter."""

    def __init__(
        self,
        operation: str,
        reason: str,
        message: str,
        status: int | None = None,
        reset_at: float | None = None,
    ):
        super().__init__(operation, reason, message, status)
        self.reason = reason
        self.reset_at = reset_at


class Stopped(Exception):
    """The process is shutting down; abandon the call quietly."""


def error_from_body(body: bytes, status: int) -> tuple[str, str]:
    """The (code, message) of a JSON error body such as {"error", "message"} or {"errors"}.

    The code is a short `[a-z0-9_]` word and the message one clean, bounded line, whatever
    the body holds (lone surrogates, control characters, deep nesting, wrong types).
    """
    fallback = (f"http_{status}", f"HTTP {status}")
    try:
        data = parse_json(body)
    except BodyError:
        return fallback
    if not isinstance(data, dict):
        return fallback
    code = data.get("error")
    message = data.get("message")
    if isinstance(code, str) and code:
        return error_code(code), clean_message(message if isinstance(message, str) else code)
    errors = data.get("errors")
    if isinstance(errors, list) and errors:
        first = errors[0]
        text = first.get("message") if isinstance(first, dict) else first
        return fallback[0], clean_message(text)
    return fallback


@dataclass(frozen=True)
class StatsSnapshot:
    requests: Mapping[tuple[str, str], int]
    retries: Mapping[tuple[str, str], int]
    errors: Mapping[tuple[str, str], int]


class ApiStats:
    """Thread-safe counters of every attempt, retry and final error, by operation.

    Error codes are label values and may come from the API: they are folded into a bounded
    set (see apitext.CodeFolder), so a hostile API cannot add series without end.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._codes = CodeFolder(KNOWN_CODES)
        self._requests: Counter[tuple[str, str]] = Counter()
        self._retries: Counter[tuple[str, str]] = Counter()
        self._errors: Counter[tuple[str, str]] = Counter()

    def request(self, operation: str, code: str) -> None:
        with self._lock:
            self._requests[(operation, code)] += 1

    def retry(self, operation: str, reason: str) -> None:
        with self._lock:
            self._retries[(operation, reason)] += 1

    def error(self, operation: str, error: str) -> None:
        code = self._codes.fold(error)
        with self._lock:
            self._errors[(operation, code)] += 1

    def snapshot(self) -> StatsSnapshot:
        with self._lock:
            return StatsSnapshot(dict(self._requests), dict(self._retries), dict(self._errors))
