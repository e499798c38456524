"""A hostile or broken API, over real HTTP to the simulator on 127.0.0.1.

Huge, endless and trickled bodies, JSON nested without end, error codes no label should
carry, and an auth server whose tokens die and revoke each other.
"""

from __future__ import annotations

import json
import math
import re
import socket
import threading
import time
from typing import Any

import pytest
import responses

from exporter.client.api_client import ApiClient
from exporter.client.body import MAX_JSON_DEPTH, Watchdog, nesting_exceeds, parse_json
from exporter.client.error_text import (
    MAX_DISTINCT_CODES,
    OTHER,
    CodeFolder,
    clean_message,
    error_code,
)
from exporter.client.errors import KNOWN_CODES, ApiError, error_from_body
from exporter.client.stats import ApiStats
from exporter.client.tokens import (
    UNKNOWN_LIFETIME_CEILING,
    CauselyAuth,
    lifetime,
    parse_token,
    refresh_time,
)
from exporter.config.file import ConfigError
from exporter.config.loader import build_config
from exporter.config.model import HttpConfig
from exporter.config.secrets import Secret
from exporter.simulator.config import SimulatorConfig
from exporter.simulator.simulator import Simulator
from tests.conftest import InProcess, sim_config

FAST = HttpConfig(
    backoff_initial=0.05, backoff_max=0.2, max_attempts=3, read_timeout=2.0, connect_timeout=1.0
)
CODE_SHAPE = re.compile(r"^[a-z0-9_]{1,40}$")


def client(http: HttpConfig = FAST) -> tuple[ApiClient, ApiStats]:
    stats = ApiStats()
    return ApiClient(http, stats, threading.Event()), stats


def list_incidents(api: ApiClient, sim: Simulator, deadline: float = 30.0) -> Any:
    """One CauseFlow call: a plain GET with a static token, so each test sees one request."""
    return api.call(
        "listIncidents",
        "GET",
        sim.causeflow_url + "/incidents",
        deadline=time.time() + deadline,
        parse=lambda document: document,
        params={"limit": 10},
    )


def auth_headers() -> dict[str, str]:
    return {"Authorization": "Bearer demo-causeflow-token"}


class StaticAuth:
    def headers(self, deadline: float) -> dict[str, str]:
        return auth_headers()

    def renew(self, deadline: float, failed: Any) -> bool:
        return False


def cf_client(http: HttpConfig = FAST) -> tuple[ApiClient, ApiStats]:
    stats = ApiStats()
    return ApiClient(http, stats, threading.Event(), auth=StaticAuth()), stats


# --- bounded bodies --------------------------------------------------------------------------


def test_a_declared_huge_body_is_refused_before_reading(small_sim: Simulator) -> None:
    small_sim.inject("huge_body", target="causeflow", declare_length=True, size=500_000_000)
    api, stats = cf_client()
    with pytest.raises(ApiError) as info:
        list_incidents(api, small_sim)
    assert info.value.error == "response_too_large"
    assert "500000000" in info.value.message
    assert stats.snapshot().errors == {("listIncidents", "response_too_large"): 1}
    assert list_incidents(api, small_sim)["items"]  # the client still works afterwards


@pytest.mark.parametrize("kind", ["huge_body", "endless_body"])
def test_an_undeclared_or_endless_body_stops_at_the_cap(small_sim: Simulator, kind: str) -> None:
    small_sim.inject(kind, target="causeflow")
    api, stats = cf_client(HttpConfig(**{**vars(FAST), "max_response_bytes": 2 * 1024 * 1024}))
    with pytest.raises(ApiError) as info:
        list_incidents(api, small_sim)
    assert info.value.error == "response_too_large"
    assert stats.snapshot().errors == {("listIncidents", "response_too_large"): 1}
    assert list_incidents(api, small_sim)["items"]


def test_a_gzip_bomb_stops_at_the_cap_counted_after_decompression(small_sim: Simulator) -> None:
    small_sim.inject("gzip_bomb", target="causeflow", size=200_000_000)
    api, stats = cf_client(HttpConfig(**{**vars(FAST), "max_response_bytes": 2 * 1024 * 1024}))
    with pytest.raises(ApiError) as info:
        list_incidents(api, small_sim)
    assert info.value.error == "response_too_large"
    assert stats.snapshot().errors == {("listIncidents", "response_too_large"): 1}


def test_a_trickled_body_ends_at_the_cycle_deadline_not_per_read(small_sim: Simulator) -> None:
    # One byte every 0.5 s never trips the 2 s read timeout; only the deadline can end it.
    small_sim.inject("trickle_body", target="causeflow", seconds=0.5)
    api, stats = cf_client()
    started = time.time()
    with pytest.raises(ApiError) as info:
        list_incidents(api, small_sim, deadline=2.0)
    elapsed = time.time() - started
    assert info.value.error == "deadline_exceeded"
    assert "cycle's deadline" in info.value.message
    assert stats.snapshot().errors == {("listIncidents", "deadline_exceeded"): 1}
    # Bounded, not a timing assertion: the body alone would take minutes.
    assert elapsed < 30


def test_a_trickled_response_head_ends_at_the_cycle_deadline(small_sim: Simulator) -> None:
    small_sim.inject("trickle_head", target="causeflow", seconds=0.5)
    api, stats = cf_client()
    started = time.time()
    with pytest.raises(ApiError) as info:
        list_incidents(api, small_sim, deadline=2.0)
    assert info.value.error == "timeout"
    assert stats.snapshot().errors == {("listIncidents", "timeout"): 1}
    assert time.time() - started < 30  # bounded: the head alone would take over a minute


def test_a_body_that_stalls_mid_way_is_retried(small_sim: Simulator) -> None:
    small_sim.inject("trickle_body", target="causeflow", seconds=5)  # gap > 2 s read timeout
    api, stats = cf_client()
    assert list_incidents(api, small_sim)["items"]
    snap = stats.snapshot()
    assert snap.retries == {("listIncidents", "timeout"): 1}
    assert snap.errors == {}


def test_deeply_nested_json_is_malformed_response_not_an_exception(small_sim: Simulator) -> None:
    small_sim.inject("deep_json", target="causeflow", levels=100_000)
    api, stats = cf_client()
    with pytest.raises(ApiError) as info:
        list_incidents(api, small_sim)
    assert info.value.error == "malformed_response"
    assert stats.snapshot().errors == {("listIncidents", "malformed_response"): 1}


def test_nesting_bound_is_exact_and_ignores_brackets_in_strings() -> None:
    def nested(depth: int) -> bytes:
        return b"[" * depth + b"]" * depth

    assert not nesting_exceeds(nested(MAX_JSON_DEPTH), MAX_JSON_DEPTH)
    assert nesting_exceeds(nested(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH)
    mixed = b'{"a":' * 40 + b"[" * 30 + b"]" * 30 + b"}" * 40
    assert nesting_exceeds(mixed, MAX_JSON_DEPTH)
    quoted = b'{"name": "' + b"[{" * 10_000 + b'\\" ]"}'
    assert parse_json(quoted)["name"].startswith("[{")
    for junk in (b"[" * 100_000, b"]" * 5 + b"[]", b'"\\', b"\xff\xfe"):
        with pytest.raises(Exception) as info:
            parse_json(junk)
        assert type(info.value).__name__ == "BodyError"


def test_the_watchdog_fires_on_time_and_forgets_disarmed_alarms() -> None:
    dog = Watchdog()
    left, right = socket.socketpair()
    with left, right:
        left.settimeout(10)  # the test's bound, should the watchdog never fire
        for _ in range(1000):  # calls that finished long before their cycle's deadline
            dog.disarm(dog.arm(time.time() + 600, left))
        assert len(dog._heap) < 100
        alarm = dog.arm(time.time() + 0.2, left)
        assert left.recv(1) == b""  # blocks until the watchdog shuts the socket down
        assert alarm.fired


# --- hostile error codes and messages -------------------------------------------------------


def test_hostile_error_codes_never_raise_and_fold_into_a_bounded_set(
    small_sim: Simulator,
) -> None:
    small_sim.inject("hostile_error", target="causeflow", count=None, distinct=True)
    api, stats = cf_client()
    for _ in range(MAX_DISTINCT_CODES + 20):
        with pytest.raises(ApiError) as info:
            list_incidents(api, small_sim)
        exc = info.value
        assert CODE_SHAPE.match(exc.error), exc.error
        str(exc).encode("utf-8")  # no lone surrogate survives
        assert not re.search(r"[\x00-\x1f\x7f]", exc.message)
        assert len(exc.message) <= 300
    codes = {code for (_, code) in stats.snapshot().errors}
    assert len(codes) == MAX_DISTINCT_CODES + 1  # the first 32, then "other"
    assert OTHER in codes
    assert all(CODE_SHAPE.match(code) for code in codes)


def test_the_exporter_keeps_api_error_series_bounded(small_sim: Simulator) -> None:
    """Through the collector and the renderer: every cycle a new hostile code."""
    small_sim.inject("hostile_error", target="causeflow", count=None, distinct=True)
    run = InProcess(sim_config(small_sim, causely={"enabled": False}, causeflow={"enabled": True}))
    for _ in range(MAX_DISTINCT_CODES + 8):
        metrics = run.cycle()
        assert metrics["causeflow_up"][()] == 0
    series = metrics["causely_exporter_api_errors_total"]
    codes = {dict(labels)["error"] for labels in series}
    assert len(codes) == MAX_DISTINCT_CODES + 1 and OTHER in codes
    assert sum(series.values()) == MAX_DISTINCT_CODES + 8


def test_error_bodies_of_any_shape_give_a_code_and_a_clean_message() -> None:
    cases = [
        b'{"error": "\\ud800\\udfff", "message": "a\\nb\\u0000"}',
        b'{"error": 5, "message": []}',
        b'{"errors": [[[[[["deep"]]]]]]}',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"error": "' + b"x" * 10_000 + b'"}',
        b"\xff",
    ]
    for body in cases:
        code, message = error_from_body(body, 418)
        assert CODE_SHAPE.match(code), code
        message.encode("utf-8")
        assert "\n" not in message and len(message) <= 300


def test_code_folding_and_message_cleaning() -> None:
    assert error_code("Rate Limited!") == "rate_limited"
    assert error_code("\ud800") == OTHER
    assert error_code(None) == OTHER
    assert len(error_code("a" * 500)) == 40
    folder = CodeFolder(frozenset({"timeout"}), limit=2)
    assert [folder.fold(c) for c in ("a", "b", "c", "a", "timeout")] == [
        "a",
        "b",
        OTHER,
        "a",
        "timeout",
    ]
    assert clean_message("one\ntwo\x1b[31m\ud800") == "one two\\u001b[31m\\ud800"
    assert clean_message('a" level=error b="c') == "a' level=error b='c"
    assert {"response_too_large", "deadline_exceeded", "malformed_response"} <= KNOWN_CODES


def test_max_response_bytes_is_validated() -> None:
    env = {"CAUSELY_CLIENT_ID": "a", "CAUSELY_CLIENT_SECRET": "b"}
    assert build_config({}, env).http.max_response_bytes == 32 * 1024 * 1024
    assert build_config({"http": {"max_response_bytes": 4096}}, env).http.max_response_bytes == 4096
    for bad in (0, -1, "32MiB", True, 2**40):
        with pytest.raises(ConfigError, match=r"http\.max_response_bytes"):
            build_config({"http": {"max_response_bytes": bad}}, env)


# --- tokens ----------------------------------------------------------------------------------


def test_a_dying_token_costs_one_exchange_and_no_scope_fails() -> None:
    """The herd of the issue: 4 scopes, a token dying every 15 requests, revoke on issue."""
    config = SimulatorConfig(
        seed=11, scopes=4, defects=400, incidents=0, token_max_uses=15, revoke_on_issue=True
    )
    with Simulator(config) as sim:
        run = InProcess(
            sim_config(
                sim,
                causely={"scopes": "discover", "page_size": 10, "concurrency": 4},
                causeflow={"enabled": False},
            )
        )
        for _ in range(3):
            metrics = run.cycle()
            assert metrics["causely_up"][()] == 1
            assert all(value == 1 for value in metrics["causely_scope_up"].values())
            assert len(metrics["causely_scope_up"]) == 4
        records = sim.requests()
    ok = sum(1 for r in records if r.target == "graphql" and r.status == 200)
    unauthorized = sum(1 for r in records if r.target == "graphql" and r.status == 401)
    exchanges = sum(1 for r in records if r.target == "auth")
    assert ok > 100 and unauthorized >= 5
    # Each token serves exactly 15 requests when nothing revokes it early.
    assert exchanges == math.ceil(ok / 15)
    assert run.stats.snapshot().errors == {}


@pytest.mark.parametrize("key", ["access_token", "accessToken", "token"])
def test_every_token_spelling_servers_use_is_accepted(key: str) -> None:
    config = SimulatorConfig(seed=3, scopes=1, defects=5, incidents=0, token_key=key)
    with Simulator(config) as sim:
        run = InProcess(sim_config(sim, causeflow={"enabled": False}))
        metrics = run.cycle()
        assert metrics["causely_up"][()] == 1
        exchanges = [r for r in sim.requests() if r.target == "auth"]
    assert [r.status for r in exchanges] == [200]
    assert run.stats.snapshot().errors == {}


def test_a_token_answer_with_no_usable_key_is_a_clear_error() -> None:
    for document in ({"access_token": 7, "token": ""}, {"accessToken": None}, {}):
        with pytest.raises(ApiError, match="no access token"):
            parse_token(document)
    assert parse_token({"access_token": 7, "token": "t"})[0].reveal() == "t"


# --- never silent while waiting --------------------------------------------------------------


@pytest.mark.parametrize("expires_in", [None, 0, -5, float("nan"), float("inf"), "3600", True])
def test_an_unknown_token_lifetime_keeps_the_token_until_a_401(
    expires_in: Any, caplog: pytest.LogCaptureFixture
) -> None:
    assert lifetime(expires_in) is None
    assert refresh_time(100.0, None) == 100.0 + UNKNOWN_LIFETIME_CEILING
    url = "http://auth.test/token"
    document: dict[str, Any] = {"access_token": "tok"}
    if expires_in is not None:
        document["expires_in"] = expires_in
    with responses.RequestsMock() as mock:
        # json.dumps writes NaN and Infinity, as a sloppy server would.
        mock.post(url, body=json.dumps(document))
        api, _ = client()
        auth = CauselyAuth(api, url, Secret("id"), Secret("secret"))
        with caplog.at_level("INFO", logger="exporter.auth"):
            for _ in range(5):
                assert auth.headers(time.time() + 10) == {"Authorization": "Bearer tok"}
        assert len(mock.calls) == 1
    said = [r for r in caplog.records if "token_lifetime_unknown" in r.getMessage()]
    assert len(said) == 1


def test_a_401_that_cannot_be_renewed_keeps_the_api_message(small_sim: Simulator) -> None:
    stats = ApiStats()
    api = ApiClient(FAST, stats, threading.Event(), auth=StaticBearerWrong())
    with pytest.raises(ApiError) as info:
        list_incidents(api, small_sim)
    assert info.value.error == "unauthorized"
    assert info.value.message == "No valid authentication token was provided"
    assert stats.snapshot().requests == {("listIncidents", "401"): 1}


class StaticBearerWrong(StaticAuth):
    def headers(self, deadline: float) -> dict[str, str]:
        return {"Authorization": "Bearer wrong"}


def test_retry_lines_are_info_at_most_once_per_call_every_few_seconds(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from exporter.client.retry_policy import RetryLog

    first, second = RetryLog("token"), RetryLog("defectConnection")
    with caplog.at_level("DEBUG", logger="exporter.http"):
        for attempt in range(1, 6):
            first.note("connection_error", attempt, 0.5, None)
        second.note("timeout", 1, 1.0, None)
    info = [r.getMessage() for r in caplog.records if r.levelname == "INFO"]
    assert len(info) == 2  # the first of each call; the rest wait RETRY_LOG_EVERY_SECONDS
    assert 'operation=token reason=connection_error target="" attempt=1' in info[0]
    assert len([r for r in caplog.records if r.levelname == "DEBUG"]) == 4
