"""Causely's answers as typed records of only the fields the exporter reads (msgspec Structs).

A page is decoded straight into these: the fields nobody reads are skipped by the decoder
without being built, and no dict per node exists. Decoding is strict, so one value of the
wrong type anywhere refuses the whole document; graphql.py then reads that document the
lenient way (plain JSON, bounded, then `lenient_*` below), where a field of the wrong type is
taken as absent and a node that is not an object is a counted skip of that node. Both ways
give the same records for the same document; only the lenient one pays for dicts.

gc=False: these records never hold a cycle, and 100k of them a cycle need not be tracked.
"""

from __future__ import annotations

from typing import Any

import msgspec

# Read at most this many entries of any list a node carries (labels, impacts, symptoms): a huge
# list costs a bounded scan. The strict decoder builds the whole list (bounded by the body cap).
MAX_ENTRIES_READ = 1000


class Label(msgspec.Struct, gc=False):
    key: str | None = None
    value: str | None = None


class Entity(msgspec.Struct, gc=False):
    name: str | None = None
    typeName: str | None = None  # the API spells its fields in camelCase
    labels: list[Label] | None = None


class Impact(msgspec.Struct, gc=False):
    entity: Entity | None = None


class Symptom(msgspec.Struct, gc=False):
    state: str | None = None
    isPropagated: bool | None = None
    entity: Entity | None = None


class DefectNode(msgspec.Struct, gc=False):
    id: str | int | None = None
    name: str | None = None
    severity: str | None = None
    entityType: str | None = None
    serviceCount: int | None = None
    fromTime: str | None = None
    entity: Entity | None = None
    impacts: list[Impact] | None = None
    symptoms: list[Symptom] | None = None


class NamedEntity(msgspec.Struct, gc=False):
    name: str | None = None
    typeName: str | None = None


class SloNode(msgspec.Struct, gc=False):
    id: str | int | None = None
    state: str | None = None
    entity: NamedEntity | None = None
    relatedEntity: NamedEntity | None = None


class HealthRow(msgspec.Struct, gc=False):
    entityType: str | None = None
    severity: str | None = None
    count: int | None = None


class PageInfo(msgspec.Struct, gc=False):
    hasNextPage: bool | None = None
    endCursor: str | None = None
    totalCount: int | None = None


class DefectEdge(msgspec.Struct, gc=False):
    node: DefectNode | None = None


class SloEdge(msgspec.Struct, gc=False):
    node: SloNode | None = None


class DefectConnection(msgspec.Struct, gc=False):
    edges: list[DefectEdge] | None = None
    pageInfo: PageInfo | None = None
    totalCount: int | None = None


class SloConnection(msgspec.Struct, gc=False):
    edges: list[SloEdge] | None = None
    pageInfo: PageInfo | None = None
    totalCount: int | None = None


class ScopeData(msgspec.Struct, gc=False):
    """data of one scope's request: whichever of the three the request asked for.

    UNSET (absent) and None (null) differ: an absent field the request asked for is a
    malformed answer, a null one may be a failure reported in `errors`.
    """

    defectConnection: DefectConnection | msgspec.UnsetType | None = msgspec.UNSET
    entityTypeCounts: list[HealthRow] | msgspec.UnsetType | None = msgspec.UNSET
    sloConnection: SloConnection | msgspec.UnsetType | None = msgspec.UNSET


class ScopeDocument(msgspec.Struct, gc=False):
    data: ScopeData | None = None
    # Only whether there are any: their text is read the lenient way (see graphql.py).
    errors: msgspec.Raw | None = None


SCOPE_DECODER = msgspec.json.Decoder(ScopeDocument)


# ------------------------------------------------------------------ the lenient way, from dicts


def _text(value: object) -> str | None:
    return value if type(value) is str else None


def lenient_labels(raw: object) -> list[Label] | None:
    if type(raw) is not list:
        return None
    return [
        Label(entry.get("key"), _text(entry.get("value")))
        for entry in raw[:MAX_ENTRIES_READ]
        if type(entry) is dict and type(entry.get("key")) is str
    ]


def lenient_entity(raw: object) -> Entity | None:
    if type(raw) is not dict:
        return None
    return Entity(
        _text(raw.get("name")), _text(raw.get("typeName")), lenient_labels(raw.get("labels"))
    )


def _entries(raw: object) -> list[dict[str, Any]]:
    if type(raw) is not list:
        return []
    return [entry for entry in raw[:MAX_ENTRIES_READ] if type(entry) is dict]


def lenient_defect(raw: dict[str, Any]) -> DefectNode:
    """A DefectNode from a node of any shape: a field of the wrong type is absent.

    The id is kept as it came when it is not a string or an integer: the caller skips and
    counts that node (see defects.skip_reason).
    """
    count = raw.get("serviceCount")
    impacts, symptoms = raw.get("impacts"), raw.get("symptoms")
    return DefectNode(
        id=raw.get("id"),
        name=_text(raw.get("name")),
        severity=_text(raw.get("severity")),
        entityType=_text(raw.get("entityType")),
        serviceCount=count if type(count) is int else None,
        fromTime=_text(raw.get("fromTime")),
        entity=lenient_entity(raw.get("entity")),
        impacts=None
        if impacts is None
        else [Impact(lenient_entity(e.get("entity"))) for e in _entries(impacts)],
        symptoms=None
        if symptoms is None
        else [
            Symptom(
                _text(e.get("state")),
                e.get("isPropagated") if type(e.get("isPropagated")) is bool else None,
                lenient_entity(e.get("entity")),
            )
            for e in _entries(symptoms)
        ],
    )


def _named(raw: object) -> NamedEntity | None:
    if type(raw) is not dict:
        return None
    return NamedEntity(_text(raw.get("name")), _text(raw.get("typeName")))


def lenient_slo(raw: dict[str, Any]) -> SloNode:
    return SloNode(
        id=raw.get("id"),
        state=_text(raw.get("state")),
        entity=_named(raw.get("entity")),
        relatedEntity=_named(raw.get("relatedEntity")),
    )
