"""Service health and SLOs as their own units, so each fails alone.

The scopes come from the Causely source's plan of the same cycle (no second scope lookup):
this source is planned after it. Units are `health:<scope>` and `slos:<scope>`; the collector
keeps each unit's last good result and up state, as it does for the defect units. They ride
in the requests of the scope's defects (scope_walk.py): a failing part never touches the
defects of its scope, but a request that fails whole fails every part it carried.
"""

from __future__ import annotations

from exporter.client.api_client import ApiClient
from exporter.client.errors import ApiError
from exporter.config.model import CauselyConfig
from exporter.resolve_times import ActiveSet
from exporter.sources.base import Section, SkipCounter
from exporter.sources.causely.entity_health import HealthResult
from exporter.sources.causely.scopes import Scope
from exporter.sources.causely.slos import SloResult
from exporter.sources.causely.source import CauselySource

HEALTH = "health"
SLOS = "slos"


def unit_name(part: str, scope: str) -> str:
    return f"{part}:{scope}"


def split_unit(unit: str) -> tuple[str, str]:
    part, _, scope = unit.partition(":")
    return part, scope


class HealthAndSlosSource:
    # The label value of its collection errors (source="causely_parts"), kept from before the
    # rename so that the series and the rules that select it stay the same.
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
        features = self._config.features
        units = []
        for scope in self._scopes:
            if features.health:
                units.append(unit_name(HEALTH, scope))
            if features.slos:
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
        # The scope's walk asks for its health and SLOs in the defects' requests.
        walk = self._causely.scope_walk(scope_name, deadline)
        return walk.health() if part == HEALTH else walk.slos()
