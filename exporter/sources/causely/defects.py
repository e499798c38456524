"""Causely defects (root causes): the query, the parsed record and its per-defect checks.

parse_defect runs once per active defect (100k a cycle in large tenants), so it stays a
plain function of type checks; everything the metrics and the bridge read of a defect is here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from exporter.cardinality import OTHER
from exporter.resolve_times import ActiveSet
from exporter.sources.causely.explained import EXPLAIN_FIELDS, Service
from exporter.sources.values import MAX_LABEL_CHARS, clean, is_clean_id, parse_time

SEVERITY_RANK = {"Critical": 0, "High": 1, "Medium": 2, "Low": 3, "Hidden": 4}
# Larger than any real count, small enough to stay exact as a float in the exposition.
MAX_COUNT = 2**53

DEFECTS_QUERY_TEMPLATE = """
query defectConnection($defectFilter: DefectFilter, $groupRecurring: Boolean, $first: Int,
                       $after: String) {
  defectConnection(defectFilter: $defectFilter, groupRecurring: $groupRecurring,
                   first: $first, after: $after) {
    edges { node { id name severity entityType serviceCount fromTime
                     entity { id name typeName labels { key value } }EXPLAIN } }
    pageInfo { hasNextPage endCursor }
  }
}
""".strip()
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
MAX_ENTITY_LABELS_READ = 1000


def entity_label_values(entity: Mapping[str, Any], keys: tuple[str, ...]) -> tuple[str, ...]:
    """The values of `keys` among the entity's `labels { key value }`; "" where absent.

    Untrusted input: entries of the wrong shape are skipped, a value that is not a string
    counts as absent, long values are cleaned and cut, and only the first entries of a huge
    list are read. Runs once per defect: the common case (a few short, printable labels)
    costs one pass and one C-level check over the values together.
    """
    raw = entity.get("labels")
    if type(raw) is not list or not raw:
        return ("",) * len(keys)
    values = [""] * len(keys)
    for entry in raw if len(raw) <= MAX_ENTITY_LABELS_READ else raw[:MAX_ENTITY_LABELS_READ]:
        if type(entry) is not dict:
            continue
        key = entry.get("key")
        if type(key) is not str or key not in keys:
            continue
        index = keys.index(key)
        value = entry.get("value")
        if not values[index] and type(value) is str:
            values[index] = value
    joined = "".join(values)
    if len(joined) > MAX_ENTITY_LABEL_VALUE or not joined.isprintable():
        values = [clean(value, MAX_ENTITY_LABEL_VALUE) for value in values]
    return tuple(values)


def parse_defect(node: Mapping[str, Any], label_keys: tuple[str, ...] = ()) -> Defect | None:
    """A Defect from a node; None when the id is missing or unfit (see skip_reason).

    Runs once per defect (100k a cycle in large tenants): plain type checks, then one length
    check and one C-level scan over all the strings together; only a string that fails them
    goes through the cleaning helper. A field of the wrong type is taken as absent.
    """
    defect_id = node.get("id")
    if type(defect_id) is not str:
        if type(defect_id) is not int:
            return None
        defect_id = str(defect_id)
    if not defect_id:
        return None
    entity = node.get("entity")
    entity_name = entity_type_name = None
    labels: tuple[str, ...] = ("",) * len(label_keys)
    if type(entity) is dict:
        entity_name, entity_type_name = entity.get("name"), entity.get("typeName")
        if label_keys:
            labels = entity_label_values(entity, label_keys)
    name, severity, entity_type = node.get("name"), node.get("severity"), node.get("entityType")
    if type(name) is not str or not name:
        name = "unknown"
    if type(severity) is not str or not severity:
        severity = "unknown"
    if type(entity_type) is not str or not entity_type:
        entity_type = entity_type_name
        if type(entity_type) is not str or not entity_type:
            entity_type = "unknown"
    if type(entity_name) is not str:
        entity_name = ""
    joined = defect_id + name + severity + entity_type + entity_name
    if len(joined) > MAX_LABEL_CHARS or not joined.isprintable():
        if not is_clean_id(defect_id):
            return None
        name, severity = clean(name), clean(severity)
        entity_type, entity_name = clean(entity_type), clean(entity_name)
    service_count = node.get("serviceCount")
    return Defect(
        id=defect_id,
        name=name,
        severity=severity,
        entity_type=entity_type,
        entity_name=entity_name,
        start_time=parse_time(node.get("fromTime")),
        service_count=service_count
        if type(service_count) is int and 0 <= service_count <= MAX_COUNT
        else None,
        labels=labels,
    )


def skip_reason(node: Mapping[str, Any]) -> str:
    """Why parse_defect refused a node (only asked on the rare refusal)."""
    defect_id = node.get("id")
    if defect_id is None or defect_id == "":
        return "missing_id"
    if type(defect_id) not in (str, int):
        return "wrong_type"
    return "invalid_id"
