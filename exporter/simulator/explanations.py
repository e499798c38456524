"""What a root cause explains: the services it impacts and the symptoms it shows.

Nothing is stored: a defect's explanation is drawn from a random stream seeded by its id, so
it is the same on every request and page, costs nothing when 100k defects are generated, and
leaves the seeded defects (and the main random stream) exactly as they were.

`impacts` holds `service_count` distinct Services of the defect's namespace (the ones a test
chose, if it did; the defect's own Service first when it sits on one). `symptoms` puts an
active ErrorRate or Latency symptom on most impacted services, plus the noise a real list
holds: a propagated symptom, inactive and unknown ones on services it does not explain, and
symptoms on a Pod, a Workload, a nested Container (entityType "") and an HTTPPath, whose
entity has no namespace label. Every active Service symptom is on an impacted service, so
what a defect explains is exactly its impacts.

defect_nodes.py turns them into the wire form, only for a query that names them.
"""

from __future__ import annotations

import functools
import random
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from . import names
from .data import SimDefect, cluster_of, labels_of

ACTIVE, INACTIVE, UNKNOWN = "ACTIVE", "INACTIVE", "UNKNOWN"
SERVICE_SYMPTOMS = ("ErrorRate_High", "Latency_High")
Service = tuple[str, str, str]  # (cluster, namespace, short service name)
# Entity ids are name-based, so one service has the same id under every defect.
_ID_SPACE = uuid.UUID("6f1c1a52-6d1e-4c39-9a57-3b0cde5a7e11")


@dataclass(frozen=True)
class SimEntity:
    name: str
    type_name: str
    namespace: str
    namespaced: bool = True  # False: no namespace label (HTTPPath, Access)

    @property
    def id(self) -> str:
        # Worked out only when sent: ground truth over 100k defects never needs it.
        return _entity_id(self.namespace, self.type_name, self.name)

    def wire(self) -> dict[str, Any]:
        labels = labels_of(self.namespace, self.type_name, self.namespaced)
        return {"id": self.id, "name": self.name, "typeName": self.type_name, "labels": labels}


@dataclass(frozen=True)
class SimSymptom:
    name: str
    state: str  # ACTIVE, INACTIVE or UNKNOWN
    entity: SimEntity
    from_time: float
    to_time: float | None = None  # only inactive symptoms have ended
    propagated: bool = False
    nested: bool = False  # nested symptoms carry entityType ""


@dataclass(frozen=True)
class Explanation:
    impacts: tuple[SimEntity, ...]
    symptoms: tuple[SimSymptom, ...]


def entity(namespace: str, type_name: str, name: str, namespaced: bool = True) -> SimEntity:
    return SimEntity(name, type_name, namespace, namespaced)


def service_entity(namespace: str, service: str) -> SimEntity:
    return SimEntity(f"{namespace}/{service}", "Service", namespace)


@functools.lru_cache(maxsize=16384)  # services recur on every page; pods come and go
def _entity_id(namespace: str, type_name: str, name: str) -> str:
    key = f"{cluster_of(namespace)}/{namespace}/{type_name}/{name}"
    return str(uuid.uuid5(_ID_SPACE, key))


@functools.lru_cache(maxsize=1024)
def _pool(domain: str, count: int) -> tuple[str, ...]:
    # The namespace's Services as health.baseline_services names them, more if count needs.
    return tuple(names.service_name(domain, i) for i in range(max(len(names.COMPONENTS), count)))


def _impacted(defect: SimDefect, domain: str, rng: random.Random) -> tuple[str, ...]:
    """Short names of the services a defect impacts, `service_count` of them."""
    if defect.services is not None:
        return defect.services
    count = defect.service_count
    if count <= 0:
        return ()
    pool = _pool(domain, count)
    own = defect.entity_name if defect.entity_type == "Service" else None
    if own in pool:
        # A root cause on a service hurts that service first.
        return (own, *rng.sample([s for s in pool if s != own], count - 1))
    return tuple(rng.sample(pool, count))


class _OnService(NamedTuple):
    """A symptom on a Service, by short name: cheap enough for truth over 100k defects."""

    name: str
    state: str
    service: str
    from_time: float
    to_time: float | None = None
    propagated: bool = False


@dataclass(frozen=True)
class _Draw:
    """The part of an explanation on Services, and the stream the rest is drawn from."""

    impacted: tuple[str, ...]
    others: list[str]  # the namespace's services it does not impact
    on_services: list[_OnService]
    rng: random.Random


def _draw(defect: SimDefect) -> _Draw:
    domain = names.domain_of(defect.namespace)
    rng = random.Random(f"explain-{defect.id}")
    impacted = _impacted(defect, domain, rng)
    others = [s for s in _pool(domain, 0) if s not in impacted]
    start = defect.from_time
    symptoms = [
        _OnService(SERVICE_SYMPTOMS[rng.randrange(2)], ACTIVE, service, start + rng.random() * 120)
        for index, service in enumerate(impacted)
        if index % 4 != 3  # most, not all: an impacted service need not show a symptom itself
    ]
    if impacted:
        # Seen on an impacted service but caused upstream: the API marks it propagated.
        symptoms.append(_OnService("Latency_High", ACTIVE, impacted[-1], start + 60, None, True))
    if others:
        # History and doubt on services it does not explain: neither counts as explained.
        old = start - rng.uniform(3600, 6 * 3600)
        past = others[rng.randrange(len(others))]
        symptoms.append(_OnService("ErrorRate_High", INACTIVE, past, old, old + 900))
        unsure = others[rng.randrange(len(others))]
        symptoms.append(_OnService("Latency_High", UNKNOWN, unsure, start + 30))
    return _Draw(impacted, others, symptoms, rng)


def explain(defect: SimDefect) -> Explanation:
    ns = defect.namespace
    draw = _draw(defect)
    rng, start = draw.rng, defect.from_time

    def soon() -> float:
        return start + rng.uniform(0, 120)

    on_services = [
        SimSymptom(
            s.name, s.state, service_entity(ns, s.service), s.from_time, s.to_time, s.propagated
        )
        for s in draw.on_services
    ]
    # The noise on other entity types: never Services, so ground truth can skip it.
    near = draw.impacted[0] if draw.impacted else draw.others[0]
    pod = names.pod_name(rng, near)
    workload = entity(ns, "Workload", f"{ns}/{near}")
    container = entity(ns, "Container", f"{pod}/{near}")
    route = names.entity_name(rng, "HTTPPath", names.domain_of(ns), ns)
    path = entity(ns, "HTTPPath", route, namespaced=False)
    noise = [
        SimSymptom("CPUThrottled", ACTIVE, entity(ns, "Pod", pod), soon()),
        SimSymptom("ReplicasUnavailable", ACTIVE, workload, soon(), propagated=True),
        SimSymptom("OOMKilled", ACTIVE, container, soon(), nested=True),
        SimSymptom("ErrorRate_High", ACTIVE, path, soon()),
    ]
    impacts = tuple(service_entity(ns, s) for s in draw.impacted)
    return Explanation(impacts, (*on_services, *noise))


def explained_services(defect: SimDefect) -> tuple[Service, ...]:
    """Ground truth: the Services among its impacts and its ACTIVE symptoms, sorted."""
    draw = _draw(defect)
    active = {s.service for s in draw.on_services if s.state == ACTIVE}
    cluster, ns = cluster_of(defect.namespace), defect.namespace
    return tuple(sorted((cluster, ns, service) for service in active.union(draw.impacted)))


def explained_by_defect(defects: Iterable[SimDefect]) -> dict[str, tuple[Service, ...]]:
    return {d.id: explained_services(d) for d in defects if d.active}
