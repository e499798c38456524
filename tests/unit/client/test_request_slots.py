"""The API client's request slots: first come, first served, bounded waits, a real cap."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from exporter.client.api_client import ApiClient
from exporter.client.errors import ApiError
from exporter.client.slots import RequestSlots
from exporter.client.stats import ApiStats
from exporter.config.model import HttpConfig


def test_a_freed_slot_goes_to_the_longest_waiter() -> None:
    slots = RequestSlots(1)
    assert slots.acquire(1.0)
    order: list[int] = []
    waiters = []
    for n in range(4):
        waiter = threading.Thread(target=lambda n=n: (slots.acquire(10.0), order.append(n)))
        waiter.start()
        waiters.append(waiter)
        # Each in line before the next one comes.
        deadline = time.monotonic() + 5
        while len(slots._waiting) < n + 1 and time.monotonic() < deadline:
            time.sleep(0.001)
    for n in range(4):
        slots.release()  # to the head of the line, never to whoever asks next
        deadline = time.monotonic() + 5
        while len(order) < n + 1 and time.monotonic() < deadline:
            time.sleep(0.001)
        # One taking barges in: it must queue behind those already waiting.
        assert not slots.acquire(0.0)
    for waiter in waiters:
        waiter.join(5)
    assert order == [0, 1, 2, 3]


def test_a_wait_ends_at_its_timeout_and_the_slot_is_not_lost() -> None:
    slots = RequestSlots(1)
    assert slots.acquire(1.0)
    began = time.monotonic()
    assert not slots.acquire(0.05)
    assert time.monotonic() - began >= 0.05
    slots.release()
    assert slots.acquire(0.0)  # the waiter that gave up holds nothing


def test_no_slot_before_the_deadline_fails_the_call_as_deadline_exceeded() -> None:
    slots = RequestSlots(1)
    assert slots.acquire(1.0)
    with pytest.raises(ApiError) as raised, slots.held("op", time.time() + 0.05):
        pass
    assert raised.value.error == "deadline_exceeded"


class _Counting(BaseHTTPRequestHandler):
    lock = threading.Lock()
    now = 0
    most = 0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        cls = type(self)
        with cls.lock:
            cls.now += 1
            cls.most = max(cls.most, cls.now)
        time.sleep(0.2)
        with cls.lock:
            cls.now -= 1
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def counting_server() -> Iterator[str]:
    _Counting.now = _Counting.most = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(("max_in_flight", "most"), [(2, 2), (0, 6)])
def test_the_server_never_sees_more_requests_at_once_than_the_slots(
    counting_server: str, max_in_flight: int, most: int
) -> None:
    client = ApiClient(
        HttpConfig(), ApiStats(), threading.Event(), pool_size=8, max_in_flight=max_in_flight
    )
    deadline = time.time() + 30
    callers = [
        threading.Thread(
            target=client.call,
            args=("op", "POST", counting_server),
            kwargs={"deadline": deadline, "parse": dict, "json_body": {"n": n}},
        )
        for n in range(6)
    ]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join(30)
    # 0: no cap, so the six callers meet at the server (the check can fail).
    assert _Counting.most == most
