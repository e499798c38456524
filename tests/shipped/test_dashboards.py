"""Grafana dashboards and provisioning: structure, datasource variable, metric contract,
and every PromQL expression validated by the real promtool."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests import dashboard_exprs as dx

REPO = dx.REPO
RULES = REPO / "deploy" / "prometheus" / "causely-exporter.rules.yml"
PROVISIONING = REPO / "grafana" / "provisioning"
DS = {"type": "prometheus", "uid": "${datasource}"}
SEVERITIES = ["Critical", "High", "Medium", "Low", "Hidden"]

DASHBOARDS = dx.load_dashboards()


def recording_rule_names() -> set[str]:
    doc = yaml.safe_load(RULES.read_text())
    return {r["record"] for g in doc["groups"] for r in g["rules"] if "record" in r}


def walk(node: Any, path: str = "") -> list[tuple[str, str, Any]]:
    """(path, key, value) for every key of every object in a JSON document."""
    out = []
    if isinstance(node, dict):
        for key, value in node.items():
            out.append((path, key, value))
            out.extend(walk(value, f"{path}.{key}"))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out.extend(walk(value, f"{path}[{i}]"))
    return out


def variables(dashboard: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {v["name"]: v for v in dashboard["templating"]["list"]}


def query_panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in dx.iter_panels(dashboard) if p["type"] != "row"]


def panel(dashboard: dict[str, Any], title: str) -> dict[str, Any]:
    found = [p for p in dx.iter_panels(dashboard) if p.get("title") == title]
    assert len(found) == 1, f"expected one panel titled {title!r}, found {len(found)}"
    result: dict[str, Any] = found[0]
    return result


# --------------------------------------------------------------------------- structure


def test_both_dashboards_exist_with_stable_uids() -> None:
    assert set(DASHBOARDS) == {"causely-root-causes", "causely-exporter-health"}
    for uid, dashboard in DASHBOARDS.items():
        assert dashboard["uid"] == uid, f"{dx.DASHBOARD_FILES[uid].name}: uid changed"


@pytest.mark.parametrize("uid", sorted(DASHBOARDS))
def test_dashboard_settings(uid: str) -> None:
    d = DASHBOARDS[uid]
    assert d["title"]
    assert d["schemaVersion"] >= 39
    assert d["refresh"] == "1m"
    assert "causely" in d["tags"]
    assert d.get("id") is None, "exported dashboards must not carry a database id"
    assert "__inputs" not in d, "use the ${datasource} variable, not import-time inputs"


@pytest.mark.parametrize("uid", sorted(DASHBOARDS))
def test_no_hard_coded_datasource(uid: str) -> None:
    d = DASHBOARDS[uid]
    text = dx.DASHBOARD_FILES[uid].read_text()
    assert "${DS_" not in text
    for path, key, value in walk(d):
        if key != "datasource":
            continue
        if isinstance(value, dict):
            assert value.get("uid") == "${datasource}", f"{uid}{path}: datasource {value}"
            assert value.get("type") == "prometheus", f"{uid}{path}: datasource {value}"
        else:
            assert value == "${datasource}", f"{uid}{path}: datasource {value!r}"


@pytest.mark.parametrize("uid", sorted(DASHBOARDS))
def test_every_panel_queries_the_datasource_variable(uid: str) -> None:
    for p in query_panels(DASHBOARDS[uid]):
        assert p.get("datasource") == DS, f"{uid} / {p['title']}: panel datasource"
        assert p.get("targets"), f"{uid} / {p['title']}: panel without a query"
        ref_ids = [t["refId"] for t in p["targets"]]
        assert len(ref_ids) == len(set(ref_ids)), f"{uid} / {p['title']}: duplicate refId"
        for t in p["targets"]:
            assert t.get("datasource") == DS, f"{uid} / {p['title']} / {t['refId']}"
            assert t.get("expr", "").strip(), f"{uid} / {p['title']} / {t['refId']}: no expr"


@pytest.mark.parametrize("uid", sorted(DASHBOARDS))
def test_panel_ids_titles_and_layout(uid: str) -> None:
    panels = list(dx.iter_panels(DASHBOARDS[uid]))
    ids = [p["id"] for p in panels]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    titles = [p["title"] for p in panels]
    assert all(titles), "every panel needs a title"
    dupes = {t for t in titles if titles.count(t) > 1}
    assert not dupes, f"panel titles must be unique (dashboard_queries keys): {dupes}"
    cells: dict[tuple[int, int], str] = {}
    for p in panels:
        g = p["gridPos"]
        assert g["x"] >= 0 and g["x"] + g["w"] <= 24, f"{p['title']}: outside the grid"
        for x in range(g["x"], g["x"] + g["w"]):
            for y in range(g["y"], g["y"] + g["h"]):
                assert (x, y) not in cells, f"{p['title']} overlaps {cells[(x, y)]}"
                cells[(x, y)] = p["title"]


@pytest.mark.parametrize("uid", sorted(DASHBOARDS))
def test_template_variables(uid: str) -> None:
    v = variables(DASHBOARDS[uid])
    assert next(iter(v)) == "datasource", "datasource must be the first variable"
    ds = v["datasource"]
    assert ds["type"] == "datasource"
    assert ds["query"] == "prometheus"
    assert not ds.get("current"), "no pre-selected (hard-coded) datasource"

    scope = v["scope"]
    assert scope["type"] == "query"
    assert scope["datasource"] == DS
    assert scope["query"] == 'label_values(causely_scope_up{job="causely-exporter"}, scope)'
    assert scope["multi"] is True
    assert scope["includeAll"] is True

    severity = v["severity"]
    assert severity["multi"] is True
    assert severity["includeAll"] is True
    assert severity["query"].split(",") == SEVERITIES


@pytest.mark.parametrize("uid", sorted(DASHBOARDS))
def test_variables_are_used_and_defined(uid: str) -> None:
    d = DASHBOARDS[uid]
    defined = set(variables(d))
    used: set[str] = set()
    for p in query_panels(d):
        for t in p["targets"]:
            used |= dx.variable_names(t["expr"])
    assert {"scope", "severity"} <= used, f"{uid}: scope/severity variables unused"
    unknown = used - defined - set(dx.BUILTIN_VARIABLES)
    assert not unknown, f"{uid}: undefined variables {unknown}"
    # Every filter uses a regex match, so multi-value and All selections work.
    for p in query_panels(d):
        for t in p["targets"]:
            for name in ("scope", "severity"):
                for m in re.finditer(rf"(\w+)\s*(=~|!~|=|!=)\s*\"[^\"]*\${name}\b", t["expr"]):
                    assert m.group(2) == "=~", f"{p['title']}: use {m.group(1)}=~ for ${name}"


def test_causeflow_severity_filter_is_case_insensitive() -> None:
    # Causely severities are capitalised, CauseFlow's are lower case.
    for uid, title, expr in dx.raw_queries():
        if "causeflow_incident" in expr and "$severity" in expr:
            assert 'severity=~"(?i)$severity"' in expr, f"{uid} / {title}"


# --------------------------------------------------------------------------- content


def test_root_causes_table() -> None:
    d = DASHBOARDS["causely-root-causes"]
    p = panel(d, "Active root causes")
    assert p["type"] == "table"
    exprs = " ".join(t["expr"] for t in p["targets"])
    for metric in (
        "causely_defect_info",
        "causely_defect_start_timestamp_seconds",
        "causely_defect_impacted_services",
        "causely_defect_explained_services",
    ):
        assert metric in exprs
    assert "time() - " in exprs
    assert all(t["instant"] and t["format"] == "table" for t in p["targets"])
    assert {t["id"] for t in p["transformations"]} >= {"merge", "organize"}
    overrides = {o["matcher"]["options"]: o["properties"] for o in p["fieldConfig"]["overrides"]}
    props = {name: {q["id"]: q["value"] for q in ps} for name, ps in overrides.items()}
    # Where the entity lives (causely.entity_labels): the columns of the team that owns it.
    organize = next(t for t in p["transformations"] if t["id"] == "organize")["options"]
    assert organize["renameByName"]["cluster"] == "Cluster"
    assert organize["renameByName"]["namespace"] == "Namespace"
    assert {"cluster", "namespace"} <= set(organize["indexByName"])
    info = [
        m.group(1)
        for t in p["targets"]
        if (m := re.fullmatch(r"max by \(([^)]*)\) \(causely_defect_info\{[^}]*\}\)", t["expr"]))
    ]
    assert len(info) == 1, "no max by (...) (causely_defect_info) query in the table"
    assert {"cluster", "namespace"} <= {g.strip() for g in info[0].split(",")}
    assert props["Age"]["unit"] == "s"
    assert organize["renameByName"]["Value #E"] == "Explained services"
    assert "causely.explained_services" in props["Explained services"]["description"]
    assert props["Started"]["unit"] == "dateTimeAsIso"
    urls = [link["url"] for ps in props.values() for link in ps.get("links", [])]
    assert "https://portal.causely.app/rootCauses/${__data.fields.defect_id}" in urls


def test_root_causes_dashboard_panels() -> None:
    d = DASHBOARDS["causely-root-causes"]
    by_sev = panel(d, "Active root causes by severity")
    assert by_sev["fieldConfig"]["defaults"]["custom"]["stacking"]["mode"] == "normal"
    colored = {o["matcher"]["options"] for o in by_sev["fieldConfig"]["overrides"]}
    assert set(SEVERITIES) <= colored
    assert (
        "sum by (entity_type)"
        in panel(d, "Active root causes by entity type")["targets"][0]["expr"]
    )
    assert "sum by (scope)" in panel(d, "Active root causes by scope")["targets"][0]["expr"]
    assert "topk(" in panel(d, "Top root cause types")["targets"][0]["expr"]
    assert (
        "causely_defect_impacted_services"
        in (panel(d, "Impacted services per root cause")["targets"][0]["expr"])
    )
    for title, sev in (("Critical root causes", "Critical"), ("High root causes", "High")):
        p = panel(d, title)
        assert p["type"] == "stat"
        assert f'severity="{sev}"' in p["targets"][0]["expr"]
    rows = [p["title"] for p in d["panels"] if p["type"] == "row"]
    assert any("CauseFlow" in r for r in rows)
    incidents = panel(d, "Critical incidents open")
    assert "causeflow_incidents" in incidents["targets"][0]["expr"]
    assert "by (severity)" in panel(d, "Open incidents by severity")["targets"][0]["expr"]
    assert "by (status)" in panel(d, "Incidents by status")["targets"][0]["expr"]
    table = panel(d, "Open critical incidents")
    assert table["type"] == "table"
    expr = table["targets"][0]["expr"]
    assert "causeflow_incident_info" in expr
    assert 'severity="critical"' in expr and 'status!~"resolved|closed"' in expr


def test_service_health_slo_and_time_to_resolve_panels() -> None:
    d = DASHBOARDS["causely-root-causes"]
    rows = [p["title"] for p in d["panels"] if p["type"] == "row"]
    assert "Service health (Causely)" in rows and "SLOs (Causely)" in rows
    assert "causely_entities" in panel(d, "Services by health")["targets"][0]["expr"]
    assert 'severity!="Normal"' in panel(d, "Unhealthy services")["targets"][0]["expr"]
    assert 'state="VIOLATED"' in panel(d, "SLOs violated")["targets"][0]["expr"]
    assert 'state="AT_RISK"' in panel(d, "SLOs at risk")["targets"][0]["expr"]
    table = panel(d, "SLO states")
    assert table["type"] == "table" and "causely_slo_info" in table["targets"][0]["expr"]
    ttr = panel(d, "Time to resolve (median and p90 by severity)")
    assert ttr["fieldConfig"]["defaults"]["unit"] == "s"
    exprs = [t["expr"] for t in ttr["targets"]]
    assert [e.split(",")[0] for e in exprs] == ["histogram_quantile(0.5", "histogram_quantile(0.9"]
    for expr in exprs:
        # Replicas deduplicated per scope before scopes are summed, never a raw sum.
        assert "sum by (le, severity) (max by (le, scope, severity) (rate(" in expr
    # Every query of the new panels deduplicates replicas with max before summing.
    for p in dx.iter_panels(d):
        for t in p.get("targets", []):
            if "causely_entities" in t["expr"] or "causely_slos" in t["expr"]:
                assert "max by (scope" in t["expr"], p["title"]


def test_health_dashboard_panels() -> None:
    d = DASHBOARDS["causely-exporter-health"]
    exprs = " ".join(e for uid, _, e in dx.raw_queries() if uid == "causely-exporter-health")
    for metric in (
        "causely_up",
        "causely_scope_up",
        "causeflow_up",
        "causely_exporter_last_success_timestamp_seconds",
        "causely_exporter_collection_duration_seconds",
        "causely_exporter_collection_interval_seconds",
        "causely_exporter_api_requests_total",
        "causely_exporter_api_retries_total",
        "causely_exporter_api_errors_total",
        "causely_exporter_build_info",
    ):
        assert metric in exprs, f"health dashboard does not show {metric}"
    age = panel(d, "Data age (collection intervals)")
    steps = age["fieldConfig"]["defaults"]["thresholds"]["steps"]
    assert [s["value"] for s in steps] == [None, 2, 3]
    ts = panel(d, "Data age vs. collection intervals")
    assert ts["fieldConfig"]["defaults"]["unit"] == "s"
    ts_exprs = [t["expr"] for t in ts["targets"]]
    assert any(e.startswith("2 * causely_exporter_collection_interval_seconds") for e in ts_exprs)
    assert any(e.startswith("3 * causely_exporter_collection_interval_seconds") for e in ts_exprs)
    req = panel(d, "API requests by operation and code")
    assert req["fieldConfig"]["defaults"]["unit"] == "reqps"
    assert "max by (operation, code)" in req["targets"][0]["expr"]
    assert "by (operation, reason)" in panel(d, "Retries by reason")["targets"][0]["expr"]
    assert "by (operation, error)" in panel(d, "API errors by error")["targets"][0]["expr"]


def test_health_dashboard_bridge_row() -> None:
    d = DASHBOARDS["causely-exporter-health"]
    rows = [p["title"] for p in d["panels"] if p["type"] == "row"]
    assert "Alertmanager bridge" in rows
    exprs = " ".join(e for uid, _, e in dx.raw_queries() if uid == "causely-exporter-health")
    for metric in (
        "causely_exporter_alertmanager_notifications_total",
        "causely_exporter_alertmanager_notifications_failed_total",
        "causely_exporter_alertmanager_alerts_firing",
        "causely_exporter_alertmanager_alerts_dropped_total",
        "causely_exporter_alertmanager_last_success_timestamp_seconds",
    ):
        assert metric in exprs, f"health dashboard does not show {metric}"
    for title in ("Notifications sent by Alertmanager", "Notifications failed by Alertmanager"):
        target = panel(d, title)["targets"][0]
        assert "by (alertmanager)" in target["expr"]
        assert "{{alertmanager}}" in target["legendFormat"]
    age = panel(d, "Last successful notification by Alertmanager")
    assert age["fieldConfig"]["defaults"]["unit"] == "s"


@pytest.mark.parametrize("uid", sorted(DASHBOARDS))
def test_queries_give_the_same_answer_with_two_replicas(uid: str) -> None:
    # Two replicas export the same series: a plain sum / count over them doubles the value.
    raw = set(dx.contract())
    for u, title, expr in dx.raw_queries():
        if u == uid:
            unsafe = dx.replica_unsafe_aggregations(expr, raw)
            assert not unsafe, f"{uid} / {title}: {unsafe} (aggregate with max by first)"


def test_bridge_queries_are_recognised() -> None:
    bridge = {title for _, title, expr in dx.raw_queries() if dx.needs_bridge(expr)}
    assert bridge == {
        "Notifications sent by Alertmanager",
        "Notifications failed by Alertmanager",
        "Alerts firing (bridge)",
        "Alerts dropped by max_alerts",
        "Last successful notification by Alertmanager",
    }


# --------------------------------------------------------------------------- metric contract


def test_every_metric_is_in_the_contract_or_a_recording_rule() -> None:
    known = set(dx.contract()) | recording_rule_names() | dx.PROMETHEUS_BUILTIN_METRICS
    assert len(dx.contract()) >= 18, "could not read the metric tables of docs/metrics.md"
    for uid, title, expr in dx.raw_queries():
        names = dx.metric_names(expr)
        assert names, f"{uid} / {title}: no metric found in {expr}"
        unknown = names - known
        assert not unknown, f"{uid} / {title}: unknown metrics {unknown} in {expr}"
    for d in DASHBOARDS.values():
        for v in d["templating"]["list"]:
            m = re.fullmatch(r"label_values\((?:(\w+)\s*,)?\s*(\w+)\)", str(v.get("query", "")))
            if m and m.group(1):
                assert m.group(1) in known, f"variable {v['name']}: {m.group(1)}"


def test_every_label_is_in_the_contract() -> None:
    contract = dx.contract()
    all_labels = set().union(*contract.values()) | dx.TARGET_LABELS
    for uid, title, expr in dx.raw_queries():
        unknown = dx.label_names(expr) - all_labels
        assert not unknown, f"{uid} / {title}: unknown labels {unknown} in {expr}"
        for metric, labels in dx.selectors(expr):
            if metric in contract:
                extra = labels - contract[metric] - dx.TARGET_LABELS
                assert not extra, f"{uid} / {title}: {metric} has no label(s) {extra}"
    for uid, d in DASHBOARDS.items():
        for p in query_panels(d):
            for t in p["targets"]:
                for name in re.findall(r"\{\{\s*(\w+)\s*\}\}", t.get("legendFormat", "")):
                    assert name in all_labels, f"{uid} / {p['title']}: legend label {name}"


# --------------------------------------------------------------------------- PromQL validity


def test_dashboard_queries_helper() -> None:
    queries = dx.dashboard_queries()
    assert len(queries) == len(dx.raw_queries())
    assert {uid for uid, _, _ in queries} == set(DASHBOARDS)
    for uid, title, expr in queries:
        assert "$" not in expr, f"{uid} / {title}: unfilled variable in {expr}"
    filled = dx.dashboard_queries(scope="prod", severity="(Critical|High)")
    assert any('scope=~"prod"' in e for _, _, e in filled)
    assert any('severity=~"(Critical|High)"' in e for _, _, e in filled)
    assert any('severity=~"(?i)(Critical|High)"' in e for _, _, e in filled)
    escaped = dx.dashboard_queries(scope='a\\.b"c')
    assert any('scope=~"a\\\\.b\\"c"' in e for _, _, e in escaped)
    with pytest.raises(KeyError):
        dx.fill_variables("rate(x[$nope])", {})


def _check_exprs_with_promtool(
    promtool: str, tmp_path: Path, exprs: list[tuple[str, str, str]]
) -> subprocess.CompletedProcess[str]:
    rules = [
        {
            "record": f"dashboard:expr_{i}:check",
            "expr": expr,
            "labels": {"dashboard": uid, "panel": title},
        }
        for i, (uid, title, expr) in enumerate(exprs)
    ]
    path = tmp_path / "dashboard-exprs.rules.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard-exprs", "rules": rules}]}))
    return subprocess.run(
        [promtool, "check", "rules", str(path)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_every_expression_parses_with_promtool(promtool: str, tmp_path: Path) -> None:
    exprs = (
        dx.dashboard_queries()
        + dx.dashboard_queries(scope="prod", severity="Critical")
        + dx.dashboard_queries(scope="(prod|staging)", severity="(Critical|High)")
    )
    result = _check_exprs_with_promtool(promtool, tmp_path, exprs)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(exprs)} rules found" in result.stdout


def test_promtool_check_rejects_a_broken_expression(promtool: str, tmp_path: Path) -> None:
    # Guards the check above: a bad expression must make it fail.
    broken = [("causely-root-causes", "broken", "sum by (scope (causely_active_defects)")]
    result = _check_exprs_with_promtool(promtool, tmp_path, broken)
    assert result.returncode != 0


# --------------------------------------------------------------------------- provisioning


def test_datasource_provisioning() -> None:
    doc = yaml.safe_load((PROVISIONING / "datasources" / "prometheus.yml").read_text())
    assert doc["apiVersion"] == 1
    (ds,) = doc["datasources"]
    assert ds["type"] == "prometheus"
    assert ds["uid"] == "prometheus"
    assert ds["url"] == "http://prometheus:9090"
    assert ds["access"] == "proxy"
    assert ds.get("isDefault") is True, "the ${datasource} variable defaults to the default DS"


def test_dashboard_provisioning() -> None:
    doc = yaml.safe_load((PROVISIONING / "dashboards" / "causely.yml").read_text())
    assert doc["apiVersion"] == 1
    (provider,) = doc["providers"]
    assert provider["type"] == "file"
    assert provider["options"]["path"] == "/var/lib/grafana/dashboards"


def test_dashboard_files_are_valid_json() -> None:
    for path in sorted((REPO / "grafana" / "dashboards").glob("*.json")):
        doc = json.loads(path.read_text())
        assert doc["uid"] in DASHBOARDS, f"{path.name}: unexpected dashboard"
