"""Credentials for the APIs: the Causely token exchange with its cache, and static tokens.

The token is cached and refreshed before it expires; a 401 from the API renews it, once per
dying token however many scopes saw it die (single-flight). A token whose lifetime the auth
server does not state usefully is kept until a 401, or UNKNOWN_LIFETIME_CEILING. A rejected
credential is not retried until a back-off has passed, so a wrong secret never
hammers the auth endpoint. An exchange that keeps failing (auth endpoint down) is tried at
most http.max_attempts times per collection cycle: the calls of a cycle share its deadline,
which names the cycle here, and once the budget is spent every other call of that cycle fails
at once with the same error (logged once); the next cycle tries again. Neither the secret nor
a token ever appears in a message.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from exporter.client.api_client import ApiClient
from exporter.client.errors import ApiError
from exporter.config.secrets import Secret

log = logging.getLogger("exporter.auth")  # pinned: log lines keep their name

TOKEN_OPERATION = "token"
# A token of unknown lifetime is renewed after this long even if no 401 came first.
UNKNOWN_LIFETIME_CEILING = 3600.0


class AuthRejected(ApiError):
    """The auth endpoint refused the credentials (400/401/403)."""


@dataclass(frozen=True)
class Token:
    value: Secret
    refresh_at: float


def refresh_time(obtained_at: float, expires_in: float | None) -> float:
    """A minute before expiry, but never later than 80% of the lifetime of a short token.

    An unknown lifetime (None) keeps the token until a 401, or the ceiling.
    """
    if expires_in is None:
        return obtained_at + UNKNOWN_LIFETIME_CEILING
    return obtained_at + max(expires_in - 60.0, expires_in * 0.8)


def lifetime(value: object) -> float | None:
    """expires_in as seconds; None when absent, not a number, not positive or not finite."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    seconds = float(value)
    return seconds if math.isfinite(seconds) and seconds > 0 else None


# Documented first; the others have been seen from real servers and public clients.
TOKEN_KEYS = ("access_token", "accessToken", "token")


def parse_token(document: Any) -> tuple[Secret, float | None]:
    if not isinstance(document, dict):
        raise ApiError(TOKEN_OPERATION, "malformed_response", "token response is not an object")
    value = next((v for key in TOKEN_KEYS if isinstance(v := document.get(key), str) and v), None)
    if value is None:
        raise ApiError(TOKEN_OPERATION, "malformed_response", "token response has no access token")
    return Secret(value), lifetime(document.get("expires_in", document.get("expiresIn")))


class CauselyAuth:
    """Exchanges client credentials for a bearer token; implements http.RequestAuth."""

    def __init__(
        self,
        client: ApiClient,
        auth_url: str,
        client_id: Secret,
        client_secret: Secret,
        *,
        rejection_backoff: float = 60.0,
        rejection_backoff_max: float = 900.0,
        retry: bool = True,
    ) -> None:
        """retry=False: the process runs one cycle (--once), so a rejected credential is not
        tried again, and the log says so instead of naming a back-off nobody waits for."""
        self._client = client
        self._url = auth_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._lock = threading.Lock()
        self._token: Token | None = None
        self._backoff_initial = rejection_backoff
        self._backoff_max = rejection_backoff_max
        self._retry = retry
        self._rejections = 0
        self._rejected_until = 0.0
        self._said_lifetime_unknown = False
        self._budget = client.max_attempts
        self._cycle = _CycleFailures()

    def headers(self, deadline: float) -> dict[str, str]:
        return _bearer(self._current(deadline).value)

    def renew(self, deadline: float, failed: Mapping[str, str]) -> bool:
        """Called after a 401 with the headers that got it: renew only the token that died.

        When another thread already replaced that token, the caller just retries with the
        current one: one dying token costs one exchange however many requests saw it die
        (and against an auth server that revokes the previous token on each issue, scopes
        renewing one after another would revoke each other's fresh tokens).
        """
        with self._lock:
            token = self._token
            sent = failed.get("Authorization")
            if token is not None and sent != _bearer(token.value)["Authorization"]:
                return True  # already renewed by another thread: retry with the new token
            self._token = None
            self._current_locked(deadline)
        return True

    def _current(self, deadline: float) -> Token:
        # One lock: concurrent scopes wait for the one exchange instead of each doing it.
        with self._lock:
            return self._current_locked(deadline)

    def _current_locked(self, deadline: float) -> Token:
        now = time.time()
        if self._token is not None and now < self._token.refresh_at:
            return self._token
        if now < self._rejected_until:
            raise AuthRejected(
                TOKEN_OPERATION,
                "credentials_rejected",
                f"the credentials were rejected: {self._next_try(now)}",
            )
        given_up = self._cycle.given_up(deadline, self._budget)
        if given_up is not None:
            raise given_up
        try:
            self._token = self._exchange(deadline)
        except AuthRejected:
            raise
        except ApiError as exc:
            if self._cycle.failed(deadline, exc, self._budget):
                log.error(
                    "event=token_exchange_given_up attempts=%d error=%s "
                    'msg="the other calls of this cycle fail at once; the next cycle tries again"',
                    self._budget,
                    exc.error,
                )
            raise
        self._cycle = _CycleFailures()
        return self._token

    def _exchange(self, deadline: float) -> Token:
        body = {"clientId": self._client_id.reveal(), "secret": self._client_secret.reveal()}
        try:
            value, expires_in = self._client.call(
                TOKEN_OPERATION,
                "POST",
                self._url,
                deadline=deadline,
                parse=parse_token,
                json_body=body,
                attempts=1,  # the call that needs the token retries, this attempt included
            )
        except ApiError as exc:
            if exc.status in (400, 401, 403):
                self._reject(exc.status)
                raise AuthRejected(
                    TOKEN_OPERATION,
                    "credentials_rejected",
                    f"the auth endpoint rejected the client credentials (HTTP {exc.status})",
                    exc.status,
                ) from None
            raise
        self._rejections = 0
        if expires_in is None:
            if not self._said_lifetime_unknown:
                self._said_lifetime_unknown = True
                log.warning(
                    "event=token_lifetime_unknown keep_until=unauthorized max_seconds=%.0f "
                    'msg="the token answer has no usable expires_in; renewing on a 401"',
                    UNKNOWN_LIFETIME_CEILING,
                )
        else:
            log.info("event=token_obtained expires_in=%.0f", expires_in)
        return Token(value, refresh_time(time.time(), expires_in))

    def _next_try(self, now: float) -> str:
        if not self._retry:
            return "not tried again in this run"
        return (
            f"no token request until the back-off ends in {self._rejected_until - now:.1f}s, "
            "the first call after that tries again"
        )

    def _reject(self, status: int | None) -> None:
        backoff = min(self._backoff_max, self._backoff_initial * 2**self._rejections)
        self._rejections += 1
        self._rejected_until = time.time() + (backoff if self._retry else math.inf)
        log.error(
            "event=credentials_rejected status=%s retry_in=%s "
            'msg="check CAUSELY_CLIENT_ID and CAUSELY_CLIENT_SECRET"',
            status,
            f"{backoff:.0f}s" if self._retry else "never",
        )


class _CycleFailures:
    """The failed exchanges of one collection cycle, named by its deadline."""

    def __init__(self) -> None:
        self._deadline: float | None = None
        self._count = 0
        self._last: ApiError | None = None

    def failed(self, deadline: float, exc: ApiError, budget: int) -> bool:
        """Count one failure; True when it spends the cycle's budget (say so once)."""
        if deadline != self._deadline:
            self._deadline, self._count = deadline, 0
        self._count += 1
        self._last = exc
        return self._count == budget

    def given_up(self, deadline: float, budget: int) -> ApiError | None:
        """The cycle's last error once its budget is spent, as a final (not retried) error."""
        if deadline != self._deadline or self._count < budget or self._last is None:
            return None
        last = self._last
        error = ApiError(TOKEN_OPERATION, last.error, last.message, last.status)
        error.endpoint = last.endpoint
        return error


def _bearer(token: Secret) -> dict[str, str]:
    return {"Authorization": f"Bearer {token.reveal()}"}


class StaticBearer:
    """A fixed token (CauseFlow); a 401 cannot be cured by renewing it."""

    def __init__(self, token: Secret) -> None:
        self._token = token

    def headers(self, deadline: float) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token.reveal()}"}

    def renew(self, deadline: float, failed: Mapping[str, str]) -> bool:
        return False
