"""What one HTTP connection may cost the server, and who gives way when they are all taken.

Every connection holds a thread, so the number of connections is capped. A connection is in
one of three states: waiting for its request head, handling a request, or idle between
keep-alive requests. When a new client arrives and every slot is taken, the server closes
the oldest idle connection, else the connection that has been sending its head the longest
(a client that has not finished a head of at most a few KiB is either broken or hostile),
else a request that has been in hand for more than 10 s (a client reading its answer a byte
at a time); only when every slot is handling a recent request does the newcomer get a quick
503. So slow or idle clients can never lock a scraper or a probe out for long.

The request head is read against a byte cap and a deadline for the whole head (not per
read), so neither a huge head nor one trickled a byte at a time holds memory or a thread.
"""

from __future__ import annotations

import contextlib
import enum
import io
import socket
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class ConnectionLimits:
    max_connections: int = 64
    max_head_bytes: int = 16 * 1024  # request line and all headers together
    head_timeout: float = 10.0  # to receive a whole head, TLS handshake included
    idle_timeout: float = 30.0  # between keep-alive requests
    write_timeout: float = 30.0  # a client that does not read its answer is dropped
    busy_evictable_after: float = 10.0  # at the cap, a request older than this gives way
    max_drain_bytes: int = 64 * 1024  # a larger request body closes the connection instead


class HeadTooLarge(Exception):
    """The request head exceeded ConnectionLimits.max_head_bytes."""


class HeadTimeout(Exception):
    """The request head did not arrive in full before its deadline."""


class State(enum.Enum):
    HEAD = "head"  # receiving a request head (or the TLS handshake)
    BUSY = "busy"  # handling a request
    IDLE = "idle"  # kept alive, waiting for the next request


class _Slot:
    __slots__ = ("since", "state")

    def __init__(self, state: State) -> None:
        self.state = state
        self.since = time.monotonic()


def force_close(sock: socket.socket) -> None:
    """Wake the thread blocked on `sock` by shutting the OS socket down under it.

    The plain socket method is used on purpose: SSLSocket.shutdown would tear down the TLS
    object that the connection's own thread may be using at that moment.
    """
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


class ConnectionTable:
    """The connections being served, their states, and the cap on their number."""

    def __init__(self, limit: int, busy_evictable_after: float = 10.0) -> None:
        self._limit = limit
        self._busy_evictable_after = busy_evictable_after
        self._slots: dict[socket.socket, _Slot] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._slots)

    def admit(self, sock: socket.socket) -> bool:
        """Take a slot for `sock`, making room by evicting an idle or slow one if needed."""
        victim: socket.socket | None = None
        with self._lock:
            if len(self._slots) >= self._limit:
                victim = self._victim()
                if victim is None:
                    return False
                del self._slots[victim]
            self._slots[sock] = _Slot(State.HEAD)
        if victim is not None:
            force_close(victim)
        return True

    def _victim(self) -> socket.socket | None:
        for wanted in (State.IDLE, State.HEAD):
            candidates = [(s.since, k) for k, s in self._slots.items() if s.state is wanted]
            if candidates:
                return min(candidates, key=lambda c: c[0])[1]
        # A client reading its answer a byte at a time would otherwise hold its slot for the
        # whole write timeout, request after request.
        oldest = time.monotonic() - self._busy_evictable_after
        busy = [(s.since, k) for k, s in self._slots.items() if s.since <= oldest]
        return min(busy, key=lambda c: c[0])[1] if busy else None

    def set_state(self, sock: socket.socket, state: State) -> bool:
        """Move `sock` to `state`; False when it has been evicted meanwhile."""
        with self._lock:
            slot = self._slots.get(sock)
            if slot is None:
                return False
            slot.state = state
            slot.since = time.monotonic()
            return True

    def release(self, sock: socket.socket) -> None:
        with self._lock:
            self._slots.pop(sock, None)


_HEAD_ENDS = (b"\r\n\r\n", b"\n\n", b"\n\r\n")


def _head_end(data: bytes) -> int:
    """Offset just past the blank line ending a head in `data`, or -1."""
    best = -1
    for marker in _HEAD_ENDS:
        at = data.find(marker)
        if at >= 0 and (best < 0 or at + len(marker) < best):
            best = at + len(marker)
    return best


def read_head(
    rfile: io.BufferedReader, sock: socket.socket, max_bytes: int, deadline: float
) -> bytes | None:
    """The request head (through its blank line), read within `max_bytes` and `deadline`.

    Returns None when the client closed the connection before sending a byte. Reads go
    through the buffered reader one raw read at a time (peek), so bytes past the head (a
    body or a pipelined request) stay in the buffer for whoever reads next.
    """
    head = bytearray()
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise HeadTimeout
        sock.settimeout(remaining)
        try:
            available = rfile.peek(1)
        except TimeoutError:
            raise HeadTimeout from None
        if not available:
            if head:
                raise ConnectionResetError("client closed inside its request head")
            return None
        take = available[: max_bytes + 1 - len(head)]
        # Look across the boundary with what was read before: a marker may straddle reads.
        tail = bytes(head[-3:])
        end = _head_end(tail + take)
        if end >= 0:
            head += rfile.read(end - len(tail))
            if len(head) > max_bytes:
                raise HeadTooLarge
            return bytes(head)
        head += rfile.read(len(take))
        if len(head) > max_bytes:
            raise HeadTooLarge


def canned_response(status: int, reason: str, body: bytes) -> bytes:
    """A whole HTTP/1.1 answer that closes the connection, for paths with no request object."""
    return (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode() + body
