"""What a root cause explains: the services among its impacts and its active symptoms.

Read only when asked for (alertmanager.inhibitors, causely.explained_services): the two lists
cost bytes on every defect of every page. Both come from the API and are untrusted: only the
first entries of a huge list are read, entries of the wrong shape are skipped, and a service
is kept only with a namespace and a name fit for a label.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from exporter.sources.causely.wire import (
    MAX_ENTRIES_READ,
    DefectNode,
    Entity,
    Label,
    lenient_defect,
)
from exporter.sources.values import MAX_LABEL_CHARS, clean

# The selections added inside `node { ... }` of the defect query: only what
# explained_services reads (ids, names, times and flags of symptoms would be bytes per
# symptom of every defect of every page, read by nobody).
EXPLAIN_FIELDS = """
                     impacts { entity { name typeName labels { key value } } }
                     symptoms { state isPropagated
                                entity { name typeName labels { key value } } }"""

# (cluster, namespace, service): cluster may be "" (an entity without the label).
Service = tuple[str, str, str]

MAX_SERVICES_PER_DEFECT = 100
NAMESPACE_KEYS = ("k8s.namespace.name", "causely.ai/namespace")
CLUSTER_KEYS = ("k8s.cluster.name", "causely.ai/cluster")
WANTED_KEYS = frozenset(NAMESPACE_KEYS + CLUSTER_KEYS)


@dataclass
class ExplainedCount:
    """One scope walk's explained services: counted as they stream past, capped."""

    cap: int
    severities: frozenset[str]
    up: bool = True
    dropped: int = 0
    counts: dict[Service, int] = field(default_factory=dict)

    # Each counted service once: the kept defects' `explains` share these tuples instead of
    # holding a copy (three strings) per defect and service. Bounded by `cap`, as the counts.
    canonical: dict[Service, Service] = field(default_factory=dict)

    def add(self, services: tuple[Service, ...]) -> tuple[Service, ...]:
        """Counts the services; returns them as the shared tuples (where counted)."""
        canonical = self.canonical
        for service in services:
            if service in self.counts:
                self.counts[service] += 1
            elif len(self.counts) < self.cap:
                self.counts[service] = 1
                canonical[service] = service
            else:
                self.dropped += 1
        return tuple(canonical.get(service, service) for service in services)


def unsupported(message: str) -> bool:
    """Whether a GraphQL error says this server's schema has no impacts or symptoms."""
    return "Cannot query field" in message and ("impacts" in message or "symptoms" in message)


def explained_services(node: Mapping[str, Any]) -> tuple[Service, ...]:
    """The services a defect node of any shape explains (the lenient way, see wire.py)."""
    return services_of(lenient_defect(dict(node)))


def services_of(node: DefectNode) -> tuple[Service, ...]:
    """The services a defect explains, sorted, at most MAX_SERVICES_PER_DEFECT."""
    found: set[Service] = set()
    for impact in (node.impacts or ())[:MAX_ENTRIES_READ]:
        _add(found, impact.entity)
    for symptom in (node.symptoms or ())[:MAX_ENTRIES_READ]:
        # Inactive symptoms are history, and a propagated one shows on another entity too.
        if symptom.state == "ACTIVE" and symptom.isPropagated is not True:
            _add(found, symptom.entity)
    return tuple(sorted(found)[:MAX_SERVICES_PER_DEFECT])


def _add(found: set[Service], entity: Entity | None) -> None:
    if entity is None or entity.typeName != "Service":
        return
    name = entity.name
    if not name:
        return
    labels = _labels(entity.labels)
    namespace = next((labels[k] for k in NAMESPACE_KEYS if labels.get(k)), "")
    short = name
    if "/" in name:  # Service names are namespace/name
        prefix, _, short = name.partition("/")
        namespace = namespace or prefix
    cluster = next((labels[k] for k in CLUSTER_KEYS if labels.get(k)), "")
    service = (_fit(cluster), _fit(namespace), _fit(short))
    if service[1] and service[2]:  # without both, an inhibit rule would match too widely
        found.add(service)


def _labels(raw: list[Label] | None) -> dict[str, str]:
    labels: dict[str, str] = {}
    for label in (raw or ())[:MAX_ENTRIES_READ]:
        key, value = label.key, label.value
        if key in WANTED_KEYS and value is not None and key not in labels:
            labels[key] = value
    return labels


def _fit(value: str) -> str:
    if len(value) <= MAX_LABEL_CHARS and value.isprintable():
        return value
    return clean(value)
