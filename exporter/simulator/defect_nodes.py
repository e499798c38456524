"""Defect nodes as defectConnection sends them, plain or as a broken server would.

`impacts` and `symptoms` (explanations.py) are only sent when the query names them, after
every other field, so the answer to a query without them is what it always was.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import names
from .data import SimDefect, entity_labels
from .explanations import ACTIVE, SERVICE_SYMPTOMS, SimSymptom, explain, service_entity
from .selection import Tree, project, subselection

DEFAULT_HUGE_SIZE = 10_000
MAX_HUGE_SIZE = 1_000_000  # a typo'd size should fail, not exhaust the test machine
NodeFields = Callable[[SimDefect], dict[str, Any]]
# Whole words: `impactedEntities` must not count as asking for `impacts`.
_IMPACTS = re.compile(r"\bimpacts\b")
_SYMPTOMS = re.compile(r"\bsymptoms\b")

# Entity labels as a hostile or broken server might send them; the exporter must skip them.
HOSTILE_LABELS: list[Any] = [
    {"key": "k8s.namespace.name", "value": 42},
    {"key": "k8s.cluster.name", "value": None},
    "k8s.namespace.name=evil",
    {"key": ["k8s.cluster.name"], "value": "x"},
    {"value": "no-key"},
    {"key": "k8s.cluster.name", "value": "c" * 5000},
    None,
]


def defect_node(
    defect: SimDefect,
    missing: bool = False,
    hostile_labels: bool = False,
    wrong_types: bool = False,
    extra: NodeFields | None = None,
) -> dict[str, Any]:
    """The node; `extra` adds the fields only some queries ask for (impacts, symptoms)."""
    node: dict[str, Any] = {
        "id": defect.id,
        "name": defect.name,
        "entityType": defect.entity_type,
        "severity": defect.severity,
    }
    if missing:  # missing_fields: the asked-for impacts and symptoms are missing too
        return node
    if defect.to_time is not None:
        to_time: str | None = names.rfc3339(defect.to_time, defect.zulu)
    else:
        to_time = None if defect.null_to_time else ""
    node.update(
        entityId=defect.entity_id,
        entity={
            "id": defect.entity_id,
            "name": defect.entity_name,
            "typeName": defect.entity_type,
            "labels": HOSTILE_LABELS if hostile_labels else entity_labels(defect),
        },
        fromTime=names.rfc3339(defect.from_time, defect.zulu),
        toTime=to_time,
        remediated=defect.remediated,
        serviceCount=defect.service_count,
    )
    if wrong_types:
        node.update(severity=5, name=["x"], serviceCount=str(defect.service_count), fromTime=12)
    if extra is not None:
        # Last, so a node without them is the node every other query gets, byte for byte.
        node.update(extra(defect))
    return node


@dataclass(frozen=True)
class Selection:
    """Which of the two lists a defect query asks for, and which of their fields."""

    impacts: bool = False
    symptoms: bool = False
    impact_fields: Tree | None = field(default=None, compare=False)
    symptom_fields: Tree | None = field(default=None, compare=False)

    def __bool__(self) -> bool:
        return self.impacts or self.symptoms


def selection(payload: Any, operation: str) -> Selection:
    """Which of the lists a request's query names; only defectConnection has them."""
    query = payload.get("query") if isinstance(payload, Mapping) else None
    if operation != "defectConnection" or not isinstance(query, str):
        return Selection()
    return Selection(
        _IMPACTS.search(query) is not None,
        _SYMPTOMS.search(query) is not None,
        subselection(query, "impacts"),
        subselection(query, "symptoms"),
    )


def old_schema_error(selected: Selection) -> dict[str, Any]:
    """The answer of a server whose Defect type predates the two fields: errors, no data."""
    field = "impacts" if selected.impacts else "symptoms"
    return {"errors": [{"message": f'Cannot query field "{field}" on type "Defect".'}]}


def symptom_wire(symptom: SimSymptom, index: int, zulu: bool) -> dict[str, Any]:
    found = symptom.entity
    to_time = "" if symptom.to_time is None else names.rfc3339(symptom.to_time, zulu)
    return {
        "id": f"{symptom.name}::{found.id}::{index}",
        "name": symptom.name,
        "active": symptom.state == ACTIVE,
        "state": symptom.state,
        "entityId": found.id,
        "entityType": "" if symptom.nested else found.type_name,
        "entity": found.wire(),
        "isPropagated": symptom.propagated,
        "fromTime": names.rfc3339(symptom.from_time, zulu),
        "toTime": to_time,
    }


def node_fields(
    selected: Selection, page_fault: str | None, params: Mapping[str, Any]
) -> NodeFields | None:
    """What each defect node of a page gains, or None when the query asked for neither list."""
    if not selected:
        return None
    if page_fault == "huge_lists":
        return _huge_fields(selected, int(params.get("size", DEFAULT_HUGE_SIZE)))
    wrong = page_fault == "wrong_types"

    def fields(defect: SimDefect) -> dict[str, Any]:
        found = explain(defect)
        result: dict[str, Any] = {}
        if selected.impacts:
            result["impacts"] = [{"entity": e.wire()} for e in found.impacts]
        if selected.symptoms:
            wire = [symptom_wire(s, i, defect.zulu) for i, s in enumerate(found.symptoms)]
            result["symptoms"] = wire
        return _selected(selected, _wrong_typed(result) if wrong else result)

    return fields


def _selected(selected: Selection, fields: dict[str, Any]) -> dict[str, Any]:
    """Only the fields the query selected inside each list, as a real server answers."""
    if "impacts" in fields:
        fields["impacts"] = project(fields["impacts"], selected.impact_fields)
    if "symptoms" in fields:
        fields["symptoms"] = project(fields["symptoms"], selected.symptom_fields)
    return fields


def _wrong_typed(fields: dict[str, Any]) -> dict[str, Any]:
    if "impacts" in fields:
        fields["impacts"] = "impacts"  # a string where the list belongs
    for index, symptom in enumerate(fields.get("symptoms", ())):
        kind = index % 4  # every entry wrong, in one of four ways
        if kind == 0:
            symptom["entity"] = None
        elif kind == 1:
            symptom["entity"]["labels"] = {"k8s.namespace.name": symptom["entity"]["name"]}
        elif kind == 2:
            symptom["name"] = 7
            symptom["entity"]["name"] = 7
        else:
            symptom["state"] = 1
    return fields


def _huge_fields(selected: Selection, size: int) -> NodeFields:
    # Built once per namespace and shared by its nodes: json.dumps writes a shared list under
    # each node, and a page of 10k-entry lists need not hold a copy per node.
    cache: dict[str, dict[str, Any]] = {}

    def fields(defect: SimDefect) -> dict[str, Any]:
        found = cache.get(defect.namespace)
        if found is None:
            found = _huge_lists(defect, selected, size)
            found = cache[defect.namespace] = _selected(selected, found)
        return found

    return fields


def _huge_lists(defect: SimDefect, selected: Selection, size: int) -> dict[str, Any]:
    """`size` distinct impacted services, each with an active symptom of its own."""
    domain, ns = names.domain_of(defect.namespace), defect.namespace
    entities = [service_entity(ns, names.service_name(domain, i)) for i in range(size)]
    result: dict[str, Any] = {}
    if selected.impacts:
        result["impacts"] = [{"entity": e.wire()} for e in entities]
    if selected.symptoms:
        result["symptoms"] = [
            symptom_wire(SimSymptom(SERVICE_SYMPTOMS[i % 2], ACTIVE, e, defect.from_time), i, True)
            for i, e in enumerate(entities)
        ]
    return result
