"""The HTTP server over real sockets: paths, gzip, readiness, concurrency, TLS, basic auth."""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import bcrypt
import pytest
import requests

from exporter.collect.snapshot import FixedBytes, Snapshot
from exporter.config.file import ConfigError
from exporter.web.http_server import ExporterServer, ServerSettings
from exporter.web.request import accepts_gzip, parse_listen_address, prefers_openmetrics
from exporter.web.web_config import WebConfig, load_web_config

BODY = b"# HELP x_total y\n# TYPE x_total counter\nx_total 1.0\n"
OM_BODY = b"# HELP x y\n# TYPE x counter\nx_total 1.0\n# EOF\n"
# What Prometheus 2.x sends by default, and Prometheus 3's default scrape_protocols.
PROMETHEUS_2 = (
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"
    "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
)
PROMETHEUS_3 = (
    "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,"
    "application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;"
    "escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1"
)
TEXT_ONLY = "text/plain;version=0.0.4;q=1,*/*;q=0.1"  # scrape_protocols: [PrometheusText0.0.4]


class Holder:
    def __init__(self) -> None:
        self.snapshot = Snapshot(
            FixedBytes(BODY, gzip.compress(BODY), OM_BODY, gzip.compress(OM_BODY)),
            time.time(),
            None,
            False,
        )


def start(holder: Holder, web: WebConfig | None = None, path: str = "/metrics") -> ExporterServer:
    settings = ServerSettings("127.0.0.1", 0, path, 10.0, web or WebConfig())
    server = ExporterServer(settings, lambda: holder.snapshot)
    server.start()
    return server


@pytest.fixture
def served() -> Iterator[tuple[Holder, str]]:
    holder = Holder()
    server = start(holder)
    try:
        yield holder, f"http://127.0.0.1:{server.port}"
    finally:
        server.stop()


def test_metrics_plain_and_gzip_are_the_snapshot_bytes(served: tuple[Holder, str]) -> None:
    _, url = served
    plain = requests.get(url + "/metrics", headers={"Accept-Encoding": "identity"}, timeout=5)
    assert plain.status_code == 200
    assert plain.content == BODY
    assert plain.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    raw = requests.get(
        url + "/metrics", headers={"Accept-Encoding": "gzip"}, timeout=5, stream=True
    )
    assert raw.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(raw.raw.read()) == BODY


@pytest.mark.parametrize("encoding", ["identity", "gzip"])
def test_metrics_negotiates_openmetrics_by_the_accept_weights(
    served: tuple[Holder, str], encoding: str
) -> None:
    _, url = served
    cases = [
        (PROMETHEUS_2, OM_BODY),
        (PROMETHEUS_3, OM_BODY),
        (TEXT_ONLY, BODY),
        (None, BODY),  # no Accept: the text, as before
        ("*/*", BODY),
        ("application/openmetrics-text;q=0.2,text/plain;q=0.9", BODY),
    ]
    for accept, expected in cases:
        headers = {"Accept-Encoding": encoding}
        if accept is not None:
            headers["Accept"] = accept
        answer = requests.get(url + "/metrics", headers=headers, timeout=5, stream=True)
        raw = answer.raw.read()
        body = gzip.decompress(raw) if encoding == "gzip" else raw
        assert body == expected, accept
        content_type = answer.headers["Content-Type"]
        if expected is OM_BODY:
            assert content_type == "application/openmetrics-text; version=1.0.0; charset=utf-8"
        else:
            assert content_type == "text/plain; version=0.0.4; charset=utf-8"
        assert answer.headers["Vary"] == "Accept, Accept-Encoding"


def test_before_the_first_render_openmetrics_asks_get_the_text(
    served: tuple[Holder, str],
) -> None:
    holder, url = served
    holder.snapshot = replace(holder.snapshot, exposition=FixedBytes(BODY, gzip.compress(BODY)))
    answer = requests.get(url + "/metrics", headers={"Accept": PROMETHEUS_2}, timeout=5)
    assert answer.content == BODY and answer.headers["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (PROMETHEUS_2, True),
        (PROMETHEUS_3, True),
        (TEXT_ONLY, False),
        (None, False),
        ("", False),
        ("*/*", False),
        ("application/openmetrics-text", True),
        ("Application/OpenMetrics-Text; Version=1.0.0", True),
        ("application/openmetrics-text;version=2.0.0", False),  # a body we do not write
        ("application/openmetrics-text;q=0", False),
        ("application/openmetrics-text;q=nan", False),
        ("application/openmetrics-text;q=7", False),
        ("application/openmetrics-text;q=0.5,text/plain;q=0.5", True),  # named both: tie
        ("application/openmetrics-text;q=0.5,*/*;q=0.5", True),  # named beats wildcard
        ("application/*,text/plain;q=0.9", True),
        ("text/*;q=0.3,application/openmetrics-text;q=0.2", False),
        ("application/json", False),
        (",,;;=,q=,;q", False),
        # Only the first 64 items are read: the text/plain at the end is never seen.
        ("application/openmetrics-text;q=0.1," * 200 + "text/plain", True),
        ("application/*;q=0.5,text/*;q=0.5", False),
    ],
)
def test_accept_header(header: str | None, expected: bool) -> None:
    assert prefers_openmetrics(header) is expected


def test_paths_and_methods(served: tuple[Holder, str]) -> None:
    _, url = served
    assert requests.get(url + "/healthz", timeout=5).status_code == 200
    landing = requests.get(url + "/", timeout=5)
    assert landing.status_code == 200 and 'href="/metrics"' in landing.text
    assert requests.get(url + "/nope", timeout=5).status_code == 404
    assert requests.get(url + "/metrics/extra", timeout=5).status_code == 404
    assert requests.post(url + "/metrics", timeout=5).status_code == 405
    head = requests.head(url + "/metrics", headers={"Accept-Encoding": "identity"}, timeout=5)
    assert head.status_code == 200 and head.headers["Content-Length"] == str(len(BODY))
    assert requests.get(url + "/", timeout=5).headers["Server"] == "causely-exporter/0.1.0"
    closing = requests.get(url + "/healthz", headers={"Connection": "close"}, timeout=5)
    assert closing.headers["Connection"] == "close"


def test_readiness_follows_data_age(served: tuple[Holder, str]) -> None:
    holder, url = served
    not_yet = requests.get(url + "/readyz", timeout=5)
    assert not_yet.status_code == 503 and "no successful collection" in not_yet.text
    holder.snapshot = replace(holder.snapshot, data_time=time.time())
    assert requests.get(url + "/readyz", timeout=5).status_code == 200
    holder.snapshot = replace(holder.snapshot, data_time=time.time() - 31)  # 3 x 10 s
    assert requests.get(url + "/readyz", timeout=5).status_code == 503


def test_many_concurrent_scrapes(served: tuple[Holder, str]) -> None:
    _, url = served

    def scrape(_: int) -> bytes:
        with requests.Session() as session:
            return b"".join(session.get(url + "/metrics", timeout=10).content for _ in range(5))

    with ThreadPoolExecutor(max_workers=32) as pool:
        bodies = list(pool.map(scrape, range(64)))
    assert all(body == BODY * 5 for body in bodies)


def test_a_slow_client_does_not_block_others(served: tuple[Holder, str]) -> None:
    import socket

    _, url = served
    port = int(url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)) as idle:
        idle.sendall(b"GET /metrics HTTP/1.1\r\n")  # never finishes its request
        started = time.time()
        assert requests.get(url + "/metrics", timeout=5).status_code == 200
        assert time.time() - started < 1


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip", True),
        ("deflate, gzip;q=0.5", True),
        ("gzip;q=0", False),
        ("br", False),
        ("*", True),
        (None, False),
        ("identity", False),
    ],
)
def test_accept_encoding(header: str | None, expected: bool) -> None:
    assert accepts_gzip(header) is expected


def test_listen_address_parsing() -> None:
    assert parse_listen_address(":9863") == ("", 9863)
    assert parse_listen_address("127.0.0.1:80") == ("127.0.0.1", 80)
    assert parse_listen_address("[::1]:9863") == ("::1", 9863)
    for bad in ("9863", "host:", "host:99999", "host:abc"):
        with pytest.raises(ValueError):
            parse_listen_address(bad)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (
            "tls_server_config:\n  cert_file: nope.crt\n  key_file: nope.key\n",
            "tls_server_config.cert_file: no such file",
        ),
        ("tls_server_config:\n  cert_fil: x\n", "tls_server_config.cert_fil: unknown key"),
        ("basic_auth_users:\n  prom: plaintext\n", "basic_auth_users.prom: expected a bcrypt"),
        ("tls_config: {}\n", "tls_config: unknown key"),
        ("- a list\n", "web.config.file: expected a mapping"),
    ],
)
def test_bad_web_config_names_the_field(tmp_path: Path, text: str, field: str) -> None:
    path = tmp_path / "web.yml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=field):
        load_web_config(str(path))


def test_concurrent_basic_auth_is_cached(tmp_path: Path) -> None:
    hashed = bcrypt.hashpw(b"pw", bcrypt.gensalt(rounds=12)).decode()
    path = tmp_path / "web.yml"
    path.write_text(f"basic_auth_users:\n  prom: '{hashed}'\n")
    server = start(Holder(), load_web_config(str(path)))
    url = f"http://127.0.0.1:{server.port}/metrics"
    try:
        assert requests.get(url, auth=("prom", "pw"), timeout=10).ok
        started = time.time()
        for _ in range(20):
            assert requests.get(url, auth=("prom", "pw"), timeout=10).ok
        # bcrypt cost 12 takes ~0.2 s a check; twenty cached checks take far less than one each.
        assert time.time() - started < 2
    finally:
        server.stop()


def test_server_threads_do_not_leak(served: tuple[Holder, str]) -> None:
    _, url = served
    before = threading.active_count()
    for _ in range(50):
        requests.get(url + "/metrics", timeout=5, headers={"Connection": "close"})
    time.sleep(0.3)
    assert threading.active_count() <= before + 2
