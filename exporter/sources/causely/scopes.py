"""Causely user scopes: the scope list query and the filter each scope stands for."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from exporter.client.errors import ApiError
from exporter.sources.values import MAX_LABEL_CHARS

ALL_SCOPE = "all"

# Only the fields the metrics need: the API pages faster and schema drift touches us less.
SCOPES_QUERY = """
query getUserScopes($filter: UserScopeFilter, $first: Int, $after: String) {
  getUserScopes(filter: $filter, first: $first, after: $after) {
    edges { node { id name scopes { typeName typeValues } } }
    pageInfo { hasNextPage endCursor }
  }
}
""".strip()


@dataclass(frozen=True)
class Scope:
    name: str
    filters: tuple[Mapping[str, Any], ...] = ()
    missing: bool = False
    malformed: bool = False  # its filter had the wrong shape: collecting it would widen it


def scope_filters(raw: object) -> tuple[Mapping[str, Any], ...] | None:
    """The filter entries of a user scope, or None when one has the wrong shape."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        return None
    filters: list[Mapping[str, Any]] = []
    for entry in raw:
        if not isinstance(entry, dict):
            return None
        type_name, values = entry.get("typeName"), entry.get("typeValues")
        if values is None:
            values = []
        if not isinstance(type_name, str) or not type_name or not isinstance(values, list):
            return None
        if not all(isinstance(v, str) and len(v) <= MAX_LABEL_CHARS * 4 for v in values):
            return None
        filters.append({"typeName": type_name, "typeValues": list(values)})
    return tuple(filters)


def check_scope(scope: Scope) -> None:
    """ApiError for a scope that cannot be queried (not found, or a malformed filter)."""
    if scope.missing:
        raise ApiError("getUserScopes", "scope_not_found", f"no user scope named {scope.name!r}")
    if scope.malformed:
        raise ApiError(
            "getUserScopes",
            "malformed_response",
            f"user scope {scope.name!r} has a malformed filter",
        )
