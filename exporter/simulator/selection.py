"""The fields a GraphQL query selects under one field, so answers carry only those.

A small reader of selection sets (names and nested braces; no fragments, aliases or
arguments inside the set), enough for the lists the exporter asks for: a real server sends
only what was selected, and the bytes a query costs depend on it.
"""

from __future__ import annotations

import re
from typing import Any

# field -> its own selection, or None for a leaf
Tree = dict[str, "Tree | None"]
_NAME = re.compile(r"[A-Za-z_]\w*")
MAX_DEPTH = 32  # deeper sets are read as leaves: a hostile query cannot exhaust the stack


def subselection(query: str, field: str) -> Tree | None:
    """The selection set under the first `field { ... }` of the query; None without one."""
    found = re.search(rf"\b{re.escape(field)}\b\s*\{{", query)
    if found is None:
        return None
    tree, _ = _block(query, found.end())
    return tree


def _block(query: str, i: int, depth: int = 1) -> tuple[Tree, int]:
    tree: Tree = {}
    last: str | None = None
    while i < len(query):
        char = query[i]
        if char == "}":
            return tree, i + 1
        if char == "{" and last is not None and depth < MAX_DEPTH:
            tree[last], i = _block(query, i + 1, depth + 1)
            continue
        name = _NAME.match(query, i)
        if name is not None:
            last = name.group()
            tree.setdefault(last, None)
            i = name.end()
            continue
        i += 1
    return tree, i  # unclosed: what was read


def project(value: Any, tree: Tree | None) -> Any:
    """`value` with only the selected keys, at every level; leaves and non-objects as they are."""
    if tree is None:
        return value
    if isinstance(value, list):
        return [project(item, tree) for item in value]
    if isinstance(value, dict):
        return {key: project(value[key], sub) for key, sub in tree.items() if key in value}
    return value
