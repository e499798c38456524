"""Static checks of the deployment files: Docker image, compose stack, Helm chart, systemd.

Nothing here builds or starts anything (no Docker engine, no cluster, no network). The tests
parse the files, render the Helm chart with Helm's own engine, and check that they agree with
each other and with the exporter itself: the port, the paths, the flags (parsed with the
exporter's own argparse parser), the job name and the Prometheus rules that the
PrometheusRule must mirror. test_chart.py validates the chart's objects against Kubernetes'
schemas; test_image.py builds and runs the image.
"""

from __future__ import annotations

import functools
import json
import re
import shlex
import subprocess
import sys
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from tests.processes import OPTIONAL_TOOL, find_binary

from . import helm_chart

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
CHART = helm_chart.CHART
DOCKERFILE = DEPLOY / "Dockerfile"
COMPOSE = DEPLOY / "docker-compose.yml"
RULES = DEPLOY / "prometheus" / "causely-exporter.rules.yml"
PROMETHEUS_CONFIG = DEPLOY / "prometheus" / "prometheus.yml"
UNIT = DEPLOY / "systemd" / "causely-exporter.service"
GEN_SCRIPT = ROOT / "scripts" / "gen_prometheusrule.py"

PORT = 9863
JOB = "causely-exporter"
NAME_LABEL = "app.kubernetes.io/name"
CONFIG_PATH = "/etc/causely-exporter/config.yaml"
SECRETS_DIR = "/etc/causely-exporter/secrets"
# The chart's defaults with the Prometheus Operator objects on (ServiceMonitor, PrometheusRule).
CHART_VALUES = {"serviceMonitor": {"enabled": True}, "prometheusRule": {"enabled": True}}


# --- helpers ----------------------------------------------------------------------------------


def _cli() -> Any:
    # Imported lazily so that the file-only checks run even while exporter.app.cli is broken.
    import exporter.app.cli

    return exporter.app.cli


def _parse_flags(args: list[str], where: str) -> Any:
    """Parse `args` with the exporter's own parser; unknown or malformed flags fail the test."""
    parser = _cli().build_parser()
    # argparse accepts unique prefixes (--web.listen); deployment files must spell flags out,
    # or a future flag with the same prefix would break them.
    parser.allow_abbrev = False
    try:
        return parser.parse_args(args)
    except SystemExit:
        pytest.fail(f"{where}: causely-exporter does not accept {args}")


def _port_of(address: str) -> int:
    return int(address.rsplit(":", 1)[1])


def _load_docs(path: Path) -> list[Any]:
    with path.open(encoding="utf-8") as handle:
        return [doc for doc in yaml.safe_load_all(handle) if doc is not None]


def _load_one(path: Path) -> Any:
    docs = _load_docs(path)
    assert len(docs) == 1, f"{path.relative_to(ROOT)}: expected one YAML document"
    return docs[0]


def _yaml_files() -> list[Path]:
    found = [
        p
        for base in (DEPLOY, ROOT / "grafana")
        for p in base.rglob("*")
        if p.suffix in (".yml", ".yaml")
        and p.is_file()
        # Helm templates are Go templates, not YAML: test_chart.py renders and checks them.
        and (CHART / "templates") not in p.parents
    ]
    return sorted(found)


# Dockerfile ---------------------------------------------------------------------------------


def _dockerfile() -> list[tuple[int, str, str]]:
    """(stage index, INSTRUCTION, arguments) with continuations joined and comments dropped."""
    instructions: list[tuple[int, str, str]] = []
    stage = -1
    pending = ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue  # comments may sit between continuation lines, too
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        keyword, _, args = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            stage += 1
        instructions.append((stage, keyword, args.strip()))
    return instructions


def _stage(index: int) -> list[tuple[str, str]]:
    instructions = _dockerfile()
    last = max(s for s, _, _ in instructions)
    wanted = last if index == -1 else index
    return [(k, a) for s, k, a in instructions if s == wanted]


def _dockerfile_args() -> dict[str, str]:
    """Defaults of the global ARGs (those before the first FROM)."""
    defaults = {}
    for stage, keyword, args in _dockerfile():
        if stage == -1 and keyword == "ARG" and "=" in args:
            name, _, value = args.partition("=")
            defaults[name] = value
    return defaults


def _json_form(args: str) -> list[str]:
    value = json.loads(args)
    assert isinstance(value, list), f"expected the exec (JSON) form, got {args}"
    return value


# Compose ------------------------------------------------------------------------------------


def _compose() -> dict[str, Any]:
    return _load_one(COMPOSE)


def _service(name: str) -> dict[str, Any]:
    return _compose()["services"][name]


def _bind_mounts(service: dict[str, Any]) -> list[tuple[Path, str]]:
    """(host path, container path) of the service's bind mounts; named volumes left out."""
    mounts = []
    for volume in service.get("volumes", []):
        if isinstance(volume, dict):
            if volume.get("type") == "bind":
                mounts.append(((DEPLOY / volume["source"]).resolve(), volume["target"]))
            continue
        source, target = volume.split(":")[:2]
        if source.startswith((".", "/", "~")):
            mounts.append(((DEPLOY / source).resolve(), target))
    return mounts


def _host_path(service: dict[str, Any], container_path: str) -> Path | None:
    """The host file behind `container_path`, through the service's bind mounts."""
    wanted = PurePosixPath(container_path)
    best: tuple[int, Path] | None = None
    for host, target in _bind_mounts(service):
        mount = PurePosixPath(target)
        if wanted == mount or mount in wanted.parents:
            depth = len(mount.parts)
            if best is None or depth > best[0]:
                best = (depth, host / wanted.relative_to(mount))
    return None if best is None else best[1]


def _flag(args: list[str], name: str) -> str | None:
    for arg in args:
        if arg.startswith(f"{name}="):
            return arg.split("=", 1)[1]
    return None


def _published_container_ports(service: dict[str, Any]) -> set[int]:
    ports = set()
    for entry in service.get("ports", []):
        if isinstance(entry, dict):
            ports.add(int(entry["target"]))
        else:
            ports.add(int(str(entry).split("/")[0].rsplit(":", 1)[1]))
    return ports


def _prometheus_config() -> dict[str, Any]:
    return _load_one(PROMETHEUS_CONFIG)


def _exporter_scrape_job() -> dict[str, Any]:
    jobs = [j for j in _prometheus_config()["scrape_configs"] if j["job_name"] == JOB]
    assert len(jobs) == 1, f"prometheus.yml: expected one job named {JOB}"
    return jobs[0]


# Helm chart ---------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _objects() -> tuple[dict[str, Any], ...]:
    return tuple(helm_chart.render(CHART_VALUES))


def _k8s(kind: str) -> dict[str, Any]:
    return helm_chart.one(list(_objects()), kind)


def _container() -> dict[str, Any]:
    return helm_chart.container(list(_objects()))


def _container_port(name_or_number: str | int) -> int:
    for port in _container()["ports"]:
        if name_or_number in (port.get("name"), port["containerPort"]):
            return int(port["containerPort"])
    raise AssertionError(f"the container has no port {name_or_number!r}")


def _chart_default(*keys: str) -> Any:
    node: Any = helm_chart.values_of(CHART / "values.yaml")
    for key in keys:
        node = node[key]
    return node


def _configmap_config() -> tuple[str, dict[str, Any]]:
    text = _k8s("ConfigMap")["data"]["config.yaml"]
    return text, yaml.safe_load(text)


# systemd ------------------------------------------------------------------------------------


def _unit() -> dict[str, list[tuple[str, str]]]:
    """Sections of the unit file as (key, value) lists; systemd allows repeated keys."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] | None = None
    pending = ""
    for raw in UNIT.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith(("#", ";"))):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
            continue
        assert current is not None, f"{UNIT.name}: setting outside a section: {line}"
        key, _, value = line.partition("=")
        current.append((key.strip(), value.strip()))
    return sections


def _unit_value(section: str, key: str) -> str | None:
    values = [v for k, v in _unit().get(section, []) if k == key]
    return values[-1] if values else None


def _exec_start() -> list[str]:
    value = _unit_value("Service", "ExecStart")
    assert value, "the unit has no ExecStart"
    return shlex.split(value)


# --- every YAML file --------------------------------------------------------------------------


@pytest.mark.parametrize("path", _yaml_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_yaml_file_parses(path: Path) -> None:
    docs = _load_docs(path)
    assert docs, f"{path.relative_to(ROOT)} has no YAML document"


# --- Dockerfile -------------------------------------------------------------------------------


def test_dockerfile_is_multi_stage_building_a_wheel() -> None:
    instructions = _dockerfile()
    froms = [args for _, keyword, args in instructions if keyword == "FROM"]
    assert len(froms) >= 2, "expected a builder stage and a final stage"
    builder_alias = froms[0].split()[-1]
    assert " AS " in froms[0].upper(), "the builder stage needs a name"
    assert any(k == "RUN" and "pip wheel" in a for k, a in _stage(0)), "builder: no pip wheel"

    image = froms[-1].split()[0]
    assert froms[0].split()[0] == image, "both stages start from the same base"
    for _ in range(5):  # an ARG's default may refer to an earlier ARG
        for name, value in _dockerfile_args().items():
            image = image.replace(f"${{{name}}}", value).replace(f"${name}", value)
    # The default stays the official image users pull; BASE_IMAGE swaps it (the tests build
    # on a base made from Debian's packages).
    assert image == "python:3.11-slim"
    assert "BASE_IMAGE" in _dockerfile_args()

    final = _stage(-1)
    takes_from_builder = [
        a
        for k, a in final
        if k in ("COPY", "RUN") and re.search(rf"from={re.escape(builder_alias)}\b", a)
    ]
    assert takes_from_builder, "the final stage does not take the wheels from the builder"


def test_dockerfile_final_stage_installs_only_the_wheel() -> None:
    final = _stage(-1)
    runs = " ".join(a for k, a in final if k == "RUN")
    for tool in ("apt-get", "apk ", "gcc", "build-essential", "pip wheel", "python -m build"):
        assert tool not in runs, f"final stage uses build tooling: {tool}"
    installs = [a for k, a in final if k == "RUN" and "pip install" in a]
    assert len(installs) == 1
    assert "--no-index" in installs[0], "final stage must install from the built wheels only"
    assert "--no-cache-dir" in installs[0], "final stage must not keep a pip cache"
    assert not any(k == "COPY" and "--from" not in a for k, a in final), (
        "the final stage must not copy the source tree"
    )


def test_dockerfile_runs_as_numeric_non_root_user() -> None:
    users = [a for k, a in _stage(-1) if k == "USER"]
    assert users, "final stage has no USER"
    uid = users[-1].split(":")[0]
    assert uid.isdigit(), "use a numeric UID so Kubernetes can verify runAsNonRoot"
    assert int(uid) != 0
    pod = _k8s("Deployment")["spec"]["template"]["spec"]["securityContext"]
    assert pod["runAsUser"] == int(uid), "the Deployment runs as a different UID than the image"


def test_dockerfile_exposes_and_probes_the_default_port() -> None:
    final = _stage(-1)
    exposed = {int(p.split("/")[0]) for k, a in final if k == "EXPOSE" for p in a.split()}
    assert exposed == {PORT}
    healthchecks = [a for k, a in final if k == "HEALTHCHECK"]
    assert len(healthchecks) == 1
    check = healthchecks[0]
    assert "CMD" in check and "urllib" in check, "slim has no curl: probe with python's urllib"
    assert re.search(rf"http://(127\.0\.0\.1|localhost):{PORT}/healthz\b", check)
    # ...unless CAUSELY_EXPORTER_HEALTHCHECK_URL moves it (test_healthcheck.py runs the probe).
    assert "os.environ.get('CAUSELY_EXPORTER_HEALTHCHECK_URL'," in check


def test_dockerfile_entrypoint_and_cmd() -> None:
    final = _stage(-1)
    entrypoints = [_json_form(a) for k, a in final if k == "ENTRYPOINT"]
    cmds = [_json_form(a) for k, a in final if k == "CMD"]
    assert entrypoints[-1] == ["causely-exporter"]
    assert cmds[-1] == [f"--config.file={CONFIG_PATH}"]
    _parse_flags(cmds[-1], "Dockerfile CMD")
    # tomllib is 3.11+ and the project supports 3.10: a line match is enough here.
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r"^\[project\.scripts\]\s*^causely-exporter\s*=", pyproject, re.M), (
        "ENTRYPOINT names a console script that pyproject.toml does not declare"
    )


def test_dockerfile_copies_exist_and_are_not_dockerignored() -> None:
    ignore = ROOT / ".dockerignore"
    assert ignore.is_file(), "the build context is the repo root: .dockerignore belongs there"
    patterns = [
        line.strip()
        for line in ignore.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for required in (".git", ".venv"):
        assert required in patterns, f".dockerignore does not exclude {required}"
    sources = []
    for _, keyword, args in _dockerfile():
        if keyword == "COPY" and "--from" not in args:
            sources += [s for s in args.split()[:-1] if not s.startswith("--")]
    assert sources, "the builder copies nothing from the context"
    for source in sources:
        assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
        excluded = [p for p in patterns if not p.startswith("!") and fnmatch(source, p)]
        assert not excluded, f"COPY {source} is excluded by .dockerignore {excluded}"


# --- docker compose ---------------------------------------------------------------------------


def test_compose_has_the_stack_with_healthchecks() -> None:
    services = _compose()["services"]
    assert {"causely-exporter", "prometheus", "alertmanager", "grafana"} <= set(services)
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), f"{name}: no healthcheck"
        image = service.get("image", "")
        if "build" not in service:
            assert ":" in image and not image.endswith(":latest"), f"{name}: pin the image"
    assert _service("prometheus")["image"].startswith("prom/prometheus:")
    assert _service("alertmanager")["image"].startswith("prom/alertmanager:")
    assert _service("grafana")["image"].startswith("grafana/grafana:")


def test_compose_builds_the_exporter_from_the_dockerfile() -> None:
    build = _service("causely-exporter")["build"]
    context = (DEPLOY / build["context"]).resolve()
    assert context == ROOT, "the build context must be the repo root"
    assert (context / build["dockerfile"]).resolve() == DOCKERFILE


def test_compose_exporter_commands_are_valid_flags() -> None:
    command = _service("causely-exporter")["command"]
    args = _parse_flags(command, "compose command")
    assert args.demo, "the compose stack runs --demo by default"
    assert _port_of(args.listen_address) == PORT
    # The commented real-mode alternatives must be valid, too.
    alternatives = re.findall(r"^\s*#\s*command:\s*(\[.*\])\s*$", COMPOSE.read_text(), re.M)
    assert alternatives, "compose documents no real-mode command"
    for alternative in alternatives:
        parsed = _parse_flags(yaml.safe_load(alternative), "compose real-mode command")
        assert not parsed.demo


def test_compose_credentials_come_from_the_environment() -> None:
    environment = _service("causely-exporter")["environment"]
    for name in ("CAUSELY_CLIENT_ID", "CAUSELY_CLIENT_SECRET", "CAUSEFLOW_TOKEN"):
        assert environment[name] == f"${{{name}:-}}", f"{name} must come from the environment"


def test_compose_bind_mounts_exist() -> None:
    compose = _compose()
    declared = set(compose.get("volumes") or {})
    for name, service in compose["services"].items():
        for host, target in _bind_mounts(service):
            assert host.exists(), f"{name}: mount source {host} for {target} does not exist"
            assert ROOT in host.parents, f"{name}: mount source {host} lies outside the repo"
        for volume in service.get("volumes", []):
            if isinstance(volume, str) and not volume.startswith((".", "/", "~")):
                assert volume.split(":")[0] in declared, f"{name}: undeclared volume {volume}"


def test_compose_prometheus_scrapes_the_exporter() -> None:
    job = _exporter_scrape_job()
    targets = [t for sc in job["static_configs"] for t in sc["targets"]]
    assert targets == [f"causely-exporter:{PORT}"]
    assert job.get("metrics_path", "/metrics") == _cli().DEFAULT_TELEMETRY_PATH
    assert PORT in _published_container_ports(_service("causely-exporter"))


def test_compose_prometheus_gets_its_config_and_rule_files() -> None:
    prometheus = _service("prometheus")
    config_flag = _flag(prometheus["command"], "--config.file")
    assert config_flag, "prometheus: pass --config.file explicitly"
    config_host = _host_path(prometheus, config_flag)
    assert config_host is not None and config_host.resolve() == PROMETHEUS_CONFIG
    config_dir = PurePosixPath(config_flag).parent
    seen = set()
    for pattern in _prometheus_config().get("rule_files", []):
        inside = str(config_dir / pattern)  # rule_files are relative to the config file
        host = _host_path(prometheus, inside)
        assert host is not None, f"prometheus: rule file {inside} is not mounted"
        matches = sorted(host.parent.glob(host.name))
        assert matches, f"prometheus: rule file {inside} (host {host}) does not exist"
        seen.update(m.resolve() for m in matches)
    assert RULES in seen, "prometheus does not load deploy/prometheus/causely-exporter.rules.yml"


def test_compose_alertmanager_is_wired() -> None:
    alertmanager = _service("alertmanager")
    config_flag = _flag(alertmanager["command"], "--config.file")
    host = _host_path(alertmanager, config_flag or "/etc/alertmanager/alertmanager.yml")
    assert host is not None and host.resolve() == DEPLOY / "alertmanager" / "alertmanager.yml"
    targets = [
        t
        for am in _prometheus_config()["alerting"]["alertmanagers"]
        for sc in am["static_configs"]
        for t in sc["targets"]
    ]
    assert targets == ["alertmanager:9093"]
    assert 9093 in _published_container_ports(alertmanager)


def test_compose_grafana_provisioning() -> None:
    grafana = _service("grafana")
    targets = {target: host for host, target in _bind_mounts(grafana)}
    assert targets.get("/etc/grafana/provisioning") == ROOT / "grafana" / "provisioning"
    assert targets.get("/var/lib/grafana/dashboards") == ROOT / "grafana" / "dashboards"
    environment = grafana["environment"]
    assert str(environment["GF_AUTH_ANONYMOUS_ENABLED"]).lower() == "true"
    assert environment["GF_AUTH_ANONYMOUS_ORG_ROLE"] == "Viewer"
    assert 3000 in _published_container_ports(grafana)
    # Every file provider reads a directory that is mounted.
    for path in sorted((ROOT / "grafana" / "provisioning" / "dashboards").glob("*.y*ml")):
        for provider in _load_one(path).get("providers", []):
            if provider.get("type", "file") == "file":
                assert provider["options"]["path"] in targets, f"{path.name}: unmounted path"
    # Every datasource URL points at a compose service and its port.
    services = _compose()["services"]
    for path in sorted((ROOT / "grafana" / "provisioning" / "datasources").glob("*.y*ml")):
        for source in _load_one(path).get("datasources", []):
            url = urlsplit(source["url"])
            assert url.hostname in services, f"{path.name}: {url.hostname} is not a service"
            assert url.port in _published_container_ports(services[url.hostname])


# --- Kubernetes (the Helm chart's defaults) ----------------------------------------------------


def test_chart_objects_are_labelled() -> None:
    for obj in _objects():
        assert obj["apiVersion"], obj["kind"]
        assert obj["metadata"]["name"], obj["kind"]
        assert obj["metadata"]["labels"][NAME_LABEL] == "causely-exporter", obj["kind"]
    kinds = sorted(obj["kind"] for obj in _objects())
    assert kinds == sorted(
        [
            "ConfigMap",
            "Deployment",
            "PodDisruptionBudget",
            "PrometheusRule",
            "Service",
            "ServiceAccount",
            "ServiceMonitor",
        ]
    )


def test_deployment_probes() -> None:
    container = _container()
    liveness, readiness = container["livenessProbe"], container["readinessProbe"]
    assert liveness["httpGet"]["path"] == "/healthz"
    assert readiness["httpGet"]["path"] == "/readyz"
    for probe in (liveness, readiness):
        assert probe["httpGet"]["port"] == "http"
        assert _container_port(probe["httpGet"]["port"]) == PORT


def test_deployment_resources_and_security() -> None:
    deployment = _k8s("Deployment")
    assert deployment["spec"]["replicas"] == 2, "two replicas: the HA set-up"
    assert deployment["spec"]["selector"]["matchLabels"].items() <= (
        deployment["spec"]["template"]["metadata"]["labels"].items()
    )
    pod = deployment["spec"]["template"]["spec"]
    container = _container()
    for part in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(container["resources"][part]), f"resources.{part}"
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    security = container["securityContext"]
    assert security["runAsNonRoot"] is True
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    assert security["seccompProfile"]["type"] == "RuntimeDefault"


def test_deployment_args_are_valid_flags() -> None:
    container = _container()
    args = _parse_flags(container["args"], "Deployment args")
    assert args.config_file == CONFIG_PATH
    assert not args.demo
    assert _port_of(args.listen_address) == _container_port("http") == PORT
    assert "command" not in container, "keep the image's ENTRYPOINT"


def test_service_targets_the_container_port() -> None:
    service = _k8s("Service")
    pod_labels = _k8s("Deployment")["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= pod_labels.items()
    ports = service["spec"]["ports"]
    assert len(ports) == 1
    assert ports[0]["name"] == "http"
    assert ports[0]["port"] == PORT
    assert _container_port(ports[0]["targetPort"]) == PORT


def test_two_replicas_survive_a_drain_and_spread_over_nodes() -> None:
    deployment = _k8s("Deployment")
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    # A rollout never takes the only serving replica away.
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    pdb = _k8s("PodDisruptionBudget")
    assert pdb["apiVersion"] == "policy/v1"
    assert pdb["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    # Exactly one of the two may be evicted at a time, never both, never none.
    if "minAvailable" in pdb["spec"]:
        assert pdb["spec"]["minAvailable"] == deployment["spec"]["replicas"] - 1
    else:
        assert pdb["spec"]["maxUnavailable"] == 1
    anti = deployment["spec"]["template"]["spec"]["affinity"]["podAntiAffinity"]
    terms = [
        term.get("podAffinityTerm", term)
        for key in (
            "preferredDuringSchedulingIgnoredDuringExecution",
            "requiredDuringSchedulingIgnoredDuringExecution",
        )
        for term in anti.get(key, [])
    ]
    by_topology = {term["topologyKey"]: term for term in terms}
    host = by_topology["kubernetes.io/hostname"]
    assert host["labelSelector"]["matchLabels"].items() <= pod_labels.items()
    # Preferred: a one-node cluster (kind, minikube) still schedules both replicas.
    assert "requiredDuringSchedulingIgnoredDuringExecution" not in anti


def test_servicemonitor_keeps_the_exporters_namespace_label() -> None:
    # causely_defect_info{namespace} is the entity's namespace; the Operator adds a target
    # label `namespace` (the pod's). Only honorLabels keeps the exporter's value (and an
    # empty one stays empty instead of becoming the pod's namespace).
    endpoint = _k8s("ServiceMonitor")["spec"]["endpoints"][0]
    assert endpoint.get("honorLabels") is True


def test_servicemonitor_scrapes_the_service() -> None:
    monitor = _k8s("ServiceMonitor")
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    service = _k8s("Service")
    labels = service["metadata"]["labels"]
    assert monitor["spec"]["selector"]["matchLabels"].items() <= labels.items()
    endpoints = monitor["spec"]["endpoints"]
    assert len(endpoints) == 1
    endpoint = endpoints[0]
    assert endpoint["port"] in {p["name"] for p in service["spec"]["ports"]}
    assert endpoint["path"] == "/metrics" == _cli().DEFAULT_TELEMETRY_PATH
    assert endpoint["interval"] == "60s"
    # The job label must equal the compose job name: rules and dashboards select on it.
    job_label = monitor["spec"].get("jobLabel")
    job = labels[job_label] if job_label else service["metadata"]["name"]
    assert job == JOB == _exporter_scrape_job()["job_name"]


# --- PrometheusRule = rule file ---------------------------------------------------------------


def test_deployment_mounts_config_secret_and_tmp() -> None:
    pod = _k8s("Deployment")["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["mountPath"]: m for m in _container()["volumeMounts"]}

    config = mounts[CONFIG_PATH]
    assert config["subPath"] == "config.yaml" and config["readOnly"] is True
    configmap = _k8s("ConfigMap")
    assert volumes[config["name"]]["configMap"]["name"] == configmap["metadata"]["name"]
    assert "config.yaml" in configmap["data"]

    secret = mounts[SECRETS_DIR]
    assert secret["readOnly"] is True
    secret_volume = volumes[secret["name"]]["secret"]
    # The default: a Secret the team creates (the chart creates one only when asked).
    assert secret_volume["secretName"] == _chart_default("credentials", "existingSecret")
    assert not [obj for obj in _objects() if obj["kind"] == "Secret"]
    # 0440 plus fsGroup: readable by the non-root user, by nobody else.
    assert secret_volume["defaultMode"] == 0o440
    assert pod["securityContext"]["fsGroup"] == pod["securityContext"]["runAsUser"]

    assert "emptyDir" in volumes[mounts["/tmp"]["name"]]
    # The exporter never talks to the Kubernetes API.
    assert pod["automountServiceAccountToken"] is False
    assert _k8s("ServiceAccount")["automountServiceAccountToken"] is False


def test_configmap_config_uses_the_mounted_secret_files(tmp_path: Path) -> None:
    text, raw = _configmap_config()
    referenced = re.findall(r"^\s*#?\s*\w+_file:\s*(\S+)\s*$", text, re.M)
    assert len(referenced) >= 2, "config.yaml does not read the credentials from files"
    for path in referenced:
        assert str(PurePosixPath(path).parent) == SECRETS_DIR, path
    assert raw["causely"]["client_id_file"] == f"{SECRETS_DIR}/client_id"
    assert raw["causely"]["client_secret_file"] == f"{SECRETS_DIR}/client_secret"

    # The exporter's own validation (unknown keys, types) on the config, with the secret files
    # redirected to temporary files.
    from exporter.config.loader import build_config

    def redirect(node: Any) -> Any:
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                if key.endswith("_file") and isinstance(value, str):
                    stand_in = tmp_path / PurePosixPath(value).name
                    stand_in.write_text("placeholder\n", encoding="utf-8")
                    value = str(stand_in)
                out[key] = redirect(value)
            return out
        return node

    config = build_config(redirect(raw), env={})
    assert config.causely.enabled
    assert config.collection.interval == 60.0


@pytest.mark.parametrize("path", helm_chart.VALUES_FILES, ids=lambda p: p.name)
def test_created_secret_holds_every_file_the_config_names(path: Path) -> None:
    values = helm_chart.values_of(path)
    if not values.get("credentials", {}).get("create"):
        pytest.skip("credentials from an existing Secret: its keys are the team's")
    objects = helm_chart.render(values)
    text = helm_chart.config_text(objects)
    secrets = [o for o in objects if o["kind"] == "Secret" and "client_id" in o["stringData"]]
    assert len(secrets) == 1
    keys = set(secrets[0]["stringData"])
    for file in re.findall(r"^\s*\w+_file:\s*(\S+)\s*$", text, re.M):
        if str(PurePosixPath(file).parent) == SECRETS_DIR:
            assert PurePosixPath(file).name in keys, f"{file}: no such key in the Secret"


# --- PrometheusRule = rule file ---------------------------------------------------------------


def _run_generator(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(GEN_SCRIPT), *args], capture_output=True, text=True, timeout=60
    )


def test_prometheusrule_groups_equal_the_rule_file() -> None:
    rule = _k8s("PrometheusRule")
    assert rule["apiVersion"] == "monitoring.coreos.com/v1"
    assert rule["spec"]["groups"] == _load_one(RULES)["groups"], (
        "the chart's files/causely-exporter.rules.yml is stale: run python scripts/gen_mixin.py"
    )


def test_generator_check_fails_when_the_rule_file_changes(tmp_path: Path) -> None:
    output = tmp_path / "prometheusrule.yaml"
    assert _run_generator("--output", str(output)).returncode == 0
    assert _run_generator("--check", "--output", str(output)).returncode == 0
    changed = _load_one(RULES)
    changed["groups"].append({"name": "drift", "rules": [{"record": "drift", "expr": "vector(1)"}]})
    rules = tmp_path / "rules.yml"
    rules.write_text(yaml.safe_dump(changed), encoding="utf-8")
    result = _run_generator("--check", "--rules", str(rules), "--output", str(output))
    assert result.returncode == 1
    assert "out of date" in result.stderr
    missing = _run_generator("--check", "--output", str(tmp_path / "missing.yaml"))
    assert missing.returncode == 1
    assert _run_generator("--check").returncode == 2, "--check without a file to compare"


def test_generator_wraps_the_rule_file() -> None:
    result = _run_generator()
    assert result.returncode == 0, result.stderr
    manifest = yaml.safe_load(result.stdout)
    assert manifest["kind"] == "PrometheusRule"
    assert manifest["spec"]["groups"] == _load_one(RULES)["groups"]


def test_generator_leaves_the_per_defect_group_out(tmp_path: Path) -> None:
    # For users of the Alertmanager bridge: the same rules without the per-root-cause alerts.
    group = "causely-exporter.root-causes"
    all_groups = _load_one(RULES)["groups"]
    assert group in {g["name"] for g in all_groups}
    expected = [g for g in all_groups if g["name"] != group]

    manifest = tmp_path / "prometheusrule.yaml"
    assert _run_generator("--exclude-group", group, "--output", str(manifest)).returncode == 0
    generated = _load_one(manifest)
    assert generated["kind"] == "PrometheusRule"
    assert generated["spec"]["groups"] == expected

    rule_file = tmp_path / "rules.yml"
    result = _run_generator("--exclude-group", group, "--rule-file", "--output", str(rule_file))
    assert result.returncode == 0, result.stderr
    assert _load_one(rule_file) == {"groups": expected}

    typo = _run_generator("--exclude-group", "causely-exporter.rootcauses", "--output", "-")
    assert typo.returncode == 2
    assert "no such group" in typo.stderr


# --- systemd ----------------------------------------------------------------------------------


def test_systemd_exec_start_uses_real_flags() -> None:
    argv = _exec_start()
    assert argv[0] == "/opt/causely-exporter/venv/bin/causely-exporter"
    args = _parse_flags(argv[1:], "ExecStart")
    assert args.config_file == CONFIG_PATH
    assert _port_of(args.listen_address) == PORT


def test_systemd_unit_is_hardened() -> None:
    expected = {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "Restart": "on-failure",
        "EnvironmentFile": "-/etc/causely-exporter/env",
    }
    for key, value in expected.items():
        assert _unit_value("Service", key) == value, key
    assert _unit_value("Service", "RestartSec")
    user = _unit_value("Service", "User")
    assert (user and user not in ("root", "0")) or _unit_value("Service", "DynamicUser") == "yes"
    assert _unit_value("Install", "WantedBy") == "multi-user.target"


def test_systemd_analyze_verify(tmp_path: Path) -> None:
    analyze = find_binary("systemd-analyze", install=OPTIONAL_TOOL, required_in_ci=False)
    # verify insists that the ExecStart binary exists; the venv is not installed here, so the
    # copy under test points at a stub. Everything else is verified as written.
    stub = tmp_path / "causely-exporter"
    stub.write_text("#!/bin/sh\n", encoding="utf-8")
    stub.chmod(0o755)
    binary = _exec_start()[0]
    unit = tmp_path / UNIT.name
    unit.write_text(
        UNIT.read_text(encoding="utf-8").replace(f"ExecStart={binary} ", f"ExecStart={stub} "),
        encoding="utf-8",
    )
    result = subprocess.run(
        [analyze, "verify", str(unit)], capture_output=True, text=True, timeout=60
    )
    output = (result.stdout + result.stderr).strip()
    assert result.returncode == 0, output
    # Unknown keys and bad values are only warnings: fail on any line about this unit.
    complaints = [line for line in output.splitlines() if UNIT.name in line]
    assert not complaints, "\n".join(complaints)


# --- one port, one path everywhere ------------------------------------------------------------


def test_port_and_path_agree_everywhere() -> None:
    cli = _cli()
    default_address, default_path = cli.DEFAULT_LISTEN_ADDRESS, cli.DEFAULT_TELEMETRY_PATH
    assert default_address == f":{PORT}"
    assert default_path == "/metrics"
    compose_check = " ".join(_service("causely-exporter")["healthcheck"]["test"])
    compose_check_port = re.search(r":(\d+)/healthz", compose_check)
    assert compose_check_port, "the compose healthcheck does not probe /healthz"
    found = {
        "exporter default": _port_of(cli.DEFAULT_LISTEN_ADDRESS),
        "Dockerfile EXPOSE": int(next(a for k, a in _stage(-1) if k == "EXPOSE").split("/")[0]),
        "compose healthcheck": int(compose_check_port.group(1)),
        "compose scrape target": _port_of(
            _exporter_scrape_job()["static_configs"][0]["targets"][0]
        ),
        "Deployment containerPort": _container_port("http"),
        "Service port": _k8s("Service")["spec"]["ports"][0]["port"],
        "chart service.port": _chart_default("service", "port"),
        "systemd (default address)": _port_of(
            _parse_flags(_exec_start()[1:], "ExecStart").listen_address
        ),
    }
    assert set(found.values()) == {PORT}, found


# --- docs -------------------------------------------------------------------------------------


def test_deploy_docs_name_existing_files() -> None:
    text = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    # Repository paths only (not image names such as grafana/grafana).
    pattern = r"\b((?:deploy|scripts)/[\w./-]*\w|grafana/(?:provisioning|dashboards)[\w./-]*)"
    paths = set(re.findall(pattern, text))
    assert paths
    for path in sorted(paths):
        assert (ROOT / path).exists(), f"docs/deploy.md names {path}, which does not exist"


def test_the_declared_license_ships_as_a_file() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    declared = re.search(r'^license\s*=\s*"([^"]+)"', pyproject, re.M)
    assert declared is not None and declared.group(1) == "Apache-2.0"
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert 'org.opencontainers.image.licenses="Apache-2.0"' in (
        ROOT / "deploy" / "Dockerfile"
    ).read_text(encoding="utf-8")
