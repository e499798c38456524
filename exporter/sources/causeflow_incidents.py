"""CauseFlow REST source: incidents from GET /incidents with limit/cursor pagination."""

from __future__ import annotations

import logging
from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from exporter.cardinality import OTHER, FoldingCounter
from exporter.client.api_client import ApiClient
from exporter.client.errors import ApiError
from exporter.config.api_values import CAUSEFLOW_OPEN_STATUSES, CAUSEFLOW_STATUSES
from exporter.config.model import CauseFlowConfig
from exporter.logs import quote
from exporter.resolve_times import ActiveSet
from exporter.sources.base import AlertSelection, Best, Section, SkipCounter, top_k
from exporter.sources.pagination import CursorExpired, Page, walk
from exporter.sources.values import is_clean_id, node_key, parse_time, text

log = logging.getLogger("exporter.sources.causeflow")  # pinned: log lines keep their name

OPERATION = "listIncidents"
UNIT = "incidents"
SEVERITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3}
# Series of causeflow_incidents: severity and source come from the API (no filter bounds them
# by default), so past this many combinations the least populous fold into __other__.
MAX_INCIDENT_COMBINATIONS = 1000
EXPIRED_CURSOR_CODES = {"cursor_expired", "expired_cursor", "invalid_cursor"}


@dataclass(frozen=True)
class Incident:
    id: str
    title: str
    severity: str
    status: str
    source: str
    created_at: str


@dataclass(frozen=True)
class IncidentResult:
    # (severity, status, source) -> number of incidents
    counts: Mapping[tuple[str, str, str], int]
    incidents: tuple[Incident, ...]  # capped, most severe first
    dropped: int
    total: int
    folded: int = 0  # combinations merged into __other__ (MAX_INCIDENT_COMBINATIONS)
    # Open incidents' ids, createdAt and severities, for time to resolve (None when off).
    active: ActiveSet | None = None
    # For the Alertmanager bridge: incidents of its severities and statuses, capped by its
    # max_alerts only.
    alertable: tuple[Incident, ...] = field(default=())
    alert_dropped: int = 0


def incident_bucket(key: tuple[str, str, str]) -> tuple[str, str, str]:
    """Where a folded (severity, status, source) goes: known severities and statuses stay."""
    severity, status, _ = key
    return (
        severity if severity in SEVERITY_RANK or severity == "unknown" else OTHER,
        status if status in CAUSEFLOW_STATUSES or status == "unknown" else OTHER,
        OTHER,
    )


def incident_order(incident: Incident) -> tuple[object, ...]:
    return (
        SEVERITY_RANK.get(incident.severity, len(SEVERITY_RANK)),
        incident.created_at,
        incident.id,
    )


def incident_id_of(item: Mapping[str, Any]) -> object:
    return item.get("incidentId", item.get("id"))


def parse_incident(item: Mapping[str, Any]) -> Incident | None:
    incident_id = incident_id_of(item)
    if not isinstance(incident_id, str) or not is_clean_id(incident_id):
        return None
    return Incident(
        id=incident_id,
        title=text(item.get("title")),
        severity=text(item.get("severity"), "unknown").lower(),
        status=text(item.get("status"), "unknown").lower(),
        source=text(item.get("source"), "unknown").lower(),
        created_at=text(item.get("createdAt")),
    )


def is_expired_cursor(exc: ApiError) -> bool:
    if exc.error in EXPIRED_CURSOR_CODES:
        return True
    message = exc.message.lower()
    return exc.status in (400, 410) and "cursor" in message and "expired" in message


def incidents_page(document: Any) -> Page:
    """A Page from {items|incidents, cursor, count}."""
    if not isinstance(document, dict):
        raise ApiError(OPERATION, "malformed_response", "incident list is not an object")
    items = document.get("items")
    if items is None:
        items = document.get("incidents")
    if not isinstance(items, list):
        raise ApiError(OPERATION, "malformed_response", "no items or incidents list")
    cursor = document.get("cursor")
    count = document.get("count")
    kept = [item for item in items if isinstance(item, dict)]
    return Page(
        kept,
        cursor if isinstance(cursor, str) and cursor else None,
        count if isinstance(count, int) and not isinstance(count, bool) else None,
        len(items) - len(kept),
    )


class CauseFlowSource:
    name = "causeflow"
    essential = True
    after: tuple[str, ...] = ()
    section = Section.INCIDENTS

    def __init__(
        self,
        config: CauseFlowConfig,
        client: ApiClient,
        alerts: AlertSelection | None = None,
        skips: SkipCounter | None = None,
    ) -> None:
        self._config = config
        self._client = client
        self._alerts = alerts or AlertSelection()
        self._url = f"{config.base_url}/incidents"
        self.skips = skips or SkipCounter()

    def plan(self, deadline: float) -> list[str]:
        return [UNIT]

    def resolve_filter(self) -> object | None:
        if not self._config.time_to_resolve:
            return None
        return (self._config.statuses, self._config.severities)

    def active(self, result: object) -> ActiveSet | None:
        return result.active if isinstance(result, IncidentResult) else None

    def collect(self, unit: str, deadline: float) -> IncidentResult:
        counts = FoldingCounter(MAX_INCIDENT_COMBINATIONS, incident_bucket)
        active = ActiveSet(tuple(SEVERITY_RANK)) if self._tracks_resolves() else None
        alertable: Best[Incident] = Best(self._alerts.limit, incident_order)
        alert_severities = frozenset(self._alerts.severities)
        alert_statuses = frozenset(self._alerts.statuses)

        def filtered(items: Iterator[Any]) -> Iterator[Incident]:
            for item in items:
                incident = parse_incident(item)
                if incident is None:
                    incident_id = incident_id_of(item)
                    reason = "missing_id" if incident_id in (None, "") else "invalid_id"
                    if not isinstance(incident_id, str | None):
                        reason = "wrong_type"
                    self.skips.add(OPERATION, reason)
                    continue
                if not self._wanted(incident):
                    continue
                counts.add((incident.severity, incident.status, incident.source))
                if active is not None and incident.status in CAUSEFLOW_OPEN_STATUSES:
                    active.add(incident.id, parse_time(incident.created_at), incident.severity)
                if incident.severity in alert_severities and incident.status in alert_statuses:
                    alertable.add(incident)
                yield incident

        kept = top_k(
            filtered(self._items(deadline)), self._config.max_incident_series, incident_order
        )
        combinations, folded = counts.finish()
        total = sum(combinations.values())
        paged = alertable.result()
        return IncidentResult(
            combinations,
            tuple(kept),
            total - len(kept),
            total,
            alertable=tuple(paged),
            alert_dropped=alertable.seen - len(paged),
            active=active,
            folded=folded,
        )

    def _tracks_resolves(self) -> bool:
        """An incident gone from the list has left the open statuses only when the list holds
        every open status; with a narrower status filter, time to resolve is not tracked."""
        statuses = self._config.statuses
        wanted = not statuses or set(CAUSEFLOW_OPEN_STATUSES) <= set(statuses)
        return self._config.time_to_resolve and wanted

    def _filters(self) -> list[dict[str, str]]:
        """The server-side filters of each walk: one status per walk (the docs allow one
        value), and the severity only when a single one is configured; several severities
        are filtered here instead of multiplying the walks."""
        severities = self._config.severities
        common = {"severity": severities[0]} if len(severities) == 1 else {}
        if not self._config.statuses:
            return [common]
        return [{"status": status, **common} for status in self._config.statuses]

    def _items(self, deadline: float) -> Iterator[Any]:
        """Every item of every walk, once: an incident whose status changes between two walks
        is seen by both (or, moving back, by neither until the next cycle)."""
        walks = self._filters()
        seen: set[Hashable] | None = set() if len(walks) > 1 else None
        for filters in walks:
            reported: list[int] = []
            read = 0
            for item in walk(
                OPERATION,
                partial(self._page, deadline, filters),
                key=lambda item: node_key(incident_id_of(item)),
                max_restarts=self._config.max_restarts,
                on_page=partial(self._on_page, reported),
                failed=self._client.failed,
            ):
                read += 1
                if seen is not None:
                    key = node_key(incident_id_of(item))
                    if key in seen:
                        continue
                    seen.add(key)
                yield item
            if reported and reported[-1] != read:
                log.warning(
                    "event=count_mismatch operation=%s filter=%s reported=%d read=%d",
                    OPERATION,
                    quote(",".join(f"{k}={v}" for k, v in filters.items()) or "none"),
                    reported[-1],
                    read,
                )

    def _on_page(self, reported: list[int], page: Page) -> None:
        if page.total is not None:
            reported.append(page.total)
        self.skips.add(OPERATION, "not_an_object", page.skipped)

    def _wanted(self, incident: Incident) -> bool:
        # The server filters one value per walk; several severities are filtered only here.
        statuses, severities = self._config.statuses, self._config.severities
        return (not statuses or incident.status in statuses) and (
            not severities or incident.severity in severities
        )

    def _page(self, deadline: float, filters: Mapping[str, str], cursor: str | None) -> Page:
        params: dict[str, str | int] = {"limit": self._config.page_size, **filters}
        if cursor:
            params["cursor"] = cursor
        try:
            return self._client.call(
                OPERATION,
                "GET",
                self._url,
                deadline=deadline,
                parse=incidents_page,
                params=params,
            )
        except ApiError as exc:
            if cursor and is_expired_cursor(exc):
                log.info("event=cursor_expired operation=%s action=restart", OPERATION)
                raise CursorExpired() from None
            raise
