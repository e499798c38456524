"""Hostile answers: a normal page whose nodes are rewritten the way a broken or hostile API would.

The page is built as usual, then its nodes (GraphQL `edges[].node`, CauseFlow `items[]`) are
changed: a field set to any JSON value (a wrong type, an unhashable or repeated id; the field
"@" replaces the whole node, so a node can be a number or a list), strings
made hostile (lone surrogates, control characters, escape sequences, absurd length), or every
defect given a name of its own so the names are as many as the defects.
"""

from __future__ import annotations

import json
from typing import Any

from .reply import Reply

# Strings a JSON encoder escapes (\ud800, \u0000) and a careless exporter passes on raw.
HOSTILE_SUFFIX = "\ud800\x00\n\x1b[2J\u2028\udfff\r\t"
DEFAULT_PAD = 300  # longer than any label value the exporter should keep
DEFAULT_FIELDS: dict[str, tuple[str, ...]] = {
    "defectConnection": ("name", "severity", "entityType", "entity.name", "entity.typeName"),
    "getUserScopes": ("name",),
    "listIncidents": ("title", "severity", "status", "source"),
}


def check_params(kind: str, params: dict[str, Any]) -> None:
    if kind == "set_field":
        path = params.get("field")
        if not isinstance(path, str) or not path:
            raise ValueError("set_field needs field, a dotted path such as entity.name")
        if "value" not in params:
            raise ValueError("set_field needs value (any JSON value)")
    if kind == "distinct_names" and not isinstance(params.get("field", ""), str):
        raise ValueError("field must be the name of the field made distinct")
    nodes = params.get("nodes")
    if nodes is not None and (isinstance(nodes, bool) or not isinstance(nodes, int) or nodes < 1):
        raise ValueError("nodes must be a positive integer (how many nodes of the page)")
    pad = params.get("pad", DEFAULT_PAD)
    if isinstance(pad, bool) or not isinstance(pad, int) or pad < 0:
        raise ValueError("pad must be a non-negative integer")
    keep = params.get("keep_names", [])
    if not isinstance(keep, list) or not all(isinstance(n, str) for n in keep):
        raise ValueError("keep_names must be a list of names left as they are")
    fields = params.get("fields")
    if fields is not None and (
        not isinstance(fields, list) or not all(isinstance(f, str) and f for f in fields)
    ):
        raise ValueError("fields must be a list of dotted paths")


def apply(kind: str, params: dict[str, Any], operation: str, reply: Reply) -> Reply:
    """The reply with its nodes rewritten; error replies and other bodies pass unchanged."""
    if reply.status != 200:
        return reply
    document = json.loads(reply.body)
    slots = _slots(document, operation)
    if not slots:
        return reply
    limit = params.get("nodes")
    chosen = slots if limit is None else slots[:limit]
    for index, (container, key) in enumerate(chosen):
        node = container[key]
        if kind == "set_field" and params["field"] == "@":
            container[key] = params["value"]
        elif kind == "set_field":
            _set(node, str(params["field"]), params["value"])
        elif kind == "hostile_strings":
            pad = "x" * int(params.get("pad", DEFAULT_PAD))
            for path in params.get("fields") or DEFAULT_FIELDS.get(operation, ("name",)):
                value = _get(node, path)
                if isinstance(value, str):
                    _set(node, path, f"{value}{HOSTILE_SUFFIX}{index}{pad}")
        elif kind == "distinct_names":
            key = params.get("field") or ("title" if operation == "listIncidents" else "name")
            if node.get(key) not in params.get("keep_names", ()):
                node[key] = f"{node.get(key)} {node.get('id', node.get('incidentId'))}"
    # ensure_ascii (the default) writes a lone surrogate as the escape \ud800, as a JSON API would.
    return Reply(reply.status, json.dumps(document).encode(), reply.headers, reply.content_type)


def _slots(document: Any, operation: str) -> list[tuple[Any, Any]]:
    """(container, key) of each node: container[key] is the node, so it can be replaced."""
    if not isinstance(document, dict):
        return []
    data = document.get("data")
    if isinstance(data, dict):
        connection = data.get(operation)
        edges = connection.get("edges") if isinstance(connection, dict) else None
        return [(edge, "node") for edge in edges or [] if isinstance(edge.get("node"), dict)]
    for key in ("items", "incidents"):
        items = document.get(key)
        if isinstance(items, list):
            return [(items, i) for i, item in enumerate(items) if isinstance(item, dict)]
    return []


def _get(node: dict[str, Any], path: str) -> Any:
    value: Any = node
    for part in path.split("."):
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def _set(node: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    target: Any = node
    for part in parents:
        if isinstance(target, list) and part.isdigit() and int(part) < len(target):
            target = target[int(part)]
        elif isinstance(target, dict):
            target = target.setdefault(part, {})
        else:
            return
    if isinstance(target, dict):
        target[last] = value
    elif isinstance(target, list) and last.isdigit() and int(last) < len(target):
        target[int(last)] = value
