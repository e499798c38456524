"""Reading an API's answer with bounds: size, time for the whole body, and JSON nesting.

A read timeout applies to each read, so a server that trickles one byte every few seconds,
or streams an endless chunked body, would hold a call forever and take all the memory it
likes. Here the body is read as a stream, counted against a byte cap, and a watchdog shuts
the socket down when the cycle's deadline passes, however the server paces its bytes. The
response head (status line and headers) is held to the same deadline by the connection
classes below, which arm the watchdog around urllib3's getresponse().
"""

from __future__ import annotations

import contextlib
import heapq
import http.client
import io
import itertools
import json
import math
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any, TypeVar

import msgspec
import requests
import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

CHUNK_BYTES = 256 * 1024
# Deeper JSON than this is refused: no API document of ours comes near it, and Python's
# recursion (the parser's, a repr's) must never be reachable from an API answer.
MAX_JSON_DEPTH = 64
T = TypeVar("T")


class BodyError(Exception):
    """Why a body could not be read; api_client.py turns it into an ApiError with this code."""

    def __init__(self, code: str, message: str, transient: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.transient = transient


class _Alarm:
    __slots__ = ("cancelled", "fired", "sock")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.fired = False
        self.cancelled = False


class Watchdog:
    """One thread that shuts down sockets whose deadline passed; cheap to arm and disarm."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, _Alarm]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None
        self._cancelled = 0

    def arm(self, deadline: float, sock: socket.socket) -> _Alarm:
        alarm = _Alarm(sock)
        with self._cond:
            earliest = self._heap[0][0] if self._heap else math.inf
            heapq.heappush(self._heap, (deadline, next(self._order), alarm))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="body-watchdog", daemon=True)
                self._thread.start()
            if deadline < earliest:  # otherwise the thread already wakes up early enough
                self._cond.notify()
        return alarm

    def disarm(self, alarm: _Alarm) -> None:
        with self._cond:
            if alarm.cancelled or alarm.fired:
                return
            alarm.cancelled = True
            self._cancelled += 1
            # Every call arms with the cycle's deadline, often minutes away: drop cancelled
            # alarms now and then so the heap stays the size of the calls in flight.
            if self._cancelled > 64 and self._cancelled * 2 > len(self._heap):
                self._heap = [entry for entry in self._heap if not entry[2].cancelled]
                heapq.heapify(self._heap)
                self._cancelled = 0

    def _run(self) -> None:
        with self._cond:
            while True:
                while self._heap and self._heap[0][2].cancelled:
                    heapq.heappop(self._heap)
                    self._cancelled -= 1
                if not self._heap:
                    self._cond.wait()
                    continue
                wait = self._heap[0][0] - time.time()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                alarm = heapq.heappop(self._heap)[2]
                alarm.fired = True
                with contextlib.suppress(OSError):
                    alarm.sock.shutdown(socket.SHUT_RDWR)


WATCHDOG = Watchdog()
_head_deadline = threading.local()


@contextlib.contextmanager
def head_deadline(deadline: float) -> Iterator[None]:
    """Requests sent by this thread inside the block must receive their head by `deadline`."""
    _head_deadline.value = deadline
    try:
        yield
    finally:
        _head_deadline.value = None


class _HeadDeadline:
    """Mixin for urllib3 connections: the response head is read under the watchdog."""

    sock: socket.socket | None

    def getresponse(self) -> Any:
        deadline = getattr(_head_deadline, "value", None)
        sock = self.sock
        alarm = WATCHDOG.arm(deadline, sock) if deadline is not None and sock is not None else None
        try:
            response = super().getresponse()  # type: ignore[misc]
        except (OSError, http.client.HTTPException):
            if alarm is not None and alarm.fired:
                raise _head_timeout() from None
            raise
        finally:
            if alarm is not None:
                WATCHDOG.disarm(alarm)
        if alarm is not None and alarm.fired:  # a head cut short can still parse
            response.close()
            raise _head_timeout()
        return response


def _head_timeout() -> TimeoutError:
    # urllib3 turns a socket timeout into ReadTimeoutError: a "timeout" like any other.
    return TimeoutError("no complete response head before the cycle's deadline")


class _HTTPConnection(_HeadDeadline, HTTPConnection):
    pass


class _HTTPSConnection(_HeadDeadline, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


def bound_response_heads(manager: urllib3.PoolManager) -> urllib3.PoolManager:
    """Make a pool manager's connections honour head_deadline(); returns the manager."""
    manager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}
    return manager


def _socket_of(response: requests.Response) -> socket.socket | None:
    """The socket under a streamed response (None for a mocked one)."""
    connection = getattr(response.raw, "connection", None)
    sock = getattr(connection, "sock", None)
    return sock if isinstance(sock, socket.socket) else None


def declared_length(response: requests.Response) -> int | None:
    value = response.headers.get("Content-Length", "").strip()
    return int(value) if value.isdigit() and len(value) < 20 else None


_READ_ERRORS = (
    requests.RequestException,
    urllib3.exceptions.HTTPError,
    http.client.HTTPException,
    OSError,
)


def _late(alarm: _Alarm | None, deadline: float) -> bool:
    return (alarm is not None and alarm.fired) or time.time() > deadline


def read_body(response: requests.Response, limit: int, deadline: float) -> bytes:
    """The whole body, at most `limit` bytes (decoded), complete before `deadline`.

    Raises BodyError; on any failure the connection is closed, never returned to the pool
    with half a body on it.
    """
    declared = declared_length(response)
    if declared is not None and declared > limit:
        response.close()
        raise BodyError(
            "response_too_large", f"the server announced {declared} bytes; the limit is {limit}"
        )
    sock = _socket_of(response)
    alarm = WATCHDOG.arm(deadline, sock) if sock is not None else None
    # One growing buffer, not a list of chunks and their join: two copies of a page at once.
    chunks = io.BytesIO()
    size = 0
    complete = False
    try:
        for chunk in response.iter_content(CHUNK_BYTES):
            size += len(chunk)
            if size > limit:
                raise BodyError("response_too_large", f"the body passed the limit of {limit} bytes")
            chunks.write(chunk)
            del chunk
            if time.time() > deadline:
                break
        complete = not _late(alarm, deadline)
    except _READ_ERRORS as exc:
        if not _late(alarm, deadline):
            timed_out = "timed out" in str(exc)
            code = "timeout" if timed_out else "connection_error"
            raise BodyError(code, f"body cut short after {size} bytes", transient=True) from None
    finally:
        if alarm is not None:
            WATCHDOG.disarm(alarm)
        if not complete:
            response.close()
    if not complete:
        raise BodyError(
            "deadline_exceeded", f"the body was not complete at the cycle's deadline ({size} bytes)"
        )
    return chunks.getvalue()


_KEEP = b'[]{}"'
_DROP = bytes(b for b in range(256) if b not in _KEEP)


def nesting_exceeds(body: bytes, max_depth: int) -> bool:
    """Whether brackets outside strings nest deeper than max_depth (up to twice it, see below).

    All in C-speed passes, a fraction of the parse itself. Escaped backslashes and quotes go
    first, so the quotes left delimit strings; then everything but quotes and brackets, so a
    string holding no bracket is `""`, and those go (which keeps quotes paired); any string
    left goes by splitting on quotes. Each pass then drops the innermost `[]` pairs and then
    the innermost `{}` pairs, one or two levels: up to max_depth is always accepted, beyond
    2 x max_depth always refused.
    """
    if len(body) <= 2 * max_depth:  # too short to nest deeper
        return False
    if b"\\" in body:
        body = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    brackets = body.translate(None, _DROP).replace(b'""', b"")
    if b'"' in brackets:
        brackets = b"".join(brackets.split(b'"')[::2])
    for _ in range(max_depth):
        peeled = brackets.replace(b"[]", b"").replace(b"{}", b"")
        if not peeled or len(peeled) == len(brackets):
            return False  # all matched, or what is left cannot match (json.loads refuses it)
        brackets = peeled
    return True


def parse_json(body: bytes, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parsed JSON of bounded nesting; BodyError("malformed_response") for anything else."""
    if nesting_exceeds(body, max_depth):
        raise BodyError("malformed_response", f"JSON nested deeper than {max_depth} levels")
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BodyError("malformed_response", "response body is not valid JSON") from None


def decode_typed(body: bytes, decoder: msgspec.json.Decoder[T]) -> T | None:
    """The document straight into the decoder's type, or None when it does not fit it.

    None for a value of another type anywhere, for what msgspec refuses (a lone surrogate
    escape), or for nesting past its guard: the caller then reads the body with parse_json,
    which decides what is JSON and enforces MAX_JSON_DEPTH. On success only the type's own
    containers were built (a fixed, shallow depth); whatever else the document held was
    skipped in C without being built, under msgspec's recursion guard.
    """
    try:
        return decoder.decode(body)
    except (msgspec.DecodeError, RecursionError):  # ValidationError is a DecodeError
        return None
