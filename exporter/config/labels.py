"""Label names the exporter sets itself and the rules for names a config adds; the
`causely.entity_labels` mapping (API label key -> Prometheus label name)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from exporter.config.file import ConfigError, brief

DEFAULT_ENTITY_LABELS = (("k8s.cluster.name", "cluster"), ("k8s.namespace.name", "namespace"))
# Labels the exporter sets itself on causely_defect_info and on bridge alerts, plus the ones
# Prometheus attaches to every scraped series: a configured label may not take any of them.
DEFECT_INFO_LABELS = ("scope", "defect_id", "defect_name", "entity_name", "entity_type", "severity")
ALERT_LABELS = (
    "alertname",
    "severity",
    "causely_severity",
    "scope",
    "defect_id",
    "defect_name",
    "entity_type",
    "entity_name",
    "incident_id",
    "causeflow_severity",
)
RESERVED_LABELS = frozenset(DEFECT_INFO_LABELS + ALERT_LABELS + ("job", "instance"))
LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
MAX_LABEL_VALUE = 1024
MAX_LABEL_NAME = 128
MAX_ENTITY_LABELS = 16
MAX_EXTRA_LABELS = 32


def check_label_name(name: object, field_name: str, taken: frozenset[str]) -> str:
    valid = isinstance(name, str) and len(name) <= MAX_LABEL_NAME and LABEL_NAME.match(name)
    if not valid or not isinstance(name, str) or name.startswith("__"):
        raise ConfigError(f"{field_name}: {brief(name)} is not a valid Prometheus label name")
    if name in taken:
        raise ConfigError(f"{field_name}: label {brief(name)} is already used by the exporter")
    return name


def parse_entity_labels(raw: object, field_name: str) -> tuple[tuple[str, str], ...]:
    """`causely.entity_labels`: API label key -> Prometheus label name, in the given order."""
    if raw is None:
        return DEFAULT_ENTITY_LABELS
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{field_name}: expected a mapping of entity label key to label name")
    if len(raw) > MAX_ENTITY_LABELS:
        raise ConfigError(f"{field_name}: at most {MAX_ENTITY_LABELS} labels")
    pairs: list[tuple[str, str]] = []
    used: set[str] = set()
    for key, name in raw.items():
        if not isinstance(key, str) or not key or len(key) > 256:
            raise ConfigError(f"{field_name}: keys must be non-empty strings")
        label = check_label_name(name, f"{field_name}.{key}", RESERVED_LABELS | used)
        used.add(label)
        pairs.append((key, label))
    return tuple(pairs)
