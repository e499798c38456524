"""One HTTP mechanism for every call of every source: session, timeouts, retries, counting.

The retry policy is applied here and nowhere else (tenacity): 429 waits for the server's reset
time and never less, 502/503/504, timeouts and connection errors back off exponentially with
jitter, everything else fails at once. A shared gate makes a 429 seen by one thread pause them
all.

What a failure is lives in errors.py, how calls are counted in stats.py, the gate in
ratelimit.py, and the waits, limits and retry log line in retry_policy.py; callers import
those names from there.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

import requests
from tenacity import RetryCallState, Retrying, retry_if_exception_type

from exporter import __version__
from exporter.client.body import BodyError, head_deadline, parse_json, read_body
from exporter.client.errors import ApiError, Stopped, TransientError, error_from_body
from exporter.client.ratelimit import (
    GateClosed,
    GatedAdapter,
    RateLimitGate,
    parse_quota,
    parse_reset_time,
)
from exporter.client.retry_policy import Backoff, RetryLog
from exporter.client.stats import ApiStats
from exporter.config.model import HttpConfig
from exporter.config.proxies import proxies_for

T = TypeVar("T")

RETRYABLE_STATUS = {502: "server_error", 503: "server_error", 504: "server_error"}
USER_AGENT = f"causely-exporter/{__version__}"
# An error answer is read for its code and message only; a bigger one is not worth holding.
MAX_ERROR_BODY_BYTES = 64 * 1024


class RequestAuth(Protocol):
    """Adds credentials to a request and can renew them after a 401.

    `renew` gets the headers the failed request carried: credentials that were already
    replaced by another thread are not renewed again, the request just retries with the new.
    """

    def headers(self, deadline: float) -> dict[str, str]: ...

    def renew(self, deadline: float, failed: Mapping[str, str]) -> bool: ...


@dataclass(frozen=True)
class _Request:
    operation: str
    method: str
    url: str
    deadline: float
    json_body: Any
    params: Mapping[str, str | int] | None
    attempts: int
    raw: bool  # parse gets the body's bytes (a typed decoder), not parsed JSON


class ApiClient:
    """Sends requests for one API with the shared retry policy; returns parsed JSON."""

    def __init__(
        self,
        http: HttpConfig,
        stats: ApiStats,
        stop: threading.Event,
        *,
        auth: RequestAuth | None = None,
        gate: RateLimitGate | None = None,
        pool_size: int = 8,
        base_url: str = "",
        api: str = "",
    ) -> None:
        self._config = http
        self._backoff = Backoff(http)
        self._api = api  # names the quota gauges; "" keeps no quota
        self._stats = stats
        self._stop = stop
        self._auth = auth
        self._gate = gate or RateLimitGate(stop, http.max_requests_per_second)
        self._session = requests.Session()
        adapter = GatedAdapter(self._gate, pool_size)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._session.headers["User-Agent"] = USER_AGENT
        # requests would scan the whole environment for proxies on every call; exporter.config read
        # the proxy variables once, so use those.
        self._session.trust_env = False
        self._session.proxies.update(proxies_for(base_url, http.proxy_env))
        if http.ca_bundle:
            self._session.verify = http.ca_bundle
        # Response hooks run before the body is read, so before the connection goes back to
        # the pool: the gate is closed before any other thread can reuse that connection.
        self._session.hooks["response"].append(self._close_gate_on_429)

    @property
    def max_attempts(self) -> int:
        """http.max_attempts: the attempt budget of one call (the token cache shares it)."""
        return self._config.max_attempts

    def call(
        self,
        operation: str,
        method: str,
        url: str,
        *,
        deadline: float,
        parse: Callable[[Any], T],
        json_body: Any = None,
        params: Mapping[str, str | int] | None = None,
        attempts: int | None = None,
        raw: bool = False,
    ) -> T:
        """One logical call: attempts, retries and the final error are all counted here.

        `attempts` caps this call below http.max_attempts: the token exchange makes one
        attempt per attempt of the call that needs the token, so both share one budget.
        `raw`: `parse` gets the body's bytes (within max_response_bytes) and decodes them
        itself, typed (body.decode_typed); a BodyError it raises fails the call like one here.
        """
        budget = min(attempts or self._config.max_attempts, self._config.max_attempts)
        retry_log = RetryLog(operation)
        retrying = Retrying(
            retry=retry_if_exception_type(TransientError),
            stop=lambda state: self._should_stop(state, deadline, budget),
            wait=self._backoff.wait_seconds,
            sleep=self._sleep,
            before_sleep=lambda state: self._count_retry(retry_log, state),
            reraise=True,
        )
        request = _Request(operation, method, url, deadline, json_body, params, budget, raw)
        try:
            result: T = retrying(self._attempt, request, parse)
            return result
        except ApiError as exc:
            # Under this call's name: a token exchange failing inside it fails this call too.
            self._stats.error(operation, exc.error)
            raise

    def failed(self, error: ApiError) -> ApiError:
        """Count an error of this API, returned for the caller to raise.

        The client is the one layer that counts API errors: each call's final error when
        the call ends (call), and here what a source finds wrong in the answers between
        calls (a cursor that does not advance, a scope that is not there). An error that
        only follows from one already counted (the scope list failed, so a scope's health
        cannot be asked) is raised without coming here.
        """
        self._stats.error(error.operation, error.error)
        return error

    def _attempt(self, request: _Request, parse: Callable[[Any], T]) -> T:
        try:
            return self._attempt_once(request, parse)
        except ApiError as exc:
            # Named once, by the innermost call: a token exchange failing inside a defect
            # query names the auth server, not the API.
            exc.endpoint = exc.endpoint or endpoint(request.url)
            raise

    def _attempt_once(self, request: _Request, parse: Callable[[Any], T]) -> T:
        operation = request.operation
        response, sent_headers = self._send(request)
        if response.status_code == 401 and self._auth is not None:
            self._stats.retry(operation, "unauthorized")
            if self._auth.renew(request.deadline, sent_headers):
                response.close()  # its body is of no use; the connection is not worth saving
                response, sent_headers = self._send(request)
        status = response.status_code
        ok = 200 <= status < 300
        limit = self._config.max_response_bytes
        try:
            body = read_body(
                response, limit if ok else min(limit, MAX_ERROR_BODY_BYTES), request.deadline
            )
        except BodyError as exc:
            if not ok and exc.code == "response_too_large":
                body = b""  # an oversized error body: the status alone must do
            elif exc.transient:
                raise TransientError(operation, exc.code, exc.message, status) from None
            else:
                raise ApiError(operation, exc.code, exc.message, status) from None
        if not ok:
            self._raise_for_status(operation, response, body)
        try:
            return parse(body) if request.raw else parse(parse_json(body))
        except BodyError as exc:
            raise ApiError(operation, exc.code, exc.message, status) from None

    def _send(self, request: _Request) -> tuple[requests.Response, dict[str, str]]:
        while True:
            try:
                response, headers = self._send_once(request)
            except GateClosed:
                continue  # a 429 came in meanwhile: back to the gate, wait like everyone else
            self._stats.request(request.operation, str(response.status_code))
            return response, headers

    def _close_gate_on_429(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        if self._api:
            quota = parse_quota(response.headers, time.time())
            if quota is not None:
                self._stats.quota(self._api, quota)
        if response.status_code == 429:
            reset_at = parse_reset_time(response.headers, time.time())
            if reset_at is not None:
                self._gate.close_until(reset_at)

    def _send_once(self, request: _Request) -> tuple[requests.Response, dict[str, str]]:
        operation, deadline = request.operation, request.deadline
        if self._stop.is_set():
            raise Stopped()
        self._gate.pass_through(deadline, operation)
        remaining = deadline - time.time()
        if remaining <= 0:
            raise ApiError(operation, "deadline_exceeded", "collection deadline reached")
        headers = self._auth.headers(deadline) if self._auth is not None else {}
        timeout = (
            min(self._config.connect_timeout, remaining),
            min(self._config.read_timeout, remaining),
        )
        try:
            with head_deadline(deadline):
                response = self._session.request(
                    request.method,
                    request.url,
                    json=request.json_body,
                    params=request.params,
                    headers=headers,
                    timeout=timeout,
                    stream=True,  # the body is read by read_body, bounded in size and time
                )
        except requests.Timeout:
            self._stats.request(operation, "timeout")
            late = time.time() >= deadline
            message = "no complete answer by the cycle's deadline" if late else ""
            raise TransientError(
                operation, "timeout", message or f"no answer within {timeout[1]:.1f}s"
            ) from None
        except requests.ConnectionError:
            self._stats.request(operation, "connection_error")
            raise TransientError(operation, "connection_error", "connection failed") from None
        except requests.RequestException as exc:
            self._stats.request(operation, "connection_error")
            raise ApiError(operation, "request_error", type(exc).__name__) from None
        return response, headers

    def _raise_for_status(self, operation: str, response: requests.Response, body: bytes) -> None:
        status = response.status_code
        code, message = error_from_body(body, status)
        if status == 429:
            reset_at = parse_reset_time(response.headers, time.time())
            if reset_at is not None:
                self._gate.close_until(reset_at)
            raise TransientError(operation, "rate_limited", message, status, reset_at)
        if status in RETRYABLE_STATUS:
            raise TransientError(operation, RETRYABLE_STATUS[status], message, status)
        if status == 401:
            code = "unauthorized"
        raise ApiError(operation, code, message, status)

    def _should_stop(self, state: RetryCallState, deadline: float, budget: int) -> bool:
        return self._stop.is_set() or self._backoff.out_of_room(state, deadline, budget)

    def _sleep(self, seconds: float) -> None:
        if self._stop.wait(seconds):
            raise Stopped()

    def _count_retry(self, retry_log: RetryLog, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        reason = exc.reason if isinstance(exc, TransientError) else "other"
        self._stats.retry(retry_log.operation, reason)
        wait = state.next_action.sleep if state.next_action is not None else 0.0
        retry_log.note(reason, state.attempt_number, wait, exc)


def endpoint(url: str) -> str:
    """host:port of a URL, for log lines: never its user info, path or query."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "invalid-url"
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    return f"{host}:{port or (443 if parts.scheme == 'https' else 80)}"
