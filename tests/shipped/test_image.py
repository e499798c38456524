"""The image, built from deploy/Dockerfile with podman and run the way the chart runs it.

The base is made from Debian's packages (mmdebstrap; no registry is needed) and cached under
~/.cache/causely-exporter/ between runs. The container runs read-only as uid 65532 with all
capabilities dropped, the chart's rendered ConfigMap and Secrets mounted at the chart's paths
and the pod's args, against the simulator; the test scrapes /metrics and runs the image's
HEALTHCHECK inside it. The container shares the host's network (--network=host): traffic stays
on 127.0.0.1, where the simulator listens, and the exporter listens on a free 127.0.0.1 port
instead of the chart's :9863 (the only arg the test changes); CAUSELY_EXPORTER_HEALTHCHECK_URL
points the HEALTHCHECK at that port.

`make test-image` runs this file alone. Outside CI a missing podman skips it with the reason;
with CI=true that is a failure.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import re
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.processes import find_binary, free_port

from .helm_chart import CHART, ROOT, container, materialize, render, values_of

pytestmark = pytest.mark.image

TOOLS = ("podman", "runc", "mmdebstrap")
SUITE = "bookworm"
BASE_PACKAGES = ("python3", "python3-venv", "ca-certificates")
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "causely-exporter"
IMAGE = "localhost/causely-exporter:test"
# The sandbox's hard limits are below podman's defaults.
LIMITS = ("--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024")
UID = 65532


def _podman(*args: str, timeout: float = 120, check: bool = True) -> str:
    done = subprocess.run(
        ["podman", "--runtime", "runc", *args], capture_output=True, text=True, timeout=timeout
    )
    if check and done.returncode != 0:
        pytest.fail(f"podman {' '.join(args[:2])}: {done.stderr.strip()[-2000:]}", pytrace=False)
    return done.stdout.strip()


def _base_image() -> str:
    """A python3 base made from Debian's packages, built once and kept in the cache."""
    key = hashlib.sha256(" ".join((SUITE, *BASE_PACKAGES)).encode()).hexdigest()[:12]
    tag = f"localhost/causely-exporter-base:{SUITE}-{key}"
    if subprocess.run(["podman", "image", "exists", tag], timeout=60).returncode == 0:
        return tag
    tarball = CACHE / f"base-{SUITE}-{key}.tar"
    if not tarball.is_file():
        CACHE.mkdir(parents=True, exist_ok=True)
        partial = tarball.with_suffix(".partial")
        done = subprocess.run(
            [
                *("mmdebstrap", "--quiet", "--variant=minbase", "--format=tar"),
                *(f"--include={','.join(BASE_PACKAGES)}", SUITE, str(partial)),
            ],
            capture_output=True,
            text=True,
            timeout=900,
        )
        if done.returncode != 0:
            partial.unlink(missing_ok=True)
            pytest.fail(f"mmdebstrap: {done.stderr.strip()[-2000:]}", pytrace=False)
        partial.rename(tarball)
    _podman("import", "--quiet", str(tarball), tag, timeout=300)
    return tag


def _host_trust_mounts() -> list[str]:
    """pip inside the build trusts what the host's pip trusts (CA store, pip config)."""
    mounts = []
    for path in ("/etc/ssl/certs/ca-certificates.crt", "/etc/pip.conf", "/etc/xdg/pip"):
        if os.path.exists(path):
            mounts += ["--volume", f"{path}:{path}:ro"]
    return mounts


@pytest.fixture(scope="module")
def image() -> Iterator[dict[str, Any]]:
    for tool in TOOLS:  # skips outside CI, fails with CI=true
        find_binary(tool)
    base = _base_image()
    started = time.monotonic()
    _podman(
        "build",
        "--quiet",
        "--format",
        "docker",  # OCI drops HEALTHCHECK
        "--network",
        "host",
        *LIMITS,
        *_host_trust_mounts(),
        "--build-arg",
        f"BASE_IMAGE={base}",
        "--file",
        str(ROOT / "deploy" / "Dockerfile"),
        "--tag",
        IMAGE,
        str(ROOT),
        timeout=900,
    )
    seconds = time.monotonic() - started
    size = int(_podman("image", "inspect", "--format", "{{.Size}}", IMAGE))
    print(f"\nimage {IMAGE}: {size / 1e6:.0f} MB, built in {seconds:.1f} s on {base}")
    yield {"size": size, "seconds": seconds}


@pytest.fixture(scope="module")
def simulator() -> Iterator[int]:
    port = free_port()
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "exporter", "simulate", "--listen", f"127.0.0.1:{port}"),
            *("--scopes", "2", "--defects", "20", "--incidents", "0", "--exit-after", "600"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(f"http://127.0.0.1:{port}/_sim/truth", timeout=30)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def _get(
    url: str, auth: tuple[str, str] | None = None, context: ssl.SSLContext | None = None
) -> tuple[int, str]:
    request = urllib.request.Request(url)
    if auth:
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=5, context=context) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _wait_for(url: str, timeout: float, context: ssl.SSLContext | None = None) -> None:
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            status, _ = _get(url, context=context)
            if status == 200:
                return
            last = status
        except OSError as exc:
            last = exc
        time.sleep(0.5)
    pytest.fail(f"{url} not ready within {timeout:.0f} s (last: {last})", pytrace=False)


def _readable_by_the_pod(mounts: dict[str, Path]) -> None:
    """What defaultMode 0440 and fsGroup 65532 give the pod."""
    for host in mounts.values():
        for path in [host, *host.rglob("*")] if host.is_dir() else [host]:
            if path.is_dir():
                path.chmod(0o755)
                continue
            if os.geteuid() == 0:
                os.chown(path, 0, UID)
                path.chmod(0o440)
            else:
                path.chmod(0o444)


def _args_on(objects: list[dict[str, Any]], port: int) -> list[str]:
    """The pod's args, listening on 127.0.0.1:`port` instead of the chart's :9863."""
    args: list[str] = container(objects)["args"]
    listen = [i for i, arg in enumerate(args) if arg.startswith("--web.listen-address=")]
    assert len(listen) == 1, args
    return [*args[: listen[0]], f"--web.listen-address=127.0.0.1:{port}", *args[listen[0] + 1 :]]


@contextlib.contextmanager
def _exporter(
    objects: list[dict[str, Any]], where: Path, simulator: int, scheme: str = "http"
) -> Iterator[tuple[str, int]]:
    mounts = materialize(objects, where)
    _readable_by_the_pod(mounts)
    name = f"causely-exporter-test-{os.getpid()}-{where.name}"[:60]
    port = free_port()
    volumes = [a for mount, host in mounts.items() for a in ("--volume", f"{host}:{mount}:ro")]
    simulated = f"http://127.0.0.1:{simulator}"
    _podman(
        "run",
        "--detach",
        "--name",
        name,
        "--timeout",
        "600",  # stops by itself, whatever happens to this test
        "--network",
        "host",  # only 127.0.0.1 is reached; the exporter listens on a free port of it
        *LIMITS,
        # The chart's pod: read-only root, uid 65532, no capabilities, no new privileges.
        "--read-only",
        "--user",
        f"{UID}:{UID}",
        "--cap-drop",
        "ALL",
        "--security-opt",
        "no-new-privileges",
        "--tmpfs",
        "/tmp:size=16m",
        *volumes,
        "--env",
        f"CAUSELY_AUTH_URL={simulated}/frontegg/identity/resources/auth/v2/api-token",
        "--env",
        f"CAUSELY_API_URL={simulated}/query/",
        "--env",
        f"CAUSELY_EXPORTER_HEALTHCHECK_URL={scheme}://127.0.0.1:{port}/healthz",
        IMAGE,
        *_args_on(objects, port),
    )
    try:
        yield name, port
    except BaseException:
        logs = subprocess.run(
            ["podman", "logs", "--tail", "30", name], capture_output=True, text=True, timeout=60
        )
        print(f"--- {name} logs\n{logs.stdout}{logs.stderr}")
        raise
    finally:
        _podman("rm", "--force", "--time", "2", name, check=False, timeout=60)


def _healthcheck(name: str) -> None:
    done = subprocess.run(
        ["podman", "healthcheck", "run", name], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _probe(name: str, url: str) -> subprocess.CompletedProcess[str]:
    """The HEALTHCHECK's command, run in the container with another URL."""
    check = json.loads(
        _podman("image", "inspect", "--format", "{{json .Config.Healthcheck}}", IMAGE)
    )
    assert check["Test"][0] == "CMD" and "CAUSELY_EXPORTER_HEALTHCHECK_URL" in check["Test"][-1]
    return subprocess.run(
        [
            *("podman", "exec", "--env", f"CAUSELY_EXPORTER_HEALTHCHECK_URL={url}", name),
            *check["Test"][1:],
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_image_runs_the_chart_s_pod_against_the_simulator(
    image: dict[str, Any], simulator: int, tmp_path: Path
) -> None:
    objects = render(values_of(CHART / "ci" / "defaults-values.yaml"))
    with _exporter(objects, tmp_path, simulator) as (name, port):
        _wait_for(f"http://127.0.0.1:{port}/readyz", timeout=90)
        status, metrics = _get(f"http://127.0.0.1:{port}/metrics")
        assert status == 200
        up = re.findall(r"^causely_up(?:\{[^}]*\})? (\S+)$", metrics, re.M)
        assert up and all(float(value) == 1 for value in up), up
        assert "causely_active_defects{" in metrics

        # The image's own HEALTHCHECK, run by podman inside the container: it probes the
        # free port CAUSELY_EXPORTER_HEALTHCHECK_URL names, not its default :9863.
        _healthcheck(name)
        refused = _probe(name, f"http://127.0.0.1:{free_port()}/healthz")
        assert refused.returncode != 0 and "Connection refused" in refused.stderr, refused

        # As the chart runs it: uid 65532, nothing writable but /tmp.
        assert _podman("exec", name, "id", "-u") == str(UID)
        write = subprocess.run(
            ["podman", "exec", name, "python", "-c", "open('/opt/causely-exporter/x', 'w')"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert write.returncode != 0 and "Read-only file system" in write.stderr


def test_image_serves_tls_and_basic_auth_from_the_chart_s_web_config(
    image: dict[str, Any], simulator: int, tmp_path: Path
) -> None:
    objects = render(values_of(CHART / "ci" / "web-tls-basic-auth-values.yaml"))
    with _exporter(objects, tmp_path, simulator, scheme="https") as (name, port):
        context = ssl.create_default_context(cafile=str(tmp_path / "tls" / "tls.crt"))
        base = f"https://127.0.0.1:{port}"
        # The probes: HTTPS, no credentials (the chart's probes send none).
        _wait_for(f"{base}/readyz", timeout=90, context=context)
        assert _get(f"{base}/healthz", context=context)[0] == 200
        # The ServiceMonitor's scrape: HTTPS with the password; without it, 401.
        assert _get(f"{base}/metrics", context=context)[0] == 401
        status, metrics = _get(f"{base}/metrics", ("prometheus", "scrape-secret"), context)
        assert status == 200 and re.search(r"^causely_up 1", metrics, re.M)
        with pytest.raises(OSError):  # plain HTTP gets no answer
            _get(f"http://127.0.0.1:{port}/healthz")
        # The HEALTHCHECK over HTTPS: a loopback address skips verifying the self-signed
        # certificate; a name (even localhost) is verified, and this one is not trusted.
        _healthcheck(name)
        named = _probe(name, f"https://localhost:{port}/healthz")
        assert named.returncode != 0 and "CERTIFICATE_VERIFY_FAILED" in named.stderr, named
