"""The Causely GraphQL resolvers: each root field the simulator serves, answered from its
arguments (the document around them is read by graphql.py and document.py)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from . import defect_nodes, names
from .config import SimulatorConfig
from .cursors import CursorError, decode_relay, encode_relay
from .data import SimDefect, SimScope
from .defect_nodes import NodeFields, defect_node
from .document import RootField
from .health import SimSlo
from .store import DefectQuery
from .world import World

OPERATIONS = ("getUserScopes", "defectConnection", "entityTypeCounts", "sloConnection")
DEFAULT_FIRST = 20
STATES: dict[str, tuple[bool, ...]] = {
    "ACTIVE": (True,),
    "INACTIVE": (False,),
    "ALL": (True, False),
}
Edge = tuple[str, dict[str, Any]]  # (cursor, node)


class GraphQLError(Exception):
    """A field failing while it runs: its data is null, with an error whose path names it."""


def answer(
    world: World,
    config: SimulatorConfig,
    root: RootField,
    payload: Any,
    page_fault: str | None,
    fault_params: Mapping[str, Any],
) -> Any:
    """One root field's data; a GraphQLError fails that field alone."""
    variables = root.arguments or {}
    if variables.get("last") is not None or variables.get("before") is not None:
        raise GraphQLError("the simulator pages forward only (first/after)")
    operation = root.name
    if operation == "getUserScopes":
        return _user_scopes(world, config, variables, page_fault)
    if operation == "defectConnection":
        selected = defect_nodes.selection(payload, operation)
        extra = defect_nodes.node_fields(selected, page_fault, fault_params)
        return _defects(world, config, variables, page_fault, extra)
    if operation == "entityTypeCounts":
        return _entity_type_counts(world, variables, page_fault)
    return _slos(world, config, variables, page_fault)


def _first(variables: Mapping[str, Any], config: SimulatorConfig) -> int:
    first = variables.get("first")
    if first is None:
        return DEFAULT_FIRST
    if isinstance(first, bool) or not isinstance(first, int) or first < 0:
        raise GraphQLError("first must be a non-negative integer")
    return min(first, config.max_page_size)


def _after(variables: Mapping[str, Any], kind: str) -> str | None:
    after = variables.get("after")
    if after is None or after == "":
        return None
    if not isinstance(after, str):
        raise GraphQLError("after must be a string")
    try:
        return decode_relay(kind, after)
    except CursorError as exc:
        raise GraphQLError(str(exc)) from None


def _connection(
    edges: list[Edge],
    total: int,
    has_next: bool,
    after: str | None,
    page_fault: str | None,
) -> dict[str, Any]:
    end_cursor = edges[-1][0] if edges else None
    if page_fault == "non_advancing_cursor":
        end_cursor, has_next = after, True
    return {
        "totalCount": total,
        "edges": [{"node": node, "cursor": cursor} for cursor, node in edges],
        "pageInfo": {
            "hasNextPage": has_next,
            "hasPreviousPage": after is not None,
            "startCursor": edges[0][0] if edges else None,
            "endCursor": end_cursor,
            "totalCount": total,
        },
    }


def _scope_node(scope: SimScope, missing: bool) -> dict[str, Any]:
    node: dict[str, Any] = {"id": scope.id, "name": scope.name, "scopes": scope.entries()}
    if not missing:
        node["audience"] = scope.audience
        node["ownerId"] = scope.owner_id
        node["lastUpdate"] = names.rfc3339(scope.last_update)
    return node


def _user_scopes(
    world: World, config: SimulatorConfig, variables: Mapping[str, Any], page_fault: str | None
) -> dict[str, Any]:
    flt = variables.get("filter") or {}
    name_expr = flt.get("nameExpr") if isinstance(flt, Mapping) else None
    needle = (name_expr or "").lower() if isinstance(name_expr, str) else ""
    first = _first(variables, config)
    after_raw = variables.get("after") or None
    after_key = _after(variables, "s")
    try:
        after_index = -1 if after_key is None else int(after_key)
    except ValueError:
        raise GraphQLError(f"invalid cursor {after_raw!r}") from None
    scopes = world.scopes()
    matching = [(i, s) for i, s in enumerate(scopes) if needle in s.name.lower()]
    rest = [(i, s) for i, s in matching if i > after_index]
    missing = page_fault == "missing_fields"
    edges = [(encode_relay("s", str(i)), _scope_node(s, missing)) for i, s in rest[:first]]
    if page_fault == "duplicate_node" and 0 <= after_index < len(scopes):
        edges.insert(0, (str(after_raw), _scope_node(scopes[after_index], missing)))
    return _connection(edges, len(matching), len(rest) > first, after_raw, page_fault)


def _defect_query(world: World, variables: Mapping[str, Any]) -> DefectQuery:
    flt = variables.get("defectFilter") or {}
    if not isinstance(flt, Mapping):
        raise GraphQLError("defectFilter must be an object")
    # Like the real API, inactive defects only show up when asked for.
    state = flt.get("state") or ("ALL" if flt.get("includeInactiveDefect") else "ACTIVE")
    if state not in STATES:
        raise GraphQLError(f"invalid DefectState {state!r}")
    severities = flt.get("severities") or None
    scopes_filter = flt.get("scopesFilter") or {}
    entries = scopes_filter.get("scopes") if isinstance(scopes_filter, Mapping) else None
    entries = entries or []
    if not isinstance(entries, list) or not all(_is_scope_input(e) for e in entries):
        raise GraphQLError("scopesFilter.scopes must be a list of ScopeInput objects")
    return DefectQuery(
        namespaces=world.namespaces_matching(entries),
        severities=None if severities is None else frozenset(map(str, severities)),
        states=STATES[state],
        extra=_extra_filter(flt),
    )


def _is_scope_input(entry: Any) -> bool:
    # A string typeValues would turn membership into a substring test, so reject it.
    return isinstance(entry, Mapping) and isinstance(entry.get("typeValues") or [], list)


def _extra_filter(flt: Mapping[str, Any]) -> Callable[[SimDefect], bool] | None:
    """Predicate for the rarely used filters; None keeps paging on the fast path."""
    defect_names = frozenset(flt.get("defectNames") or ())
    entity_types = frozenset(flt.get("entityTypes") or ())
    entity_name = str(flt.get("entityName") or "").lower()
    if not (defect_names or entity_types or entity_name):
        return None

    def keep(defect: SimDefect) -> bool:
        return (
            (not defect_names or defect.name in defect_names)
            and (not entity_types or defect.entity_type in entity_types)
            and entity_name in defect.entity_name.lower()
        )

    return keep


def _defects(
    world: World,
    config: SimulatorConfig,
    variables: Mapping[str, Any],
    page_fault: str | None,
    extra: NodeFields | None,
) -> dict[str, Any]:
    query = _defect_query(world, variables)
    first = _first(variables, config)
    after_raw = variables.get("after") or None
    after_id = _after(variables, "d")
    page = world.defect_page(query, after_id, first)
    missing = page_fault == "missing_fields"
    hostile = page_fault == "hostile_labels"
    wrong = page_fault == "wrong_types"
    edges = [
        (encode_relay("d", d.id), defect_node(d, missing, hostile, wrong, extra))
        for d in page.defects
    ]
    if page_fault == "duplicate_node" and after_id is not None:
        previous = world.defect(after_id)
        if previous is not None:
            edges.insert(0, (str(after_raw), defect_node(previous, missing, extra=extra)))
    return _connection(edges, page.total, page.has_next, after_raw, page_fault)


def _namespaces(world: World, scopes_filter: Any) -> frozenset[str]:
    entries = scopes_filter.get("scopes") if isinstance(scopes_filter, Mapping) else None
    entries = entries or []
    if not isinstance(entries, list) or not all(_is_scope_input(e) for e in entries):
        raise GraphQLError("scopesFilter.scopes must be a list of ScopeInput objects")
    return world.namespaces_matching(entries)


def _entity_type_counts(
    world: World, variables: Mapping[str, Any], page_fault: str | None
) -> list[dict[str, Any]] | None:
    flt = variables.get("entityFilter") or {}
    if not isinstance(flt, Mapping):
        raise GraphQLError("entityFilter must be an object")
    types = flt.get("entityTypes") or None
    if types is not None and not isinstance(types, list):
        raise GraphQLError("entityTypes must be a list")
    namespaces = _namespaces(world, flt.get("scopesFilter") or {})
    wanted = None if types is None else frozenset(map(str, types))
    counts = world.entity_counts(namespaces, wanted)
    if page_fault == "null_list":
        return None
    rows: list[dict[str, Any]] = []
    for (entity_type, severity), count in sorted(counts.items()):
        if page_fault == "missing_fields":
            rows.append({"entityType": entity_type, "severity": severity})
        elif page_fault == "wrong_types":
            rows.append({"entityType": entity_type, "severity": 3, "count": str(count)})
        elif page_fault == "null_severity":
            rows.append({"entityType": entity_type, "severity": None, "count": count})
        else:
            rows.append({"entityType": entity_type, "severity": severity, "count": count})
    return rows


def slo_node(slo: SimSlo, state: str, missing: bool = False, wrong: bool = False) -> dict[str, Any]:
    if missing:
        return {"id": slo.id, "state": state}
    if wrong:
        return {"id": slo.id, "state": 7, "entity": "x", "relatedEntity": ["y"]}
    namespace, service_type, service = slo.service
    return {
        "id": slo.id,
        "state": state,
        "entity": {"id": slo.id, "name": slo.name, "typeName": slo.type_name},
        "relatedEntity": {
            "id": f"{namespace}/{service}",
            "name": service,
            "typeName": service_type,
        },
    }


def _slos(
    world: World, config: SimulatorConfig, variables: Mapping[str, Any], page_fault: str | None
) -> dict[str, Any]:
    flt = variables.get("filter") or {}
    if not isinstance(flt, Mapping):
        raise GraphQLError("filter must be an object")
    related = flt.get("relatedByFilter") or {}
    if not isinstance(related, Mapping):
        raise GraphQLError("relatedByFilter must be an object")
    namespaces = _namespaces(world, related.get("scopesFilter") or {})
    first = _first(variables, config)
    after_raw = variables.get("after") or None
    after_id = _after(variables, "o")
    page, total, has_next = world.slo_page(namespaces, after_id, first)
    missing, wrong = page_fault == "missing_fields", page_fault == "wrong_types"
    edges = [(encode_relay("o", s.id), slo_node(s, st, missing, wrong)) for s, st in page]
    if page_fault == "duplicate_node" and after_id is not None:
        previous = world.slo(after_id)
        if previous is not None:
            edges.insert(0, (str(after_raw), slo_node(*previous, missing, wrong)))
    return _connection(edges, total, has_next, after_raw, page_fault)
