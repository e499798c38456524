"""The Helm chart, rendered and linted by Helm's own engine (helm-python-sdk), every object
validated against the Kubernetes schemas of KUBE_VERSION (kubernetes-validate) and the
Prometheus Operator's CRDs (jsonschema), the rendered config checked by the exporter itself and
the rendered rules by promtool."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml

from . import helm_chart
from .helm_chart import CHART, ROOT, VALUES_FILES, container, materialize, one, render, values_of

KUBE_VERSION = "1.31.0"
CRDS = Path(__file__).parent / "crds"  # the Prometheus Operator's, see its README.md
SECRETS_DIR = "/etc/causely-exporter/secrets"
ROOT_CAUSE_GROUP = "causely-exporter.root-causes"
RULES = ROOT / "deploy" / "prometheus" / "causely-exporter.rules.yml"
DASHBOARDS = ROOT / "grafana" / "dashboards"
IDS = [p.name.removesuffix("-values.yaml") for p in VALUES_FILES]


@pytest.fixture(scope="module", params=VALUES_FILES, ids=IDS)
def rendered(request: pytest.FixtureRequest) -> tuple[str, list[dict[str, Any]]]:
    path: Path = request.param
    return path.name, render(values_of(path))


def _by_name(name: str) -> list[dict[str, Any]]:
    return render(values_of(CHART / "ci" / name))


def test_the_values_files_cover_what_the_issue_names() -> None:
    assert {p.name for p in VALUES_FILES} == {
        "defaults-values.yaml",
        "bridge-values.yaml",
        "web-tls-basic-auth-values.yaml",
        "everything-values.yaml",
        "existing-objects-values.yaml",
    }


def test_chart_version_follows_the_package() -> None:
    import exporter

    chart = yaml.safe_load((CHART / "Chart.yaml").read_text(encoding="utf-8"))
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    declared = re.search(r'^version\s*=\s*"([^"]+)"', pyproject, re.M)
    assert declared is not None
    assert chart["apiVersion"] == "v2"
    assert chart["version"] == chart["appVersion"] == declared.group(1) == exporter.__version__


@pytest.mark.parametrize("path", VALUES_FILES, ids=IDS)
def test_lint_strict_passes(path: Path) -> None:
    report = helm_chart.helm().lint(
        str(CHART), values_of(path), strict=True, namespace=helm_chart.NAMESPACE
    )
    problems = [m for m in report["messages"] if m["severity"] >= 2]
    assert not report["errors"] and not problems, report


# --- schemas --------------------------------------------------------------------------------


def _crd_schema(kind: str) -> dict[str, Any]:
    path = CRDS / f"monitoring.coreos.com_{kind.lower()}s.yaml"
    crd = yaml.safe_load(path.read_text(encoding="utf-8"))
    (version,) = [v for v in crd["spec"]["versions"] if v["name"] == "v1"]
    schema: dict[str, Any] = version["schema"]["openAPIV3Schema"]
    return schema


def test_every_object_is_valid_for_kubernetes(
    rendered: tuple[str, list[dict[str, Any]]],
) -> None:
    import jsonschema
    import kubernetes_validate

    _, objects = rendered
    for obj in objects:
        where = f"{obj['kind']} {obj['metadata']['name']}"
        if obj["apiVersion"].startswith("monitoring.coreos.com/"):
            errors = sorted(
                jsonschema.Draft7Validator(_crd_schema(obj["kind"])).iter_errors(obj),
                key=lambda e: list(e.path),
            )
            assert not errors, f"{where}: " + "; ".join(
                f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors
            )
            continue
        try:
            kubernetes_validate.validate(obj, KUBE_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{where} is not valid for Kubernetes {KUBE_VERSION}: {exc}")


def test_a_broken_object_is_caught_by_the_validation() -> None:
    # The validation above can fail: a misspelt field and a wrong type are reported.
    import jsonschema
    import kubernetes_validate

    deployment = one(_by_name("defaults-values.yaml"), "Deployment")
    deployment["spec"]["template"]["spec"]["containers"][0]["readOnlyRootFileSystem"] = True
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBE_VERSION, strict=True)
    monitor = one(_by_name("bridge-values.yaml"), "ServiceMonitor")
    monitor["spec"]["endpoints"][0]["honorLabels"] = "yes"
    assert list(jsonschema.Draft7Validator(_crd_schema("ServiceMonitor")).iter_errors(monitor))


BAD_VALUES = [
    ({"replicaCount": "two"}, "/replicaCount"),
    ({"replicaCount": 3}, "/replicaCount"),
    ({"serviceMonitor": {"enabeld": True}}, "enabeld"),
    ({"image": {"digest": "latest"}}, "/image/digest"),
    ({"config": {"causeley": {}}}, "causeley"),
    ({"serviceMonitor": {"interval": "1 minute"}}, "/serviceMonitor/interval"),
    ({"logFormat": "text"}, "/logFormat"),
]


@pytest.mark.parametrize(("values", "named"), BAD_VALUES, ids=[n for _, n in BAD_VALUES])
def test_values_that_break_the_schema_are_refused(values: dict[str, Any], named: str) -> None:
    with pytest.raises(Exception, match="schema") as caught:
        render(values)
    assert named in str(caught.value), caught.value


TEMPLATE_REFUSALS = [
    ({"web": {"tls": {"enabled": True}}}, "web.tls.enabled"),
    (
        {"web": {"config": {"tls_server_config": {"cert_file": "a", "key_file": "b"}}}},
        "set web.tls.enabled true",
    ),
    (
        {"web": {"config": {"basic_auth_users": {"p": "x"}}}, "serviceMonitor": {"enabled": True}},
        "serviceMonitor.basicAuth",
    ),
    ({"credentials": {"create": True}}, "credentials.data"),
    ({"credentials": {"existingSecret": ""}}, "existingSecret"),
]


@pytest.mark.parametrize(
    ("values", "says"), TEMPLATE_REFUSALS, ids=[s for _, s in TEMPLATE_REFUSALS]
)
def test_combinations_that_cannot_work_are_refused(values: dict[str, Any], says: str) -> None:
    with pytest.raises(Exception, match=re.escape(says)):
        render(values)


# --- the config -----------------------------------------------------------------------------


def _rewritten(mounts: dict[str, Path]) -> None:
    """Point the files' paths at their host copies (for running on the host)."""
    config = mounts["/etc/causely-exporter/config.yaml"]
    text = config.read_text(encoding="utf-8")
    for mount, host in mounts.items():
        text = text.replace(mount + "/", f"{host}/")
    config.write_text(text, encoding="utf-8")
    if "/etc/causely-exporter/web" in mounts:
        web = mounts["/etc/causely-exporter/web"] / "web-config.yml"
        text = web.read_text(encoding="utf-8")
        text = text.replace("/etc/causely-exporter/tls/", f"{mounts['/etc/causely-exporter/tls']}/")
        web.write_text(text, encoding="utf-8")


def _check_config(objects: list[dict[str, Any]], where: Path) -> subprocess.CompletedProcess[str]:
    """`causely-exporter --check-config` with the pod's args, on the files the pod would see."""
    mounts = materialize(objects, where)
    _rewritten(mounts)
    args = [
        a
        for a in container(objects)["args"]
        if not a.startswith(("--config.file=", "--web.config.file="))
    ]
    args.append(f"--config.file={mounts['/etc/causely-exporter/config.yaml']}")
    if "/etc/causely-exporter/web" in mounts:
        args.append(f"--web.config.file={mounts['/etc/causely-exporter/web'] / 'web-config.yml'}")
    return subprocess.run(
        [sys.executable, "-m", "exporter", "--check-config", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
    )


def test_rendered_config_passes_check_config(
    rendered: tuple[str, list[dict[str, Any]]], tmp_path: Path
) -> None:
    name, objects = rendered
    if not [o for o in objects if o["kind"] == "ConfigMap" and "config.yaml" in o["data"]]:
        pytest.skip(f"{name}: the config comes from an existing ConfigMap")
    done = _check_config(objects, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


def test_check_config_refuses_a_bad_config_from_values(tmp_path: Path) -> None:
    # The schema leaves the config's sections open; the exporter's own check closes them.
    done = _check_config(render({"config": {"causely": {"page_size": 0}}}), tmp_path)
    assert done.returncode != 0
    assert "page_size" in done.stdout + done.stderr


# --- the rules and dashboards ----------------------------------------------------------------


def _groups(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    groups: list[dict[str, Any]] = one(objects, "PrometheusRule")["spec"]["groups"]
    return groups


def test_prometheusrule_passes_promtool(
    rendered: tuple[str, list[dict[str, Any]]], tmp_path: Path, promtool: str
) -> None:
    name, objects = rendered
    if not [o for o in objects if o["kind"] == "PrometheusRule"]:
        pytest.skip(f"{name}: no PrometheusRule")
    rules = tmp_path / "rules.yml"
    rules.write_text(yaml.safe_dump({"groups": _groups(objects)}), encoding="utf-8")
    done = subprocess.run(
        [promtool, "check", "rules", str(rules)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_prometheusrule_follows_the_bridge() -> None:
    shipped = yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"]
    names = [g["name"] for g in shipped]
    assert ROOT_CAUSE_GROUP in names
    # Rules (no bridge): every group. The bridge on, in the values or in an existing
    # ConfigMap: every group but the per-root-cause alerts.
    assert [g["name"] for g in _groups(_by_name("everything-values.yaml"))] == names
    without = [n for n in names if n != ROOT_CAUSE_GROUP]
    assert [g["name"] for g in _groups(_by_name("bridge-values.yaml"))] == without
    assert [g["name"] for g in _groups(_by_name("existing-objects-values.yaml"))] == without
    assert _groups(_by_name("bridge-values.yaml")) == [
        g for g in shipped if g["name"] != ROOT_CAUSE_GROUP
    ]


def _jobs(text: str) -> set[str]:
    return set(re.findall(r'job=\\?"([^"\\]*)\\?"', text))


def test_rules_and_dashboards_select_the_job_the_servicemonitor_produces() -> None:
    for name in ("bridge-values.yaml", "everything-values.yaml"):
        objects = _by_name(name)
        service = one(objects, "Service")
        label = one(objects, "ServiceMonitor")["spec"]["jobLabel"]
        job = service["metadata"]["labels"][label]
        assert _jobs(json.dumps(_groups(objects))) == {job}, name
        for board in [o for o in objects if o["kind"] == "ConfigMap" and o is not None]:
            for key, text in board["data"].items():
                if key.endswith(".json"):
                    assert _jobs(text) == {job}, f"{name}: {key}"
    # nameOverride renames the job; the shipped files say causely-exporter.
    assert _jobs(RULES.read_text(encoding="utf-8")) == {"causely-exporter"}
    everything = _by_name("everything-values.yaml")
    assert one(everything, "Service")["metadata"]["labels"]["app.kubernetes.io/name"] == "rca"


def test_dashboards_are_configmaps_for_the_grafana_sidecar() -> None:
    objects = _by_name("everything-values.yaml")
    boards = [o for o in objects if o["kind"] == "ConfigMap" and "config.yaml" not in o["data"]]
    shipped = sorted(p.name for p in DASHBOARDS.glob("*.json"))
    assert sorted(k for b in boards for k in b["data"]) == shipped
    for board in boards:
        assert board["metadata"]["labels"]["grafana_dashboard"] == "1"
        assert board["metadata"]["annotations"] == {"grafana_folder": "Causely"}
        (key,) = board["data"]
        dashboard = json.loads(board["data"][key])
        original = json.loads((DASHBOARDS / key).read_text(encoding="utf-8"))
        assert dashboard["uid"] == original["uid"]
        assert len(dashboard["panels"]) == len(original["panels"])


def test_the_chart_s_copies_of_rules_and_dashboards_are_current() -> None:
    files = CHART / "files"
    assert (files / RULES.name).read_bytes() == RULES.read_bytes(), "run scripts/gen_mixin.py"
    for board in DASHBOARDS.glob("*.json"):
        copy = files / "dashboards" / board.name
        assert copy.read_bytes() == board.read_bytes(), "run scripts/gen_mixin.py"


# --- the pod --------------------------------------------------------------------------------


def test_web_config_switches_probes_and_servicemonitor_to_https() -> None:
    objects = _by_name("web-tls-basic-auth-values.yaml")
    values = values_of(CHART / "ci" / "web-tls-basic-auth-values.yaml")
    pod = one(objects, "Deployment")["spec"]["template"]["spec"]
    main = container(objects)
    assert "--web.config.file=/etc/causely-exporter/web/web-config.yml" in main["args"]
    mounts = {m["mountPath"]: m["name"] for m in main["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    web_secret = volumes[mounts["/etc/causely-exporter/web"]]["secret"]["secretName"]
    (stored,) = [
        o for o in objects if o["kind"] == "Secret" and o["metadata"]["name"] == web_secret
    ]
    assert yaml.safe_load(stored["stringData"]["web-config.yml"]) == values["web"]["config"]
    tls = volumes[mounts["/etc/causely-exporter/tls"]]["secret"]["secretName"]
    assert tls == values["web"]["tls"]["secretName"]
    for probe in ("livenessProbe", "readinessProbe"):
        get = main[probe]["httpGet"]
        assert get["scheme"] == "HTTPS"
        # /healthz and /readyz never ask for credentials (test_image.py checks it live).
        assert "httpHeaders" not in get
    endpoint = one(objects, "ServiceMonitor")["spec"]["endpoints"][0]
    assert endpoint["scheme"] == "https"
    assert endpoint["tlsConfig"]["ca"]["secret"] == {"name": tls, "key": "ca.crt"}
    assert endpoint["tlsConfig"]["serverName"] == "causely-exporter.monitoring.svc"
    assert endpoint["basicAuth"] == values["serviceMonitor"]["basicAuth"]
    # Without the web config: plain HTTP, no web volumes.
    plain = _by_name("defaults-values.yaml")
    assert container(plain)["livenessProbe"]["httpGet"]["scheme"] == "HTTP"
    assert not [a for a in container(plain)["args"] if a.startswith("--web.config.file")]


def test_existing_objects_are_mounted_not_created() -> None:
    objects = _by_name("existing-objects-values.yaml")
    values = values_of(CHART / "ci" / "existing-objects-values.yaml")
    assert not [o for o in objects if o["kind"] in ("ConfigMap", "Secret")]
    volumes = {
        v["name"]: v for v in one(objects, "Deployment")["spec"]["template"]["spec"]["volumes"]
    }
    assert volumes["config"]["configMap"]["name"] == values["existingConfigMap"]
    assert volumes["credentials"]["secret"]["secretName"] == values["credentials"]["existingSecret"]
    assert volumes["web-config"]["secret"]["secretName"] == values["web"]["existingSecret"]
    annotations = one(objects, "Deployment")["spec"]["template"]["metadata"].get("annotations")
    assert not annotations, "no checksum of a config the chart cannot see"


def _checksum(values: dict[str, Any]) -> str:
    template = one(render(values), "Deployment")["spec"]["template"]
    checksum: str = template["metadata"]["annotations"]["checksum/config"]
    return checksum


def test_a_changed_config_rolls_the_pods() -> None:
    base = _checksum({})
    assert _checksum({}) == base
    assert _checksum({"config": {"collection": {"interval": "30s"}}}) != base
    assert _checksum({"podLabels": {"team": "x"}}) == base


def test_everything_values_reach_the_pod() -> None:
    objects = _by_name("everything-values.yaml")
    values = values_of(CHART / "ci" / "everything-values.yaml")
    deployment = one(objects, "Deployment")
    template = deployment["spec"]["template"]
    pod, main = template["spec"], container(objects)
    assert main["image"] == f"{values['image']['repository']}@{values['image']['digest']}"
    assert main["imagePullPolicy"] == "Always"
    assert pod["imagePullSecrets"] == values["imagePullSecrets"]
    assert main["resources"] == values["resources"]
    assert pod["nodeSelector"] == values["nodeSelector"]
    assert pod["tolerations"] == values["tolerations"]
    assert pod["priorityClassName"] == values["priorityClassName"]
    (spread,) = pod["topologySpreadConstraints"]
    assert spread["labelSelector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]
    assert template["metadata"]["labels"]["team"] == "observability"
    assert "team" not in deployment["spec"]["selector"]["matchLabels"]
    assert template["metadata"]["annotations"]["example.com/team"] == "observability"
    assert {"checksum/config", "checksum/credentials"} <= set(template["metadata"]["annotations"])
    assert main["env"] == values["extraEnv"]
    assert "--web.max-connections=32" in main["args"]
    assert "--log.format=logfmt" in main["args"]
    assert {"name": "alertmanager-ca", "configMap": {"name": "alertmanager-ca"}} in pod["volumes"]
    assert values["extraVolumeMounts"][0] in main["volumeMounts"]
    assert main["livenessProbe"]["initialDelaySeconds"] == 5
    config = yaml.safe_load(helm_chart.config_text(objects))
    assert config == values["config"] | {
        "causely": {
            **values["config"]["causely"],
            "client_id_file": f"{SECRETS_DIR}/client_id",
            "client_secret_file": f"{SECRETS_DIR}/client_secret",
        }
    }
    assert config["http"]["max_response_bytes"] == 33554432  # not 3.3554432e+07


def test_one_replica_gets_no_disruption_budget() -> None:
    objects = render({"replicaCount": 1})
    assert not [o for o in objects if o["kind"] == "PodDisruptionBudget"]
    assert one(objects, "Deployment")["spec"]["replicas"] == 1


def test_networkpolicy_allows_dns_the_apis_the_alertmanagers_and_scrapes() -> None:
    objects = _by_name("bridge-values.yaml")
    values = values_of(CHART / "ci" / "bridge-values.yaml")
    policy = one(objects, "NetworkPolicy")["spec"]
    pod_labels = one(objects, "Deployment")["spec"]["template"]["metadata"]["labels"]
    assert policy["podSelector"]["matchLabels"].items() <= pod_labels.items()
    assert sorted(policy["policyTypes"]) == ["Egress", "Ingress"]
    (ingress,) = policy["ingress"]
    assert ingress["ports"] == [{"port": "http", "protocol": "TCP"}]
    egress = policy["egress"]
    ports = [sorted((p["port"], p["protocol"]) for p in rule["ports"]) for rule in egress]
    assert [(53, "TCP"), (53, "UDP")] in ports
    assert [(443, "TCP")] in ports
    alertmanagers = [r for r in egress if r["ports"] == [{"port": 9093, "protocol": "TCP"}]]
    assert (
        alertmanagers and alertmanagers[0]["to"] == values["networkPolicy"]["alertmanagers"]["to"]
    )
    # The Alertmanager URLs of the config use the port the policy opens.
    for url in values["config"]["alertmanager"]["urls"]:
        assert url.rsplit(":", 1)[1] == "9093"
    # Scrapes only from Prometheus when asked.
    everything = one(_by_name("everything-values.yaml"), "NetworkPolicy")["spec"]
    assert everything["ingress"][0]["from"]


def test_notes_tell_how_to_check_it(rendered: tuple[str, list[dict[str, Any]]]) -> None:
    name, _ = rendered
    notes = helm_chart.render_templates(values_of(CHART / "ci" / name))
    (text,) = [t for p, t in notes.items() if p.endswith("NOTES.txt")]
    assert "/readyz" in text and "/metrics" in text
    assert "rollout status" in text


# --- README and packaging --------------------------------------------------------------------


def _leaves(node: Any, path: tuple[str, ...] = ()) -> dict[str, Any]:
    if isinstance(node, dict) and node:
        found: dict[str, Any] = {}
        for key, value in node.items():
            found |= _leaves(value, (*path, key))
        return found
    return {".".join(path): node}


def test_readme_table_lists_every_value_with_its_default() -> None:
    text = (CHART / "README.md").read_text(encoding="utf-8")
    start = text.index("<!-- values table")
    end = text.index("<!-- end of values table -->")
    rows = re.findall(r"^\| `([^`]+)` \| `(.*?)` \| (.*) \|$", text[start:end], re.M)
    table = {key: json.loads(default) for key, default, _ in rows}
    assert len(table) == len(rows), "a key is listed twice"
    values = _leaves(values_of(CHART / "values.yaml"))
    assert set(table) == set(values), (
        f"only in values.yaml: {sorted(set(values) - set(table))}; "
        f"only in README.md: {sorted(set(table) - set(values))}"
    )
    for key, default in values.items():
        assert table[key] == default, f"{key}: README says {table[key]!r}, values.yaml {default!r}"
    assert all(description.strip() for _, _, description in rows)


def test_schema_describes_every_top_level_value() -> None:
    schema = json.loads((CHART / "values.schema.json").read_text(encoding="utf-8"))
    assert schema["additionalProperties"] is False
    assert set(values_of(CHART / "values.yaml")) <= set(schema["properties"])


def test_helm_package_makes_an_archive_that_renders_the_same(tmp_path: Path) -> None:
    import tarfile

    helm = helm_chart.helm()
    archive = Path(helm.package(str(CHART), destination=str(tmp_path)))
    assert archive.name == "causely-exporter-" + helm.Chart.load(str(CHART)).version + ".tgz"
    with tarfile.open(archive) as tar:
        names = {
            PurePosixPath(n).relative_to("causely-exporter").as_posix() for n in tar.getnames()
        }
    assert {"Chart.yaml", "values.yaml", "values.schema.json", "README.md"} <= names
    assert "files/causely-exporter.rules.yml" in names
    assert not [n for n in names if n.startswith("ci/")], "ci/ is for the tests only"
    values = values_of(CHART / "ci" / "everything-values.yaml")
    packaged = helm.Chart.load(str(archive)).render(
        values, name=helm_chart.RELEASE, namespace=helm_chart.NAMESPACE
    )
    assert packaged == helm_chart.render_templates(values)
