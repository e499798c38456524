"""Causely GraphQL source: user scopes and active defects (root causes) per scope."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from exporter.cardinality import OTHER, fold
from exporter.config import CauselyConfig
from exporter.http import ApiClient, ApiError
from exporter.logs import quote
from exporter.pagination import Page, walk
from exporter.resolve_times import ActiveSet
from exporter.sources import (
    MAX_LABEL_CHARS,
    AlertSelection,
    Best,
    SkipCounter,
    clean,
    is_clean_id,
    node_key,
    parse_time,
    text,
    top_k,
)
from exporter.sources.graphql import graphql_connection

log = logging.getLogger(__name__)

ALL_SCOPE = "all"
SEVERITY_RANK = {"Critical": 0, "High": 1, "Medium": 2, "Low": 3, "Hidden": 4}
# Larger than any real count, small enough to stay exact as a float in the exposition.
MAX_COUNT = 2**53
# Fold the per-combination counts while collecting once they pass this many times the cap,
# so a million distinct names never sit in memory at once.
COMPACT_FACTOR = 4

# Only the fields the metrics need: the API pages faster and schema drift touches us less.
SCOPES_QUERY = """
query getUserScopes($filter: UserScopeFilter, $first: Int, $after: String) {
  getUserScopes(filter: $filter, first: $first, after: $after) {
    edges { node { id name scopes { typeName typeValues } } }
    pageInfo { hasNextPage endCursor }
  }
}
""".strip()

DEFECTS_QUERY = """
query defectConnection($defectFilter: DefectFilter, $groupRecurring: Boolean, $first: Int,
                       $after: String) {
  defectConnection(defectFilter: $defectFilter, groupRecurring: $groupRecurring,
                   first: $first, after: $after) {
    edges { node { id name severity entityType serviceCount fromTime
                     entity { id name typeName labels { key value } } } }
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


class CauselySource:
    name = "causely"

    def __init__(
        self,
        config: CauselyConfig,
        client: ApiClient,
        alerts: AlertSelection | None = None,
        skips: SkipCounter | None = None,
    ) -> None:
        self._config = config
        self._client = client
        self._scopes: dict[str, Scope] = {}
        self._planned_for: float | None = None
        self.skips = skips or SkipCounter()
        self._alerts = alerts or AlertSelection()
        self._label_keys = tuple(key for key, _ in config.entity_labels)

    def plan(self, deadline: float) -> list[str]:
        if self._config.scopes is None and not self._config.discover_scopes:
            scopes = [Scope(ALL_SCOPE)]
        else:
            scopes = self._resolve_scopes(deadline)
        self._scopes = {scope.name: scope for scope in scopes}
        self._planned_for = deadline
        return list(self._scopes)

    def planned_scopes(self, deadline: float) -> Mapping[str, Scope]:
        """This cycle's scopes, for the queries that share the plan (health, SLOs)."""
        if self._planned_for != deadline:
            error = ApiError("getUserScopes", "not_planned", "the scope list failed this cycle")
            error.counted = True  # the scope lookup counted its own failure
            raise error
        return dict(self._scopes)

    def collect(self, unit: str, deadline: float) -> ScopeResult:
        scope = self._scopes[unit]
        if scope.missing:
            raise ApiError("getUserScopes", "scope_not_found", f"no user scope named {unit!r}")
        if scope.malformed:
            raise ApiError(
                "getUserScopes", "malformed_response", f"user scope {unit!r} has a malformed filter"
            )
        counts: Counter[tuple[str, str, str]] = Counter()
        active = ActiveSet(tuple(SEVERITY_RANK)) if self._config.parts.time_to_resolve else None
        cap = self._config.max_active_series
        high_water = COMPACT_FACTOR * cap
        folded = 0
        alertable: Best[Defect] = Best(self._alerts.limit, defect_order)
        alert_severities = frozenset(self._alerts.severities)

        def counted(defects: Iterator[Defect]) -> Iterator[Defect]:
            nonlocal folded
            for defect in defects:
                counts[(defect.severity, defect.entity_type, defect.name)] += 1
                if active is not None:
                    active.add(defect.id, defect.start_time, defect.severity)
                if len(counts) > high_water:
                    folded += fold(counts, cap, fold_bucket)
                if defect.severity in alert_severities:
                    alertable.add(defect)
                yield defect

        kept = top_k(
            counted(self._defects(scope, deadline)), self._config.max_defect_series, defect_order
        )
        total = sum(counts.values())
        folded += fold(counts, cap, fold_bucket)
        paged = alertable.result()
        return ScopeResult(
            unit,
            dict(counts),
            tuple(kept),
            total - len(kept),
            total,
            alertable=tuple(paged),
            alert_dropped=alertable.seen - len(paged),
            active=active,
            folded=folded,
        )

    def _defects(self, scope: Scope, deadline: float) -> Iterator[Defect]:
        defect_filter: dict[str, Any] = {
            "state": "ACTIVE",
            "scopesFilter": {"scopes": [dict(f) for f in scope.filters]},
        }
        if self._config.severities:
            defect_filter["severities"] = list(self._config.severities)
        variables = {
            "defectFilter": defect_filter,
            "groupRecurring": True,
            "first": self._config.page_size,
        }
        nodes = walk(
            "defectConnection",
            partial(self._page, "defectConnection", DEFECTS_QUERY, variables, deadline),
            key=lambda node: node_key(node.get("id")),
            on_page=partial(self._count_skipped, "defectConnection"),
        )
        skipped: Counter[str] = Counter()
        for node in nodes:
            defect = parse_defect(node, self._label_keys)
            if defect is None:
                skipped[skip_reason(node)] += 1
                continue
            yield defect
        for reason, count in skipped.items():
            self.skips.add("defectConnection", reason, count)
        if skipped:
            log.warning(
                "event=defects_skipped scope=%s skipped=%d reasons=%s",
                quote(scope.name),
                sum(skipped.values()),
                ",".join(sorted(skipped)),
            )

    def _count_skipped(self, operation: str, page: Page) -> None:
        self.skips.add(operation, "not_an_object", page.skipped)

    def _resolve_scopes(self, deadline: float) -> list[Scope]:
        variables = {"filter": {"nameExpr": ""}, "first": self._config.page_size}
        found: dict[str, Scope] = {}
        for node in walk(
            "getUserScopes",
            partial(self._page, "getUserScopes", SCOPES_QUERY, variables, deadline),
            key=lambda node: node_key(node.get("id") or node.get("name")),
            on_page=partial(self._count_skipped, "getUserScopes"),
        ):
            name = text(node.get("name"))
            if not name:
                self.skips.add(
                    "getUserScopes", "missing_name" if not node.get("name") else "wrong_type"
                )
                continue
            if name in found:
                log.warning("event=duplicate_scope_name scope=%s kept=first", quote(name))
                continue
            filters = scope_filters(node.get("scopes"))
            if filters is None:
                # Dropping the bad entry would widen the scope: fail it, visibly, instead.
                self.skips.add("getUserScopes", "wrong_type")
                found[name] = Scope(name, malformed=True)
                continue
            found[name] = Scope(name, filters)
        if self._config.discover_scopes:
            return list(found.values())
        wanted = self._config.scopes or ()
        return [found.get(name, Scope(name, missing=True)) for name in wanted]

    def _page(
        self,
        operation: str,
        query: str,
        variables: Mapping[str, Any],
        deadline: float,
        cursor: str | None,
    ) -> Page:
        body = {
            "operationName": operation,
            "query": query,
            "variables": {**variables, "after": cursor} if cursor else dict(variables),
        }
        field_name = operation
        return self._client.call(
            operation,
            "POST",
            self._config.api_url,
            deadline=deadline,
            parse=partial(graphql_connection, operation, field_name),
            json_body=body,
        )
