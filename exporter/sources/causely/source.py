"""The Causely source: plans the user scopes, walks each scope's active defects."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from functools import partial
from typing import Any

from exporter.client.api_client import ApiClient
from exporter.client.errors import ApiError
from exporter.config.model import CauselyConfig
from exporter.logs import quote
from exporter.resolve_times import ActiveSet
from exporter.sources.base import AlertSelection, Section, SkipCounter
from exporter.sources.causely.defects import ScopeResult
from exporter.sources.causely.entity_health import health_variables
from exporter.sources.causely.explained import ExplainedCount
from exporter.sources.causely.graphql import graphql_connection
from exporter.sources.causely.scope_walk import EXPLAIN, Rejections, ScopeQuery, ScopeWalk
from exporter.sources.causely.scopes import (
    ALL_SCOPE,
    SCOPES_QUERY,
    Scope,
    check_scope,
    scope_filters,
)
from exporter.sources.causely.slos import slo_variables
from exporter.sources.causely.tally import DefectTally
from exporter.sources.pagination import Page, walk
from exporter.sources.values import node_key, text

log = logging.getLogger("exporter.sources.causely")

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
        self._explain = self._alerts.explain or config.features.explained_services
        self._explain_severities = frozenset(self._alerts.severities or DEFAULT_EXPLAIN_SEVERITIES)
        self._rejections = Rejections()  # fields this server's schema lacks, for a while
        self._walks: dict[tuple[str, float], ScopeWalk] = {}
        self._walks_lock = threading.Lock()

    def plan(self, deadline: float) -> list[str]:
        if self._config.scopes is None and not self._config.discover_scopes:
            scopes = [Scope(ALL_SCOPE)]
        else:
            scopes = self._resolve_scopes(deadline)
        self._scopes = {scope.name: scope for scope in scopes}
        self._planned_for = deadline
        with self._walks_lock:
            self._walks = {}  # last cycle's walks (and what they hold) go
        return list(self._scopes)

    def resolve_filter(self) -> object | None:
        # A severity filter change starts time to resolve over: what it hid did not clear.
        return self._config.severities if self._config.features.time_to_resolve else None

    def active(self, result: object) -> ActiveSet | None:
        return result.active if isinstance(result, ScopeResult) else None

    def planned_scopes(self, deadline: float) -> Mapping[str, Scope]:
        """This cycle's scopes, for the queries that share the plan (health, SLOs)."""
        if self._planned_for != deadline:
            # Not counted: the scope lookup's own failure was.
            raise ApiError("getUserScopes", "not_planned", "the scope list failed this cycle")
        return dict(self._scopes)

    def collect(self, unit: str, deadline: float) -> ScopeResult:
        try:
            check_scope(self._scopes[unit])
        except ApiError as exc:
            raise self._client.failed(exc) from None
        return self.scope_walk(unit, deadline).defects()

    def scope_walk(self, unit: str, deadline: float) -> ScopeWalk:
        """This cycle's walk of the scope (its defects, health and SLOs), made once."""
        with self._walks_lock:
            walk = self._walks.get((unit, deadline))
            if walk is None:
                walk = self._walks[(unit, deadline)] = self._new_walk(self._scopes[unit], deadline)
            return walk

    def _new_walk(self, scope: Scope, deadline: float) -> ScopeWalk:
        config = self._config
        filters = [dict(f) for f in scope.filters]
        defect_filter: dict[str, Any] = {"state": "ACTIVE", "scopesFilter": {"scopes": filters}}
        if config.severities:
            defect_filter["severities"] = list(config.severities)
        features = config.features
        query = ScopeQuery(
            api_url=config.api_url,
            defects={
                "defectFilter": defect_filter,
                "groupRecurring": True,
                "first": config.page_size,
            },
            health=health_variables(scope.filters, features.health_entity_types)
            if features.health
            else None,
            slos=slo_variables(scope.filters, config.page_size) if features.slos else None,
            health_types=tuple(features.health_entity_types),
            slo_cap=features.max_slo_series,
        )
        tally = DefectTally(
            label_keys=self._label_keys,
            max_series=config.max_defect_series,
            max_active_series=config.max_active_series,
            alert_limit=self._alerts.limit,
            alert_severities=self._alerts.severities,
            time_to_resolve=features.time_to_resolve,
            explained=self._explained(),
        )
        return ScopeWalk(
            self._client, query, tally, self._rejections, deadline, self.skips, scope.name
        )

    def _explained(self) -> ExplainedCount | None:
        if not self._explain:
            return None
        result = ExplainedCount(
            self._config.features.max_explained_series, self._explain_severities
        )
        result.up = self._rejections.allowed(EXPLAIN)
        return result

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
