"""HTTP basic auth against bcrypt hashes, without handing clients a CPU lever.

A bcrypt check costs tens of milliseconds of CPU by design, so the checks a client can cause
are bounded three ways: successful checks are cached (a scraper pays once), at most two run
at a time, and failed attempts are rate-limited by a token bucket (exporter-toolkit's
`rate_limit`; here a check takes a token and a success gives it back, so only failures count
and a scraper whose answer is cached is never slowed down). When the bucket is empty the
answer is 429 without any bcrypt work: a credential not yet cached waits for the guessers to
pause, the price of keeping the CPU bounded.

Unknown users are checked against a dummy hash of the same cost as the real ones, so timing
does not tell a user name from an unknown one. bcrypt looks at 72 bytes of a password at most;
a longer one is refused outright (bcrypt 5 raises on it).
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass

import bcrypt

MAX_PASSWORD_BYTES = 72
DEFAULT_COST = 10
BCRYPT_HASH = re.compile(r"\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}")


class AuthResult(enum.Enum):
    OK = "ok"
    DENIED = "denied"  # 401
    THROTTLED = "throttled"  # 429: too many failed attempts lately


@dataclass(frozen=True)
class RateLimit:
    """A token bucket on failed attempts: `burst` at once, then one per `interval` seconds."""

    interval: float = 0.5
    burst: int = 10

    @property
    def enabled(self) -> bool:
        return self.interval > 0


def bcrypt_cost(hashed: str) -> int | None:
    """The cost of a well-formed bcrypt hash, else None."""
    match = BCRYPT_HASH.fullmatch(hashed)
    return int(match.group(1)) if match else None


def dummy_hash(cost: int) -> bytes:
    """A well-formed hash of `cost` that no password matches; checking it costs the same."""
    return f"$2b${cost:02d}$".encode() + b"." * 53


def parse_basic_authorization(header: str) -> tuple[str, str] | None:
    """(user, password) from an Authorization header, or None if it is not valid Basic auth."""
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


class _TokenBucket:
    def __init__(self, limit: RateLimit) -> None:
        self._limit = limit
        self._tokens = float(limit.burst)
        self._updated = time.monotonic()
        self._lock = threading.Lock()

    def _refill(self) -> None:
        now = time.monotonic()
        self._tokens = min(
            float(self._limit.burst), self._tokens + (now - self._updated) / self._limit.interval
        )
        self._updated = now

    def take(self) -> bool:
        """Reserve one token; False when none is left."""
        if not self._limit.enabled:
            return True
        with self._lock:
            self._refill()
            if self._tokens < 1.0:
                return False
            self._tokens -= 1.0
            return True

    def refund(self) -> None:
        if not self._limit.enabled:
            return
        with self._lock:
            self._refill()
            self._tokens = min(float(self._limit.burst), self._tokens + 1.0)


class BasicAuthChecker:
    """Checks credentials against bcrypt hashes: cached, concurrency-bounded, rate-limited."""

    def __init__(
        self,
        users: Mapping[str, bytes],
        rate_limit: RateLimit | None = None,
        concurrency: int = 2,
        cache_size: int = 256,
        wait_timeout: float = 5.0,
    ) -> None:
        self._users = dict(users)
        costs = [bcrypt_cost(h.decode("ascii", "replace")) for h in self._users.values()]
        # The costliest configured hash: an unknown user never answers faster than a known one.
        self._dummy = dummy_hash(max((c for c in costs if c is not None), default=DEFAULT_COST))
        self._bucket = _TokenBucket(rate_limit or RateLimit())
        self._slots = threading.BoundedSemaphore(concurrency)
        self._wait_timeout = wait_timeout
        self._cache: dict[bytes, bool] = {}
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self.bcrypt_checks = 0
        self.throttled = 0

    @property
    def dummy_cost(self) -> int:
        return int(self._dummy[4:6])

    def verify(self, user: str, password: str) -> AuthResult:
        secret = password.encode("utf-8", "surrogatepass")
        if len(secret) > MAX_PASSWORD_BYTES:
            return AuthResult.DENIED
        hashed = self._users.get(user)
        # Keyed by the stored hash too, so a changed hash never matches an old entry.
        key = hashlib.sha256(
            b"\0".join([user.encode("utf-8", "surrogatepass"), secret, hashed or b""])
        ).digest()
        with self._lock:
            if key in self._cache:
                return AuthResult.OK
        # The token is taken before the work and given back on success, so however many
        # guessers queue up, failed checks never outrun the bucket.
        if not self._bucket.take():
            return self._throttled()
        if not self._slots.acquire(timeout=self._wait_timeout):
            self._bucket.refund()
            return self._throttled()
        try:
            with self._lock:
                self.bcrypt_checks += 1
            try:
                matched = bcrypt.checkpw(secret, hashed or self._dummy)
            except ValueError:  # a hash bcrypt will not read; the loader should have refused it
                matched = False
        finally:
            self._slots.release()
        if not (matched and hashed is not None):
            return AuthResult.DENIED
        self._bucket.refund()
        with self._lock:
            if len(self._cache) >= self._cache_size:
                self._cache.clear()
            self._cache[key] = True
        return AuthResult.OK

    def _throttled(self) -> AuthResult:
        with self._lock:
            self.throttled += 1
        return AuthResult.THROTTLED

    def check(self, user: str, password: str) -> bool:
        return self.verify(user, password) is AuthResult.OK
