"""Seeded data model: user scopes, defects, incidents, scope matching and churn choices."""

from __future__ import annotations

import random
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import names

SCOPE_TYPE_NAME = "k8s.namespace"
# Every spelling a client may use for the namespace attribute in ScopeInput.typeName.
NAMESPACE_TYPE_NAMES = frozenset({"k8s.namespace", "Namespace", "k8s.namespace.name"})


@dataclass
class SimScope:
    id: str
    name: str
    audience: str
    owner_id: str
    last_update: float
    namespaces: list[str]

    @property
    def domain(self) -> str:
        return self.name.removeprefix("team-")

    def entries(self) -> list[dict[str, Any]]:
        """The scope as a `scopesFilter.scopes` list, exactly as getUserScopes returns it."""
        return [{"typeName": SCOPE_TYPE_NAME, "typeValues": list(self.namespaces)}]


@dataclass
class SimDefect:
    id: str
    name: str
    severity: str
    entity_id: str
    entity_name: str
    entity_type: str
    from_time: float
    to_time: float | None
    service_count: int
    namespace: str
    remediated: bool = False
    # The short names of the services it explains, when a test chose them; None: seeded.
    services: tuple[str, ...] | None = None

    @property
    def active(self) -> bool:
        return self.to_time is None

    @property
    def zulu(self) -> bool:
        # Real servers send both `Z` and `+00:00`; derive the style from the id so it is stable.
        return int(self.id[-1], 16) % 3 != 0

    @property
    def null_to_time(self) -> bool:
        # Active defects carry toTime "" or null; both occur in practice.
        return int(self.id[-2], 16) % 2 == 0


@dataclass
class SimIncident:
    incident_id: str
    title: str
    severity: str
    status: str
    source: str
    created_at: float


def cluster_of(namespace: str) -> str:
    """The cluster a namespace runs in: derived, not drawn, so seeded data stays the same."""
    return names.CLUSTERS[zlib.crc32(namespace.encode()) % len(names.CLUSTERS)]


def entity_labels(defect: SimDefect) -> list[dict[str, str]]:
    """The entity's `labels { key value }`, as Causely's Kubernetes entities carry them."""
    namespaced = defect.entity_type not in names.CLUSTER_SCOPED_TYPES
    return labels_of(defect.namespace, defect.entity_type, namespaced)


def labels_of(namespace: str, entity_type: str, namespaced: bool = True) -> list[dict[str, str]]:
    """Labels of any entity in `namespace`; without the namespace key when not namespaced."""
    labels = [{"key": "k8s.cluster.name", "value": cluster_of(namespace)}]
    if namespaced:
        labels.append({"key": "k8s.namespace.name", "value": namespace})
    labels.append({"key": "causely.ai/entity-type", "value": entity_type})
    return labels


def checked_services(services: Any) -> tuple[str, ...]:
    """Short service names a caller chose for a defect: distinct, non-empty, without `/`."""
    if not isinstance(services, (list, tuple)):
        raise ValueError("services must be a list of short service names")
    for service in services:
        if not isinstance(service, str) or not service or "/" in service:
            raise ValueError(f"invalid service name {service!r}: a short name such as api")
    if len(set(services)) != len(services):
        raise ValueError("services must be distinct")
    return tuple(services)


def attribute(namespace: str, type_name: str) -> str | None:
    """A defect's value for a ScopeInput typeName; only namespaces are modelled."""
    return namespace if type_name in NAMESPACE_TYPE_NAMES else None


def scope_matches(namespace: str, entries: Sequence[Mapping[str, Any]]) -> bool:
    """True when a defect in `namespace` passes every ScopeInput entry (empty = everything)."""
    for entry in entries:
        value = attribute(namespace, str(entry.get("typeName", "")))
        inside = value is not None and value in (entry.get("typeValues") or ())
        if inside == bool(entry.get("exclude")):
            return False
    return True


class Generator:
    """Builds realistic objects from one seeded random stream."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def scopes(self, count: int, now: float) -> list[SimScope]:
        rng = self.rng
        result = []
        for index in range(count):
            domain = names.scope_domain(index)
            namespaces = [domain]
            if rng.random() < 0.5:
                suffix = names.NAMESPACE_SUFFIXES[rng.randrange(len(names.NAMESPACE_SUFFIXES))]
                namespaces.append(f"{domain}-{suffix}")
            result.append(
                SimScope(
                    id=names.random_uuid(rng),
                    name=f"team-{domain}",
                    audience="GLOBAL" if rng.random() < 0.3 else "USER",
                    owner_id=names.random_uuid(rng),
                    last_update=now - rng.uniform(3600, 30 * 86400),
                    namespaces=namespaces,
                )
            )
        return result

    def defect(
        self,
        scope: SimScope,
        *,
        from_time: float,
        severity: str | None = None,
        name: str | None = None,
        entity_type: str | None = None,
        entity_name: str | None = None,
        service_count: int | None = None,
        namespace: str | None = None,
        services: Any = None,
    ) -> SimDefect:
        rng = self.rng
        chosen = None if services is None else checked_services(services)
        if chosen is not None and service_count not in (None, len(chosen)):
            raise ValueError("service_count must equal the number of services when both are given")
        if chosen is not None:
            service_count = len(chosen)
        if namespace is None:
            namespace = scope.namespaces[rng.randrange(len(scope.namespaces))]
        elif namespace not in scope.namespaces:
            raise ValueError(f"namespace {namespace!r} is not in scope {scope.name!r}")
        if name is None:
            name = names.DEFECT_NAMES[rng.randrange(len(names.DEFECT_NAMES))]
        if entity_type is None:
            choices = names.DEFECT_ENTITY_TYPES.get(name, names.ENTITY_TYPES)
            entity_type = choices[rng.randrange(len(choices))]
        if entity_name is None:
            entity_name = names.entity_name(rng, entity_type, scope.domain, namespace)
        if severity is None:
            severity = names.pick_weighted(rng, names.SEVERITIES, names.SEVERITY_CUM_WEIGHTS)
        if service_count is None:
            # Most root causes hit a handful of services; a few fan out widely.
            service_count = int(rng.random() ** 2 * 13)
        return SimDefect(
            id=names.random_uuid(rng),
            name=name,
            severity=severity,
            entity_id=names.random_uuid(rng),
            entity_name=entity_name,
            entity_type=entity_type,
            from_time=from_time,
            to_time=None,
            service_count=service_count,
            namespace=namespace,
            services=chosen,
        )

    def initial_defects(self, scopes: list[SimScope], count: int, now: float) -> list[SimDefect]:
        """`count` active defects plus a tenth as many cleared ones for INACTIVE queries."""
        rng = self.rng
        result = []
        for index in range(count):
            scope = scopes[rng.randrange(len(scopes))]
            # The first five cover every severity, so even a tiny demo shows all of them.
            severity = names.SEVERITIES[index] if index < len(names.SEVERITIES) else None
            started = now - rng.uniform(120, 12 * 3600)
            result.append(self.defect(scope, from_time=started, severity=severity))
        for _ in range(count // 10):
            scope = scopes[rng.randrange(len(scopes))]
            defect = self.defect(scope, from_time=now - rng.uniform(86400, 7 * 86400))
            defect.to_time = defect.from_time + rng.uniform(300, 6 * 3600)
            defect.remediated = rng.random() < 0.4
            result.append(defect)
        return result

    def incident(
        self,
        now: float,
        *,
        age: float | None = None,
        title: str | None = None,
        severity: str | None = None,
        status: str | None = None,
        source: str | None = None,
    ) -> SimIncident:
        rng = self.rng
        created = now - (rng.uniform(60, 7 * 86400) if age is None else age)
        if title is None:
            domain = names.DOMAINS[rng.randrange(len(names.DOMAINS))]
            service = f"{domain}-{names.COMPONENTS[rng.randrange(len(names.COMPONENTS))]}"
            template = names.INCIDENT_TITLES[rng.randrange(len(names.INCIDENT_TITLES))]
            title = template.format(svc=service)
            title = title[0].upper() + title[1:]
        return SimIncident(
            incident_id="inc_" + names.ulid(rng, int(created * 1000)),
            title=title,
            severity=severity
            or names.pick_weighted(rng, names.INCIDENT_SEVERITIES, names.INCIDENT_SEVERITY_CUM),
            status=status
            or names.pick_weighted(rng, names.INCIDENT_STATUSES, names.INCIDENT_STATUS_CUM),
            source=source or ("automated" if rng.random() < 0.75 else "manual"),
            created_at=created,
        )


def defect_dict(defect: SimDefect) -> dict[str, Any]:
    """Ground-truth form for /_sim/truth (snake_case, Unix seconds)."""
    return {
        "id": defect.id,
        "name": defect.name,
        "severity": defect.severity,
        "entity_id": defect.entity_id,
        "entity_name": defect.entity_name,
        "entity_type": defect.entity_type,
        "from_time": defect.from_time,
        "to_time": defect.to_time,
        "service_count": defect.service_count,
        "namespace": defect.namespace,
        "cluster": cluster_of(defect.namespace),
        "remediated": defect.remediated,
    }


def incident_dict(incident: SimIncident) -> dict[str, Any]:
    """The CauseFlow wire form of an incident."""
    return {
        "incidentId": incident.incident_id,
        "title": incident.title,
        "severity": incident.severity,
        "status": incident.status,
        "source": incident.source,
        "createdAt": names.rfc3339(incident.created_at),
    }
