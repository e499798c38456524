"""Supervision of the collection units: bounded concurrency, and failures that cost one unit.

Kept apart from the loop so the rules for what a failure costs live in one place: a unit that
raises is down for this cycle (its last good values stay), an expected API failure is logged in
one line, and anything else is counted by source and reason (a bounded label set) and logged
in one line, the traceback only at debug. Nothing here may let an exception reach the loop.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter, deque
from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

from exporter.client.errors import ApiError, Stopped
from exporter.logs import quote

K = TypeVar("K", bound=Hashable)

MAX_ERROR_REASONS = 20  # distinct exception types kept as labels; the rest count as "other"


def run_bounded(
    tasks: Sequence[tuple[K, Callable[[], object]]], workers: int
) -> dict[K, object | BaseException]:
    """Run tasks on at most `workers` threads; each result is a value or the exception raised.

    Daemon threads, not a ThreadPoolExecutor: a request stalled at shutdown must not hold the
    process open (the executor's workers are joined at interpreter exit).
    """
    pending = deque(tasks)
    results: dict[K, object | BaseException] = {}
    lock = threading.Lock()

    def work() -> None:
        while True:
            with lock:
                if not pending:
                    return
                key, task = pending.popleft()
            try:
                outcome: object | BaseException = task()
            except Exception as exc:
                outcome = exc
            with lock:
                results[key] = outcome

    threads = [
        threading.Thread(target=work, name=f"collect-{i}", daemon=True)
        for i in range(min(workers, len(tasks)))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


class FailureLog:
    """Logs each unit's failure in one line and counts the unexpected ones by source and reason.

    It logs through the logger it is given (the collector's), so the lines keep the logger
    name operators filter on. The counts feed causely_exporter_collection_errors_total and
    live as long as the process: a reload does not reset a counter.
    """

    def __init__(self, log: logging.Logger) -> None:
        self._log = log
        self._errors: Counter[tuple[str, str]] = Counter()
        self._skipping: set[str] = set()  # sources not planned because one before them failed

    def skipped(self, source: str, after: Sequence[str]) -> None:
        """A source not planned this cycle because a source it is planned after failed: said
        once when the skipping starts (the failure before it is logged every cycle)."""
        if source in self._skipping:
            return
        self._skipping.add(source)
        self._log.warning(
            "event=collect_skipped source=%s after=%s msg=%s",
            source,
            ",".join(after),
            quote(f"not collected until {' and '.join(after)} plans again"),
        )

    def planned(self, source: str) -> None:
        """A source planned again after a run of skips: one line says so."""
        if source in self._skipping:
            self._skipping.discard(source)
            self._log.info("event=collect_resumed source=%s", source)

    def counts(self) -> dict[tuple[str, str], int]:
        return dict(self._errors)

    def failure(self, source: str, unit: str, exc: BaseException) -> None:
        if isinstance(exc, Stopped):
            return
        if isinstance(exc, ApiError):  # already counted by the client (ApiClient.failed)
            self._log.warning(
                "event=collect_failed source=%s unit=%s operation=%s error=%s msg=%s",
                source,
                quote(unit),
                exc.operation,
                quote(exc.error, 64),
                quote(exc.message, 300),
            )
            return
        # A bug, or an answer no parser expected: it must not blank the other units, and it
        # must be seen. One line a cycle; the traceback only at debug.
        self.unexpected(source, unit, exc)

    def unexpected(self, source: str, unit: str, exc: BaseException) -> None:
        reason = type(exc).__name__
        if (source, reason) not in self._errors and len(self._errors) >= MAX_ERROR_REASONS:
            reason = "other"
        self._errors[(source, reason)] += 1
        self._log.error(
            "event=collect_error source=%s unit=%s reason=%s msg=%s",
            source,
            quote(unit),
            quote(reason),
            quote(str(exc), 300),
        )
        self._log.debug("event=collect_error_traceback source=%s", source, exc_info=exc)
