"""The retry policy's arithmetic and its log line: how long a retry waits, when a call stops
retrying, and what a retried call says while it waits.

ApiClient (api_client.py) hands these to tenacity; the policy itself is stated there: 429
waits for the server's reset time and never less, 502/503/504, timeouts and connection errors
back off exponentially with jitter, everything else fails at once.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from tenacity import RetryCallState

from exporter.client.errors import ApiError, TransientError
from exporter.config.model import HttpConfig
from exporter.logs import quote

T = TypeVar("T")

log = logging.getLogger("exporter.http")  # pinned: log lines keep their name

# A wall-clock reset time is honoured with this margin, so clock granularity never makes a
# request arrive a hair before the server's reset.
RESET_MARGIN_SECONDS = 0.05
# While a call is being retried, one info line per call at most this often.
RETRY_LOG_EVERY_SECONDS = 5.0


def reset_at(state: RetryCallState) -> float | None:
    """The server's reset time of the 429 that ended the last attempt, if that is what it was."""
    exc = state.outcome.exception() if state.outcome else None
    return exc.reset_at if isinstance(exc, TransientError) else None


@dataclass(frozen=True)
class Backoff:
    """Waits and limits of one client's retries, from http.*."""

    config: HttpConfig

    def longest_wait(self, state: RetryCallState) -> float:
        """Until a 429's reset (never less), else the current exponential backoff ceiling."""
        reset = reset_at(state)
        if reset is not None:
            return max(0.0, reset - time.time()) + RESET_MARGIN_SECONDS
        return min(
            self.config.backoff_max,
            self.config.backoff_initial * math.pow(2, state.attempt_number - 1),
        )

    def wait_seconds(self, state: RetryCallState) -> float:
        longest = self.longest_wait(state)
        if reset_at(state) is not None:
            return longest
        # Jitter over the upper half of the backoff, so concurrent scopes spread out.
        return longest / 2 + random.uniform(0, longest / 2)

    def out_of_room(self, state: RetryCallState, deadline: float, budget: int) -> bool:
        """The attempt budget is spent, a 429 asks to wait too long, or the wait could end
        past the cycle's deadline (fail now, keep the last good data)."""
        if state.attempt_number >= budget:
            return True
        longest = self.longest_wait(state)
        if reset_at(state) is not None and longest > self.config.max_rate_limit_wait:
            return True
        return time.time() + longest >= deadline


class RetryLog:
    """Says at info level what one call is retrying, why and when, at most every few seconds.

    Without it a call against an unreachable API is silent for as long as its retries last.
    """

    def __init__(self, operation: str) -> None:
        self.operation = operation
        self._last = -math.inf

    def note(self, reason: str, attempt: int, wait: float, exc: BaseException | None) -> None:
        now = time.monotonic()
        level = logging.DEBUG
        if now - self._last >= RETRY_LOG_EVERY_SECONDS:
            self._last = now
            level = logging.INFO
        message = exc.message if isinstance(exc, ApiError) else ""
        target = exc.endpoint if isinstance(exc, ApiError) else ""
        if isinstance(exc, ApiError) and exc.operation != self.operation:
            message = f"{exc.operation}: {message}"  # the token exchange inside this call
        log.log(
            level,
            "event=retrying operation=%s reason=%s target=%s attempt=%d "
            "next_attempt_in_seconds=%.1f msg=%s",
            self.operation,
            reason,
            quote(target, 300),
            attempt,
            wait,
            quote(message, 300),
        )


def replaying(first: TransientError, attempt: Callable[..., T]) -> Callable[..., T]:
    """`attempt`, except that its first run raises `first` again: the retry policy then
    counts, waits and decides on the attempt that already failed, as if it had made it."""
    pending = [first]

    def again(*args: Any) -> T:
        if pending:
            raise pending.pop()
        return attempt(*args)

    return again
