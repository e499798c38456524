"""The HTTP server over TLS, with certificates made by the openssl CLI."""

from __future__ import annotations

import subprocess
from pathlib import Path

import bcrypt
import pytest
import requests

from exporter.web.web_config import load_web_config
from tests.processes import find_binary
from tests.unit.web.test_http_server import BODY, Holder, start


def make_certs(tmp: Path) -> dict[str, Path]:
    """A CA, a server cert for 127.0.0.1 and a client cert, made by the openssl CLI."""
    openssl = find_binary("openssl", install="install the openssl package")

    def run(*args: str) -> None:
        subprocess.run([openssl, *args], check=True, capture_output=True, cwd=tmp)

    run(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "1",
        "-subj",
        "/CN=test-ca",
    )
    (tmp / "san.cnf").write_text("subjectAltName=IP:127.0.0.1\n")
    for name in ("server", "client"):
        run(
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            f"{name}.key",
            "-out",
            f"{name}.csr",
            "-subj",
            f"/CN={name}",
        )
        run(
            "x509",
            "-req",
            "-in",
            f"{name}.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            f"{name}.crt",
            "-days",
            "1",
            "-extfile",
            "san.cnf",
        )
    return {n: tmp / n for n in ("ca.crt", "server.crt", "server.key", "client.crt", "client.key")}


def test_tls_with_client_certificates_and_basic_auth(tmp_path: Path) -> None:
    certs = make_certs(tmp_path)
    hashed = bcrypt.hashpw(b"right-pass", bcrypt.gensalt(rounds=4)).decode()
    web_file = tmp_path / "web.yml"
    web_file.write_text(
        "tls_server_config:\n"
        "  cert_file: server.crt\n  key_file: server.key\n"
        "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n"
        f"basic_auth_users:\n  prom: '{hashed}'\n"
        "http_server_config:\n  headers:\n    X-Frame-Options: deny\n"
    )
    server = start(Holder(), load_web_config(str(web_file)))
    url = f"https://127.0.0.1:{server.port}"
    client = (str(certs["client.crt"]), str(certs["client.key"]))
    ca = str(certs["ca.crt"])
    try:
        ok = requests.get(
            url + "/metrics", verify=ca, cert=client, auth=("prom", "right-pass"), timeout=5
        )
        assert ok.status_code == 200 and ok.content == BODY
        assert ok.headers["X-Frame-Options"] == "deny"
        wrong = requests.get(
            url + "/metrics", verify=ca, cert=client, auth=("prom", "wrong-pass"), timeout=5
        )
        assert wrong.status_code == 401 and "WWW-Authenticate" in wrong.headers
        assert BODY not in wrong.content
        unknown = requests.get(
            url + "/metrics", verify=ca, cert=client, auth=("nobody", "right-pass"), timeout=5
        )
        assert unknown.status_code == 401
        no_auth = requests.get(url + "/", verify=ca, cert=client, timeout=5)
        assert no_auth.status_code == 401
        # Probes carry no credentials.
        assert requests.get(url + "/healthz", verify=ca, cert=client, timeout=5).ok
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(url + "/metrics", verify=ca, timeout=5)  # no client certificate
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get(url.replace("https", "http") + "/metrics", timeout=5)
        # The server is still fine after the failed handshakes.
        assert requests.get(url + "/healthz", verify=ca, cert=client, timeout=5).ok
    finally:
        server.stop()
