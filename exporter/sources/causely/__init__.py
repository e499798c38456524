"""Causely GraphQL: user scopes (scopes.py), active defects (defects.py), the source that
walks them (source.py). Health and SLOs, units of their own, live beside this package."""

from exporter.sources.causely.defects import (
    DEFECTS_QUERY,
    MAX_COUNT,
    SEVERITY_RANK,
    Defect,
    ScopeResult,
    defect_order,
    entity_label_values,
    fold_bucket,
    parse_defect,
    skip_reason,
)
from exporter.sources.causely.scopes import ALL_SCOPE, SCOPES_QUERY, Scope, scope_filters
from exporter.sources.causely.source import CauselySource

__all__ = [
    "ALL_SCOPE",
    "DEFECTS_QUERY",
    "MAX_COUNT",
    "SCOPES_QUERY",
    "SEVERITY_RANK",
    "CauselySource",
    "Defect",
    "Scope",
    "ScopeResult",
    "defect_order",
    "entity_label_values",
    "fold_bucket",
    "parse_defect",
    "scope_filters",
    "skip_reason",
]
