"""Cursor walking shared by every source: Relay connections and REST cursors alike.

Sources supply a function that fetches one page for a cursor; these generators walk to the
end, refuse a cursor that does not advance, count an item seen twice once, and restart from
the first page (a bounded number of times) when the server says the cursor has expired.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from typing import Any

from exporter.client.errors import ApiError


@dataclass(frozen=True)
class Page:
    items: list[Any]
    next_cursor: str | None  # None on the last page
    total: int | None = None
    skipped: int = 0  # entries that were not objects, left out of items


class CursorExpired(Exception):
    """The server no longer accepts the cursor; the walk must start over."""


class PaginationError(ApiError):
    """The server's cursors are broken (not advancing, too many pages, too many restarts)."""


class _PageAhead:
    """Fetches one page on its own thread while the caller works through the previous one.

    A walk never has more than one request in flight, so the API sees the same concurrency;
    the per-page parsing and counting just no longer sit between two requests.
    """

    def __init__(self, fetch: Callable[[str | None], Page], cursor: str | None) -> None:
        self._page: Page | None = None
        self._error: BaseException | None = None
        self._done = threading.Event()
        thread = threading.Thread(target=self._run, args=(fetch, cursor), daemon=True)
        thread.start()

    def _run(self, fetch: Callable[[str | None], Page], cursor: str | None) -> None:
        try:
            self._page = fetch(cursor)
        except BaseException as exc:  # handed to the walking thread by get()
            self._error = exc
        finally:
            self._done.set()

    def get(self) -> Page:
        self._done.wait()
        if self._error is not None:
            raise self._error
        assert self._page is not None
        return self._page


def walk(
    operation: str,
    fetch: Callable[[str | None], Page],
    key: Callable[[Any], Hashable],
    *,
    max_pages: int = 100_000,
    max_restarts: int = 2,
    on_page: Callable[[Page], None] | None = None,
    failed: Callable[[ApiError], ApiError] = lambda error: error,
) -> Iterator[Any]:
    """Yield every item once, in server order, following cursors until the last page.

    A walk that cannot go on raises what `failed` makes of its PaginationError: the sources
    pass their client's ApiClient.failed, which counts it.
    """
    seen: set[Hashable] = set()
    restarts = 0
    cursor: str | None = None
    used: set[str] = set()
    pages = 0
    ahead = _PageAhead(fetch, None)
    while True:
        try:
            page = ahead.get()
        except CursorExpired:
            if cursor is None or restarts >= max_restarts:
                raise failed(
                    PaginationError(
                        operation, "cursor_expired", f"cursor expired {restarts + 1} times"
                    )
                ) from None
            restarts += 1
            cursor, used = None, set()
            ahead = _PageAhead(fetch, None)
            continue
        pages += 1
        if on_page is not None:
            on_page(page)
        next_cursor = page.next_cursor
        if next_cursor is not None:
            if next_cursor == cursor or next_cursor in used:
                raise failed(
                    PaginationError(operation, "cursor_not_advancing", "the cursor did not advance")
                )
            if pages >= max_pages:
                error = PaginationError(operation, "too_many_pages", f"more than {max_pages} pages")
                raise failed(error)
            used.add(next_cursor)
            cursor = next_cursor
            ahead = _PageAhead(fetch, next_cursor)
        for item in page.items:
            item_key = key(item)
            if item_key not in seen:
                seen.add(item_key)
                yield item
        if next_cursor is None:
            return


def relay_page(operation: str, connection: Any) -> Page:
    """A Page from a Relay connection: edges[].node and pageInfo{hasNextPage, endCursor}."""
    if not isinstance(connection, dict):
        raise ApiError(operation, "malformed_response", "connection is not an object")
    edges = connection.get("edges") or []
    info = connection.get("pageInfo") or {}
    if not isinstance(edges, list) or not isinstance(info, dict):
        raise ApiError(operation, "malformed_response", "edges or pageInfo has the wrong type")
    nodes = [edge.get("node") for edge in edges if isinstance(edge, dict)]
    items = [node for node in nodes if isinstance(node, dict)]
    next_cursor: str | None = None
    if info.get("hasNextPage"):
        end = info.get("endCursor")
        if not isinstance(end, str) or not end:
            raise ApiError(operation, "malformed_response", "hasNextPage without endCursor")
        next_cursor = end
    total = connection.get("totalCount", info.get("totalCount"))
    return Page(
        items, next_cursor, total if isinstance(total, int) else None, len(edges) - len(items)
    )
