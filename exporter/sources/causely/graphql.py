"""GraphQL answers of the Causely API: the fields asked for, or the failure they carry.

Every Causely query reads its answer through here, so a 200 that carries `errors`, a missing
field or a body that is not an object fails the same way. The scope queries (defects, health,
SLOs: one document may ask for several) are decoded typed (wire.py) in one pass; a document
that does not fit the types is read again the lenient way, from plain JSON.

A field that failed on its own (its value null and an error whose path names it) fails that
part only; an error that names no field, or a document without data, fails them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from exporter.client.body import decode_typed, parse_json
from exporter.client.errors import ApiError
from exporter.sources.causely import wire
from exporter.sources.pagination import Page, relay_page
from exporter.sources.values import clean

DEFECTS = "defectConnection"
HEALTH = "entityTypeCounts"
SLOS = "sloConnection"
MAX_HEALTH_ROWS = 10_000  # a plain list: bound what one answer may hold


def graphql_field(operation: str, field_name: str, document: Any) -> Any:
    """data.<field> of a GraphQL answer; a 200 carrying `errors` is a failure."""
    if not isinstance(document, dict):
        raise ApiError(operation, "malformed_response", "GraphQL response is not an object")
    errors = document.get("errors")
    if errors:
        raise ApiError(operation, "graphql_error", _message(errors))
    data = document.get("data")
    if not isinstance(data, dict) or field_name not in data:
        raise ApiError(operation, "malformed_response", f"no data.{field_name} in response")
    return data[field_name]


def graphql_connection(operation: str, field_name: str, document: Any) -> Page:
    """The Relay page under data.<field>."""
    return relay_page(operation, graphql_field(operation, field_name, document))


def _message(errors: Any) -> str:
    first = errors[0] if isinstance(errors, list) and errors else errors
    message = first.get("message") if isinstance(first, dict) else first
    return clean(" ".join(str(message).split()), 300)


class FieldRejected(Exception):
    """The document failed because the server's schema lacks one of its part fields (an
    older server): that part alone is left out (scope_walk.py). Not an ApiError: nothing
    counts it as the request's failure."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


PART_FIELDS = (HEALTH, SLOS)


def _rejected_field(fields: tuple[str, ...], message: str) -> str | None:
    if "Cannot query field" not in message:
        return None
    return next((f for f in fields if f in PART_FIELDS and f'"{f}"' in message), None)


@dataclass(frozen=True)
class HealthRows:
    rows: list[wire.HealthRow]  # every row of the right shape (count an int, severity text)
    skipped: int  # rows of the wrong shape, left out


# What one field of a scope document gave: its page, its rows, or why it failed alone.
Part = Page | HealthRows | ApiError


def decode_scope(fields: tuple[str, ...], body: bytes) -> dict[str, Part]:
    """Each asked-for field of a scope document; ApiError when the document failed whole."""
    operation = fields[0]
    document = decode_typed(body, wire.SCOPE_DECODER)
    if document is not None and document.errors is None and document.data is not None:
        typed = _typed_parts(operation, fields, document.data)
        if typed is not None:
            return typed
    parts = _lenient_parts(operation, fields, parse_json(body))
    failed = [part for part in parts.values() if isinstance(part, ApiError)]
    if failed and len(failed) == len(parts):
        raise failed[0]  # nothing left of the document: it failed whole, counted by the call
    return parts


def _typed_parts(
    operation: str, fields: tuple[str, ...], data: wire.ScopeData
) -> dict[str, Part] | None:
    """The parts of a typed answer without errors; None for anything unusual (read leniently)."""
    parts: dict[str, Part] = {}
    for field_name in fields:
        value = getattr(data, field_name)
        if value is msgspec.UNSET:
            return None
        if field_name == HEALTH:
            rows = value or []
            if len(rows) > MAX_HEALTH_ROWS:
                return None
            ok = [row for row in rows if row.count is not None and row.count >= 0]
            parts[field_name] = HealthRows(ok, len(rows) - len(ok))
        elif value is None:
            return None
        else:
            parts[field_name] = _typed_page(field_name, value)
    return parts


def _typed_page(operation: str, connection: wire.DefectConnection | wire.SloConnection) -> Page:
    edges = connection.edges or []
    items = [edge.node for edge in edges if edge.node is not None]
    info = connection.pageInfo
    next_cursor: str | None = None
    if info is not None and info.hasNextPage:
        if not info.endCursor:
            raise ApiError(operation, "malformed_response", "hasNextPage without endCursor")
        next_cursor = info.endCursor
    total = connection.totalCount
    if total is None and info is not None:
        total = info.totalCount
    return Page(items, next_cursor, total, len(edges) - len(items))


def _lenient_parts(operation: str, fields: tuple[str, ...], document: Any) -> dict[str, Part]:
    if not isinstance(document, dict):
        raise ApiError(operation, "malformed_response", "GraphQL response is not an object")
    errors = document.get("errors")
    data = document.get("data")
    failed: dict[str, str] = {}
    if errors:
        failed = _failed_fields(errors, fields, data)
        if not failed:
            message = _message(errors)
            rejected = _rejected_field(fields, message)
            if rejected is not None:
                raise FieldRejected(rejected, message)
            raise ApiError(operation, "graphql_error", message)
    parts: dict[str, Part] = {}
    for field_name in fields:
        if field_name in failed:
            parts[field_name] = ApiError(field_name, "graphql_error", failed[field_name])
        elif not isinstance(data, dict) or field_name not in data:
            raise ApiError(field_name, "malformed_response", f"no data.{field_name} in response")
        else:
            parts[field_name] = _lenient_part(field_name, data[field_name])
    return parts


def _failed_fields(errors: Any, fields: tuple[str, ...], data: Any) -> dict[str, str]:
    """Fields that failed alone: null in data, named by an error's path. Empty when any error
    names no asked-for field (then the document failed whole)."""
    if not isinstance(errors, list) or not isinstance(data, dict):
        return {}
    failed: dict[str, str] = {}
    for error in errors[:100]:
        path = error.get("path") if isinstance(error, dict) else None
        head = path[0] if isinstance(path, list) and path else None
        if type(head) is not str or head not in fields or data.get(head) is not None:
            return {}
        failed.setdefault(head, _message([error]))
    return failed


def _lenient_part(field_name: str, value: Any) -> Part:
    if field_name == HEALTH:
        return _lenient_health(value)
    page = relay_page(field_name, value)
    convert = wire.lenient_defect if field_name == DEFECTS else wire.lenient_slo
    return Page([convert(node) for node in page.items], page.next_cursor, page.total, page.skipped)


def _lenient_health(rows: Any) -> HealthRows:
    """Rows of any shape: a row of the wrong shape is skipped and counted, a wrong list fails.

    The schema allows a null list (no rows) and a null severity (counted as unknown).
    """
    if rows is None:
        rows = []
    if not isinstance(rows, list):
        raise ApiError(HEALTH, "malformed_response", "entityTypeCounts is not a list")
    if len(rows) > MAX_HEALTH_ROWS:
        raise ApiError(HEALTH, "malformed_response", f"more than {MAX_HEALTH_ROWS} rows")
    ok: list[wire.HealthRow] = []
    for row in rows:
        if not isinstance(row, dict):
            continue
        entity_type, severity, count = row.get("entityType"), row.get("severity"), row.get("count")
        if type(count) is not int or count < 0 or not isinstance(severity, str | None):
            continue
        ok.append(
            wire.HealthRow(entity_type if type(entity_type) is str else None, severity, count)
        )
    return HealthRows(ok, len(rows) - len(ok))
