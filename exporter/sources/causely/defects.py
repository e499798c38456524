"""Causely defects (root causes): the query, the parsed record and its per-defect checks.

read_head runs once per active defect (100k a cycle in large tenants), on the typed node
(wire.py), so it stays a plain function of a few checks; the full Defect, labels included, is
built only for the defects kept; everything the metrics and the bridge read of a defect is here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from exporter.cardinality import OTHER
from exporter.resolve_times import ActiveSet
from exporter.sources.causely.explained import EXPLAIN_FIELDS, Service
from exporter.sources.causely.wire import MAX_ENTRIES_READ, DefectNode, Label, lenient_defect
from exporter.sources.values import (
    MAX_LABEL_CHARS,
    MAX_TIME_CHARS,
    clean,
    is_clean_id,
    parse_time,
)

SEVERITY_RANK = {"Critical": 0, "High": 1, "Medium": 2, "Low": 3, "Hidden": 4}
# Larger than any real count, small enough to stay exact as a float in the exposition.
MAX_COUNT = 2**53

# The root field and the variables it declares, for a scope's document (scope_walk.py).
DEFECT_VARIABLES = (
    "$defectFilter: DefectFilter, $groupRecurring: Boolean, $first: Int, $after: String"
)
DEFECT_FIELD_TEMPLATE = """
  defectConnection(defectFilter: $defectFilter, groupRecurring: $groupRecurring,
                   first: $first, after: $after) {
    edges { node { id name severity entityType serviceCount fromTime
                     entity { id name typeName labels { key value } }EXPLAIN } }
    pageInfo { hasNextPage endCursor }
  }""".strip("\n")
DEFECT_FIELD = DEFECT_FIELD_TEMPLATE.replace("EXPLAIN", "")
DEFECT_EXPLAINED_FIELD = DEFECT_FIELD_TEMPLATE.replace("EXPLAIN", EXPLAIN_FIELDS)
# The defect query alone (the bench's bare client walks it).
DEFECTS_QUERY_TEMPLATE = (
    f"query defectConnection({DEFECT_VARIABLES}) {{\n{DEFECT_FIELD_TEMPLATE}\n}}"
)
DEFECTS_QUERY = DEFECTS_QUERY_TEMPLATE.replace("EXPLAIN", "")
DEFECTS_EXPLAINED_QUERY = DEFECTS_QUERY_TEMPLATE.replace("EXPLAIN", EXPLAIN_FIELDS)


@dataclass(frozen=True)
class Defect:
    id: str
    name: str
    severity: str
    entity_type: str
    entity_name: str
    start_time: float | None
    service_count: int | None
    # Values of causely.entity_labels in its order; "" where the entity lacks the key.
    labels: tuple[str, ...] = ()
    # The services it explains, when they were asked for and it pages (see explained.py).
    explains: tuple[Service, ...] = ()


@dataclass(frozen=True)
class ScopeResult:
    scope: str
    # (severity, entity_type, defect_name) -> number of active defects
    counts: Mapping[tuple[str, str, str], int]
    defects: tuple[Defect, ...]  # capped, most severe first
    dropped: int
    total: int = field(default=0)
    folded: int = 0  # combinations merged into __other__ by causely.max_active_series
    # Every active defect's id, start and severity, for time to resolve (None when off).
    active: ActiveSet | None = None
    # For the Alertmanager bridge: defects of its severities, capped by its max_alerts only.
    alertable: tuple[Defect, ...] = ()
    alert_dropped: int = 0
    # Services explained by its paging root causes -> how many explain each, capped;
    # None when not asked for. explained_up: False when the server rejected the fields.
    explained: Mapping[Service, int] | None = None
    explained_up: bool = True
    explained_dropped: int = 0


def defect_order(defect: Defect) -> tuple[object, ...]:
    """Most severe first; among equals the longest running, then by id for stability."""
    start = defect.start_time if defect.start_time is not None else float("inf")
    return (SEVERITY_RANK.get(defect.severity, len(SEVERITY_RANK)), start, defect.id)


def fold_bucket(key: tuple[str, str, str]) -> tuple[str, str, str]:
    """Where a folded (severity, entity_type, defect_name) goes: sums per severity stay exact."""
    severity = key[0]
    return (severity if severity in SEVERITY_RANK or severity == "unknown" else OTHER, OTHER, OTHER)


MAX_ENTITY_LABEL_VALUE = 1024


def entity_label_values(labels: list[Label] | None, keys: tuple[str, ...]) -> tuple[str, ...]:
    """The values of `keys` among the entity's `labels { key value }`; "" where absent.

    Untrusted input: a value that is not a string is absent (None here), long values are
    cleaned and cut, and only the first entries of a huge list are read. The common case (a
    few short, printable labels) costs one pass and one C-level check over the values together.
    """
    if not labels:
        return ("",) * len(keys)
    values = [""] * len(keys)
    for label in labels if len(labels) <= MAX_ENTRIES_READ else labels[:MAX_ENTRIES_READ]:
        key = label.key
        if key is None or key not in keys:
            continue
        index = keys.index(key)
        value = label.value
        if not values[index] and value is not None:
            values[index] = value
    joined = "".join(values)
    if len(joined) > MAX_ENTITY_LABEL_VALUE or not joined.isprintable():
        values = [clean(value, MAX_ENTITY_LABEL_VALUE) for value in values]
    return tuple(values)


class Head(NamedTuple):
    """What every active defect feeds the aggregates with, cleaned: the full Defect is built
    only for the few the per-defect series and the bridge keep (see tally.py). A NamedTuple,
    not a frozen dataclass: one is made per active defect, and a frozen dataclass's
    __init__ sets each field through object.__setattr__: about three times the cost."""

    id: str
    name: str
    severity: str
    entity_type: str
    entity_name: str
    start_time: float | None


def read_head(node: DefectNode) -> Head | None:
    """A defect's Head; None when the id is missing or unfit (see skip_reason).

    Runs once per defect (100k a cycle in large tenants): plain checks, then one length check
    and one C-level scan over all the strings together; only a string that fails them goes
    through the cleaning helper. A field of the wrong type is absent (wire.py).
    """
    defect_id = node.id
    if type(defect_id) is not str:
        if type(defect_id) is not int:
            return None
        defect_id = str(defect_id)
    if not defect_id:
        return None
    entity = node.entity
    entity_name = entity_type_name = None
    if entity is not None:
        entity_name, entity_type_name = entity.name, entity.typeName
    name = node.name or "unknown"
    severity = node.severity or "unknown"
    entity_type = node.entityType or entity_type_name or "unknown"
    entity_name = entity_name or ""
    joined = defect_id + name + severity + entity_type + entity_name
    if len(joined) > MAX_LABEL_CHARS or not joined.isprintable():
        if not is_clean_id(defect_id):
            return None
        name, severity = clean(name), clean(severity)
        entity_type, entity_name = clean(entity_type), clean(entity_name)
    return Head(defect_id, name, severity, entity_type, entity_name, _start(node.fromTime))


def _start(value: str | None) -> float | None:
    """parse_time's common case inline (an RFC 3339 time Python reads as it is)."""
    if not value or len(value) > MAX_TIME_CHARS:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return parse_time(value)
    return moment.timestamp() if moment.tzinfo is not None else None


def full_defect(
    head: Head,
    service_count: int | None,
    labels: tuple[str, ...],
    explains: tuple[Service, ...] = (),
    shared: dict[str, str] | None = None,
) -> Defect:
    """`labels`: the values of causely.entity_labels (kept_parts). `shared` maps each string
    to its first copy: the kept defects of a scope then hold one copy of each name, severity,
    entity type and label value, not one per defect (the decoder builds a string per
    occurrence)."""
    count = service_count
    values = labels
    name, severity, entity_type = head.name, head.severity, head.entity_type
    if shared is not None:
        one = shared.setdefault
        name, severity, entity_type = (
            one(name, name),
            one(severity, severity),
            one(entity_type, entity_type),
        )
        values = tuple([one(value, value) for value in values])
    return Defect(
        id=head.id,
        name=name,
        severity=severity,
        entity_type=entity_type,
        entity_name=head.entity_name,
        start_time=head.start_time,
        service_count=count if count is not None and 0 <= count <= MAX_COUNT else None,
        labels=values,
        explains=explains,
    )


def kept_parts(node: DefectNode, label_keys: tuple[str, ...]) -> tuple[int | None, tuple[str, ...]]:
    """What full_defect needs of a node: its service count and the values of `label_keys`.

    Read when the defect enters a top-k list, so a kept candidate holds a few strings, not
    its entity's whole label list, while the walk goes on.
    """
    entity = node.entity
    labels = entity.labels if entity is not None else None
    return node.serviceCount, entity_label_values(labels, label_keys) if label_keys else ()


def parse_defect(node: Mapping[str, Any], label_keys: tuple[str, ...] = ()) -> Defect | None:
    """A Defect from a node of any shape (the lenient way); None when its id is unfit."""
    typed = lenient_defect(dict(node))
    head = read_head(typed)
    return None if head is None else full_defect(head, *kept_parts(typed, label_keys))


def skip_reason(node: DefectNode) -> str:
    """Why read_head refused a node (only asked on the rare refusal)."""
    defect_id = node.id
    if defect_id is None or defect_id == "":
        return "missing_id"
    if type(defect_id) not in (str, int):
        return "wrong_type"
    return "invalid_id"
