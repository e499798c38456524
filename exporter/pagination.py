"""Cursor walking shared by every source: Relay connections and REST cursors alike.

Sources supply a function that fetches one page for a cursor; these generators walk to the
end, refuse a cursor that does not advance, count an item seen twice once, and restart from
the first page (a bounded number of times) when the server says the cursor has expired.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from typing import Any

from exporter.http import ApiError


@dataclass(frozen=True)
class Page:
    items: list[Any]
    next_cursor: str | None  # None on the last page
    total: int | None = None


class CursorExpired(Exception):
    """The server no longer accepts the cursor; the walk must start over."""


class PaginationError(ApiError):
    """The server's cursors are broken (not advancing, too many pages, too many restarts)."""


def walk(
    operation: str,
    fetch: Callable[[str | None], Page],
    key: Callable[[Any], Hashable],
    *,
    max_pages: int = 100_000,
    max_restarts: int = 2,
    on_page: Callable[[Page], None] | None = None,
) -> Iterator[Any]:
    """Yield every item once, in server order, following cursors until the last page."""
    seen: set[Hashable] = set()
    restarts = 0
    cursor: str | None = None
    used: set[str] = set()
    pages = 0
    while True:
        try:
            page = fetch(cursor)
        except CursorExpired:
            if cursor is None or restarts >= max_restarts:
                raise PaginationError(
                    operation, "cursor_expired", f"cursor expired {restarts + 1} times"
                ) from None
            restarts += 1
            cursor, used = None, set()
            continue
        pages += 1
        if on_page is not None:
            on_page(page)
        for item in page.items:
            item_key = key(item)
            if item_key not in seen:
                seen.add(item_key)
                yield item
        if page.next_cursor is None:
            return
        if page.next_cursor == cursor or page.next_cursor in used:
            raise PaginationError(operation, "cursor_not_advancing", "the cursor did not advance")
        if pages >= max_pages:
            raise PaginationError(operation, "too_many_pages", f"more than {max_pages} pages")
        used.add(page.next_cursor)
        cursor = page.next_cursor


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
    return Page(items, next_cursor, total if isinstance(total, int) else None)
