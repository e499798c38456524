"""The requests of one API that may be out at once, granted in the order they were asked for.

The collector walks more scopes than the API may see requests from at once; each walk asks
for a slot per request. First come, first served keeps every walk moving at the same pace,
so the scopes end together and no slot stands idle while a late scope runs alone (a plain
semaphore lets a thread that just gave a slot back take it again ahead of the waiters).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from collections.abc import Iterator

from exporter.client.errors import ApiError


class RequestSlots:
    """At most `size` holders at a time; a freed slot goes to the longest waiter."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("at least one slot")
        self._lock = threading.Lock()
        self._free = size
        self._waiting: deque[threading.Lock] = deque()

    def acquire(self, timeout: float) -> bool:
        """Take a slot within `timeout` seconds; False if none came in time."""
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                return True
            turn = threading.Lock()
            turn.acquire()
            self._waiting.append(turn)
        if turn.acquire(timeout=max(0.0, timeout)):
            return True  # release() handed its slot over
        with self._lock:
            if turn in self._waiting:
                self._waiting.remove(turn)
                return False
        return True  # handed over just as the wait ended: it is ours to use or give back

    def release(self) -> None:
        with self._lock:
            if self._waiting:
                self._waiting.popleft().release()
            else:
                self._free += 1

    @contextlib.contextmanager
    def held(self, operation: str, deadline: float) -> Iterator[None]:
        """A slot for the block; the call fails if none frees before the cycle's deadline."""
        if not self.acquire(deadline - time.time()):
            raise ApiError(operation, "deadline_exceeded", "no request slot came free in time")
        try:
            yield
        finally:
            self.release()
