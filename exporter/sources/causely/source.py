"""The Causely source: plans the user scopes, walks each scope's active defects."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator, Mapping
from functools import partial
from typing import Any

from exporter.cardinality import FoldingCounter
from exporter.client.api_client import ApiClient
from exporter.client.errors import ApiError
from exporter.config.model import CauselyConfig
from exporter.logs import quote
from exporter.resolve_times import ActiveSet
from exporter.sources.base import AlertSelection, Best, SkipCounter, top_k
from exporter.sources.causely.defects import (
    DEFECTS_QUERY,
    SEVERITY_RANK,
    Defect,
    ScopeResult,
    defect_order,
    fold_bucket,
    parse_defect,
    skip_reason,
)
from exporter.sources.causely.graphql import graphql_connection
from exporter.sources.causely.scopes import ALL_SCOPE, SCOPES_QUERY, Scope, scope_filters
from exporter.sources.pagination import Page, walk
from exporter.sources.values import node_key, text

log = logging.getLogger("exporter.sources.causely")


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
        counts = FoldingCounter(self._config.max_active_series, fold_bucket)
        active = ActiveSet(tuple(SEVERITY_RANK)) if self._config.parts.time_to_resolve else None
        alertable: Best[Defect] = Best(self._alerts.limit, defect_order)
        alert_severities = frozenset(self._alerts.severities)

        def counted(defects: Iterator[Defect]) -> Iterator[Defect]:
            for defect in defects:
                counts.add((defect.severity, defect.entity_type, defect.name))
                if active is not None:
                    active.add(defect.id, defect.start_time, defect.severity)
                if defect.severity in alert_severities:
                    alertable.add(defect)
                yield defect

        kept = top_k(
            counted(self._defects(scope, deadline)), self._config.max_defect_series, defect_order
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
        over_cap = 0
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
