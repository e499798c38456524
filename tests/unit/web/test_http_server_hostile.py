"""The HTTP server under hostile clients, over real sockets on 127.0.0.1.

Huge and slow request heads, more connections than the cap, bodies on GET, password guessing.
Every wait is bounded by a generous limit; the figures themselves (RSS, latency, CPU) are in
bench/server_hostile.py.
"""

from __future__ import annotations

import gzip
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, BinaryIO

import bcrypt
import pytest
import requests

from exporter.app.cli import main
from exporter.collect.snapshot import FixedBytes, Snapshot
from exporter.web import basic_auth
from exporter.web.basic_auth import BasicAuthChecker, RateLimit
from exporter.web.connections import ConnectionLimits
from exporter.web.http_server import ExporterServer, ServerSettings
from exporter.web.web_config import WebConfig, load_web_config

BODY = b"# HELP x_total y\n# TYPE x_total counter\nx_total 1.0\n"
SNAPSHOT = Snapshot(FixedBytes(BODY, gzip.compress(BODY)), time.time(), None, False)


def serve(
    web: WebConfig | None = None,
    snapshot: Callable[[], Snapshot] = lambda: SNAPSHOT,
    **limits: Any,
) -> ExporterServer:
    settings = ServerSettings(
        "127.0.0.1", 0, "/metrics", 10.0, web or WebConfig(), ConnectionLimits(**limits)
    )
    server = ExporterServer(settings, snapshot)
    server.start()
    return server


@pytest.fixture
def servers() -> Iterator[Callable[..., ExporterServer]]:
    started: list[ExporterServer] = []

    def start(*args: Any, **kwargs: Any) -> ExporterServer:
        started.append(serve(*args, **kwargs))
        return started[-1]

    yield start
    for server in started:
        server.stop()


def connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    return sock


def read_until_closed(sock: socket.socket, limit: float = 10.0) -> bytes:
    """Everything the server sends until it closes (bounded by `limit` seconds)."""
    data = b""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        sock.settimeout(max(deadline - time.monotonic(), 0.01))
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            break
        if not chunk:
            break
        data += chunk
    return data


def read_response(stream: BinaryIO) -> tuple[bytes, bytes]:
    """One response with a Content-Length body from `sock.makefile("rb")`: (head, body)."""
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        line = stream.readline(65536)
        assert line, f"closed inside a response head: {head!r}"
        head += line
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    body = stream.read(length)
    assert len(body) == length
    return head, body


def is_closed(sock: socket.socket, within: float) -> bool:
    sock.settimeout(within)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def closed_after_draining(sock: socket.socket, within: float) -> bool:
    """Read whatever is pending; True when the server closed the connection after it."""
    sock.settimeout(within)
    try:
        while sock.recv(1 << 20):
            pass
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False
    return True


# --- request heads -------------------------------------------------------------------------


def test_a_huge_head_is_refused_while_it_is_read(servers: Callable[..., ExporterServer]) -> None:
    server = servers()
    with connect(server.port) as sock:
        sock.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
        try:
            # 90 lines of 60 kB, each within http.server's own limits: the old server read all
            # 5.4 MB, and then waited for the rest of the head.
            for _ in range(90):
                sock.sendall(b"X-Filler: " + b"a" * 60_000 + b"\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = read_until_closed(sock, limit=5)
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:80]
    # The server is fine afterwards, and a head just under the cap still works.
    filler = {f"X-F{i}": "b" * 900 for i in range(14)}
    assert requests.get(f"http://127.0.0.1:{server.port}/metrics", headers=filler, timeout=5).ok


def test_one_long_header_line_is_refused(servers: Callable[..., ExporterServer]) -> None:
    server = servers()
    with connect(server.port) as sock:
        sock.sendall(b"GET /metrics HTTP/1.1\r\nX-Long: " + b"a" * 40_000 + b"\r\n\r\n")
        assert read_until_closed(sock).startswith(b"HTTP/1.1 431 ")


def test_pipelined_requests_are_answered_in_order(servers: Callable[..., ExporterServer]) -> None:
    server = servers()
    with connect(server.port) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /metrics HTTP/1.1\r\n\r\n")
        stream = sock.makefile("rb")
        first, second = read_response(stream), read_response(stream)
    assert first[0].startswith(b"HTTP/1.1 200") and first[1] == b"ok\n"
    assert second[1] == BODY


def test_a_trickled_head_is_dropped_at_its_deadline(
    servers: Callable[..., ExporterServer],
) -> None:
    server = servers(head_timeout=1.0)
    with connect(server.port) as sock:
        started = time.monotonic()
        sock.sendall(b"GET /metrics HTTP/1.1\r\n")
        closed = False
        while time.monotonic() - started < 10:
            try:
                sock.sendall(b"X-a: b\r\n")  # a header every 0.2 s: never a whole head
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            if is_closed(sock, 0.2):
                closed = True
                break
    # Dropped near its 1 s deadline; 10 s is only the bound of this test.
    assert closed


def test_scrapes_and_probes_are_served_among_many_slow_clients(
    servers: Callable[..., ExporterServer],
) -> None:
    server = servers(max_connections=16)
    url = f"http://127.0.0.1:{server.port}"
    slow = []
    try:
        for _ in range(100):  # far more than the cap, each holding a half-sent head
            sock = connect(server.port)
            sock.sendall(b"GET /metrics HTTP/1.1\r\nX-Slow: ")
            slow.append(sock)
        for _ in range(5):
            assert requests.get(url + "/metrics", timeout=5).content == BODY
            assert requests.get(url + "/healthz", timeout=5).status_code == 200
        assert len(server.connections) <= 16
        # The slow clients gave way: the server closed all but those that still fit.
        assert sum(is_closed(sock, 0.2) for sock in slow) >= 100 - 16
    finally:
        for sock in slow:
            sock.close()


# --- the connection cap --------------------------------------------------------------------


def test_idle_keep_alive_connections_give_way(servers: Callable[..., ExporterServer]) -> None:
    server = servers(max_connections=4)
    url = f"http://127.0.0.1:{server.port}"
    sessions = [requests.Session() for _ in range(4)]
    try:
        for session in sessions:  # four kept-alive connections fill the cap
            assert session.get(url + "/metrics", timeout=5).ok
        # Served, not refused (503): one of the four idle connections gave way to it.
        assert requests.get(url + "/healthz", timeout=5).status_code == 200
        assert len(server.connections) <= 4
        # A session whose connection was closed reconnects by itself.
        assert sessions[0].get(url + "/metrics", timeout=5).ok
    finally:
        for session in sessions:
            session.close()


def test_over_the_cap_a_new_client_gets_a_quick_503(
    servers: Callable[..., ExporterServer],
) -> None:
    gate = threading.Event()
    inside = threading.Semaphore(0)

    def blocking_snapshot() -> Snapshot:
        inside.release()
        gate.wait(20)
        return SNAPSHOT

    server = servers(snapshot=blocking_snapshot, max_connections=3)
    url = f"http://127.0.0.1:{server.port}"
    with ThreadPoolExecutor(max_workers=3) as pool:
        busy = [pool.submit(requests.get, url + "/metrics", timeout=20) for _ in range(3)]
        try:
            for _ in range(3):  # all three slots are handling a request
                assert inside.acquire(timeout=10)
            with connect(server.port) as sock:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                answer = read_until_closed(sock, limit=5)
            assert answer.startswith(b"HTTP/1.1 503 "), answer[:80]
            assert b"Connection: close" in answer
            assert len(server.connections) == 3  # the refused client took no slot
        finally:
            gate.set()
        assert all(f.result().content == BODY for f in busy)
    assert requests.get(url + "/healthz", timeout=5).status_code == 200


def test_a_client_that_does_not_read_its_answer_gives_way(
    servers: Callable[..., ExporterServer],
) -> None:
    big = Snapshot(
        FixedBytes(BODY * 400_000, gzip.compress(BODY)), time.time(), None, False
    )  # ~21 MB
    server = servers(snapshot=lambda: big, max_connections=2, busy_evictable_after=0.5)
    readers = [connect(server.port) for _ in range(2)]
    try:
        for sock in readers:  # ask for the big answer, never read it: both slots stay busy
            sock.sendall(b"GET /metrics HTTP/1.1\r\nAccept-Encoding: identity\r\n\r\n")
        time.sleep(1.0)
        response = requests.get(f"http://127.0.0.1:{server.port}/healthz", timeout=5)
        assert response.status_code == 200
        # One of the two was closed under it: what it had not read, then the end.
        assert any(closed_after_draining(sock, 5) for sock in readers)
    finally:
        for sock in readers:
            sock.close()


# --- request bodies ------------------------------------------------------------------------


def test_a_small_body_on_get_is_drained(servers: Callable[..., ExporterServer]) -> None:
    server = servers()
    with connect(server.port) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789")
        sock.sendall(b"GET /metrics HTTP/1.1\r\n\r\n")  # the same connection goes on
        stream = sock.makefile("rb")
        assert read_response(stream)[1] == b"ok\n"
        assert read_response(stream)[1] == BODY


@pytest.mark.parametrize(
    ("framing", "status"),
    [
        (b"Content-Length: 10000000\r\n", b"200"),  # too large to drain: answer, then close
        (b"Transfer-Encoding: chunked\r\n", b"200"),
        (b"Content-Length: -1\r\n", b"400"),
        (b"Content-Length: 5\r\nContent-Length: 6\r\n", b"400"),
    ],
)
def test_a_body_that_is_not_drained_closes_the_connection(
    servers: Callable[..., ExporterServer], framing: bytes, status: bytes
) -> None:
    server = servers()
    with connect(server.port) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\n" + framing + b"\r\n" + b"x" * 1000)
        answer = read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 " + status), answer[:80]
    assert b"Connection: close" in answer


# --- basic auth ----------------------------------------------------------------------------


def _web(tmp_path: Path, text: str) -> WebConfig:
    path = tmp_path / "web.yml"
    path.write_text(text)
    return load_web_config(str(path))


def _hash(password: bytes, cost: int = 4) -> str:
    return bcrypt.hashpw(password, bcrypt.gensalt(rounds=cost)).decode()


def test_a_password_over_72_bytes_gets_401(
    servers: Callable[..., ExporterServer], tmp_path: Path
) -> None:
    web = _web(tmp_path, f"basic_auth_users:\n  prom: '{_hash(b'pw')}'\n")
    url = f"http://127.0.0.1:{servers(web).port}/metrics"
    for password in ("p" * 73, "p" * 5000, "é" * 40):
        response = requests.get(url, auth=("prom", password), timeout=5)
        assert response.status_code == 401 and "WWW-Authenticate" in response.headers
    assert requests.get(url, auth=("prom", "pw"), timeout=5).ok


def test_unknown_users_cost_as_much_as_known_ones() -> None:
    cheap, dear = _hash(b"a", 4), _hash(b"b", 6)
    checker = BasicAuthChecker({"a": cheap.encode(), "b": dear.encode()}, RateLimit(0, 1))
    assert checker.dummy_cost == 6  # the costliest configured hash, never a cheaper one
    before = checker.bcrypt_checks
    assert not checker.check("nobody", "a")
    assert checker.bcrypt_checks == before + 1  # an unknown user still runs bcrypt
    only_cost_4 = BasicAuthChecker({"a": cheap.encode()})
    assert only_cost_4.dummy_cost == 4
    assert basic_auth.bcrypt_cost(basic_auth.dummy_hash(12).decode()) == 12


def test_failed_attempts_are_rate_limited(
    servers: Callable[..., ExporterServer], tmp_path: Path
) -> None:
    web = _web(
        tmp_path,
        f"basic_auth_users:\n  prom: '{_hash(b'pw')}'\nrate_limit:\n  interval: 1h\n  burst: 3\n",
    )
    server = servers(web)
    url = f"http://127.0.0.1:{server.port}/metrics"
    assert requests.get(url, auth=("prom", "pw"), timeout=5).ok  # cached from here on
    codes = [requests.get(url, auth=("prom", f"bad{i}"), timeout=5).status_code for i in range(6)]
    assert codes == [401, 401, 401, 429, 429, 429]
    # The scraper that knows its password is not slowed down by the guessers.
    assert requests.get(url, auth=("prom", "pw"), timeout=5).ok
    assert requests.get(url.replace("/metrics", "/healthz"), timeout=5).ok


def test_parallel_guessers_cannot_outrun_the_bucket(
    servers: Callable[..., ExporterServer], tmp_path: Path
) -> None:
    web = _web(
        tmp_path,
        f"basic_auth_users:\n  prom: '{_hash(b'pw')}'\nrate_limit:\n  interval: 1h\n  burst: 5\n",
    )
    url = f"http://127.0.0.1:{servers(web).port}/metrics"

    def guess(i: int) -> int:
        return requests.get(url, auth=("prom", f"guess{i}"), timeout=30).status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        codes = list(pool.map(guess, range(64)))
    # Exactly the burst ran bcrypt, however many guessers were queued behind it.
    assert codes.count(401) == 5 and codes.count(429) == 59


def test_bcrypt_checks_run_two_at_a_time_at_most(
    servers: Callable[..., ExporterServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_checkpw = bcrypt.checkpw
    lock = threading.Lock()
    running, peak = [0], [0]

    def counting_checkpw(password: bytes, hashed: bytes) -> bool:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        try:
            time.sleep(0.05)  # long enough for the guessers to pile up
            return bool(real_checkpw(password, hashed))
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(basic_auth.bcrypt, "checkpw", counting_checkpw)
    web = _web(
        tmp_path,
        f"basic_auth_users:\n  prom: '{_hash(b'pw')}'\nrate_limit:\n  interval: 0s\n",
    )
    url = f"http://127.0.0.1:{servers(web).port}/metrics"

    def guess(i: int) -> int:
        user = "prom" if i % 2 else f"nobody{i}"
        return requests.get(url, auth=(user, f"guess{i}"), timeout=30).status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        codes = list(pool.map(guess, range(48)))
    assert set(codes) <= {401, 429} and codes.count(401) >= 16
    assert 1 <= peak[0] <= 2


# --- web config errors ---------------------------------------------------------------------

_TLS = "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
_HASH = "$2b$04$" + "a" * 53


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (_TLS + "  client_auth_type: 5\n", "tls_server_config.client_auth_type: unknown value 5"),
        (_TLS + "  client_auth_type: [x]\n", "tls_server_config.client_auth_type"),
        (_TLS + "  min_version: [1]\n", "tls_server_config.min_version: unknown value [1]"),
        (_TLS + "  max_version: {a: 1}\n", "tls_server_config.max_version"),
        (_TLS + "  cipher_suites: 5\n", "tls_server_config.cipher_suites"),
        (_TLS + "  curve_preferences: [1]\n", "tls_server_config.curve_preferences"),
        (_TLS + "  prefer_server_cipher_suites: 'yes'\n", "tls_server_config.prefer_server"),
        ("tls_server_config:\n  cert_file: 5\n  key_file: k\n", "tls_server_config.cert_file"),
        ("tls_server_config:\n  cert_file: [a]\n", "tls_server_config.cert_file"),
        (_TLS.replace("server.key", "{a: b}"), "tls_server_config.key_file"),
        ("tls_server_config: 5\n", "tls_server_config: expected a mapping"),
        ("tls_server_config:\n  5: x\n", "tls_server_config.5: unknown key"),
        ("http_server_config: 5\n", "http_server_config: expected a mapping"),
        ("http_server_config:\n  http2: 5\n", "http_server_config.http2"),
        ("http_server_config:\n  nope: 1\n", "http_server_config.nope: unknown key"),
        ("http_server_config:\n  headers: [1]\n", "http_server_config.headers: expected"),
        ("http_server_config:\n  headers:\n    X-A: [1]\n", "http_server_config.headers.X-A"),
        ("http_server_config:\n  headers:\n    X-A: 5\n", "http_server_config.headers.X-A"),
        ("http_server_config:\n  headers:\n    5: x\n", "http_server_config.headers: invalid"),
        ('http_server_config:\n  headers:\n    X-A: "a\\r\\nB: c"\n', "headers.X-A"),
        ("http_server_config:\n  headers:\n    'X A': b\n", "http_server_config.headers"),
        ("http_server_config:\n  headers:\n    Content-Length: '5'\n", "set by the server"),
        ("basic_auth_users: [a]\n", "basic_auth_users: expected a mapping"),
        (f"basic_auth_users:\n  5: '{_HASH}'\n", "basic_auth_users: user names must be"),
        (f"basic_auth_users:\n  ~: '{_HASH}'\n", "basic_auth_users: user names must be"),
        (f"basic_auth_users:\n  'a:b': '{_HASH}'\n", "basic_auth_users: user names must be"),
        ("basic_auth_users:\n  prom: 5\n", "basic_auth_users.prom: expected a bcrypt hash"),
        ("basic_auth_users:\n  prom: '$2b$04$short'\n", "basic_auth_users.prom: expected"),
        (f"basic_auth_users:\n  prom: '{_HASH.replace('04', '31')}'\n", "bcrypt cost 31"),
        ("rate_limit: 5\n", "rate_limit: expected a mapping"),
        ("rate_limit:\n  burst: x\n", "rate_limit.burst"),
        ("rate_limit:\n  burst: true\n", "rate_limit.burst"),
        ("rate_limit:\n  interval: [1]\n", "rate_limit.interval"),
        ("rate_limit:\n  interval: .nan\n", "rate_limit.interval"),
        ("rate_limit:\n  interval: -1s\n", "rate_limit.interval"),
        ("rate_limit:\n  every: 1s\n", "rate_limit.every: unknown key"),
        ("5\n", "web.config.file: expected a mapping"),
        ("tls: {}\n", "tls: unknown key"),
        ("a: [\n", "web.config.file"),
        ("\xff\n", "web.config.file"),
    ],
)
def test_web_config_type_errors_exit_2_naming_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, field: str
) -> None:
    path = tmp_path / "web.yml"
    path.write_bytes(text.encode("latin-1") if text == "\xff\n" else text.encode())
    code = main([f"--web.config.file={path}", "--check-config"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert field in err, err
    assert "Traceback" not in err and len(err) < 400


def test_an_alias_bomb_in_the_headers_is_refused_briefly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    levels = ["&a0 [" + ", ".join(["x" * 50] * 10) + "]"]
    levels += [f"&a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    path = tmp_path / "web.yml"  # 10^8 strings once expanded: the message must not expand them
    path.write_text("http_server_config:\n  headers:\n    X-A: [" + ", ".join(levels) + "]\n")
    assert main([f"--web.config.file={path}", "--check-config"]) == 2
    err = capsys.readouterr().err
    assert "http_server_config.headers.X-A" in err and len(err) < 400


@pytest.mark.parametrize("value", ["0", "-3", "x", "1e9"])
def test_max_connections_must_be_a_positive_integer(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main([f"--web.max-connections={value}", "--check-config"])
    assert exited.value.code == 2
    assert "--web.max-connections" in capsys.readouterr().err
