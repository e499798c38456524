"""Prometheus rules, their promtool unit tests, runbooks and the Alertmanager config.

Runs the real promtool and amtool (installed by scripts/install-test-deps.sh); a missing
binary is a failure, not a skip.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests import dashboard_exprs as dx

REPO = Path(__file__).resolve().parents[2]
RULES = REPO / "deploy" / "prometheus" / "causely-exporter.rules.yml"
PROMETHEUS_CONFIG = REPO / "deploy" / "prometheus" / "prometheus.yml"
ALERTMANAGER_CONFIG = REPO / "deploy" / "alertmanager" / "alertmanager.yml"
RUNBOOKS = REPO / "docs" / "runbooks.md"
UNIT_TESTS = sorted((REPO / "tests" / "rules").glob("*.yml"))
RUNBOOK_BASE = "https://github.com/causely-exporter/causely-exporter/blob/main/docs/runbooks.md#"

REQUIRED_ALERTS = {
    "CauselyCriticalRootCause",
    "CauselyHighRootCausePersisting",
    "CauselyRootCauseImpactingServices",
    "CauselyExporterDown",
    "CauselyExporterAbsent",
    "CauselyDataStale",
    "CauselyApiErrors",
    "CauselyApiRateLimited",
    "CauselyScopeFailing",
    "CauseFlowCriticalIncidentOpen",
    "CauseFlowDown",
    "CauselySloViolated",
    "CauselySloAtRisk",
    "CauselyAlertmanagerNotificationsFailing",
    "CauselyAlertmanagerReadsFailing",
    "CauselyAlertmanagerAlertsDropped",
}
DEFECT_LABELS = {"scope", "defect_id", "defect_name", "entity_name", "entity_type"}
# The entity's labels (causely.entity_labels defaults), kept on every per-defect alert.
ENTITY_LABELS = {"cluster", "namespace"}
# One alert per root cause / incident: the group a user leaves out when the bridge pages.
PER_DEFECT_GROUP = "causely-exporter.root-causes"
PER_DEFECT_ALERTS = {
    "CauselyCriticalRootCause",
    "CauselyHighRootCausePersisting",
    "CauselyRootCauseImpactingServices",
    "CauseFlowCriticalIncidentOpen",
}
# Labels the rules add to or keep from the contract's labels.
RULE_LABELS = {"defect_severity"}


def run(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)


def rule_groups() -> list[dict[str, Any]]:
    groups: list[dict[str, Any]] = yaml.safe_load(RULES.read_text())["groups"]
    return groups


def alerts() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for group in rule_groups():
        for rule in group["rules"]:
            if "alert" in rule:
                assert rule["alert"] not in out, f"duplicate alert {rule['alert']}"
                out[rule["alert"]] = rule
    return out


def recording_rules() -> dict[str, dict[str, Any]]:
    return {r["record"]: r for g in rule_groups() for r in g["rules"] if "record" in r}


def unit_test_docs() -> list[tuple[Path, dict[str, Any]]]:
    return [(path, yaml.safe_load(path.read_text())) for path in UNIT_TESTS]


def alert_cases() -> list[tuple[Path, dict[str, Any]]]:
    return [
        (path, case)
        for path, doc in unit_test_docs()
        for test in doc["tests"]
        for case in test.get("alert_rule_test", [])
    ]


def duration_seconds(value: str) -> int:
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
    parts = re.findall(r"(\d+)(ms|s|m|h|d|w|y)", value)
    assert parts and "".join(n + u for n, u in parts) == value, f"bad duration {value!r}"
    return int(sum(int(n) * units[u] for n, u in parts))


def github_anchors(markdown: str) -> set[str]:
    """Anchors GitHub generates for the headings of a Markdown document."""
    anchors: set[str] = set()
    in_code = False
    for line in markdown.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if in_code or not m:
            continue
        slug = re.sub(r"[^\w\- ]", "", m.group(1).lower()).replace(" ", "-")
        anchor, n = slug, 0
        while anchor in anchors:
            n += 1
            anchor = f"{slug}-{n}"
        anchors.add(anchor)
    return anchors


# --------------------------------------------------------------------------- rule file


def test_promtool_check_rules(promtool: str) -> None:
    result = run(promtool, "check", "rules", "--lint=all", "--lint-fatal", str(RULES))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_required_alerts_exist() -> None:
    missing = REQUIRED_ALERTS - set(alerts())
    assert not missing, f"missing alerts: {missing}"


def test_alert_labels_and_annotations() -> None:
    anchors = github_anchors(RUNBOOKS.read_text())
    for name, rule in alerts().items():
        labels = rule.get("labels", {})
        annotations = rule.get("annotations", {})
        assert labels.get("severity") in {"critical", "warning", "info"}, name
        for key in ("summary", "description", "runbook_url"):
            assert annotations.get(key, "").strip(), f"{name}: no {key}"
        assert "{{" in annotations["description"], f"{name}: description without label values"
        url = annotations["runbook_url"]
        assert url.startswith(RUNBOOK_BASE), f"{name}: runbook_url {url}"
        anchor = url[len(RUNBOOK_BASE) :]
        assert anchor == name.lower(), f"{name}: runbook anchor {anchor}"
        assert anchor in anchors, f"{name}: docs/runbooks.md has no heading for #{anchor}"


def test_severity_of_key_alerts() -> None:
    a = alerts()
    assert a["CauselyCriticalRootCause"]["labels"]["severity"] == "critical"
    assert a["CauseFlowCriticalIncidentOpen"]["labels"]["severity"] == "critical"
    assert a["CauselySloViolated"]["labels"]["severity"] == "critical"
    assert a["CauselySloAtRisk"]["labels"]["severity"] == "warning"
    assert duration_seconds(a["CauselySloAtRisk"]["for"]) >= 600  # at risk for a while


def test_critical_root_cause_fires_within_a_minute() -> None:
    # The end-to-end set-up (1s scrape and evaluation) relies on this.
    rule = alerts()["CauselyCriticalRootCause"]
    assert duration_seconds(rule.get("for", "0s")) <= 60


def test_high_root_cause_waits_30_minutes() -> None:
    rule = alerts()["CauselyHighRootCausePersisting"]
    assert "> 1800" in rule["expr"] or duration_seconds(rule.get("for", "0s")) >= 1800


def test_rule_expressions_use_the_metric_contract() -> None:
    contract = dx.contract()
    known = set(contract) | set(recording_rules()) | dx.PROMETHEUS_BUILTIN_METRICS
    all_labels = set().union(*contract.values()) | dx.TARGET_LABELS | RULE_LABELS
    for group in rule_groups():
        for rule in group["rules"]:
            name = rule.get("alert") or rule.get("record")
            expr = rule["expr"]
            unknown = dx.metric_names(expr) - known
            assert not unknown, f"{name}: unknown metrics {unknown}"
            unknown_labels = dx.label_names(expr) - all_labels
            assert not unknown_labels, f"{name}: unknown labels {unknown_labels}"
            for metric, labels in dx.selectors(expr):
                if metric in contract:
                    extra = labels - contract[metric] - dx.TARGET_LABELS
                    assert not extra, f"{name}: {metric} has no label(s) {extra}"


def test_per_defect_alerts_have_their_own_group() -> None:
    groups = {g["name"]: g["rules"] for g in rule_groups()}
    assert {r.get("alert") for r in groups[PER_DEFECT_GROUP]} == PER_DEFECT_ALERTS
    recorded = set(recording_rules())
    for name, rules in groups.items():
        if name == PER_DEFECT_GROUP:
            continue
        for rule in rules:
            # Nothing else depends on the group, so leaving it out breaks nothing.
            assert rule.get("alert") not in PER_DEFECT_ALERTS, f"{rule['alert']} in {name}"
            assert not (dx.metric_names(rule["expr"]) - recorded) & PER_DEFECT_ALERTS


def test_rule_file_without_the_per_defect_group_is_valid(promtool: str, tmp_path: Path) -> None:
    doc = yaml.safe_load(RULES.read_text())
    doc["groups"] = [g for g in doc["groups"] if g["name"] != PER_DEFECT_GROUP]
    path = tmp_path / "without-per-defect.rules.yml"
    path.write_text(yaml.safe_dump(doc))
    result = run(promtool, "check", "rules", "--lint=all", "--lint-fatal", str(path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_per_defect_alerts_keep_the_entity_labels() -> None:
    rules = alerts()
    for name in PER_DEFECT_ALERTS:
        expr = rules[name]["expr"]
        if "causely_defect_info" not in expr:
            continue
        # Every grouping that carries the defect's identity carries its entity labels too.
        groupings = re.findall(r"\b(?:by|group_left)\s*\(([^()]*)\)", expr)
        identity = [g for g in groupings if "defect_name" in g]
        assert identity, name
        for grouping in identity:
            kept = {label.strip() for label in grouping.split(",")}
            assert kept >= ENTITY_LABELS, f"{name}: ({grouping}) drops {ENTITY_LABELS - kept}"
    with_entity = {
        case["alertname"]
        for _, case in alert_cases()
        for expected in case.get("exp_alerts") or []
        if set(expected.get("exp_labels", {})) >= ENTITY_LABELS
    }
    defect_alerts = {n for n in PER_DEFECT_ALERTS if "causely_defect_info" in rules[n]["expr"]}
    assert defect_alerts <= with_entity, f"no unit test shows {defect_alerts - with_entity}"


def test_rules_never_sum_what_replicas_duplicate() -> None:
    raw = set(dx.contract())
    for group in rule_groups():
        for rule in group["rules"]:
            unsafe = dx.replica_unsafe_aggregations(rule["expr"], raw)
            assert not unsafe, f"{rule.get('alert') or rule.get('record')}: {unsafe}"


def test_replica_check_can_fail() -> None:
    raw = {"causely_active_defects", "causely_exporter_api_requests_total"}
    assert dx.replica_unsafe_aggregations("sum by (scope) (causely_active_defects)", raw)
    assert dx.replica_unsafe_aggregations("sum(rate(causely_exporter_api_requests_total[5m]))", raw)
    assert not dx.replica_unsafe_aggregations(
        "sum by (scope) (max by (scope, severity) (causely_active_defects))", raw
    )
    assert not dx.replica_unsafe_aggregations(
        "sum by (job, instance) (rate(causely_exporter_api_requests_total[5m]))", raw
    )


def test_recording_rule_names_follow_the_convention() -> None:
    for name in recording_rules():
        assert re.fullmatch(r"[a-z_]+:[a-z_]+:[a-z0-9_]+", name), name


# --------------------------------------------------------------------------- unit tests


def test_unit_test_files_exist_and_load_the_rule_file() -> None:
    assert UNIT_TESTS, "no promtool unit tests in tests/rules/"
    for path, doc in unit_test_docs():
        files = [(path.parent / f).resolve() for f in doc["rule_files"]]
        assert RULES.resolve() in files, f"{path.name} does not test {RULES.name}"


@pytest.mark.parametrize("path", UNIT_TESTS, ids=lambda p: p.name)
def test_promtool_unit_tests(promtool: str, path: Path) -> None:
    result = run(promtool, "test", "rules", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_every_alert_has_a_firing_and_a_not_firing_case() -> None:
    firing = {c["alertname"] for _, c in alert_cases() if c.get("exp_alerts")}
    quiet = {c["alertname"] for _, c in alert_cases() if not c.get("exp_alerts")}
    names = set(alerts())
    assert not names - firing, f"alerts without a firing unit test: {names - firing}"
    assert not names - quiet, f"alerts without a not-firing unit test: {names - quiet}"
    assert not (firing | quiet) - names, f"tests for unknown alerts: {(firing | quiet) - names}"


def test_firing_cases_check_severity_and_annotations() -> None:
    rules = alerts()
    for path, case in alert_cases():
        rule = rules[case["alertname"]]
        for expected in case.get("exp_alerts") or []:
            labels = expected.get("exp_labels", {})
            where = f"{path.name}: {case['alertname']} at {case['eval_time']}"
            assert labels.get("severity") == rule["labels"]["severity"], where
            assert set(expected.get("exp_annotations", {})) == set(rule["annotations"]), where
            if "causely_defect_info" in rule["expr"]:
                assert set(labels) >= DEFECT_LABELS, f"{where}: per-defect labels missing"


def test_every_recording_rule_is_unit_tested() -> None:
    tested = " ".join(
        case["expr"]
        for _, doc in unit_test_docs()
        for test in doc["tests"]
        for case in test.get("promql_expr_test", [])
    )
    untested = {name for name in recording_rules() if name not in tested}
    assert not untested, f"recording rules without a promql_expr_test: {untested}"


def _mutated_unit_test(tmp_path: Path) -> Path:
    """The root cause unit tests with one wrong expectation."""
    source = REPO / "tests" / "rules" / "root_causes_test.yml"
    doc = yaml.safe_load(source.read_text())
    doc["rule_files"] = [str(RULES)]
    for test in doc["tests"]:
        for case in test.get("alert_rule_test", []):
            if case.get("exp_alerts"):
                case["exp_alerts"][0]["exp_labels"]["entity_name"] = "wrong-entity"
                path = tmp_path / "mutated_test.yml"
                path.write_text(yaml.safe_dump(doc))
                return path
    raise AssertionError("no firing case to mutate")


def test_promtool_unit_tests_can_fail(promtool: str, tmp_path: Path) -> None:
    # Guards the tests above: a wrong expectation must make promtool fail.
    result = run(promtool, "test", "rules", str(_mutated_unit_test(tmp_path)))
    assert result.returncode != 0
    assert "FAILED" in result.stdout + result.stderr


def test_promtool_check_rejects_a_broken_rule(promtool: str, tmp_path: Path) -> None:
    broken = tmp_path / "broken.rules.yml"
    broken.write_text(
        yaml.safe_dump(
            {"groups": [{"name": "x", "rules": [{"alert": "X", "expr": "sum by (a (up)"}]}]}
        )
    )
    assert run(promtool, "check", "rules", str(broken)).returncode != 0


# --------------------------------------------------------------------------- runbooks


def test_runbook_section_per_alert() -> None:
    text = RUNBOOKS.read_text()
    headings = set(re.findall(r"^## (\S+)\s*$", text, re.M))
    assert set(alerts()) <= headings, f"missing runbook sections: {set(alerts()) - headings}"
    for name in alerts():
        section = text.split(f"## {name}\n", 1)[1].split("\n## ", 1)[0]
        for part in ("**Meaning.**", "**Check.**", "**Act.**"):
            assert part in section, f"runbook {name}: no {part}"


def test_runbook_table_matches_the_rules() -> None:
    """Severity, for and group of every alert as the rules file has them."""
    shipped = {}
    for group in yaml.safe_load(RULES.read_text())["groups"]:
        for rule in group["rules"]:
            if "alert" in rule:
                short = group["name"].removeprefix("causely-exporter.")
                shipped[rule["alert"]] = (rule["labels"]["severity"], rule.get("for", ""), short)
    rows = re.findall(
        r"^\| \[(\w+)\]\(#\w+\) \| (\w+) \| ([^|]+) \| `([\w-]+)` \|$",
        RUNBOOKS.read_text(),
        re.M,
    )
    assert {name for name, *_ in rows} == set(shipped)
    for name, severity, duration, group in rows:
        want_severity, want_for, want_group = shipped[name]
        assert (severity, group) == (want_severity, want_group), name
        assert duration.split()[0] == want_for, name


def test_runbook_internal_links_resolve() -> None:
    text = RUNBOOKS.read_text()
    anchors = github_anchors(text)
    for target in re.findall(r"\]\(#([^)]+)\)", text):
        assert target in anchors, f"broken link #{target}"


# --------------------------------------------------------------------------- Prometheus config


def test_prometheus_config(promtool: str) -> None:
    result = run(promtool, "check", "config", str(PROMETHEUS_CONFIG))
    assert result.returncode == 0, result.stdout + result.stderr
    doc = yaml.safe_load(PROMETHEUS_CONFIG.read_text())
    assert RULES.name in doc["rule_files"]
    jobs = {j["job_name"]: j for j in doc["scrape_configs"]}
    exporter = jobs["causely-exporter"]
    assert exporter.get("metrics_path", "/metrics") == "/metrics"
    targets = [t for sc in exporter["static_configs"] for t in sc["targets"]]
    assert targets == ["causely-exporter:9863"]
    am = [
        t
        for a in doc["alerting"]["alertmanagers"]
        for s in a["static_configs"]
        for t in s["targets"]
    ]
    assert am == ["alertmanager:9093"]


# --------------------------------------------------------------------------- Alertmanager


def test_amtool_check_config(amtool: str) -> None:
    result = run(amtool, "check-config", str(ALERTMANAGER_CONFIG))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def route_test(amtool: str, receiver: str, *labels: str) -> subprocess.CompletedProcess[str]:
    """amtool's routing check: exits non-zero unless the labels reach `receiver`."""
    return run(
        amtool,
        "config",
        "routes",
        "test",
        f"--config.file={ALERTMANAGER_CONFIG}",
        f"--verify.receivers={receiver}",
        *labels,
    )


@pytest.mark.parametrize(
    ("severity", "receiver"),
    [("critical", "pager"), ("warning", "ticket"), ("info", "null")],
)
def test_alertmanager_routes_by_severity(amtool: str, severity: str, receiver: str) -> None:
    names = [n for n, r in alerts().items() if r["labels"]["severity"] == severity]
    assert names or severity == "info"
    for name in names or ["AnyInfoAlert"]:
        result = route_test(
            amtool, receiver, f"alertname={name}", f"severity={severity}", "scope=prod"
        )
        assert result.returncode == 0, f"{name}: {result.stdout}{result.stderr}"


def test_alertmanager_routing_can_fail(amtool: str) -> None:
    result = route_test(amtool, "pager", "severity=info")
    assert result.returncode != 0


@pytest.mark.parametrize(
    ("namespace", "severity", "receiver"),
    [
        ("shop", "critical", "team-shop"),
        ("checkout", "warning", "team-shop"),
        ("payments", "critical", "pager"),  # no team route claims it
        ("", "critical", "pager"),  # entity without a namespace
        ("shopping", "warning", "ticket"),  # matchers are anchored: not the shop team
    ],
)
def test_alertmanager_routes_root_causes_by_namespace(
    amtool: str, namespace: str, severity: str, receiver: str
) -> None:
    # The same routing for the rules' per-defect alerts and the bridge's alerts.
    for name in sorted(PER_DEFECT_ALERTS | {"CauselyRootCause", "CauseFlowIncident"}):
        labels = [f"alertname={name}", f"severity={severity}", "scope=prod", "cluster=eu-1"]
        if namespace:
            labels.append(f"namespace={namespace}")
        result = route_test(amtool, receiver, *labels)
        assert result.returncode == 0, f"{name} {namespace}: {result.stdout}{result.stderr}"


def test_alertmanager_namespace_routing_can_fail(amtool: str) -> None:
    result = route_test(amtool, "pager", "severity=critical", "namespace=shop")
    assert result.returncode != 0


def test_alertmanager_grouping_and_inhibition() -> None:
    doc = yaml.safe_load(ALERTMANAGER_CONFIG.read_text())
    assert doc["route"]["group_by"] == ["alertname", "scope"]
    receivers = {r["name"]: r for r in doc["receivers"]}
    assert {"pager", "ticket", "team-shop", "null"} <= set(receivers)
    for name in ("pager", "ticket", "team-shop"):
        for hook in receivers[name]["webhook_configs"]:
            assert re.match(r"http://(127\.0\.0\.1|localhost)[:/]", hook["url"]), hook["url"]
    assert not receivers["null"].get("webhook_configs")

    names = set(alerts())
    inhibited: dict[str, set[str]] = {}
    for rule in doc["inhibit_rules"]:
        if rule["source_matchers"] == ['alertname="CauselySymptomExplained"']:
            continue  # the bridge's inhibitor: checked by test_the_inhibit_rule_check_can_fail
        sources = _alertnames(rule["source_matchers"])
        targets = _alertnames(rule["target_matchers"])
        assert sources and targets
        assert (sources | targets) <= names, f"unknown alerts in {rule}"
        for source in sources:
            inhibited.setdefault(source, set()).update(targets)
    assert {"CauselyDataStale", "CauselyScopeFailing"} <= inhibited["CauselyExporterDown"]


def _alertnames(matchers: list[str]) -> set[str]:
    out: set[str] = set()
    for matcher in matchers:
        m = re.fullmatch(r'alertname\s*(=~|=)\s*"?([^"]*)"?', matcher.strip())
        if m:
            out.update(m.group(2).split("|") if m.group(1) == "=~" else [m.group(2)])
    return out


@pytest.mark.parametrize("name", ["CauselyExporterDown", "CauselyExporterAbsent"])
@pytest.mark.parametrize("namespace", ["", "shop"])
def test_exporter_down_pages_whatever_a_team_route_claims(
    amtool: str, name: str, namespace: str
) -> None:
    assert alerts()[name]["labels"]["severity"] == "critical"
    labels = [f"alertname={name}", "severity=critical", "job=causely-exporter"]
    if namespace:
        labels.append(f"namespace={namespace}")  # e.g. the exporter runs in a team's namespace
    result = route_test(amtool, "pager", *labels)
    assert result.returncode == 0, result.stdout + result.stderr


def matches(matcher: str, labels: dict[str, str]) -> bool:
    """One Alertmanager matcher (=, !=, =~, !~; a missing label is "") against labels."""
    found = re.match(r'^\s*(\w+)\s*(=~|!~|!=|=)\s*"?(.*?)"?\s*$', matcher)
    assert found, matcher
    name, op, value = found.groups()
    have = labels.get(name, "")
    if op == "=":
        return have == value
    if op == "!=":
        return have != value
    full = re.fullmatch(value, have) is not None
    return full if op == "=~" else not full


def muting_rules(target: dict[str, str]) -> list[dict[str, Any]]:
    config = yaml.safe_load(ALERTMANAGER_CONFIG.read_text())
    return [
        rule
        for rule in config.get("inhibit_rules", [])
        if all(matches(m, target) for m in rule.get("target_matchers", []))
    ]


@pytest.mark.parametrize("name", ["CauselyExporterDown", "CauselyExporterAbsent"])
def test_no_inhibit_rule_can_mute_the_exporter_being_down(name: str) -> None:
    labels = {"alertname": name, "severity": "critical", "job": "causely-exporter"}
    labels |= {"namespace": "shop", "service": "causely-exporter", "cluster": "eu-1"}
    assert muting_rules(labels) == []


def test_the_inhibit_rule_check_can_fail() -> None:
    # A team alert on an explained service is a target of the inhibitor's rule.
    team = {"alertname": "HighErrorRate", "namespace": "shop", "service": "checkout"}
    assert [r["source_matchers"] for r in muting_rules(team)] == [
        ['alertname="CauselySymptomExplained"']
    ]
    # Without a service label it is not: both sides missing would count as equal.
    assert muting_rules({"alertname": "HighErrorRate", "namespace": "shop"}) == []
    # Root causes and Causely's own alerts are never muted.
    assert muting_rules({**team, "alertname": "CauselyRootCause"}) == []
    assert muting_rules({**team, "source": "causely"}) == []


def test_example_rule_unless_explained(promtool: str) -> None:
    # deploy/prometheus/examples: a team's alert muted by causely_explained_services.
    result = run(promtool, "test", "rules", str(REPO / "tests/rules/examples/explained_test.yml"))
    assert result.returncode == 0, result.stdout + result.stderr
