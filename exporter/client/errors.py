"""How an API call fails: the vocabulary every layer shares (the counts are in stats.py).

Sources, pagination, auth and the collector catch these errors and the metrics render these
counts, yet none of them needs the HTTP client itself; keeping them apart from api_client.py lets
them depend on what a failure is, not on how a request is sent.

An error's code ends up as a label value and its message in a log line, and either may come
from the API: both are made safe when the error is built (error_text.py), and the counters fold
API-supplied codes into a bounded set so a hostile API cannot add series without end.
"""

from __future__ import annotations

from exporter.client.body import BodyError, parse_json
from exporter.client.error_text import clean_message, error_code

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
    """A failed API call. `error` is a short machine code, counted and logged; never a secret.

    The client counts each one once (see ApiClient.call and ApiClient.failed): nobody else
    does, so an error needs no mark of having been counted.
    """

    def __init__(self, operation: str, error: str, message: str, status: int | None = None):
        # Whoever raises it, code and message are safe for a label and a log line from here on.
        error = error_code(error)
        message = clean_message(message)
        super().__init__(f"{operation}: {error}: {message}")
        self.operation = operation
        self.error = error
        self.message = message
        self.status = status
        self.endpoint = ""  # host:port of the request that failed, set by the client


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


RETRYABLE_STATUS = {502: "server_error", 503: "server_error", 504: "server_error"}


def status_error(operation: str, status: int, body: bytes, reset_at: float | None) -> ApiError:
    """What an answer that is not 2xx means: 429 (waits until `reset_at`, when the answer said)
    and 502/503/504 are retried, anything else fails the call at once."""
    code, message = error_from_body(body, status)
    if status == 429:
        return TransientError(operation, "rate_limited", message, status, reset_at)
    if status in RETRYABLE_STATUS:
        return TransientError(operation, RETRYABLE_STATUS[status], message, status)
    if status == 401:
        code = "unauthorized"
    elif 300 <= status < 400:
        message = f"HTTP {status}, a redirect (not followed): use the URL it points to"
    return ApiError(operation, code, message, status)
