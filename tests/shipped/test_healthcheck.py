"""The image's HEALTHCHECK command, run by the host's python against servers on 127.0.0.1.

test_image.py runs it inside the built image; this runs the same command wherever the suite
runs (no podman needed): it follows CAUSELY_EXPORTER_HEALTHCHECK_URL, fails on a non-2xx
answer or a refused connection, and over HTTPS skips verifying the certificate only for a
loopback IP address.
"""

from __future__ import annotations

import json
import os
import re
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.processes import free_port

from .helm_chart import ROOT, self_signed_certificate

URL_VARIABLE = "CAUSELY_EXPORTER_HEALTHCHECK_URL"


def _command() -> list[str]:
    """The exec form of the Dockerfile's HEALTHCHECK CMD, with `python` as the host's."""
    text = (ROOT / "deploy" / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    found = re.findall(r"^HEALTHCHECK\b.*?\bCMD\s+(\[.*\])\s*$", text, re.M)
    assert len(found) == 1, "expected one HEALTHCHECK in the exec (JSON) form"
    command: list[str] = json.loads(found[0])
    assert command[0] == "python", command
    return [sys.executable, *command[1:]]


class _Health(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status = 200 if self.path == "/healthz" else 503
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def _serve(tls: ssl.SSLContext | None = None) -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _Health)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def http_port() -> Iterator[int]:
    yield from _serve()


@pytest.fixture(scope="module")
def https_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    where = tmp_path_factory.mktemp("tls")
    self_signed_certificate(where)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(where / "tls.crt", where / "tls.key")
    yield from _serve(tls)


def _probe(url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, URL_VARIABLE: url}
    return subprocess.run(_command(), env=env, capture_output=True, text=True, timeout=30)


def test_the_default_url_is_the_default_port_over_http() -> None:
    assert "'http://127.0.0.1:9863/healthz'" in _command()[-1]


def test_it_passes_on_2xx_and_fails_otherwise(http_port: int) -> None:
    assert _probe(f"http://127.0.0.1:{http_port}/healthz").returncode == 0
    failed = _probe(f"http://127.0.0.1:{http_port}/stuck")
    assert failed.returncode != 0 and "503" in failed.stderr, failed.stderr
    refused = _probe(f"http://127.0.0.1:{free_port()}/healthz")
    assert refused.returncode != 0 and "Connection refused" in refused.stderr, refused.stderr


def test_https_on_a_loopback_address_accepts_a_self_signed_certificate(https_port: int) -> None:
    done = _probe(f"https://127.0.0.1:{https_port}/healthz")
    assert done.returncode == 0, done.stderr
    failed = _probe(f"https://127.0.0.1:{https_port}/stuck")
    assert failed.returncode != 0 and "503" in failed.stderr, failed.stderr


def test_https_to_a_name_verifies_the_certificate(https_port: int) -> None:
    # localhost is a name: it gets the CA store's verification like any other.
    done = _probe(f"https://localhost:{https_port}/healthz")
    assert done.returncode != 0 and "CERTIFICATE_VERIFY_FAILED" in done.stderr, done.stderr
