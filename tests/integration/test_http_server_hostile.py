"""The HTTP server under hostile clients where a process or the openssl CLI is needed: TLS,
the real process's memory and exit code.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from exporter.web.http_server import ExporterServer
from exporter.web.web_config import load_web_config
from tests.conftest import REPO, ExporterProcess
from tests.integration.test_http_server import make_certs
from tests.unit.web.test_http_server_hostile import (
    _TLS,
    BODY,
    _hash,
    _web,
    connect,
    is_closed,
    serve,
)


@pytest.fixture
def servers() -> Iterator[Callable[..., ExporterServer]]:
    started: list[ExporterServer] = []

    def start(*args: Any, **kwargs: Any) -> ExporterServer:
        started.append(serve(*args, **kwargs))
        return started[-1]

    yield start
    for server in started:
        server.stop()


def test_a_silent_tls_client_is_dropped(
    servers: Callable[..., ExporterServer], tmp_path: Path
) -> None:
    make_certs(tmp_path)
    web_file = tmp_path / "web.yml"
    web_file.write_text("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n")
    server = servers(load_web_config(str(web_file)), head_timeout=1.0)
    with connect(server.port) as sock:
        assert is_closed(sock, 10), "a client that never starts its handshake was kept"
    ok = requests.get(
        f"https://127.0.0.1:{server.port}/healthz", verify=str(tmp_path / "ca.crt"), timeout=5
    )
    assert ok.status_code == 200


def test_big_heads_leave_the_process_memory_flat(
    exporter_process: Callable[..., ExporterProcess],
) -> None:
    exporter = exporter_process(["--demo"], {})
    exporter.wait_ready()  # the first cycle's own memory is not the clients'
    port = int(exporter.url.rsplit(":", 1)[1])

    def rss_kib() -> int:
        status = Path(f"/proc/{exporter.proc.pid}/status").read_text()
        return int(status.split("VmRSS:")[1].split()[0])

    before, peak = rss_kib(), [0]
    line = b"X-Filler: " + b"a" * 60_000 + b"\r\n"

    def attack() -> None:
        with contextlib.suppress(OSError), connect(port) as sock:
            sock.sendall(b"GET /metrics HTTP/1.1\r\n")
            for _ in range(90):
                sock.sendall(line)
                peak[0] = max(peak[0], rss_kib())

    with ThreadPoolExecutor(max_workers=100) as pool:
        list(pool.map(lambda _: attack(), range(100)))
    assert requests.get(exporter.url + "/healthz", timeout=5).status_code == 200
    # The old server held ~5.4 MB per such client (100 of them peaked at 3.4 GB).
    assert max(peak[0], rss_kib()) - before < 40 * 1024


def test_set_web_config_swaps_users_headers_and_tls(
    servers: Callable[..., ExporterServer], tmp_path: Path
) -> None:
    server = servers()
    url = f"http://127.0.0.1:{server.port}"
    assert requests.get(url + "/metrics", timeout=5).ok
    server.set_web_config(
        _web(
            tmp_path,
            f"basic_auth_users:\n  prom: '{_hash(b'pw')}'\n"
            "http_server_config:\n  headers:\n    X-Frame-Options: deny\n",
        )
    )
    assert requests.get(url + "/metrics", timeout=5).status_code == 401
    ok = requests.get(url + "/metrics", auth=("prom", "pw"), timeout=5)
    assert ok.ok and ok.headers["X-Frame-Options"] == "deny"
    make_certs(tmp_path)
    server.set_web_config(
        _web(tmp_path, "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n")
    )
    tls = requests.get(
        f"https://127.0.0.1:{server.port}/metrics", verify=str(tmp_path / "ca.crt"), timeout=5
    )
    assert tls.content == BODY and "X-Frame-Options" not in tls.headers


def test_a_bad_web_config_ends_the_real_process_with_2(tmp_path: Path) -> None:
    path = tmp_path / "web.yml"
    path.write_text(_TLS + "  client_auth_type: 5\n")
    done = subprocess.run(
        [sys.executable, "-m", "exporter", f"--web.config.file={path}"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert done.returncode == 2
    assert "tls_server_config.client_auth_type" in done.stderr
    assert "Traceback" not in done.stderr
