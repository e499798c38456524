"""Vocabulary and formatting helpers that make the fake data look like a real tenant."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timezone
from email.utils import formatdate

# Team domains; a scope named team-<domain> owns the namespaces derived from <domain>.
DOMAINS = (
    "payments",
    "checkout",
    "search",
    "inventory",
    "identity",
    "shipping",
    "notifications",
    "recommendations",
    "catalog",
    "orders",
    "billing",
    "fraud",
    "analytics",
    "messaging",
    "pricing",
    "reviews",
    "loyalty",
    "media",
    "gateway",
    "platform",
)
NAMESPACE_SUFFIXES = ("jobs", "db", "workers", "edge", "batch")
CLUSTERS = ("prod-eu-1", "prod-us-1")
# Entity types that live outside any namespace: their entities carry no namespace label.
CLUSTER_SCOPED_TYPES = frozenset({"Node"})
COMPONENTS = (
    "api",
    "worker",
    "gateway",
    "db",
    "cache",
    "consumer",
    "scheduler",
    "frontend",
    "grpc",
    "processor",
    "webhook",
    "indexer",
    "sync",
)
TABLES = ("transactions", "orders", "users", "sessions", "events", "line_items", "audit_log")
HTTP_METHODS = ("GET", "GET", "GET", "POST", "PUT", "DELETE")
RESOURCES = ("{id}", "search", "status", "batch", "items/{id}", "history", "summary")
SLO_KINDS = ("availability", "success-rate", "error-budget")

SEVERITIES = ("Critical", "High", "Medium", "Low", "Hidden")
# Cumulative weights: Critical is the rarest real severity, Hidden the noise class.
SEVERITY_CUM_WEIGHTS = (0.07, 0.25, 0.60, 0.88, 1.0)

# Which entity types each defect name plausibly sits on; together they cover every type.
DEFECT_ENTITY_TYPES: dict[str, tuple[str, ...]] = {
    "Congested": ("Service", "KubernetesService", "HTTPPath"),
    "CPUCongested": ("Container", "Pod", "Node", "Workload"),
    "Malfunction": ("Service", "Workload", "Pod", "Container"),
    "DBConnections_Congested": ("Service", "Table"),
    "Memory_NoisyNeighbor": ("Pod", "Container", "Node"),
    "InefficientLocking": ("Table", "Service"),
    "ErrorRateHigh": ("HTTPPath", "RatioSLO", "Service"),
}
DEFECT_NAMES = tuple(DEFECT_ENTITY_TYPES)
ENTITY_TYPES = (
    "Service",
    "KubernetesService",
    "Workload",
    "Container",
    "Pod",
    "Node",
    "HTTPPath",
    "Table",
    "RatioSLO",
)

INCIDENT_SEVERITIES = ("critical", "high", "medium", "low")
INCIDENT_SEVERITY_CUM = (0.15, 0.45, 0.80, 1.0)
INCIDENT_STATUSES = (
    "open",
    "triaging",
    "investigating",
    "awaiting_approval",
    "remediating",
    "resolved",
    "closed",
)
INCIDENT_STATUS_CUM = (0.25, 0.35, 0.55, 0.63, 0.70, 0.90, 1.0)
OPEN_STATUSES = INCIDENT_STATUSES[:5]
INCIDENT_SOURCES = ("automated", "manual")
INCIDENT_TITLES = (
    "{svc} latency spike",
    "Elevated 5xx responses from {svc}",
    "{svc} error rate above SLO",
    "Kafka consumer lag growing on {svc}",
    "Database connection pool exhausted in {svc}",
    "{svc} pods in CrashLoopBackOff",
    "Memory pressure on nodes running {svc}",
    "Timeouts calling {svc}",
    "Disk usage above 90% for {svc}",
    "Deployment rollback needed for {svc}",
)

# Crockford base32, as used by ULIDs: CauseFlow incident ids look like inc_<ULID>.
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def scope_domain(index: int) -> str:
    """Domain for the index-th scope; past the fixed list a number keeps names unique."""
    base = DOMAINS[index % len(DOMAINS)]
    round_ = index // len(DOMAINS)
    return base if round_ == 0 else f"{base}-{round_ + 1}"


def random_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def pick_weighted(rng: random.Random, values: tuple[str, ...], cum: tuple[float, ...]) -> str:
    # A linear scan over five weights beats bisect + rng.choices at 100k calls.
    x = rng.random()
    for value, bound in zip(values, cum, strict=True):
        if x < bound:
            return value
    return values[-1]


def ulid(rng: random.Random, millis: int) -> str:
    value = (millis & ((1 << 48) - 1)) << 80 | rng.getrandbits(80)
    chars = []
    for _ in range(26):
        chars.append(CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def rfc3339(ts: float, zulu: bool = True) -> str:
    """`2026-11-23T10:00:00.000Z`, or with `+00:00` when zulu is false."""
    dt = datetime.fromtimestamp(ts, timezone.utc)
    suffix = "Z" if zulu else "+00:00"
    return f"{dt:%Y-%m-%dT%H:%M:%S}.{dt.microsecond // 1000:03d}{suffix}"


def http_date(ts: float) -> str:
    return formatdate(ts, usegmt=True)


def _pod_suffix(rng: random.Random) -> str:
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    replica = "".join(alphabet[rng.randrange(27)] for _ in range(10))
    pod = "".join(alphabet[rng.randrange(27)] for _ in range(5))
    return f"{replica}-{pod}"


def pod_name(rng: random.Random, service: str) -> str:
    """A pod of `service`'s Deployment: <service>-<replicaset hash>-<pod hash>."""
    return f"{service}-{_pod_suffix(rng)}"


def service_name(domain: str, index: int) -> str:
    """The index-th Service of a namespace: <domain>-<component>, numbered past the list."""
    component = COMPONENTS[index % len(COMPONENTS)]
    round_ = index // len(COMPONENTS)
    return f"{domain}-{component}" if round_ == 0 else f"{domain}-{component}-{round_ + 1}"


def domain_of(namespace: str) -> str:
    """The team domain a namespace belongs to: `payments-db` -> `payments`."""
    base, sep, suffix = namespace.rpartition("-")
    return base if sep and suffix in NAMESPACE_SUFFIXES else namespace


def entity_name(rng: random.Random, entity_type: str, domain: str, namespace: str) -> str:
    """A name in the style Causely shows for that entity type."""
    service = f"{domain}-{COMPONENTS[rng.randrange(len(COMPONENTS))]}"
    if entity_type == "KubernetesService" or entity_type == "Workload":
        return f"{namespace}/{service}"
    if entity_type == "Pod":
        return f"{service}-{_pod_suffix(rng)}"
    if entity_type == "Container":
        return f"{service}-{_pod_suffix(rng)}/{service}"
    if entity_type == "Node":
        return f"ip-10-{rng.randrange(256)}-{rng.randrange(256)}-{rng.randrange(256)}.ec2.internal"
    if entity_type == "HTTPPath":
        method = HTTP_METHODS[rng.randrange(len(HTTP_METHODS))]
        resource = RESOURCES[rng.randrange(len(RESOURCES))]
        return f"{method} /api/v1/{domain}/{resource}"
    if entity_type == "Table":
        return f"{domain.replace('-', '_')}_db.public.{TABLES[rng.randrange(len(TABLES))]}"
    if entity_type == "RatioSLO":
        return f"{service}-{SLO_KINDS[rng.randrange(len(SLO_KINDS))]}"
    return service
