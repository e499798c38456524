"""CauseFlow REST: GET /v1/incidents with limit/cursor pagination and filters.

`status` and `severity` take one value each, as documented; `status=open,triaging` or a
repeated `status=` is answered 400, as a server validating by the docs would.
"""

from __future__ import annotations

from typing import Any

from . import names
from .config import SimulatorConfig
from .cursors import CursorError, decode_causeflow, encode_causeflow
from .data import incident_dict
from .reply import Reply, error_reply, json_reply
from .world import World

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


class ValidationError(ValueError):
    pass


def cursor_param(params: dict[str, list[str]]) -> str | None:
    values = params.get("cursor") or []
    return values[-1] if values and values[-1] else None


def handle_list(
    world: World,
    config: SimulatorConfig,
    params: dict[str, list[str]],
    page_fault: str | None,
    now: float,
) -> Reply:
    try:
        limit = _limit(params)
        statuses = _choices(params, "status", names.INCIDENT_STATUSES)
        severities = _choices(params, "severity", names.INCIDENT_SEVERITIES)
        descending = _descending(params)
        cursor = cursor_param(params)
        after = None
        if cursor is not None:
            after, issued_at = decode_causeflow(cursor)
            if page_fault == "expired_cursor" or now - issued_at > config.cursor_ttl:
                return error_reply(
                    "causeflow", 400, "cursor_expired", "The pagination cursor has expired"
                )
    except CursorError:
        return error_reply("causeflow", 400, "validation_error", "Invalid pagination cursor")
    except ValidationError as exc:
        return error_reply("causeflow", 400, "validation_error", str(exc))
    page = world.incident_page(
        statuses=statuses, severities=severities, after=after, limit=limit, descending=descending
    )
    items = [_item(incident_dict(i), page_fault) for i in page.incidents]
    next_cursor = None
    if page.last_key is not None:
        next_cursor = encode_causeflow(page.last_key[0], page.last_key[1], now)
    if page_fault == "non_advancing_cursor":
        next_cursor = cursor
    if page_fault == "duplicate_node" and after is not None:
        previous = [i for i in world.incidents() if i.incident_id == after[1]]
        items[:0] = [_item(incident_dict(i), page_fault) for i in previous]
    count = page.total + (3 if page_fault == "wrong_count" else 0)
    return json_reply(
        200, {config.causeflow_list_key: items, "cursor": next_cursor, "count": count}
    )


def _item(item: dict[str, Any], page_fault: str | None) -> dict[str, Any]:
    if page_fault == "missing_fields":
        for optional in ("title", "source", "createdAt"):
            item.pop(optional, None)
    return item


def _limit(params: dict[str, list[str]]) -> int:
    values = params.get("limit") or []
    if not values or values[-1] == "":
        return DEFAULT_LIMIT
    try:
        limit = int(values[-1])
    except ValueError:
        raise ValidationError("limit must be an integer between 1 and 100") from None
    if limit < 1:
        raise ValidationError("limit must be an integer between 1 and 100")
    return min(limit, MAX_LIMIT)


def _choices(
    params: dict[str, list[str]], name: str, allowed: tuple[str, ...]
) -> frozenset[str] | None:
    """One value, as the docs say ("One of"): a list, joined or repeated, is a 400."""
    values = [v for v in params.get(name, []) if v != ""]
    if not values:
        return None
    if len(values) > 1 or values[0] not in allowed:
        got = ", ".join(values)
        raise ValidationError(f"{name} must be one of {', '.join(allowed)} (got {got})")
    return frozenset(values)


def _descending(params: dict[str, list[str]]) -> bool:
    sort = (params.get("sort") or ["createdAt"])[-1]
    if sort != "createdAt":
        raise ValidationError("sort must be createdAt")
    order = (params.get("order") or ["desc"])[-1]
    if order not in ("asc", "desc"):
        raise ValidationError("order must be asc or desc")
    return order == "desc"
