"""Entity health and SLOs of the fake tenant, derived from its defects.

An entity's health is the worst of its active defects (Critical -> Critical, High -> Major,
Medium -> Minor, Low -> Warning, Hidden -> Normal) and Normal without one. Every scope
namespace has a Service per component, and every entity a defect ever sat on exists too.
Each Service has an availability SLO (every other one a latency SLO as well) whose state
follows its service: VIOLATED under a Critical root cause, AT_RISK under a High one; churn
makes them go at risk, violated, and recover.

The index is kept up to date on every defect change, so a health query costs O(types x
namespaces), not a scan of every defect; the ground truth for tests is a brute-force scan.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from . import names
from .data import SimDefect, SimScope

ENTITY_SEVERITIES = ("Normal", "Warning", "Minor", "Major", "Critical")
DEFECT_TO_ENTITY = {
    "Critical": "Critical",
    "High": "Major",
    "Medium": "Minor",
    "Low": "Warning",
    "Hidden": "Normal",
}
SLO_STATE = {"Critical": "VIOLATED", "Major": "AT_RISK"}
_RANK = {d: ENTITY_SEVERITIES.index(e) for d, e in DEFECT_TO_ENTITY.items()}
EntityKey = tuple[str, str, str]  # (namespace, entity type, entity name)


def entity_severity(defect_severities: Iterable[str]) -> str:
    worst = 0
    for severity in defect_severities:
        rank = ENTITY_SEVERITIES.index(DEFECT_TO_ENTITY.get(severity, "Normal"))
        worst = max(worst, rank)
    return ENTITY_SEVERITIES[worst]


def slo_state(service_severity: str) -> str:
    return SLO_STATE.get(service_severity, "NORMAL")


def baseline_services(scope: SimScope) -> list[EntityKey]:
    return [
        (namespace, "Service", names.service_name(scope.domain, index))
        for namespace in scope.namespaces
        for index in range(len(names.COMPONENTS))
    ]


def defect_entity(defect: SimDefect) -> EntityKey:
    return (defect.namespace, defect.entity_type, defect.entity_name)


@dataclass(frozen=True)
class SimSlo:
    id: str
    name: str
    type_name: str  # RatioSLO or LatencySLO
    service: EntityKey  # the Service it is about (its relatedEntity)


def make_slos(scopes: list[SimScope], seed: int, per_scope: int = 0) -> list[SimSlo]:
    """The baseline SLOs, or exactly `per_scope` in each scope (for memory benchmarks)."""
    # Its own random stream: adding SLOs must not change the seeded defects and incidents.
    rng = random.Random(f"slos-{seed}")
    slos = []
    for scope in scopes:
        slos += _scope_slos(baseline_services(scope), rng, per_scope)
    slos.sort(key=lambda s: s.id)  # the page order
    return slos


def _scope_slos(services: list[EntityKey], rng: random.Random, per_scope: int) -> list[SimSlo]:
    if per_scope == 0:
        kinds = [(s, i % 2 == 0) for i, s in enumerate(services)]
        out = []
        for service, latency_too in kinds:
            out.append(
                SimSlo(names.random_uuid(rng), f"{service[2]}-availability", "RatioSLO", service)
            )
            if latency_too:
                out.append(
                    SimSlo(names.random_uuid(rng), f"{service[2]}-latency", "LatencySLO", service)
                )
        return out
    out = []
    for index in range(per_scope):
        service = services[index % len(services)] if services else ("default", "Service", "svc")
        round_ = index // max(1, len(services))
        type_name = "RatioSLO" if round_ % 2 == 0 else "LatencySLO"
        out.append(SimSlo(names.random_uuid(rng), f"{service[2]}-slo-{round_}", type_name, service))
    return out


class EntityIndex:
    """Health of every entity, updated as defects come and go. Not thread-safe (World locks).

    Services (the default query, and what SLOs follow) are indexed from the start; any other
    entity type is indexed from every defect the first time a query asks for it, so
    generating 100k defects does not pay for types nobody asks about.
    """

    EAGER = frozenset({"Service"})

    def __init__(self, all_defects: Callable[[], Iterable[SimDefect]]) -> None:
        self._all_defects = all_defects
        self._indexed: set[str] = set(self.EAGER)
        self._known: set[EntityKey] = set()
        # Active defects per entity that ever had one, one count per ENTITY_SEVERITIES rank.
        self._active: dict[EntityKey, list[int]] = {}
        # (namespace, type) -> entity severity -> entities
        self._summary: dict[tuple[str, str], Counter[str]] = {}

    def ensure(self, key: EntityKey) -> None:
        if key[1] in self._indexed and key not in self._known:
            self._known.add(key)
            self._summary.setdefault(key[:2], Counter())["Normal"] += 1

    def load(self, defects: Iterable[SimDefect]) -> None:
        """Index many defects at once (100k at start): one pass, then the summaries."""
        indexed, known, active = self._indexed, self._known, self._active
        new: Counter[tuple[str, str]] = Counter()
        touched: list[EntityKey] = []
        for defect in defects:
            if defect.entity_type not in indexed:
                continue
            key = (defect.namespace, defect.entity_type, defect.entity_name)
            if key not in known:
                known.add(key)
                new[key[:2]] += 1
            if defect.to_time is None:
                counts = active.get(key)
                if counts is None:
                    counts = active[key] = [0] * len(ENTITY_SEVERITIES)
                    touched.append(key)
                counts[_RANK.get(defect.severity, 0)] += 1
        for group, count in new.items():
            self._summary.setdefault(group, Counter())["Normal"] += count
        for key in touched:
            severity = self.severity(key)
            if severity != "Normal":
                summary = self._summary[key[:2]]
                summary["Normal"] -= 1
                summary[severity] += 1

    def change(self, defect: SimDefect, delta: int) -> None:
        if defect.entity_type not in self._indexed:
            return  # indexed from the defects themselves when first asked for
        key = defect_entity(defect)
        self.ensure(key)
        if not delta:
            return
        before = self.severity(key)
        counts = self._active.setdefault(key, [0] * len(ENTITY_SEVERITIES))
        counts[_RANK.get(defect.severity, 0)] += delta
        after = self.severity(key)
        if before != after:
            summary = self._summary[key[:2]]
            summary[before] -= 1
            summary[after] += 1

    def _index_types(self, types: Iterable[str]) -> None:
        missing = set(types) - self._indexed
        if missing:
            self._indexed |= missing
            self.load(d for d in self._all_defects() if d.entity_type in missing)

    def severity(self, key: EntityKey) -> str:
        counts = self._active.get(key)
        if counts is None:
            return "Normal"
        for rank in range(len(ENTITY_SEVERITIES) - 1, 0, -1):
            if counts[rank] > 0:
                return ENTITY_SEVERITIES[rank]
        return "Normal"

    def counts(
        self, namespaces: frozenset[str], types: frozenset[str] | None
    ) -> Counter[tuple[str, str]]:
        """(entity type, severity) -> entities, over the namespaces; types None: every type."""
        if types is None:
            self._index_types({d.entity_type for d in self._all_defects()})
        else:
            self._index_types(types)
        result: Counter[tuple[str, str]] = Counter()
        for (namespace, entity_type), summary in self._summary.items():
            if namespace in namespaces and (types is None or entity_type in types):
                for severity, count in summary.items():
                    if count:
                        result[(entity_type, severity)] += count
        return result
