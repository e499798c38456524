"""Narrow tests of the one retry mechanism and the token exchange, with `responses`."""

from __future__ import annotations

import email.utils
import json
import threading
import time
from typing import Any

import pytest
import requests
import responses

from exporter.client.api_client import ApiClient
from exporter.client.errors import ApiError, Stopped
from exporter.client.ratelimit import parse_reset_time
from exporter.client.stats import ApiStats
from exporter.client.tokens import AuthRejected, CauselyAuth, refresh_time
from exporter.config.model import HttpConfig
from exporter.config.secrets import Secret

URL = "http://api.test/query/"
AUTH_URL = "http://auth.test/token"
FAST = HttpConfig(backoff_initial=0.01, backoff_max=0.05, max_attempts=4, max_rate_limit_wait=5)


def identity(document: Any) -> Any:
    return document


def make_client(
    http: HttpConfig = FAST, auth: Any = None
) -> tuple[ApiClient, ApiStats, threading.Event]:
    stats, stop = ApiStats(), threading.Event()
    return ApiClient(http, stats, stop, auth=auth), stats, stop


def call(client: ApiClient, deadline: float = 30.0) -> Any:
    return client.call(
        "op", "POST", URL, deadline=time.time() + deadline, parse=identity, json_body={}
    )


def test_parse_reset_time_variants() -> None:
    now = 1_800_000_000.0
    assert parse_reset_time({"Retry-After": "7"}, now) == now + 7
    date = email.utils.formatdate(now + 30, usegmt=True)
    assert parse_reset_time({"Retry-After": date}, now) == now + 30
    assert parse_reset_time({"X-RateLimit-Reset": str(int(now + 9))}, now) == now + 9
    assert parse_reset_time({"X-RateLimit-Reset": "12"}, now) == now + 12
    assert parse_reset_time({}, now) is None
    assert parse_reset_time({"X-RateLimit-Reset": "soon"}, now) is None


@responses.activate
def test_503_backs_off_then_succeeds_and_every_attempt_is_counted() -> None:
    responses.post(URL, status=503, json={"errors": ["busy"]})
    responses.post(URL, status=502)
    responses.post(URL, json={"ok": 1})
    client, stats, _ = make_client()
    assert call(client) == {"ok": 1}
    snap = stats.snapshot()
    assert snap.requests == {("op", "503"): 1, ("op", "502"): 1, ("op", "200"): 1}
    assert snap.retries == {("op", "server_error"): 2}


@pytest.mark.parametrize("status", [400, 403, 404, 500])
@responses.activate
def test_client_errors_are_not_retried(status: int) -> None:
    responses.post(URL, status=status, json={"error": "validation_error", "message": "bad"})
    client, stats, _ = make_client()
    with pytest.raises(ApiError) as info:
        call(client)
    assert info.value.status == status
    assert len(responses.calls) == 1
    assert stats.snapshot().errors == {("op", "validation_error"): 1}


@responses.activate
def test_429_waits_for_retry_after_and_never_less() -> None:
    responses.post(URL, status=429, headers={"Retry-After": "1"})
    responses.post(URL, json={"ok": 1})
    client, stats, _ = make_client()
    started = time.time()
    assert call(client) == {"ok": 1}
    assert time.time() - started >= 1.0
    assert stats.snapshot().retries == {("op", "rate_limited"): 1}


@responses.activate
def test_429_with_x_ratelimit_reset_waits_until_the_reset_time() -> None:
    reset = int(time.time()) + 2
    responses.post(URL, status=429, headers={"X-RateLimit-Reset": str(reset)})
    responses.post(URL, json={"ok": 1})
    client, _, _ = make_client()
    call(client)
    assert time.time() >= reset


@responses.activate
def test_429_beyond_the_cap_or_deadline_fails_without_waiting() -> None:
    responses.post(URL, status=429, headers={"Retry-After": "3600"})
    client, stats, _ = make_client()
    started = time.time()
    with pytest.raises(ApiError) as info:
        call(client)
    assert info.value.error == "rate_limited"
    assert time.time() - started < 1
    assert len(responses.calls) == 1
    assert stats.snapshot().errors == {("op", "rate_limited"): 1}


@responses.activate
def test_timeouts_and_connection_errors_are_retried_then_fail() -> None:
    responses.post(URL, body=requests.ConnectTimeout())
    responses.post(URL, body=requests.ConnectionError())
    responses.post(URL, body=requests.ReadTimeout())
    responses.post(URL, body=requests.ReadTimeout())
    client, stats, _ = make_client()
    with pytest.raises(ApiError) as info:
        call(client)
    assert info.value.error == "timeout"
    snap = stats.snapshot()
    assert snap.requests == {("op", "timeout"): 3, ("op", "connection_error"): 1}
    assert sum(snap.retries.values()) == 3


@responses.activate
def test_malformed_json_is_an_error_not_a_crash() -> None:
    responses.post(URL, body=b'{"data": {', status=200)
    client, stats, _ = make_client()
    with pytest.raises(ApiError) as info:
        call(client)
    assert info.value.error == "malformed_response"
    assert stats.snapshot().errors == {("op", "malformed_response"): 1}


@responses.activate
def test_stop_interrupts_a_backoff() -> None:
    responses.post(URL, status=429, headers={"Retry-After": "4"})
    client, _, stop = make_client()
    threading.Timer(0.3, stop.set).start()
    started = time.time()
    with pytest.raises(Stopped):
        call(client)
    assert time.time() - started < 2


def make_auth(expires_in: int = 86400) -> tuple[CauselyAuth, ApiStats]:
    token_client, stats, _ = make_client()
    auth = CauselyAuth(
        token_client, AUTH_URL, Secret("cid"), Secret("topsecret"), rejection_backoff=60
    )
    return auth, stats


@responses.activate
def test_token_is_cached_and_accepts_both_spellings() -> None:
    responses.post(AUTH_URL, json={"accessToken": "tok-1", "expires_in": 86400})
    auth, _ = make_auth()
    deadline = time.time() + 10
    assert auth.headers(deadline) == {"Authorization": "Bearer tok-1"}
    assert auth.headers(deadline) == {"Authorization": "Bearer tok-1"}
    assert len(responses.calls) == 1
    body = responses.calls[0].request.body
    assert body is not None and json.loads(body)["clientId"] == "cid"


def test_refresh_before_expiry() -> None:
    assert refresh_time(1000, 86400) == 1000 + 86340
    assert refresh_time(1000, 10) == 1008


@responses.activate
def test_401_from_the_api_renews_the_token_once() -> None:
    responses.post(AUTH_URL, json={"access_token": "old", "expires_in": 86400})
    responses.post(AUTH_URL, json={"access_token": "new", "expires_in": 86400})
    responses.post(URL, status=401, json={"errors": [{"message": "expired"}]})
    responses.post(URL, json={"ok": 1})
    auth, _ = make_auth()
    client, stats, _ = make_client(auth=auth)
    assert call(client) == {"ok": 1}
    api_calls = [c for c in responses.calls if c.request.url == URL]
    assert [c.request.headers["Authorization"] for c in api_calls] == [
        "Bearer old",
        "Bearer new",
    ]
    assert stats.snapshot().retries == {("op", "unauthorized"): 1}


@responses.activate
def test_rejected_credentials_back_off_and_never_leak_the_secret() -> None:
    responses.post(AUTH_URL, status=401, json={"errors": ["Invalid credentials"]})
    auth, _ = make_auth()
    for _ in range(3):
        with pytest.raises(AuthRejected) as info:
            auth.headers(time.time() + 10)
        assert "topsecret" not in str(info.value)
    assert len(responses.calls) == 1


@responses.activate
def test_self_throttling_spaces_requests() -> None:
    responses.post(URL, json={"ok": 1})
    client, _, _ = make_client(HttpConfig(max_requests_per_second=20))
    started = time.time()
    for _ in range(5):
        call(client)
    # Five requests at 20/s: the last may start 4 x 50 ms after the first.
    assert time.time() - started >= 0.19


def closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nobody listens once it is closed


def test_the_token_exchange_shares_the_attempt_budget_of_the_call(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Real connection errors on 127.0.0.1: the auth server is down, the API is never reached.
    auth_port = closed_port()
    stats, stop = ApiStats(), threading.Event()
    token_client = ApiClient(FAST, stats, stop)
    auth = CauselyAuth(
        token_client, f"http://127.0.0.1:{auth_port}/token", Secret("cid"), Secret("topsecret")
    )
    client = ApiClient(FAST, stats, stop, auth=auth)
    with caplog.at_level("DEBUG", logger="exporter.http"), pytest.raises(ApiError) as info:
        client.call(
            "op",
            "POST",
            "http://user:pw@127.0.0.1:9/query/",
            deadline=time.time() + 30,
            parse=identity,
        )
    assert info.value.error == "connection_error"
    requests_made = stats.snapshot().requests
    assert requests_made == {("token", "connection_error"): FAST.max_attempts}  # 4, not 4 x 4
    retry_lines = [r.getMessage() for r in caplog.records if "event=retrying" in r.getMessage()]
    assert len(retry_lines) == FAST.max_attempts - 1
    assert all(f"target=127.0.0.1:{auth_port} " in line for line in retry_lines)
    assert "topsecret" not in caplog.text and "pw@" not in caplog.text


@responses.activate
def test_retry_lines_name_the_api_host_and_port(caplog: pytest.LogCaptureFixture) -> None:
    responses.post(URL, status=503)
    responses.post(URL, json={"ok": 1})
    client, _, _ = make_client()
    with caplog.at_level("DEBUG", logger="exporter.http"):
        assert call(client) == {"ok": 1}
    (line,) = [r.getMessage() for r in caplog.records if "event=retrying" in r.getMessage()]
    assert "operation=op reason=server_error target=api.test:80 attempt=1" in line


@responses.activate
def test_a_redirect_is_not_followed_and_says_what_to_do() -> None:
    responses.post(URL, status=301, headers={"Location": "https://api.test/query/"})
    client, stats, _ = make_client()
    with pytest.raises(ApiError) as raised:
        call(client)
    assert raised.value.error == "http_301" and "redirect (not followed)" in raised.value.message
    assert len(responses.calls) == 1  # neither followed nor retried
    assert stats.snapshot().errors == {("op", "http_301"): 1}


@responses.activate
def test_a_retry_replays_the_first_failure_through_the_policy() -> None:
    # The first attempt runs outside the retry machinery; a failure there is counted and
    # waited for exactly as any later one (one retry counted per failed attempt).
    responses.post(URL, status=503)
    responses.post(URL, status=503)
    responses.post(URL, json={"ok": 1})
    client, stats, _ = make_client()
    assert call(client) == {"ok": 1}
    assert stats.snapshot().retries == {("op", "server_error"): 2}
    assert len(responses.calls) == 3
