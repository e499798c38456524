"""One failed token exchange per collection cycle, not one per call (issue 28, item 5).

Against real sockets on 127.0.0.1: an auth endpoint that answers 503 to everything (a
Receiver that counts what it gets). The whole `--once` run is in
tests/integration/test_token_cycle.py.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time

import pytest

from exporter.client.api_client import ApiClient
from exporter.client.errors import ApiError
from exporter.client.stats import ApiStats
from exporter.client.tokens import AuthRejected, CauselyAuth
from exporter.config.model import HttpConfig
from exporter.config.secrets import Secret
from tests.receiver import Receiver

FAST = HttpConfig(backoff_initial=0.01, backoff_max=0.05, max_attempts=4, max_rate_limit_wait=5)


def identity(document: object) -> object:
    return document


def clients(auth_url: str) -> tuple[ApiClient, ApiStats]:
    stats, stop = ApiStats(), threading.Event()
    auth = CauselyAuth(ApiClient(FAST, stats, stop), auth_url, Secret("cid"), Secret("s3cr3t"))
    return ApiClient(FAST, stats, stop, auth=auth), stats


def token_requests(stats: ApiStats) -> int:
    return sum(n for (op, _), n in stats.snapshot().requests.items() if op == "token")


def test_a_failed_exchange_fails_the_other_calls_of_its_cycle_at_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with Receiver(status=503) as auth_server:
        client, stats = clients(auth_server.url + "/token")
        deadline = time.time() + 30  # one cycle: every call shares its deadline
        errors = []
        with caplog.at_level(logging.INFO):
            for operation in ("defects", "health", "slos"):
                started = time.monotonic()
                with pytest.raises(ApiError) as info:
                    client.call(
                        operation, "POST", "http://127.0.0.1:9/q", deadline=deadline, parse=identity
                    )
                errors.append((info.value.error, time.monotonic() - started))
        assert len(auth_server.received()) == FAST.max_attempts  # 4 in all, not 3 x 4
        assert token_requests(stats) == FAST.max_attempts
        assert {error for error, _ in errors} == {"server_error"}
        assert all(took < 0.05 for _, took in errors[1:])  # no request, no back-off
        given_up = [r for r in caplog.records if "event=token_exchange_given_up" in r.getMessage()]
        assert len(given_up) == 1  # logged once per cycle
        failed = stats.snapshot().errors
        assert failed[("health", "server_error")] == 1 and failed[("slos", "server_error")] == 1

        # The next cycle (another deadline) tries again.
        with pytest.raises(ApiError):
            client.call(
                "defects", "POST", "http://127.0.0.1:9/q", deadline=time.time() + 30, parse=identity
            )
        assert len(auth_server.received()) == 2 * FAST.max_attempts
    assert "s3cr3t" not in caplog.text


def test_concurrent_calls_of_one_cycle_share_one_budget() -> None:
    with Receiver(status=503) as auth_server:
        client, _ = clients(auth_server.url + "/token")
        deadline = time.time() + 30

        def one(operation: str) -> None:
            with contextlib.suppress(ApiError):
                client.call(
                    operation, "POST", "http://127.0.0.1:9/q", deadline=deadline, parse=identity
                )

        threads = [threading.Thread(target=one, args=(f"scope-{i}",)) for i in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)
        assert len(auth_server.received()) <= FAST.max_attempts


def test_a_rejection_says_that_no_request_is_made_until_the_back_off_ends() -> None:
    with Receiver(status=401) as auth_server:
        stats, stop = ApiStats(), threading.Event()
        auth = CauselyAuth(
            ApiClient(FAST, stats, stop),
            auth_server.url + "/token",
            Secret("cid"),
            Secret("s3cr3t"),
            rejection_backoff=60,
        )
        with pytest.raises(AuthRejected):
            auth.headers(time.time() + 10)
        with pytest.raises(AuthRejected) as info:
            auth.headers(time.time() + 10)
        assert len(auth_server.received()) == 1
        message = info.value.message
        assert "next try in 0s" not in message
        assert "no token request until the back-off ends in 60.0s" in message or (
            "no token request until the back-off ends in 59." in message
        )
