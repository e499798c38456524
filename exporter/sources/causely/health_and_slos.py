"""Service health and SLOs as their own units, so each fails alone.

The scopes come from the Causely source's plan of the same cycle (no second scope lookup):
this source is planned after it. Units are `health:<scope>` and `slos:<scope>`; the collector
keeps each unit's last good result and up state, as it does for the defect units, and a
failing part never touches the defects of its scope.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from exporter.client.api_client import ApiClient
from exporter.client.errors import ApiError
from exporter.config.model import CauselyConfig
from exporter.resolve_times import ActiveSet
from exporter.sources.base import Section, SkipCounter
from exporter.sources.causely.entity_health import (
    HEALTH_QUERY,
    HealthResult,
    health_variables,
    parse_health,
)
from exporter.sources.causely.entity_health import OPERATION as HEALTH_OPERATION
from exporter.sources.causely.graphql import graphql_connection, graphql_field
from exporter.sources.causely.scopes import Scope
from exporter.sources.causely.slos import OPERATION as SLO_OPERATION
from exporter.sources.causely.slos import SLOS_QUERY, SloResult, collect_slos, slo_variables
from exporter.sources.causely.source import CauselySource
from exporter.sources.pagination import Page, walk
from exporter.sources.values import node_key

HEALTH = "health"
SLOS = "slos"


def unit_name(part: str, scope: str) -> str:
    return f"{part}:{scope}"


def split_unit(unit: str) -> tuple[str, str]:
    part, _, scope = unit.partition(":")
    return part, scope


class HealthAndSlosSource:
    # The label value of its collection errors since it was called "parts": kept for the
    # series (the config's causely.parts groups the optional Causely features).
    name = "causely_parts"
    # Its units have their own up gauges; they do not decide the exporter's overall success.
    essential = False
    # Its plan is the scope list the defects planned in the same cycle.
    after: tuple[str, ...] = (CauselySource.name,)
    section = Section.HEALTH_AND_SLOS

    def __init__(self, config: CauselyConfig, client: ApiClient, causely: CauselySource) -> None:
        self._config = config
        self._client = client
        self._causely = causely
        self._scopes: dict[str, Scope] = {}
        self.skips = SkipCounter()  # read by the collector for causely_exporter_skipped_nodes

    def plan(self, deadline: float) -> list[str]:
        self._scopes = dict(self._causely.planned_scopes(deadline))
        parts = self._config.parts
        units = []
        for scope in self._scopes:
            if parts.health:
                units.append(unit_name(HEALTH, scope))
            if parts.slos:
                units.append(unit_name(SLOS, scope))
        return units

    def resolve_filter(self) -> object | None:
        return None  # health and SLOs have no time to resolve

    def active(self, result: object) -> ActiveSet | None:
        return None

    def collect(self, unit: str, deadline: float) -> HealthResult | SloResult:
        part, scope_name = split_unit(unit)
        scope = self._scopes[scope_name]
        if scope.missing or scope.malformed:
            code = "scope_not_found" if scope.missing else "malformed_response"
            # Not counted: the defect unit of the scope counts it.
            raise ApiError("getUserScopes", code, "the scope cannot be queried")
        if part == HEALTH:
            return self._health(scope, deadline)
        return self._slos(scope, deadline)

    def _health(self, scope: Scope, deadline: float) -> HealthResult:
        types = self._config.parts.health_entity_types
        rows = self._post(
            HEALTH_OPERATION,
            HEALTH_QUERY,
            health_variables(scope.filters, types),
            deadline,
            partial(graphql_field, HEALTH_OPERATION, HEALTH_OPERATION),
        )
        return parse_health(scope.name, types, rows, self.skips)

    def _slos(self, scope: Scope, deadline: float) -> SloResult:
        variables = slo_variables(scope.filters, self._config.page_size)

        def page(cursor: str | None) -> Page:
            body_vars = {**variables, "after": cursor} if cursor else variables
            result: Page = self._post(
                SLO_OPERATION,
                SLOS_QUERY,
                body_vars,
                deadline,
                partial(graphql_connection, SLO_OPERATION, SLO_OPERATION),
            )
            return result

        nodes = walk(
            SLO_OPERATION,
            page,
            key=lambda node: node_key(node.get("id")),
            on_page=lambda p: self.skips.add(SLO_OPERATION, "not_an_object", p.skipped),
            failed=self._client.failed,
        )
        return collect_slos(scope.name, nodes, self._config.parts.max_slo_series, self.skips)

    def _post(
        self,
        operation: str,
        query: str,
        variables: Mapping[str, Any],
        deadline: float,
        parse: Any,
    ) -> Any:
        body = {"operationName": operation, "query": query, "variables": dict(variables)}
        return self._client.call(
            operation,
            "POST",
            self._config.api_url,
            deadline=deadline,
            parse=parse,
            json_body=body,
        )
