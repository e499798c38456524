"""The Causely source: plans the user scopes, walks each scope's active defects."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import replace
from functools import partial
from typing import Any

from exporter.cardinality import FoldingCounter
from exporter.client.api_client import ApiClient
from exporter.client.errors import ApiError
from exporter.config.model import CauselyConfig
from exporter.logs import quote
from exporter.resolve_times import ActiveSet
from exporter.sources.base import AlertSelection, Best, Section, SkipCounter, top_k
from exporter.sources.causely.defects import (
    DEFECTS_EXPLAINED_QUERY,
    DEFECTS_QUERY,
    SEVERITY_RANK,
    Defect,
    ScopeResult,
    defect_order,
    fold_bucket,
    parse_defect,
    skip_reason,
)
from exporter.sources.causely.explained import ExplainedCount, explained_services, unsupported
from exporter.sources.causely.graphql import graphql_connection
from exporter.sources.causely.scopes import ALL_SCOPE, SCOPES_QUERY, Scope, scope_filters
from exporter.sources.pagination import Page, walk
from exporter.sources.values import node_key, text

log = logging.getLogger("exporter.sources.causely")

EXPLAIN_RETRY_SECONDS = 3600.0  # a server that rejected impacts/symptoms is asked again hourly
DEFAULT_EXPLAIN_SEVERITIES = ("Critical", "High")


class CauselySource:
    name = "causely"
    essential = True
    after: tuple[str, ...] = ()
    section = Section.ROOT_CAUSES

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
        self._explain = self._alerts.explain or config.parts.explained_services
        self._explain_severities = frozenset(self._alerts.severities or DEFAULT_EXPLAIN_SEVERITIES)
        self._explain_lock = threading.Lock()
        self._explain_rejected_until = 0.0

    def plan(self, deadline: float) -> list[str]:
        if self._config.scopes is None and not self._config.discover_scopes:
            scopes = [Scope(ALL_SCOPE)]
        else:
            scopes = self._resolve_scopes(deadline)
        self._scopes = {scope.name: scope for scope in scopes}
        self._planned_for = deadline
        return list(self._scopes)

    def resolve_filter(self) -> object | None:
        # A severity filter change starts time to resolve over: what it hid did not clear.
        return self._config.severities if self._config.parts.time_to_resolve else None

    def active(self, result: object) -> ActiveSet | None:
        return result.active if isinstance(result, ScopeResult) else None

    def planned_scopes(self, deadline: float) -> Mapping[str, Scope]:
        """This cycle's scopes, for the queries that share the plan (health, SLOs)."""
        if self._planned_for != deadline:
            # Not counted: the scope lookup's own failure was.
            raise ApiError("getUserScopes", "not_planned", "the scope list failed this cycle")
        return dict(self._scopes)

    def collect(self, unit: str, deadline: float) -> ScopeResult:
        scope = self._scopes[unit]
        if scope.missing:
            raise self._client.failed(
                ApiError("getUserScopes", "scope_not_found", f"no user scope named {unit!r}")
            )
        if scope.malformed:
            message = f"user scope {unit!r} has a malformed filter"
            raise self._client.failed(ApiError("getUserScopes", "malformed_response", message))
        counts = FoldingCounter(self._config.max_active_series, fold_bucket)
        active = ActiveSet(tuple(SEVERITY_RANK)) if self._config.parts.time_to_resolve else None
        alertable: Best[Defect] = Best(self._alerts.limit, defect_order)
        alert_severities = frozenset(self._alerts.severities)
        explained = self._explained()

        def counted(defects: Iterator[Defect]) -> Iterator[Defect]:
            for defect in defects:
                counts.add((defect.severity, defect.entity_type, defect.name))
                if active is not None:
                    active.add(defect.id, defect.start_time, defect.severity)
                if defect.severity in alert_severities:
                    alertable.add(defect)
                if defect.explains and explained is not None:
                    explained.add(defect.explains)
                yield defect

        kept = top_k(
            counted(self._defects(scope, deadline, explained)),
            self._config.max_defect_series,
            defect_order,
        )
        combinations, folded = counts.finish()
        total = sum(combinations.values())
        paged = alertable.result()
        return ScopeResult(
            unit,
            combinations,
            tuple(kept),
            total - len(kept),
            total,
            alertable=tuple(paged),
            alert_dropped=alertable.seen - len(paged),
            active=active,
            folded=folded,
            explained=dict(explained.counts) if explained is not None else None,
            explained_up=explained.up if explained is not None else True,
            explained_dropped=explained.dropped if explained is not None else 0,
        )

    def _explained(self) -> ExplainedCount | None:
        if not self._explain:
            return None
        result = ExplainedCount(self._config.parts.max_explained_series, self._explain_severities)
        with self._explain_lock:
            result.up = time.time() >= self._explain_rejected_until
        return result

    def _defects(
        self, scope: Scope, deadline: float, explained: ExplainedCount | None = None
    ) -> Iterator[Defect]:
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
        explain = explained is not None and explained.up
        nodes = self._walk_defects(variables, deadline, explain)
        if explain and explained is not None:
            nodes = self._or_without_explanations(nodes, variables, deadline, explained)
        skipped: Counter[str] = Counter()
        for node in nodes:
            defect = parse_defect(node, self._label_keys)
            if defect is None:
                skipped[skip_reason(node)] += 1
                continue
            if explain and explained is not None and defect.severity in explained.severities:
                defect = replace(defect, explains=explained_services(node))
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

    def _walk_defects(
        self, variables: Mapping[str, Any], deadline: float, explain: bool
    ) -> Iterator[Any]:
        query = DEFECTS_EXPLAINED_QUERY if explain else DEFECTS_QUERY
        return walk(
            "defectConnection",
            partial(self._page, "defectConnection", query, variables, deadline),
            key=lambda node: node_key(node.get("id")),
            on_page=partial(self._count_skipped, "defectConnection"),
            failed=self._client.failed,
        )

    def _or_without_explanations(
        self,
        nodes: Iterator[Any],
        variables: Mapping[str, Any],
        deadline: float,
        explained: ExplainedCount,
    ) -> Iterator[Any]:
        """An older schema without impacts/symptoms costs the explanations, not the defects."""
        try:
            first = next(nodes, None)
        except ApiError as exc:
            if exc.error != "graphql_error" or not unsupported(exc.message):
                raise
            explained.up = False
            with self._explain_lock:
                self._explain_rejected_until = time.time() + EXPLAIN_RETRY_SECONDS
            log.warning(
                "event=explanations_unsupported retry_in=%.0fs msg=%s",
                EXPLAIN_RETRY_SECONDS,
                quote(exc.message, 300),
            )
            yield from self._walk_defects(variables, deadline, False)
            return
        if first is not None:
            yield first
            yield from nodes

    def _count_skipped(self, operation: str, page: Page) -> None:
        self.skips.add(operation, "not_an_object", page.skipped)

    def _resolve_scopes(self, deadline: float) -> list[Scope]:
        variables = {"filter": {"nameExpr": ""}, "first": self._config.page_size}
        found: dict[str, Scope] = {}
        over_cap = 0
        for node in walk(
            "getUserScopes",
            partial(self._page, "getUserScopes", SCOPES_QUERY, variables, deadline),
            key=lambda node: node_key(node.get("id") or node.get("name")),
            on_page=partial(self._count_skipped, "getUserScopes"),
            failed=self._client.failed,
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
            if self._config.discover_scopes and len(found) >= self._config.max_scopes:
                # Each scope is a unit, a thread's work and a set of series: the API must not
                # be able to add them without end.
                over_cap += 1
                continue
            filters = scope_filters(node.get("scopes"))
            if filters is None:
                # Dropping the bad entry would widen the scope: fail it, visibly, instead.
                self.skips.add("getUserScopes", "wrong_type")
                found[name] = Scope(name, malformed=True)
                continue
            found[name] = Scope(name, filters)
        if over_cap:
            self.skips.add("getUserScopes", "over_max_scopes", over_cap)
            log.warning(
                "event=scopes_over_cap kept=%d skipped=%d "
                'msg="raise causely.max_scopes to collect them"',
                len(found),
                over_cap,
            )
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
