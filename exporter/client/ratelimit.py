"""The rate-limit gate one API's threads share, and the transport adapter that enforces it.

When one thread sees a 429, every thread of that API must wait for the server's reset time,
not only the one that was told: otherwise the others spend the reset window earning more
429s. The gate is closed by a response hook before the 429's connection goes back to the
pool, and the adapter checks it once more at the last moment before a request takes a
connection, so no request slips out on the very connection that just carried the 429.
Pacing (`max_requests_per_second`) goes through the same gate.

The retry policy that decides whether to try again lives in api_client.py; this module only says
when a request may go out.
"""

from __future__ import annotations

import email.utils
import threading
import time
from collections.abc import Mapping
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from exporter.client.body import bound_response_heads
from exporter.client.errors import ApiError, Stopped
from exporter.client.stats import Quota

# A header value longer than this is not a number any API sends.
MAX_QUOTA_HEADER_CHARS = 32
# Above this a count stops being exact as a float, and no quota is that large.
MAX_QUOTA = 2.0**53


class RateLimitGate:
    """Holds every request of one API until a rate limit's reset time, and paces requests."""

    def __init__(self, stop: threading.Event, max_requests_per_second: float = 0.0) -> None:
        self._stop = stop
        self._lock = threading.Lock()
        self._closed_until = 0.0
        self._min_spacing = 1.0 / max_requests_per_second if max_requests_per_second > 0 else 0.0
        self._next_slot = 0.0

    def is_closed(self) -> bool:
        return time.time() < self._closed_until

    def close_until(self, wall_time: float) -> None:
        with self._lock:
            self._closed_until = max(self._closed_until, wall_time)

    def pass_through(self, deadline: float, operation: str) -> None:
        """Block until a request may be sent; fail if that is past the cycle's deadline."""
        while True:
            now = time.time()
            with self._lock:
                wait = self._closed_until - now
                if wait <= 0 and self._min_spacing:
                    wait = self._next_slot - now
                    if wait <= 0:
                        self._next_slot = now + self._min_spacing
                        return
                elif wait <= 0:
                    return
            if now + wait > deadline:
                raise ApiError(operation, "deadline_exceeded", "rate limit outlasts the cycle")
            if self._stop.wait(wait):
                raise Stopped()


class GateClosed(Exception):
    """A 429 closed the gate after this request passed it but before it went out."""


class GatedAdapter(HTTPAdapter):
    """Checks the gate again at the last moment before a request takes a connection.

    With a shared connection pool, another thread's request can otherwise go out on the very
    connection that just carried a 429, having passed the gate a moment before the 429 came.
    """

    def __init__(self, gate: RateLimitGate, pool_size: int) -> None:
        super().__init__(pool_connections=2, pool_maxsize=pool_size, max_retries=0)
        self._gate = gate

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        if self._gate.is_closed():
            raise GateClosed()
        return super().send(request, *args, **kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        bound_response_heads(self.poolmanager)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        return bound_response_heads(super().proxy_manager_for(proxy, **proxy_kwargs))


def parse_reset_time(headers: Mapping[str, str], received_at: float) -> float | None:
    """When a 429 says the limit resets, as wall-clock seconds; None when it does not say."""
    retry_after = headers.get("Retry-After")
    if retry_after:
        value = retry_after.strip()
        if value.isdigit():
            return received_at + int(value)
        try:
            return email.utils.parsedate_to_datetime(value).timestamp()
        except (TypeError, ValueError, IndexError):
            pass
    reset = headers.get("X-RateLimit-Reset")
    if reset:
        try:
            number = float(reset.strip())
        except ValueError:
            return None
        # Some servers send seconds-until-reset here instead of an epoch time.
        return _reset_instant(number, received_at)
    return None


def _reset_instant(number: float, received_at: float) -> float:
    return number if number > 1e9 else received_at + number


def parse_quota(headers: Mapping[str, str], received_at: float) -> Quota | None:
    """The X-RateLimit-* headers of any answer; None when it carries none that can be read.

    Header values are untrusted: anything but a short, finite, non-negative number is
    ignored, so a hostile value costs a header, never a series or an error.
    """
    limit = _quota_number(headers.get("X-RateLimit-Limit"))
    remaining = _quota_number(headers.get("X-RateLimit-Remaining"))
    reset = _quota_number(headers.get("X-RateLimit-Reset"))
    if limit is None and remaining is None and reset is None:
        return None
    reset_at = None if reset is None else _reset_instant(reset, received_at)
    return Quota(limit, remaining, reset_at, received_at)


def _quota_number(raw: str | None) -> float | None:
    if raw is None or len(raw) > MAX_QUOTA_HEADER_CHARS:
        return None
    try:
        number = float(raw.strip())
    except ValueError:
        return None
    return number if 0.0 <= number < MAX_QUOTA else None  # nan fails both comparisons
