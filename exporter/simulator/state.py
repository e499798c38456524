"""Shared mutable state of a running simulator: tokens, request log, the context object."""

from __future__ import annotations

import secrets
import threading
import uuid
from collections import deque
from dataclasses import dataclass, field, replace

from .config import SimulatorConfig
from .faults import FaultQueue
from .rate_limits import QuotaWindow, RateLimitLedger
from .world import World

# Bounded so a demo left running for days does not grow without limit.
MAX_REQUEST_RECORDS = 200_000


@dataclass
class RequestRecord:
    time: float  # arrival, time.time()
    target: str  # auth, graphql, causeflow or unknown
    operation: str
    status: int  # 0 until answered; stays 0 when the connection was reset instead
    path: str
    # The query parameters of a CauseFlow request (its filters and cursor), for tests.
    params: dict[str, list[str]] = field(default_factory=dict)


class RequestLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: deque[RequestRecord] = deque(maxlen=MAX_REQUEST_RECORDS)

    def open(
        self,
        at: float,
        target: str,
        operation: str,
        path: str,
        params: dict[str, list[str]] | None = None,
    ) -> RequestRecord:
        # Logged on arrival so a request whose client gave up (stall) is still visible.
        record = RequestRecord(at, target, operation, 0, path, dict(params or {}))
        with self._lock:
            self._records.append(record)
        return record

    def answered(self, record: RequestRecord, status: int) -> None:
        with self._lock:
            record.status = status

    def snapshot(self) -> list[RequestRecord]:
        with self._lock:
            return [replace(r) for r in self._records]


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    refresh_token: str
    expires_at: float


class TokenStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._expiry: dict[str, float] = {}
        self._uses: dict[str, int] = {}
        self.issued = 0

    def issue(self, ttl: float, now: float, *, revoke_others: bool = False) -> IssuedToken:
        with self._lock:
            # Drop expired tokens here; issuing is rare, so this bounds memory cheaply.
            if revoke_others:
                self._expiry.clear()
            self._expiry = {t: exp for t, exp in self._expiry.items() if exp > now}
            self._uses = {t: n for t, n in self._uses.items() if t in self._expiry}
            token = secrets.token_urlsafe(32)
            self._expiry[token] = now + ttl
            self.issued += 1
        return IssuedToken(token, str(uuid.uuid4()), now + ttl)

    def valid(self, token: str | None, now: float, max_uses: int = 0) -> bool:
        """Whether the token is accepted for one more request; max_uses > 0 wears it out."""
        with self._lock:
            if token is None or self._expiry.get(token, 0.0) <= now:
                return False
            if max_uses > 0:
                uses = self._uses.get(token, 0) + 1
                if uses > max_uses:
                    self._expiry.pop(token, None)
                    return False
                self._uses[token] = uses
            return True

    def revoke(self, token: str | None) -> None:
        with self._lock:
            if token is not None:
                self._expiry.pop(token, None)


@dataclass
class SimContext:
    config: SimulatorConfig
    world: World
    faults: FaultQueue = field(default_factory=FaultQueue)
    ledger: RateLimitLedger = field(init=False)
    quota: QuotaWindow = field(init=False)
    log: RequestLog = field(default_factory=RequestLog)
    tokens: TokenStore = field(default_factory=TokenStore)
    stopping: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.ledger = RateLimitLedger(self.config.rate_limit_grace)
        self.quota = QuotaWindow(self.config.quota_per_minute)
