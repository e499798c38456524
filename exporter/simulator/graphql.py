"""A Causely GraphQL request: which root fields a document asks for, and the answer to the
document (each field answered by graphql_resolvers.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import defect_nodes
from .config import SimulatorConfig
from .document import DocumentError, RootField, root_fields
from .graphql_resolvers import OPERATIONS, GraphQLError, answer
from .reply import Reply, json_reply
from .world import World


def operation_of(payload: Any) -> str:
    """operationName when it is one we serve, else whichever known field the query names first."""
    if not isinstance(payload, Mapping):
        return "unknown"
    name = payload.get("operationName")
    if name in OPERATIONS:
        return str(name)
    query = payload.get("query")
    if isinstance(query, str):
        found = [(query.find(op), op) for op in OPERATIONS if op in query]
        if found:
            return min(found)[1]
    return name if isinstance(name, str) and name else "unknown"


def requested(payload: Any) -> list[RootField]:
    """The root fields a request asks for, each with its own arguments.

    A document this reader cannot follow is read as before: one field, named by
    operationName (or the first known field in the query), with the request's variables as
    its arguments; so is a lone field written without an argument list.
    """
    if not isinstance(payload, Mapping):
        return []
    query, variables = payload.get("query"), payload.get("variables") or {}
    fields: list[RootField] = []
    if isinstance(query, str) and isinstance(variables, Mapping):
        try:
            fields = root_fields(query, variables)
        except DocumentError:
            fields = []
    if len(fields) == 1 and fields[0].arguments is None and isinstance(variables, Mapping):
        return [RootField(fields[0].name, fields[0].key, variables)]
    if fields:
        return fields
    operation = operation_of(payload)
    return [RootField(operation, operation, variables if isinstance(variables, Mapping) else {})]


def cursor_fields(roots: list[RootField]) -> frozenset[str]:
    """The fields whose walk continues (an `after` cursor): the ones paging faults act on."""
    return frozenset(root.name for root in roots if _has_after(root.arguments))


def _has_after(arguments: Mapping[str, Any] | None) -> bool:
    after = arguments.get("after") if arguments is not None else None
    return isinstance(after, str) and bool(after)


def handle(
    world: World,
    config: SimulatorConfig,
    payload: Any,
    operation: str,
    page_fault: str | None,
    fault_params: Mapping[str, Any] | None = None,
    fault_operation: str | None = None,
    roots: list[RootField] | None = None,
) -> Reply:
    """The answer to a document: each root field answered with its own arguments.

    A field the schema lacks fails the document (no data), as a real server's validation
    does; a field failing while it runs is null, with an error whose path names it, and the
    others are answered (a document of one field keeps the old shape, data null).
    """
    selected = defect_nodes.selection(payload, operation)
    if page_fault == "old_schema" and selected:
        return json_reply(200, defect_nodes.old_schema_error(selected))
    variables = payload.get("variables") if isinstance(payload, Mapping) else None
    if variables is not None and not isinstance(variables, Mapping):
        error = {"message": "variables must be an object", "path": [operation]}
        return json_reply(200, {"data": None, "errors": [error]})
    fields = roots or requested(payload)
    for root in fields:
        if root.name in config.unsupported_operations or root.name not in OPERATIONS:
            # An older server whose schema lacks the field: the document fails validation.
            message = f'Cannot query field "{root.name}" on type "Query".'
            return json_reply(200, {"data": None, "errors": [{"message": message}]})
    data: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    for root in fields:
        fault = page_fault if fault_operation in (None, root.name) else None
        try:
            if fault == "graphql_errors":
                raise GraphQLError("internal error")
            data[root.key] = answer(world, config, root, payload, fault, fault_params or {})
        except GraphQLError as exc:
            data[root.key] = None
            errors.append({"message": str(exc), "path": [root.key]})
    if errors and len(fields) == 1:
        return json_reply(200, {"data": None, "errors": errors})
    return json_reply(200, {"data": data, "errors": errors} if errors else {"data": data})
