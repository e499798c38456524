"""Rate-limit accounting: the headers of a 429 and the reset they promise, the clients that
ignore it, and the X-RateLimit-* quota of normal answers."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from .names import http_date

# What a rate_limit fault may say when to come back with (faults.py checks its `header`).
RATE_LIMIT_HEADERS = ("retry-after", "retry-after-date", "x-ratelimit-reset")


@dataclass(frozen=True)
class RateLimitAdvice:
    headers: dict[str, str]
    reset_at: float  # the instant recorded for violation accounting


def rate_limit_advice(header: str, seconds: float, now: float) -> RateLimitAdvice:
    """Headers for a 429 and the reset instant to hold clients to.

    The recorded instant is never later than what the header lets a client compute, so a
    client that waits exactly as told is never counted as a violator: integer headers are
    rounded up and the recorded instant is the rounded one.
    """
    if header == "retry-after":
        wait = math.ceil(seconds)
        # Relative to the response: a client starts waiting after `now`, so now + wait is safe.
        return RateLimitAdvice({"Retry-After": str(wait)}, now + wait)
    reset = math.ceil(now + seconds)
    if header == "retry-after-date":
        return RateLimitAdvice({"Retry-After": http_date(reset)}, float(reset))
    headers = {
        "X-RateLimit-Limit": "100",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": str(reset),
    }
    return RateLimitAdvice(headers, float(reset))


@dataclass(frozen=True)
class _Limit:
    reset_at: float
    sent_at: float
    connection: int


class RateLimitLedger:
    """Remembers each target's advertised resets and counts requests that ignore them.

    A request of the target that arrives before a reset is a violation when it comes on the
    connection that received the 429 more than `SAME_CONNECTION_GRACE` after the 429 was
    sent, or on any other connection more than `grace` seconds after it. The graces spare
    requests a client's other workers had already committed to sending: with a shared pool,
    such a request can even take the connection the 429 just freed, within a few ms. A client
    that keeps sending after that has ignored the 429 (its retries come after a backoff).
    """

    SAME_CONNECTION_GRACE = 0.02

    def __init__(self, grace: float = 0.1) -> None:
        self._grace = grace
        self._lock = threading.Lock()
        self._limits: dict[str, list[_Limit]] = {}
        self._violations = 0

    def arrival(self, target: str, at: float, connection: int) -> bool:
        with self._lock:
            live = [lim for lim in self._limits.get(target, []) if at < lim.reset_at]
            self._limits[target] = live
            early = any(
                at
                >= lim.sent_at
                + (self.SAME_CONNECTION_GRACE if connection == lim.connection else self._grace)
                for lim in live
            )
            self._violations += early
            return early

    def limited(self, target: str, reset_at: float, sent_at: float, connection: int) -> None:
        with self._lock:
            self._limits.setdefault(target, []).append(_Limit(reset_at, sent_at, connection))

    @property
    def violations(self) -> int:
        with self._lock:
            return self._violations


class QuotaWindow:
    """Requests per target in the current minute, for the X-RateLimit-* headers."""

    def __init__(self, per_minute: int) -> None:
        self._per_minute = per_minute
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[int, int]] = {}  # target -> (minute, requests)

    def headers(self, target: str, now: float) -> dict[str, str]:
        if self._per_minute <= 0 or target not in ("graphql", "causeflow"):
            return {}
        minute = int(now // 60)
        with self._lock:
            start, used = self._windows.get(target, (minute, 0))
            used = used + 1 if start == minute else 1
            self._windows[target] = (minute, used)
        return {
            "X-RateLimit-Limit": str(self._per_minute),
            "X-RateLimit-Remaining": str(max(0, self._per_minute - used)),
            "X-RateLimit-Reset": str((minute + 1) * 60),
        }
