from __future__ import annotations

import pytest

from exporter.sources.pagination import CursorExpired, Page, PaginationError, relay_page, walk


def pages_of(*pages: Page) -> dict[str | None, Page]:
    cursors: list[str | None] = [None] + [p.next_cursor for p in pages[:-1]]
    return dict(zip(cursors, pages, strict=True))


def test_walk_follows_cursors_and_dedupes() -> None:
    table = pages_of(
        Page([{"id": 1}, {"id": 2}], "c1"),
        Page([{"id": 2}, {"id": 3}], "c2"),
        Page([{"id": 4}], None),
    )
    items = list(walk("op", lambda c: table[c], key=lambda i: i["id"]))
    assert [i["id"] for i in items] == [1, 2, 3, 4]


def test_walk_refuses_a_cursor_that_does_not_advance() -> None:
    calls: list[str | None] = []

    def fetch(cursor: str | None) -> Page:
        calls.append(cursor)
        return Page([{"id": len(calls)}], "same")

    with pytest.raises(PaginationError) as info:
        list(walk("op", fetch, key=lambda i: i["id"]))
    assert info.value.error == "cursor_not_advancing"
    assert calls == [None, "same"]


def test_walk_restarts_on_expired_cursor_a_bounded_number_of_times() -> None:
    calls: list[str | None] = []

    def fetch(cursor: str | None) -> Page:
        calls.append(cursor)
        if cursor == "c1" and calls.count("c1") == 1:
            raise CursorExpired()
        return Page([{"id": 1}], "c1") if cursor is None else Page([{"id": 2}], None)

    items = list(walk("op", fetch, key=lambda i: i["id"], max_restarts=1))
    assert [i["id"] for i in items] == [1, 2]
    assert calls == [None, "c1", None, "c1"]

    def always_expired(cursor: str | None) -> Page:
        if cursor:
            raise CursorExpired()
        return Page([{"id": 1}], "c1")

    with pytest.raises(PaginationError) as info:
        list(walk("op", always_expired, key=lambda i: i["id"], max_restarts=2))
    assert info.value.error == "cursor_expired"


def test_relay_page_reads_nodes_and_cursor() -> None:
    page = relay_page(
        "op",
        {
            "edges": [{"node": {"id": "a"}, "cursor": "x"}, {"node": None}],
            "pageInfo": {"hasNextPage": True, "endCursor": "x"},
            "totalCount": 7,
        },
    )
    assert page.items == [{"id": "a"}]
    assert page.next_cursor == "x"
    assert page.total == 7
    with pytest.raises(Exception, match="hasNextPage without endCursor"):
        relay_page("op", {"edges": [], "pageInfo": {"hasNextPage": True}})
