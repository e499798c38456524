"""One scope's defects, service health and SLOs in shared requests, once a cycle.

The first request of a scope asks for its first defect page, its entityTypeCounts and its
first SLO page in one GraphQL document; each next request asks for every walk that has
more (defects, SLOs or both). A scope that fits in one page costs one request a cycle.

Whichever unit of the scope runs first (its defects, health or SLOs, see parts.py) walks it;
the others wait for it and take their part. Each part still fails alone: a field that fails
on its own (an error whose path names it) ends its part, and a server whose schema lacks
entityTypeCounts or sloConnection (or a defect's impacts and symptoms) rejects the document:
the field is then left out of this request and of the next ones for RETRY_SECONDS, and its
part is down meanwhile. A request that fails whole fails every part still walking.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any

from exporter.client.api_client import ApiClient
from exporter.client.errors import ApiError
from exporter.logs import quote
from exporter.sources.base import SkipCounter
from exporter.sources.causely.defects import (
    DEFECT_EXPLAINED_FIELD,
    DEFECT_FIELD,
    DEFECT_VARIABLES,
    ScopeResult,
)
from exporter.sources.causely.entity_health import (
    HEALTH_FIELD,
    HEALTH_VARIABLES,
    HealthResult,
    parse_health,
)
from exporter.sources.causely.explained import unsupported
from exporter.sources.causely.graphql import (
    DEFECTS,
    HEALTH,
    SLOS,
    FieldRejected,
    HealthRows,
    decode_scope,
)
from exporter.sources.causely.slos import SLO_FIELD, SLO_VARIABLES, SloResult, SloTally
from exporter.sources.causely.tally import DefectTally
from exporter.sources.pagination import Leg, Page, walk_joint
from exporter.sources.values import node_key

log = logging.getLogger("exporter.sources.causely")

RETRY_SECONDS = 3600.0  # a field the server rejected is asked for again hourly
EXPLAIN = "explain"  # impacts and symptoms of each defect
FIELD_ORDER = (DEFECTS, HEALTH, SLOS)


class Rejections:
    """What this server's schema rejected, and until when it is not asked for again."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._until: dict[str, float] = {}

    def allowed(self, name: str) -> bool:
        with self._lock:
            return time.time() >= self._until.get(name, 0.0)

    def reject(self, name: str, message: str) -> None:
        with self._lock:
            self._until[name] = time.time() + RETRY_SECONDS
        event = "explanations_unsupported" if name == EXPLAIN else "field_unsupported"
        log.warning(
            "event=%s field=%s retry_in=%.0fs msg=%s",
            event,
            name,
            RETRY_SECONDS,
            quote(message, 300),
        )


@dataclass(frozen=True)
class ScopeQuery:
    """What a scope's requests ask: the variables of each part (None: part not wanted)."""

    api_url: str
    defects: Mapping[str, Any]
    health: Mapping[str, Any] | None
    slos: Mapping[str, Any] | None
    health_types: tuple[str, ...] = ()
    slo_cap: int = 0


@lru_cache(maxsize=32)
def scope_document(fields: tuple[str, ...], explain: bool) -> str:
    """The GraphQL document asking for `fields`; it declares only the variables they use."""
    declared, selected = [], []
    if DEFECTS in fields:
        declared.append(DEFECT_VARIABLES)
        selected.append(DEFECT_EXPLAINED_FIELD if explain else DEFECT_FIELD)
    if HEALTH in fields:
        declared.append(HEALTH_VARIABLES)
        selected.append(HEALTH_FIELD)
    if SLOS in fields:
        declared.append(SLO_VARIABLES)
        selected.append(SLO_FIELD)
    body = "\n".join(selected)
    return f"query {fields[0]}({', '.join(declared)}) {{\n{body}\n}}"


def scope_variables(query: ScopeQuery, asked: Mapping[str, str | None]) -> dict[str, Any]:
    variables: dict[str, Any] = {}
    if DEFECTS in asked:
        variables.update(query.defects)
        if asked[DEFECTS]:
            variables["after"] = asked[DEFECTS]
    if HEALTH in asked and query.health is not None:
        variables.update(query.health)
    if SLOS in asked and query.slos is not None:
        variables.update(query.slos)
        if asked[SLOS]:
            variables["sloAfter"] = asked[SLOS]
    return variables


class ScopeWalk:
    """One scope's walk this cycle: run once by the first unit that needs it."""

    def __init__(
        self,
        client: ApiClient,
        query: ScopeQuery,
        tally: DefectTally,
        rejections: Rejections,
        deadline: float,
        skips: SkipCounter,
        scope: str,
    ) -> None:
        self._client = client
        self._query = query
        self._tally: DefectTally | None = tally
        self._scope = scope
        self._results: dict[str, object] = {}
        self._rejections = rejections
        self._deadline = deadline
        self._skips = skips
        self._explain = tally.explained is not None and tally.explained.up
        self._slos: SloTally | None = SloTally(query.slo_cap)
        self._health: HealthRows | None = None
        self._errors: dict[str, BaseException] = {}
        self._lock = threading.Lock()
        self._ran = False

    def defects(self) -> ScopeResult:
        result = self._take(DEFECTS)
        assert isinstance(result, ScopeResult)
        return result

    def health(self) -> HealthResult:
        result = self._take(HEALTH)
        assert isinstance(result, HealthResult)
        return result

    def slos(self) -> SloResult:
        result = self._take(SLOS)
        assert isinstance(result, SloResult)
        return result

    def _take(self, part: str) -> object:
        with self._lock:
            if not self._ran:
                self._ran = True
                try:
                    self._walk()
                    self._finish()
                except Exception as exc:  # a bug: every part of the scope fails with it
                    self._errors = dict.fromkeys(FIELD_ORDER, exc)
                # What the tallies held beyond their results goes now, not with the cycle.
                self._tally = self._slos = self._health = None
        error = self._errors.get(part)
        if error is not None:
            raise error
        return self._results[part]

    def _finish(self) -> None:
        """Each part's result, skips counted (a part that failed has none)."""
        scope, skips = self._scope, self._skips
        assert self._tally is not None and self._slos is not None
        if DEFECTS not in self._errors:
            self._results[DEFECTS] = self._tally.result(scope)
            skipped = self._tally.skipped
            for reason, count in skipped.items():
                skips.add(DEFECTS, reason, count)
            if skipped:
                log.warning(
                    "event=defects_skipped scope=%s skipped=%d reasons=%s",
                    quote(scope),
                    sum(skipped.values()),
                    ",".join(sorted(skipped)),
                )
        if HEALTH not in self._errors and self._health is not None:
            types = self._query.health_types
            self._results[HEALTH] = parse_health(scope, types, self._health, skips)
        if SLOS not in self._errors and self._query.slos is not None:
            self._results[SLOS] = self._slos.result(scope, skips)

    def _walk(self) -> None:
        query, tally, slos = self._query, self._tally, self._slos
        assert tally is not None and slos is not None
        legs = [Leg(DEFECTS, tally.add_all, key=_defect_key)]
        for name, wanted, take in (
            (HEALTH, query.health is not None, self._take_health),
            (SLOS, query.slos is not None, slos.add),
        ):
            if not wanted:
                continue
            if self._rejections.allowed(name):
                legs.append(Leg(name, take, key=_defect_key, paged=name == SLOS))
            else:
                # Not counted: no request asked for it, nothing failed this cycle.
                self._errors[name] = ApiError(name, "unsupported", "this server's schema lacks it")
        walk_joint(legs, self._fetch, on_page=self._count_skipped, failed=self._client.failed)
        for leg in legs:
            if leg.error is not None:
                self._errors[leg.operation] = leg.error

    def _take_health(self, rows: HealthRows) -> None:
        self._health = rows

    def _count_skipped(self, operation: str, page: Page) -> None:
        self._skips.add(operation, "not_an_object", page.skipped)

    def _fetch(self, asked: Mapping[str, str | None]) -> dict[str, Any]:
        asked = dict(asked)
        failed: dict[str, Any] = {}
        while asked:
            fields = tuple(name for name in FIELD_ORDER if name in asked)
            body = {
                "operationName": fields[0],
                "query": scope_document(fields, self._explain and DEFECTS in fields),
                "variables": scope_variables(self._query, asked),
            }
            try:
                parts: dict[str, Any] = self._client.call(
                    fields[0],
                    "POST",
                    self._query.api_url,
                    deadline=self._deadline,
                    parse=partial(decode_scope, fields),
                    json_body=body,
                    raw=True,
                )
            except FieldRejected as rejected:
                # An older schema: that part fails, the rest is asked for again without it.
                self._rejections.reject(rejected.field, rejected.message)
                error = ApiError(rejected.field, "graphql_error", rejected.message)
                failed[rejected.field] = self._client.failed(error)
                del asked[rejected.field]
                continue
            except ApiError as exc:
                if not (
                    self._explain and exc.error == "graphql_error" and unsupported(exc.message)
                ):
                    raise
                # No impacts or symptoms on this server: the defects are walked without them.
                self._explain = False
                if self._tally is not None and self._tally.explained is not None:
                    self._tally.explained.up = False
                self._rejections.reject(EXPLAIN, exc.message)
                continue
            for part in parts.values():  # a field that failed alone, counted here
                if isinstance(part, ApiError):
                    self._client.failed(part)
            parts.update(failed)
            return parts
        return failed


def _defect_key(node: Any) -> Hashable:
    """The walk remembers each id's 64-bit hash, not the id: the ids of the scopes walked at
    once stay out of memory. Two ids of a scope with one hash would count once: for 100k
    ids the odds are about 1 in 3 billion a cycle, as for time to resolve's ActiveSet."""
    node_id = node.id
    if type(node_id) is str:
        return hash(node_id)
    key = node_key(node_id)
    return hash(key) if type(key) is str else key
