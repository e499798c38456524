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

MAX_ENTRIES_READ = 1000  # per list and defect: a huge list costs a bounded scan
MAX_SERVICES_PER_DEFECT = 100
NAMESPACE_KEYS = ("k8s.namespace.name", "causely.ai/namespace")
CLUSTER_KEYS = ("k8s.cluster.name", "causely.ai/cluster")


@dataclass
class ExplainedCount:
    """One scope walk's explained services: counted as they stream past, capped."""

    cap: int
    severities: frozenset[str]
    up: bool = True
    dropped: int = 0
    counts: dict[Service, int] = field(default_factory=dict)

    def add(self, services: tuple[Service, ...]) -> None:
        for service in services:
            if service in self.counts:
                self.counts[service] += 1
            elif len(self.counts) < self.cap:
                self.counts[service] = 1
            else:
                self.dropped += 1


def unsupported(message: str) -> bool:
    """Whether a GraphQL error says this server's schema has no impacts or symptoms."""
    return "Cannot query field" in message and ("impacts" in message or "symptoms" in message)


def explained_services(node: Mapping[str, Any]) -> tuple[Service, ...]:
    """The services a defect node explains, sorted, at most MAX_SERVICES_PER_DEFECT."""
    found: set[Service] = set()
    for entry in _entries(node.get("impacts")):
        _add(found, entry.get("entity"))
    for entry in _entries(node.get("symptoms")):
        # Inactive symptoms are history, and a propagated one shows on another entity too.
        if entry.get("state") == "ACTIVE" and entry.get("isPropagated") is not True:
            _add(found, entry.get("entity"))
    return tuple(sorted(found)[:MAX_SERVICES_PER_DEFECT])


def _entries(raw: object) -> list[dict[str, Any]]:
    if type(raw) is not list:
        return []
    return [e for e in raw[:MAX_ENTRIES_READ] if type(e) is dict]


def _add(found: set[Service], entity: object) -> None:
    if type(entity) is not dict or entity.get("typeName") != "Service":
        return
    name = entity.get("name")
    if type(name) is not str or not name:
        return
    labels = _labels(entity.get("labels"))
    namespace = next((labels[k] for k in NAMESPACE_KEYS if labels.get(k)), "")
    short = name
    if "/" in name:  # Service names are namespace/name
        prefix, _, short = name.partition("/")
        namespace = namespace or prefix
    cluster = next((labels[k] for k in CLUSTER_KEYS if labels.get(k)), "")
    service = (_fit(cluster), _fit(namespace), _fit(short))
    if service[1] and service[2]:  # without both, an inhibit rule would match too widely
        found.add(service)


def _labels(raw: object) -> dict[str, str]:
    wanted = NAMESPACE_KEYS + CLUSTER_KEYS
    labels: dict[str, str] = {}
    if type(raw) is not list:
        return labels
    for entry in raw[:MAX_ENTRIES_READ]:
        if type(entry) is not dict:
            continue
        key, value = entry.get("key"), entry.get("value")
        if key in wanted and type(value) is str and key not in labels:
            labels[key] = value
    return labels


def _fit(value: str) -> str:
    if len(value) <= MAX_LABEL_CHARS and value.isprintable():
        return value
    return clean(value)
