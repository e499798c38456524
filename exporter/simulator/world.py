"""Thread-safe facade over the seeded data: what the HTTP layer and the public API read."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from . import names
from .config import SimulatorConfig
from .data import Generator, SimDefect, SimIncident, SimScope, scope_matches
from .health import (
    SimSlo,
    baseline_services,
    defect_entity,
    entity_severity,
    make_slos,
    slo_state,
)
from .store import DefectPage, DefectQuery, DefectStore

# Incidents are listed newest first by default; the key breaks ties by id.
IncidentKey = tuple[float, str]


@dataclass
class IncidentPage:
    incidents: list[SimIncident]
    total: int
    last_key: IncidentKey | None  # None when this page is the last one


class World:
    def __init__(self, config: SimulatorConfig) -> None:
        self._lock = threading.RLock()
        self._rng = random.Random(config.seed)
        self._gen = Generator(self._rng)
        now = time.time()
        self._scopes = self._gen.scopes(config.scopes, now)
        self._scope_by_name = {scope.name: scope for scope in self._scopes}
        self._defects = DefectStore()
        for scope in self._scopes:
            for key in baseline_services(scope):
                self._defects.entities.ensure(key)
        self._slos = make_slos(self._scopes, config.seed, config.slos_per_scope)
        self._defects.load(self._gen.initial_defects(self._scopes, config.defects, now))
        self._incidents: dict[str, SimIncident] = {}
        self._sorted_incidents: list[SimIncident] | None = None
        for _ in range(config.incidents):
            self._store_incident(self._gen.incident(now))

    # --- scopes ---------------------------------------------------------------------------

    def scopes(self) -> list[SimScope]:
        return list(self._scopes)  # fixed after construction, no lock needed

    def scope(self, name: str) -> SimScope:
        try:
            return self._scope_by_name[name]
        except KeyError:
            raise KeyError(f"unknown scope {name!r}") from None

    # --- defects --------------------------------------------------------------------------

    def namespaces_matching(self, entries: Sequence[Mapping[str, Any]]) -> frozenset[str]:
        with self._lock:
            known = self._defects.namespaces()
        known.update(ns for scope in self._scopes for ns in scope.namespaces)
        return frozenset(ns for ns in known if scope_matches(ns, entries))

    def defect_page(self, query: DefectQuery, after_id: str | None, first: int) -> DefectPage:
        with self._lock:
            page = self._defects.page(query, after_id, first)
            # Copies: the caller serialises outside the lock while churn may clear originals.
            page.defects = [replace(d) for d in page.defects]
            return page

    def defect(self, defect_id: str) -> SimDefect | None:
        with self._lock:
            found = self._defects.get(defect_id)
            return None if found is None else replace(found)

    def active_defects(self, scope: str | None) -> list[SimDefect]:
        """Ground truth by brute force, deliberately independent of the paging index."""
        entries = [] if scope is None else self.scope(scope).entries()
        with self._lock:
            found = [
                replace(d)
                for d in self._defects.all()
                if d.active and scope_matches(d.namespace, entries)
            ]
        return sorted(found, key=lambda d: d.id)

    def active_by_scope(self) -> dict[str, list[SimDefect]]:
        """Every scope's ground truth in one pass, for /_sim/truth on 100k defects."""
        by_namespace: dict[str, list[SimDefect]] = {}
        with self._lock:
            for defect in self._defects.all():
                if defect.active:
                    by_namespace.setdefault(defect.namespace, []).append(replace(defect))
        result = {}
        for scope in self._scopes:
            entries = scope.entries()
            found = [
                d for ns, group in by_namespace.items() if scope_matches(ns, entries) for d in group
            ]
            result[scope.name] = sorted(found, key=lambda d: d.id)
        return result

    def add_defect(self, scope: str, **overrides: Any) -> str:
        """A root cause raised on demand explains one service unless told otherwise
        (`service_count`, `services`): seeded ones may explain none, a raised one is aimed at."""
        target = self.scope(scope)
        if overrides.get("service_count") is None and overrides.get("services") is None:
            overrides["service_count"] = 1
        with self._lock:
            defect = self._gen.defect(target, from_time=time.time(), **overrides)
            self._defects.add(defect)
            return defect.id

    def clear_defect(self, defect_id: str) -> None:
        with self._lock:
            if self._defects.get(defect_id) is None:
                raise KeyError(f"unknown defect {defect_id!r}")
            self._defects.clear(defect_id, time.time())

    # --- entity health and SLOs -----------------------------------------------------------

    def entity_counts(
        self, namespaces: frozenset[str], types: frozenset[str] | None
    ) -> dict[tuple[str, str], int]:
        with self._lock:
            return dict(self._defects.entities.counts(namespaces, types))

    def slo_page(
        self, namespaces: frozenset[str], after_id: str | None, first: int
    ) -> tuple[list[tuple[SimSlo, str]], int, bool]:
        """(SLO, state) pairs after `after_id` in id order, the total, and whether more follow."""
        matching = [s for s in self._slos if s.service[0] in namespaces]
        rest = [s for s in matching if after_id is None or s.id > after_id]
        with self._lock:
            index = self._defects.entities
            page = [(s, slo_state(index.severity(s.service))) for s in rest[:first]]
        return page, len(matching), len(rest) > first

    def slo(self, slo_id: str) -> tuple[SimSlo, str] | None:
        found = next((s for s in self._slos if s.id == slo_id), None)
        if found is None:
            return None
        with self._lock:
            return found, slo_state(self._defects.entities.severity(found.service))

    def entity_truth(self, scope: str, types: frozenset[str]) -> dict[tuple[str, str], int]:
        """Ground truth by brute force over every defect, independent of the index."""
        target = self.scope(scope)
        entries = target.entries()
        severities: dict[tuple[str, str, str], list[str]] = {
            key: [] for s in self._scopes for key in baseline_services(s)
        }
        with self._lock:
            for defect in self._defects.all():
                found = severities.setdefault(defect_entity(defect), [])
                if defect.active:
                    found.append(defect.severity)
        counts: dict[tuple[str, str], int] = {}
        for key, active in severities.items():
            if key[1] in types and scope_matches(key[0], entries):
                row = (key[1], entity_severity(active))
                counts[row] = counts.get(row, 0) + 1
        return counts

    def slo_truth(self, scope: str, namespace: str | None = None) -> dict[str, tuple[str, str]]:
        """SLO id -> (name, state), by brute force over every defect."""
        entries = self.scope(scope).entries()
        on_entity: dict[tuple[str, str, str], list[str]] = {}
        with self._lock:
            for defect in self._defects.all():
                if defect.active and defect.entity_type == "Service":
                    on_entity.setdefault(defect_entity(defect), []).append(defect.severity)
        result = {}
        for slo in self._slos:
            if namespace not in (None, slo.service[0]):
                continue
            if scope_matches(slo.service[0], entries):
                severities = on_entity.get(slo.service, [])
                result[slo.id] = (slo.name, slo_state(entity_severity(severities)))
        return result

    # --- incidents ------------------------------------------------------------------------

    def incidents(self, statuses: Sequence[str] | None = None) -> list[SimIncident]:
        """Newest first, the default order of GET /v1/incidents."""
        with self._lock:
            ordered = reversed(self._ordered_incidents())
            return [replace(i) for i in ordered if statuses is None or i.status in statuses]

    def add_incident(self, **fields: Any) -> str:
        with self._lock:
            incident = self._gen.incident(time.time(), age=0.0, **fields)
            self._store_incident(incident)
            return incident.incident_id

    def resolve_incident(self, incident_id: str) -> None:
        with self._lock:
            if incident_id not in self._incidents:
                raise KeyError(f"unknown incident {incident_id!r}")
            self._incidents[incident_id].status = "resolved"

    def incident_page(
        self,
        *,
        statuses: frozenset[str] | None,
        severities: frozenset[str] | None,
        after: IncidentKey | None,
        limit: int,
        descending: bool,
    ) -> IncidentPage:
        # CauseFlow tenants hold hundreds of incidents, not 100k: a filtered scan is fine here.
        with self._lock:
            ordered = self._ordered_incidents()
            matching = [
                i
                for i in (reversed(ordered) if descending else ordered)
                if (statuses is None or i.status in statuses)
                and (severities is None or i.severity in severities)
            ]
        if after is not None:
            matching_after = [i for i in matching if _beyond(_key(i), after, descending)]
        else:
            matching_after = matching
        chunk = matching_after[:limit]
        more = len(matching_after) > limit
        last = _key(chunk[-1]) if more and chunk else None
        return IncidentPage([replace(i) for i in chunk], len(matching), last)

    # --- churn ----------------------------------------------------------------------------

    def churn_tick(self) -> None:
        """Clear a few defects, start a few, and move incidents along their lifecycle."""
        with self._lock:
            now = time.time()
            rng = self._rng
            if self._scopes:
                for defect_id in self._defects.random_active(rng.randrange, rng.randint(1, 4)):
                    self._defects.clear(defect_id, now, remediated=rng.random() < 0.5)
                for _ in range(rng.randint(1, 4)):
                    scope = self._scopes[rng.randrange(len(self._scopes))]
                    self._defects.add(self._gen.defect(scope, from_time=now))
            self._advance_incidents(rng)
            for _ in range(rng.randint(0, 2)):
                self._store_incident(self._gen.incident(now, age=0.0, status="open"))

    def _advance_incidents(self, rng: random.Random) -> None:
        live = [i for i in self._incidents.values() if i.status in names.OPEN_STATUSES]
        for incident in rng.sample(live, min(len(live), rng.randint(0, 3))):
            position = names.INCIDENT_STATUSES.index(incident.status)
            incident.status = names.INCIDENT_STATUSES[position + 1]

    def _store_incident(self, incident: SimIncident) -> None:
        self._incidents[incident.incident_id] = incident
        self._sorted_incidents = None

    def _ordered_incidents(self) -> list[SimIncident]:
        if self._sorted_incidents is None:
            self._sorted_incidents = sorted(self._incidents.values(), key=_key)
        return self._sorted_incidents


def _key(incident: SimIncident) -> IncidentKey:
    return (incident.created_at, incident.incident_id)


def _beyond(key: IncidentKey, after: IncidentKey, descending: bool) -> bool:
    return key < after if descending else key > after
