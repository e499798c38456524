"""Credentials for the APIs: the Causely token exchange with its cache, and static tokens.

The token is cached and refreshed before it expires; a 401 from the API renews it once. A
rejected credential is not retried until a back-off has passed, so a wrong secret never
hammers the auth endpoint. Neither the secret nor a token ever appears in a message.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from exporter.config import Secret
from exporter.http import ApiClient, ApiError

log = logging.getLogger(__name__)

TOKEN_OPERATION = "token"
DEFAULT_EXPIRES_IN = 3600.0


class AuthRejected(ApiError):
    """The auth endpoint refused the credentials (400/401/403)."""


@dataclass(frozen=True)
class Token:
    value: Secret
    refresh_at: float


def refresh_time(obtained_at: float, expires_in: float) -> float:
    """A minute before expiry, but never later than 80% of the lifetime of a short token."""
    if expires_in <= 0:
        return obtained_at
    return obtained_at + max(expires_in - 60.0, expires_in * 0.8)


def parse_token(document: Any) -> tuple[Secret, float]:
    if not isinstance(document, dict):
        raise ApiError(TOKEN_OPERATION, "malformed_response", "token response is not an object")
    value = document.get("access_token") or document.get("accessToken")
    if not isinstance(value, str) or not value:
        raise ApiError(TOKEN_OPERATION, "malformed_response", "token response has no access token")
    expires_in = document.get("expires_in", document.get("expiresIn"))
    if isinstance(expires_in, bool) or not isinstance(expires_in, int | float):
        expires_in = DEFAULT_EXPIRES_IN
    return Secret(value), float(expires_in)


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
    ) -> None:
        self._client = client
        self._url = auth_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._lock = threading.Lock()
        self._token: Token | None = None
        self._backoff_initial = rejection_backoff
        self._backoff_max = rejection_backoff_max
        self._rejections = 0
        self._rejected_until = 0.0

    def headers(self, deadline: float) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._current(deadline).value.reveal()}"}

    def renew(self, deadline: float) -> bool:
        """Called after a 401: forget the token and fetch a new one (once per 401)."""
        with self._lock:
            self._token = None
        self._current(deadline)
        return True

    def _current(self, deadline: float) -> Token:
        # One lock: concurrent scopes wait for the one exchange instead of each doing it.
        with self._lock:
            now = time.time()
            if self._token is not None and now < self._token.refresh_at:
                return self._token
            if now < self._rejected_until:
                raise AuthRejected(
                    TOKEN_OPERATION,
                    "credentials_rejected",
                    f"credentials were rejected; next try in {self._rejected_until - now:.0f}s",
                )
            self._token = self._exchange(deadline)
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
        log.info("event=token_obtained expires_in=%.0f", expires_in)
        return Token(value, refresh_time(time.time(), expires_in))

    def _reject(self, status: int | None) -> None:
        backoff = min(self._backoff_max, self._backoff_initial * 2**self._rejections)
        self._rejections += 1
        self._rejected_until = time.time() + backoff
        log.error(
            "event=credentials_rejected status=%s retry_in=%.0fs "
            'msg="check CAUSELY_CLIENT_ID and CAUSELY_CLIENT_SECRET"',
            status,
            backoff,
        )


class StaticBearer:
    """A fixed token (CauseFlow); a 401 cannot be cured by renewing it."""

    def __init__(self, token: Secret) -> None:
        self._token = token

    def headers(self, deadline: float) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token.reveal()}"}

    def renew(self, deadline: float) -> bool:
        return False
