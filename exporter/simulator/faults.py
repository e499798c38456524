"""The fault knobs: the kinds a test can inject, their checked parameters, and the queue
that hands each request the fault it gets (the 429s they cause are accounted in
rate_limits.py)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from . import defect_nodes, hostile_nodes
from .rate_limits import RATE_LIMIT_HEADERS

TARGETS = ("auth", "graphql", "causeflow")
_ALL = frozenset(TARGETS)

# Which request targets each kind can act on: a fault never fires where it would mean nothing
# (a wrong CauseFlow count on a GraphQL call), so it is not used up there either.
KIND_TARGETS: dict[str, frozenset[str]] = {
    "rate_limit": _ALL,
    "status": _ALL,
    "latency": _ALL,
    "stall": _ALL,
    "reset": _ALL,
    "malformed_json": _ALL,
    "unauthorized": _ALL,
    # Hostile answers (see hostile.py): bodies that are huge, endless, trickled, nested
    # without end, or error codes no label should carry.
    "huge_body": _ALL,
    "endless_body": _ALL,
    "trickle_body": _ALL,
    "trickle_head": _ALL,
    "gzip_bomb": _ALL,
    "deep_json": _ALL,
    "hostile_error": _ALL,
    "graphql_errors": frozenset({"graphql"}),
    "non_advancing_cursor": frozenset({"graphql", "causeflow"}),
    "duplicate_node": frozenset({"graphql", "causeflow"}),
    "missing_fields": frozenset({"graphql", "causeflow"}),
    "hostile_labels": frozenset({"graphql"}),
    "expired_cursor": frozenset({"causeflow"}),
    "wrong_count": frozenset({"causeflow"}),
    # Fields of the wrong JSON type (a number for a string, a string for a count).
    "wrong_types": frozenset({"graphql"}),
    # Hostile answers (hostile_nodes.py): a normal page with its nodes rewritten.
    "set_field": frozenset({"graphql", "causeflow"}),
    "hostile_strings": frozenset({"graphql", "causeflow"}),
    "distinct_names": frozenset({"graphql", "causeflow"}),
    # What a root cause explains (explanations.py): a server too old to know the fields, and
    # impacts and symptoms lists of `size` entries each.
    "old_schema": frozenset({"graphql"}),
    "huge_lists": frozenset({"graphql"}),
    # A normal answer whose X-RateLimit-* headers carry the given strings verbatim (hostile
    # quota values: negative, nan, huge, not numbers).
    "quota_headers": _ALL,
    # What Causely's schema allows on entityTypeCounts: the list itself null, or rows whose
    # severity is null (the simulator nulls every row's severity).
    "null_list": frozenset({"graphql"}),
    "null_severity": frozenset({"graphql"}),
}
KINDS = tuple(KIND_TARGETS)
NODE_KINDS = frozenset({"set_field", "hostile_strings", "distinct_names"})
# Kinds that change the body of an otherwise normal answer (the API handlers apply them).
PAGE_KINDS = frozenset(
    {
        "non_advancing_cursor",
        "duplicate_node",
        "missing_fields",
        "expired_cursor",
        "wrong_count",
        "wrong_types",
        "hostile_labels",
        "old_schema",
        "huge_lists",
        "null_list",
        "null_severity",
    }
)
# Kinds that only act on, and are only used up by, a defect query selecting impacts or symptoms.
EXPLAIN_KINDS = frozenset({"old_schema", "huge_lists"})
EXPLAIN_PARAMS = {"old_schema": frozenset(), "huge_lists": frozenset({"size"})}
# Kinds that only make sense on a request continuing a pagination run.
# non_advancing_cursor too: "endCursor equals the request's cursor" needs one to equal.
CURSOR_KINDS = frozenset({"non_advancing_cursor", "duplicate_node", "expired_cursor"})
QUOTA_HEADERS = {
    "limit": "X-RateLimit-Limit",
    "remaining": "X-RateLimit-Remaining",
    "reset": "X-RateLimit-Reset",
}


@dataclass(frozen=True)
class RequestInfo:
    target: str
    operation: str
    has_cursor: bool
    explains: bool = False  # a defect query selecting impacts or symptoms
    fields: tuple[str, ...] = ()  # GraphQL: every root field of the document
    cursor_fields: frozenset[str] = frozenset()  # GraphQL: the fields continuing a walk


@dataclass
class Fault:
    kind: str
    target: str  # one of TARGETS or "any"
    operation: str | None
    remaining: int | None  # None: until cleared
    skip: int
    params: dict[str, Any] = field(default_factory=dict)

    def matches(self, info: RequestInfo) -> bool:
        if self.target not in ("any", info.target) or info.target not in KIND_TARGETS[self.kind]:
            return False
        # An operation names a request, or one root field of a document that asks for several.
        if self.operation is not None and self.operation not in (info.operation, *info.fields):
            return False
        if self.kind in EXPLAIN_KINDS and not info.explains:
            return False
        if self.kind not in CURSOR_KINDS:
            return True
        if self.operation is not None and info.fields:
            return self.operation in info.cursor_fields
        return info.has_cursor


def make_fault(
    kind: str, *, count: int | None = 1, target: str = "graphql", skip: int = 0, **params: Any
) -> Fault:
    """Validates everything up front so a typo fails the test that made it, not a later one."""
    if kind not in KIND_TARGETS:
        raise ValueError(f"unknown fault kind {kind!r}; known: {', '.join(KINDS)}")
    if target != "any" and target not in TARGETS:
        raise ValueError(f"unknown fault target {target!r}; known: {', '.join(TARGETS)}, any")
    if count is not None and (not isinstance(count, int) or count < 1):
        raise ValueError("count must be a positive integer or None")
    if not isinstance(skip, int) or skip < 0:
        raise ValueError("skip must be a non-negative integer")
    operation = params.pop("operation", None)
    if operation is not None and not isinstance(operation, str):
        raise ValueError("operation must be a string")
    _check_params(kind, target, params)
    return Fault(kind, target, operation, count, skip, params)


def _check_params(kind: str, target: str, params: dict[str, Any]) -> None:
    if "seconds" in params:
        seconds = params["seconds"]
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
            raise ValueError("seconds must be a non-negative number")
    if kind == "rate_limit":
        header = params.setdefault(
            "header", "x-ratelimit-reset" if target == "causeflow" else "retry-after"
        )
        if header not in RATE_LIMIT_HEADERS:
            raise ValueError(f"header must be one of {', '.join(RATE_LIMIT_HEADERS)}")
    if kind == "status":
        status = params.setdefault("status", 500)
        if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599:
            raise ValueError("status must be an HTTP error status (400-599)")
        for text in ("error", "message"):  # any string: hostile codes and messages included
            if text in params and not isinstance(params[text], str):
                raise ValueError(f"{text} must be a string")
    if kind in NODE_KINDS:
        hostile_nodes.check_params(kind, params)
    if kind in EXPLAIN_KINDS:
        _check_explain_params(kind, params)
    if kind == "quota_headers":
        unknown = set(params) - set(QUOTA_HEADERS)
        if unknown:
            raise ValueError(f"unknown param(s) for quota_headers: {', '.join(sorted(unknown))}")
        if not params or not all(isinstance(v, str) and v.isprintable() for v in params.values()):
            raise ValueError("quota_headers takes limit, remaining, reset: printable strings")


def _check_explain_params(kind: str, params: dict[str, Any]) -> None:
    # These kinds are new: reject unknown params, so `sise=5` fails instead of sending 10k.
    unknown = set(params) - EXPLAIN_PARAMS[kind]
    if unknown:
        raise ValueError(f"unknown param(s) for {kind}: {', '.join(sorted(unknown))}")
    if kind == "huge_lists":
        size = params.setdefault("size", defect_nodes.DEFAULT_HUGE_SIZE)
        limit = defect_nodes.MAX_HUGE_SIZE
        if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= limit:
            raise ValueError(f"size must be an integer from 1 to {limit}")


class FaultQueue:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def pending(self) -> list[Fault]:
        with self._lock:
            return [Fault(**vars(f)) for f in self._faults]

    def take(self, info: RequestInfo) -> Fault | None:
        """The fault for this request, if any.

        Every matching fault counts the request against its own `skip`, so skips are
        measured in matching requests whether or not an earlier fault fired on them; of the
        faults whose skip is used up, the oldest fires and spends one of its `count`.
        """
        chosen: Fault | None = None
        with self._lock:
            for fault in self._faults:
                if not fault.matches(info):
                    continue
                if fault.skip > 0:
                    fault.skip -= 1
                elif chosen is None:
                    chosen = fault
            if chosen is None:
                return None
            if chosen.remaining is not None:
                chosen.remaining -= 1
                if chosen.remaining == 0:
                    self._faults.remove(chosen)
            return Fault(**vars(chosen))
