"""Cursor walking shared by every source: Relay connections and REST cursors alike.

Sources supply a function that fetches one page for a cursor; these generators walk to the
end, refuse a cursor that does not advance, count an item seen twice once, and restart from
the first page (a bounded number of times) when the server says the cursor has expired.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import dataclass, field
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
    while True:
        try:
            page = fetch(cursor)
        except CursorExpired:
            if cursor is None or restarts >= max_restarts:
                raise failed(
                    PaginationError(
                        operation, "cursor_expired", f"cursor expired {restarts + 1} times"
                    )
                ) from None
            restarts += 1
            cursor, used = None, set()
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
        items = page.items
        del page  # nothing of a page is held while the next one is asked for
        yield from _fresh(items, key, seen)
        if next_cursor is None:
            return
        del items


def _fresh(items: list[Any], key: Callable[[Any], Hashable], seen: set[Hashable]) -> Iterator[Any]:
    for item in items:
        item_key = key(item)
        if item_key not in seen:
            seen.add(item_key)
            yield item


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


@dataclass(eq=False)
class Leg:
    """One connection (or one plain answer) walked inside requests shared with other legs.

    `take` gets each page's items not seen before (a paged leg) or the one answer (not
    paged); `error` is why the leg ended early, when it did.
    """

    operation: str
    take: Callable[[Any], None]
    key: Callable[[Any], Hashable] = id
    paged: bool = True
    cursor: str | None = None
    pages: int = 0
    done: bool = False
    error: BaseException | None = None
    used: set[str] = field(default_factory=set)
    seen: set[Hashable] = field(default_factory=set)


def walk_joint(
    legs: list[Leg],
    fetch: Callable[[Mapping[str, str | None]], Mapping[str, Any]],
    *,
    max_pages: int = 100_000,
    on_page: Callable[[str, Page], None] | None = None,
    failed: Callable[[ApiError], ApiError] = lambda error: error,
) -> None:
    """Walk several legs in shared requests: each asks for every leg still walking.

    fetch gets {operation: cursor} of the legs to ask for and answers {operation: Page, the
    plain answer, or the exception that leg failed with}. A leg that fails (its own error, a
    cursor that does not advance) ends alone; a request that fails ends every leg it asked
    for. Items are deduplicated per leg, as walk() does. The next request goes out once the
    answer's items are handed over: the walks of other scopes keep the API's slots busy
    meanwhile (ApiClient's max_in_flight).
    """
    while True:
        asked = [leg for leg in legs if not leg.done]
        if not asked:
            return
        try:
            answers = fetch({leg.operation: leg.cursor for leg in asked})
        except Exception as exc:
            for leg in asked:
                leg.done, leg.error = True, exc
            return
        _hand_over(asked, answers, max_pages, on_page, failed)
        del answers  # nothing of a page is held while the next one is asked for


def _hand_over(
    asked: list[Leg],
    answers: Mapping[str, Any],
    max_pages: int,
    on_page: Callable[[str, Page], None] | None,
    failed: Callable[[ApiError], ApiError],
) -> None:
    for leg in asked:
        value = _step(leg, answers.get(leg.operation), max_pages, on_page, failed)
        if value is not _NOTHING:
            leg.take(value)


_NOTHING = object()


def _step(
    leg: Leg,
    answer: Any,
    max_pages: int,
    on_page: Callable[[str, Page], None] | None,
    failed: Callable[[ApiError], ApiError],
) -> Any:
    """Moves one leg on by its answer; what to hand to its `take` (or _NOTHING)."""
    if isinstance(answer, BaseException) or answer is None:
        leg.done = True
        leg.error = answer or failed(ApiError(leg.operation, "malformed_response", "no answer"))
        return _NOTHING
    if not leg.paged:
        leg.done = True
        return answer
    page: Page = answer
    leg.pages += 1
    if on_page is not None:
        on_page(leg.operation, page)
    next_cursor = page.next_cursor
    if next_cursor is not None:
        if next_cursor == leg.cursor or next_cursor in leg.used:
            leg.done = True
            leg.error = failed(
                PaginationError(leg.operation, "cursor_not_advancing", "the cursor did not advance")
            )
            return _NOTHING
        if leg.pages >= max_pages:
            leg.done = True
            leg.error = failed(
                PaginationError(leg.operation, "too_many_pages", f"more than {max_pages} pages")
            )
            return _NOTHING
        leg.used.add(next_cursor)
    leg.cursor = next_cursor
    leg.done = next_cursor is None
    fresh = []
    seen, key = leg.seen, leg.key
    for item in page.items:
        item_key = key(item)
        if item_key not in seen:
            seen.add(item_key)
            fresh.append(item)
    return fresh
