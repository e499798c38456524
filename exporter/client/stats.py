"""Counters of every API attempt, retry and final error, by operation: what the self-metrics
show of the clients, kept apart so that the collector and the view need no HTTP client."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from exporter.client.error_text import CodeFolder
from exporter.client.errors import KNOWN_CODES


@dataclass(frozen=True)
class Quota:
    """An API's rate-limit window as its latest answer carrying the headers told it."""

    limit: float | None  # X-RateLimit-Limit: requests per window
    remaining: float | None  # X-RateLimit-Remaining
    reset_at: float | None  # X-RateLimit-Reset, as Unix seconds
    seen_at: float  # when that answer came


@dataclass(frozen=True)
class StatsSnapshot:
    requests: Mapping[tuple[str, str], int]
    retries: Mapping[tuple[str, str], int]
    errors: Mapping[tuple[str, str], int]
    quotas: Mapping[str, Quota] = field(default_factory=dict)  # api -> quota


class ApiStats:
    """Thread-safe counters of every attempt, retry and final error, by operation.

    Error codes are label values and may come from the API: they are folded into a bounded
    set (see error_text.CodeFolder), so a hostile API cannot add series without end.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._codes = CodeFolder(KNOWN_CODES)
        self._requests: Counter[tuple[str, str]] = Counter()
        self._retries: Counter[tuple[str, str]] = Counter()
        self._errors: Counter[tuple[str, str]] = Counter()
        self._quotas: dict[str, Quota] = {}

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

    def quota(self, api: str, quota: Quota) -> None:
        """Keep the newest quota of an API (`api` is one of the few names app/ gives)."""
        with self._lock:
            self._quotas[api] = quota

    def snapshot(self) -> StatsSnapshot:
        with self._lock:
            return StatsSnapshot(
                dict(self._requests), dict(self._retries), dict(self._errors), dict(self._quotas)
            )
