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
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import requests
from tenacity import RetryCallState, Retrying, retry_if_exception_type

from exporter import __version__
from exporter.client.body import BodyError, head_deadline, parse_json, read_body
from exporter.client.error_text import endpoint
from exporter.client.errors import ApiError, Stopped, TransientError, status_error
from exporter.client.prepare import RequestWriter
from exporter.client.ratelimit import (
    GateClosed,
    GatedAdapter,
    RateLimitGate,
    parse_quota,
    parse_reset_time,
)
from exporter.client.retry_policy import Backoff, RetryLog, replaying
from exporter.client.slots import RequestSlots
from exporter.client.stats import ApiStats
from exporter.config.model import HttpConfig
from exporter.config.proxies import proxies_for

T = TypeVar("T")

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
        max_in_flight: int = 0,
    ) -> None:
        """`max_in_flight` (0: no cap) bounds the requests of this client that are out at once:
        the collector walks more scopes than that at a time, so each request goes out as soon
        as any slot frees, and no scope waits for another to end."""
        self._config = http
        self._backoff = Backoff(http)
        self._api = api  # names the quota gauges; "" keeps no quota
        self._stats = stats
        self._stop = stop
        self._auth = auth
        self._gate = gate or RateLimitGate(stop, http.max_requests_per_second)
        self._slots = RequestSlots(max_in_flight) if max_in_flight > 0 else None
        # The adapter is called directly, not through a requests.Session (see prepare.py).
        self._adapter = GatedAdapter(self._gate, pool_size)
        self._writer = RequestWriter(USER_AGENT)
        # exporter.config read the proxy variables once; requests would scan the environment.
        self._proxies = proxies_for(base_url, http.proxy_env)
        self._verify: bool | str = http.ca_bundle or True

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
        request = _Request(operation, method, url, deadline, json_body, params, budget, raw)
        try:
            try:
                # Most calls succeed at once: the retry machinery is built for a retry only.
                return self._attempt(request, parse)
            except TransientError as exc:
                first = exc
            result: T = self._retrying(request)(replaying(first, self._attempt), request, parse)
            return result
        except ApiError as exc:
            # Under this call's name: a token exchange failing inside it fails this call too.
            self._stats.error(operation, exc.error)
            raise

    def _retrying(self, request: _Request) -> Retrying:
        retry_log = RetryLog(request.operation)
        return Retrying(
            retry=retry_if_exception_type(TransientError),
            stop=lambda state: self._should_stop(state, request.deadline, request.attempts),
            wait=self._backoff.wait_seconds,
            sleep=self._sleep,
            before_sleep=lambda state: self._count_retry(retry_log, state),
            reraise=True,
        )

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
        slots = self._slots
        with slots.held(request.operation, request.deadline) if slots else nullcontext():
            body, status = self._exchange(request)
        try:
            return parse(body) if request.raw else parse(parse_json(body))
        except BodyError as exc:
            raise ApiError(request.operation, exc.code, exc.message, status) from None

    def _exchange(self, request: _Request) -> tuple[bytes, int]:
        """Sends the request (again after a 401 that renewed the credentials) and reads the
        answer: its body and status, or the error it is."""
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
            reset_at = parse_reset_time(response.headers, time.time()) if status == 429 else None
            raise status_error(operation, status, body, reset_at)
        return body, status

    def _send(self, request: _Request) -> tuple[requests.Response, dict[str, str]]:
        while True:
            try:
                response, headers = self._send_once(request)
            except GateClosed:
                continue  # a 429 came in meanwhile: back to the gate, wait like everyone else
            self._stats.request(request.operation, str(response.status_code))
            return response, headers

    def _close_gate_on_429(self, response: requests.Response) -> None:
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
            prepared = self._writer.prepare(
                request.method, request.url, request.params, request.json_body, headers
            )
            with head_deadline(deadline):
                response = self._adapter.send(
                    prepared,
                    stream=True,  # the body is read by read_body, bounded in size and time
                    timeout=timeout,
                    verify=self._verify,
                    proxies=self._proxies,
                )
            # Before the body is read, so before the connection goes back to the pool: a
            # 429 closes the gate before any other thread can reuse that connection.
            self._close_gate_on_429(response)
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
