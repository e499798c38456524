"""PromQL expressions of the Grafana dashboards, with the dashboard variables filled in.

Used by tests/shipped/test_dashboards.py (promtool validation, metric contract) and meant for
end-to-end tests that run every dashboard query against a live Prometheus::

    from tests.dashboard_exprs import dashboard_queries

    for uid, title, expr in dashboard_queries(scope="prod", severity="Critical"):
        ...  # GET /api/v1/query?query=<expr>

Also helpers to read the metric contract (docs/metrics.md) and to extract metric and
label names from PromQL (a tokenizer good enough for our own expressions, not a parser).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DASHBOARD_DIR = REPO / "grafana" / "dashboards"
DASHBOARD_FILES = {
    "causely-root-causes": DASHBOARD_DIR / "causely-root-causes.json",
    "causely-exporter-health": DASHBOARD_DIR / "causely-exporter-health.json",
}
METRICS_DOC = REPO / "docs" / "metrics.md"

# Values for Grafana's built-in variables when a query runs outside Grafana.
BUILTIN_VARIABLES = {
    "__rate_interval": "5m",
    "__interval": "1m",
    "__interval_ms": "60000",
    "__range": "1h",
    "__range_s": "3600",
    "__range_ms": "3600000",
}

# Metrics of the Alertmanager bridge: exported only while its `alertmanager:` config section
# is on, so their panels have no data in a set-up without it.
BRIDGE_METRIC_PREFIX = "causely_exporter_alertmanager_"

# Series Prometheus itself creates (not part of the exporter's contract).
PROMETHEUS_BUILTIN_METRICS = {"up"}
# Labels every scraped series carries in addition to those in docs/metrics.md.
TARGET_LABELS = {"job", "instance", "__name__"}

_VARIABLE = re.compile(
    r"\$(?:\{(?P<braced>[A-Za-z_]\w*)(?::\w+)?\}|\[\[(?P<old>[A-Za-z_]\w*)\]\]|(?P<plain>[A-Za-z_]\w*))"
)


def load_dashboards() -> dict[str, dict[str, Any]]:
    """uid -> dashboard JSON model, for both dashboards."""
    return {uid: json.loads(path.read_text()) for uid, path in DASHBOARD_FILES.items()}


def iter_panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel, including the panels of collapsed rows."""
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", [])


def raw_queries() -> list[tuple[str, str, str]]:
    """(dashboard uid, panel title, expr) as written in the dashboards, variables unfilled."""
    out = []
    for uid, dashboard in load_dashboards().items():
        for panel in iter_panels(dashboard):
            for target in panel.get("targets", []):
                expr = target.get("expr", "")
                if expr.strip():
                    out.append((uid, panel.get("title", ""), expr))
    return out


def variable_names(expr: str) -> set[str]:
    """Names of the $variables an expression uses."""
    return {
        m.group("braced") or m.group("old") or m.group("plain") for m in _VARIABLE.finditer(expr)
    }


def _promql_string_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def fill_variables(expr: str, values: dict[str, str]) -> str:
    """Replace $var, ${var}, ${var:format} and [[var]]; unknown variables raise KeyError."""

    def replace(m: re.Match[str]) -> str:
        name = m.group("braced") or m.group("old") or m.group("plain")
        if name not in values:
            raise KeyError(f"dashboard variable ${name} has no value (expr: {expr})")
        return values[name]

    return _VARIABLE.sub(replace, expr)


def dashboard_queries(scope: str = ".*", severity: str = ".*") -> list[tuple[str, str, str]]:
    """(dashboard uid, panel title, expr) for every query of both dashboards.

    `scope` and `severity` are regular expressions (as Grafana passes them: a multi-value
    selection is `(a|b)`, All is `.*`); they are escaped for a PromQL string literal.
    Grafana's interval / range variables get fixed values (BUILTIN_VARIABLES).
    """
    values = dict(BUILTIN_VARIABLES)
    values["scope"] = _promql_string_escape(scope)
    values["severity"] = _promql_string_escape(severity)
    return [(uid, title, fill_variables(expr, values)) for uid, title, expr in raw_queries()]


def needs_bridge(expr: str) -> bool:
    """True when the expression reads a metric of the Alertmanager bridge."""
    return any(name.startswith(BRIDGE_METRIC_PREFIX) for name in metric_names(expr))


# --------------------------------------------------------------------------- contract


def contract() -> dict[str, set[str]]:
    """Metric name -> label names, from the tables of docs/metrics.md."""
    metrics: dict[str, set[str]] = {}
    row = re.compile(r"^\|\s*`(?P<name>[a-zA-Z_:][\w:]*)`\s*\|[^|]*\|(?P<labels>[^|]*)\|", re.M)
    for m in row.finditer(METRICS_DOC.read_text()):
        labels = {
            label.strip().strip("`")
            for label in m.group("labels").split(",")
            if label.strip().strip("`") not in ("", "\u2013", "-")
        }
        metrics[m.group("name")] = labels
    return metrics


# --------------------------------------------------------------------------- PromQL scanning

_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_MATCHERS = re.compile(r"\{([^{}]*)\}")
_RANGES = re.compile(r"\[[^\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^()]*)\)")
_IDENT = re.compile(r"(?<![\w:.])([A-Za-z_:][\w:]*)(\s*\()?")
_KEYWORDS = {
    "and",
    "or",
    "unless",
    "bool",
    "offset",
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "inf",
    "nan",
    "atan2",
}


def _without_strings(expr: str) -> str:
    return _STRINGS.sub('""', expr)


def metric_names(expr: str) -> set[str]:
    """Metric names an expression selects (identifiers that are not functions/keywords)."""
    text = _without_strings(expr)
    text = _MATCHERS.sub(" ", text)
    text = _RANGES.sub(" ", text)
    text = _GROUPING.sub(" ", text)
    names = set()
    for m in _IDENT.finditer(text):
        ident, call = m.group(1), m.group(2)
        if call or ident.lower() in _KEYWORDS:
            continue
        names.add(ident)
    return names


def label_names(expr: str) -> set[str]:
    """Label names an expression uses in matchers and in by/without/on/ignoring/group_x."""
    text = _without_strings(expr)
    names = set()
    for m in _MATCHERS.finditer(text):
        for matcher in m.group(1).split(","):
            name = re.split(r"=~|!~|!=|=", matcher, maxsplit=1)[0].strip()
            if name:
                names.add(name)
    for m in _GROUPING.finditer(text):
        names.update(n.strip() for n in m.group(1).split(",") if n.strip())
    return names


_SELECTOR = re.compile(r"(?<![\w:.])([A-Za-z_:][\w:]*)\s*\{([^{}]*)\}")


def selectors(expr: str) -> list[tuple[str, set[str]]]:
    """(metric name, label names matched) for every `metric{...}` selector."""
    text = _without_strings(expr)
    out = []
    for m in _SELECTOR.finditer(text):
        names = {
            re.split(r"=~|!~|!=|=", matcher, maxsplit=1)[0].strip()
            for matcher in m.group(2).split(",")
        }
        out.append((m.group(1), {n for n in names if n}))
    return out


# --------------------------------------------------------------------------- HA safety

_AGGREGATION_OVER_RAW = re.compile(
    r"\b(?P<op>sum|count|avg)\s*(?:(?P<kind>by|without)\s*\((?P<labels>[^()]*)\))?\s*"
    r"\(\s*(?:(?:rate|irate|increase|delta)\s*\(\s*)?(?P<metric>[A-Za-z_][\w]*)\b"
)


def replica_unsafe_aggregations(expr: str, raw_metrics: set[str]) -> list[str]:
    """`sum` / `count` / `avg` applied straight to a metric the exporter replicas duplicate.

    Two replicas export the same series with different target labels: summing them doubles
    the value. Allowed: aggregating a `max by (...)` (one copy per series), `without (...)`
    (keeps the target labels) and `by (...)` lists that keep `instance` (per replica).
    """
    text = _without_strings(expr)
    found = []
    for m in _AGGREGATION_OVER_RAW.finditer(text):
        if m.group("metric") not in raw_metrics:
            continue
        labels = {n.strip() for n in (m.group("labels") or "").split(",")}
        if m.group("kind") == "without" or "instance" in labels:
            continue
        found.append(m.group(0))
    return found
