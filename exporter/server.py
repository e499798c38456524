"""The HTTP server: serves the current snapshot's bytes. It never touches a source.

/metrics copies bytes rendered once per cycle (gzip when asked), /healthz answers 200 while
the collector keeps publishing snapshots (503 once it is stuck or dead: Snapshot.live_until),
/readyz once fresh data exists, / is a landing page. Each connection gets its own
thread, so many scrapes are served at once; what a connection may cost (head size, deadlines,
how many at once, who gives way) is in exporter.httpconn. TLS, basic auth and extra headers
come from --web.config.file and can be swapped at run time (set_web_config).

This is the standard library's http.server, hardened, rather than a server library: it meets
the scrape benchmark, and none of the libraries looked at (uvicorn, waitress) bounds the time
to receive a whole request head, which is what keeps slow clients from holding connections.
"""

from __future__ import annotations

import collections
import contextlib
import html
import io
import logging
import re
import socket
import socketserver
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from exporter import __version__
from exporter.basicauth import AuthResult, BasicAuthChecker, parse_basic_authorization
from exporter.collector import Snapshot
from exporter.httpconn import (
    ConnectionLimits,
    ConnectionTable,
    HeadTimeout,
    HeadTooLarge,
    State,
    canned_response,
    read_head,
)
from exporter.logs import quote
from exporter.metrics import CONTENT_TYPE
from exporter.webconfig import WebConfig

log = logging.getLogger(__name__)
UNPROTECTED_PATHS = ("/healthz", "/readyz")  # probes cannot carry credentials
TOO_MANY_CONNECTIONS = canned_response(503, "Service Unavailable", b"too many connections\n")
HEAD_TOO_LARGE = canned_response(
    431, "Request Header Fields Too Large", b"request head too large\n"
)
LINGER_SECONDS = 1.0
MAX_LINGERING = 256
MAX_REFUSAL_DRAIN_BYTES = 256 * 1024
_DIGITS = re.compile(r"[0-9]{1,18}")


@dataclass(frozen=True)
class ServerSettings:
    host: str
    port: int
    telemetry_path: str
    interval: float
    web: WebConfig
    limits: ConnectionLimits = field(default_factory=ConnectionLimits)


def parse_listen_address(value: str) -> tuple[str, int]:
    """HOST:PORT, :PORT or [IPv6]:PORT; raises ValueError with a readable message."""
    host, sep, port_text = value.rpartition(":")
    if not sep or not port_text.isdigit() or int(port_text) > 65535:
        raise ValueError(f"expected HOST:PORT, got {value!r}")
    return host.strip("[]"), int(port_text)


def accepts_gzip(header: str | None) -> bool:
    """True when Accept-Encoding admits gzip (explicitly or by *) with a quality above 0."""
    for part in (header or "").split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() not in ("gzip", "*"):
            continue
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        return quality > 0
    return False


class _Server(socketserver.TCPServer):
    """Accepts connections; each admitted one gets a thread, up to the connection cap."""

    request_queue_size = 128
    allow_reuse_address = True

    def __init__(self, settings: ServerSettings, snapshot: Callable[[], Snapshot]):
        self.settings = settings
        self.snapshot = snapshot
        self.limits = settings.limits
        self.connections = ConnectionTable(
            settings.limits.max_connections, settings.limits.busy_evictable_after
        )
        self._web_lock = threading.Lock()
        self.web, self.auth = settings.web, _checker(settings.web)
        # Refused connections: answered, then closed a little later so the answer is not
        # lost to a reset while the client's request is still unread.
        self._lingering: collections.deque[tuple[float, socket.socket]] = collections.deque()
        host = settings.host
        if host == "" and socket.has_dualstack_ipv6():
            self.address_family = socket.AF_INET6
            host = "::"
        elif ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__((host or "0.0.0.0", settings.port), _Handler)

    def server_bind(self) -> None:
        if self.address_family == socket.AF_INET6 and self.server_address[0] == "::":
            self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()

    def set_web(self, web: WebConfig) -> None:
        checker = _checker(web)
        with self._web_lock:
            self.web, self.auth = web, checker

    def current_web(self) -> tuple[WebConfig, BasicAuthChecker | None]:
        with self._web_lock:
            return self.web, self.auth

    def process_request(self, request: Any, client_address: Any) -> None:
        conn: socket.socket = request
        context = self.current_web()[0].ssl_context
        if context is not None:
            try:
                # The handshake runs in the connection's own thread, not in the accept loop.
                conn = context.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
            except OSError:
                self.shutdown_request(request)
                return
        if not self.connections.admit(conn):
            self._refuse(conn, tls=context is not None)
            return
        thread = threading.Thread(
            target=self._serve, args=(conn, client_address), name="http-conn", daemon=True
        )
        try:
            thread.start()
        except RuntimeError:  # the OS refused a thread: drop this client, keep serving
            self.connections.release(conn)
            self.shutdown_request(conn)

    def _serve(self, conn: socket.socket, client_address: Any) -> None:
        try:
            self.finish_request(conn, client_address)
        except Exception:
            self.handle_error(conn, client_address)
        finally:
            self.connections.release(conn)
            self.shutdown_request(conn)

    def _refuse(self, conn: socket.socket, tls: bool) -> None:
        log.debug("event=connection_refused reason=too_many_connections")
        try:
            conn.setblocking(False)
            if not tls:  # a TLS client would need a handshake first: it just sees a close
                conn.send(TOO_MANY_CONNECTIONS)
            socket.socket.shutdown(conn, socket.SHUT_WR)
        except OSError:
            conn.close()
            return
        self._lingering.append((time.monotonic() + LINGER_SECONDS, conn))
        while len(self._lingering) > MAX_LINGERING:
            self._lingering.popleft()[1].close()

    def service_actions(self) -> None:
        now = time.monotonic()
        while self._lingering and self._lingering[0][0] <= now:
            conn = self._lingering.popleft()[1]
            with contextlib.suppress(OSError):
                socket.socket.recv(conn, 65536)  # what the client sent meanwhile
            conn.close()

    def server_close(self) -> None:
        super().server_close()
        while self._lingering:
            self._lingering.popleft()[1].close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("event=connection_error client=%s", client_address[0], exc_info=True)


def _checker(web: WebConfig) -> BasicAuthChecker | None:
    return BasicAuthChecker(web.users, web.rate_limit) if web.users else None


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = f"causely-exporter/{__version__}"
    sys_version = ""
    # Headers and body go out as two writes: without this, Nagle holds the second one back
    # until the client's delayed ACK of the first, 40 ms later on Linux.
    disable_nagle_algorithm = True
    rfile: io.BufferedReader

    def setup(self) -> None:
        self._head_deadline = time.monotonic() + self.server.limits.head_timeout
        super().setup()

    def handle(self) -> None:
        conn = self.connection
        try:
            if isinstance(conn, ssl.SSLSocket):
                conn.settimeout(max(self._head_deadline - time.monotonic(), 0.001))
                conn.do_handshake()
            self._serve_requests(conn)
        except (ConnectionError, TimeoutError, ssl.SSLError, OSError, HeadTimeout) as exc:
            log.debug(
                "event=client_disconnected client=%s reason=%s",
                self.client_address[0],
                type(exc).__name__,
            )

    def _serve_requests(self, conn: socket.socket) -> None:
        limits, table = self.server.limits, self.server.connections
        deadline = self._head_deadline
        while True:
            try:
                head = read_head(self.rfile, conn, limits.max_head_bytes, deadline)
            except HeadTooLarge:
                self._refuse_head(conn)
                return
            if head is None or not table.set_state(conn, State.BUSY):
                return
            conn.settimeout(limits.write_timeout)
            self._handle_head(head)
            if self.close_connection:
                return
            # Idle between requests: evictable, and bounded by the idle timeout.
            if not table.set_state(conn, State.IDLE):
                return
            conn.settimeout(limits.idle_timeout)
            if not self.rfile.peek(1):
                return
            if not table.set_state(conn, State.HEAD):
                return
            deadline = time.monotonic() + limits.head_timeout

    def _refuse_head(self, conn: socket.socket) -> None:
        """Answer 431, then drop a bounded amount of input so a reset does not eat the answer."""
        log.debug("event=request_refused client=%s reason=head_too_large", self.client_address[0])
        conn.settimeout(self.server.limits.write_timeout)
        self.wfile.write(HEAD_TOO_LARGE)
        if not isinstance(conn, ssl.SSLSocket):
            conn.shutdown(socket.SHUT_WR)
        drained, until = 0, time.monotonic() + LINGER_SECONDS
        while drained < MAX_REFUSAL_DRAIN_BYTES and (left := until - time.monotonic()) > 0:
            conn.settimeout(left)
            chunk = self.rfile.read1(65536)
            if not chunk:
                return
            drained += len(chunk)

    def _handle_head(self, head: bytes) -> None:
        """Parse one request head, deal with its body, dispatch it."""
        line, _, rest = head.partition(b"\n")
        self.raw_requestline = line + b"\n"
        self.close_connection = True
        stream = self.rfile
        self.rfile = io.BufferedReader(io.BytesIO(rest))  # parse_request reads headers from it
        try:
            parsed = self.parse_request()
        finally:
            self.rfile = stream
        if not parsed or not self._consume_body():
            return
        handler = getattr(self, "do_" + self.command, None)
        if handler is None:
            self._method_not_allowed()
        else:
            handler()
        self.wfile.flush()

    def _consume_body(self) -> bool:
        """Drain a small request body so the connection stays usable; else close after answering.

        False when the request cannot be answered (the error was sent or the client is gone).
        """
        if self.headers.get("Transfer-Encoding") is not None:
            self.close_connection = True  # never read: answer, then close
            return True
        lengths = self.headers.get_all("Content-Length") or []
        if not lengths:
            return True
        if len(lengths) > 1 or not _DIGITS.fullmatch(lengths[0].strip()):
            self.send_error(400, "Bad Content-Length")
            return False
        remaining = int(lengths[0].strip())
        if remaining > self.server.limits.max_drain_bytes:
            self.close_connection = True
            return True
        deadline = time.monotonic() + self.server.limits.head_timeout
        while remaining > 0:
            left = deadline - time.monotonic()
            if left <= 0:
                raise HeadTimeout
            self.connection.settimeout(left)
            chunk = self.rfile.read1(min(remaining, 65536))
            if not chunk:
                raise ConnectionResetError("client closed inside its request body")
            remaining -= len(chunk)
        self.connection.settimeout(self.server.limits.write_timeout)
        return True

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:
        # The request line is bytes a client chose: quoted and escaped, never logged raw.
        log.debug(
            "event=http_request client=%s request=%s", self.client_address[0], quote(format % args)
        )

    def do_GET(self) -> None:
        self._dispatch(head=False)

    def do_HEAD(self) -> None:
        self._dispatch(head=True)

    def _method_not_allowed(self) -> None:
        self._send(
            405,
            b"method not allowed\n",
            "text/plain; charset=utf-8",
            head=False,
            extra={"Allow": "GET, HEAD"},
        )

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _method_not_allowed

    def _dispatch(self, head: bool) -> None:
        path = urlsplit(self.path).path
        settings = self.server.settings
        auth = AuthResult.OK if path in UNPROTECTED_PATHS else self._authorize()
        if auth is AuthResult.THROTTLED:
            self._send(
                429,
                b"too many failed login attempts, retry later\n",
                "text/plain; charset=utf-8",
                head,
                extra={"Retry-After": "1"},
            )
            return
        if auth is not AuthResult.OK:
            self._send(
                401,
                b"unauthorized\n",
                "text/plain; charset=utf-8",
                head,
                extra={"WWW-Authenticate": 'Basic realm="causely-exporter"'},
            )
            return
        if path == settings.telemetry_path:
            self._metrics(head)
        elif path == "/healthz":
            live, reason = self._liveness()
            self._send(
                200 if live else 503, reason.encode() + b"\n", "text/plain; charset=utf-8", head
            )
        elif path == "/readyz":
            ready, reason = self._readiness()
            self._send(
                200 if ready else 503, reason.encode() + b"\n", "text/plain; charset=utf-8", head
            )
        elif path == "/":
            self._send(200, self._landing_page(), "text/html; charset=utf-8", head)
        else:
            self._send(404, b"not found\n", "text/plain; charset=utf-8", head)

    def _authorize(self) -> AuthResult:
        checker = self.server.current_web()[1]
        if checker is None:
            return AuthResult.OK
        credentials = parse_basic_authorization(self.headers.get("Authorization", ""))
        if credentials is None:
            return AuthResult.DENIED
        return checker.verify(*credentials)

    def _metrics(self, head: bool) -> None:
        snapshot = self.server.snapshot()
        if accepts_gzip(self.headers.get("Accept-Encoding")):
            self._send(
                200,
                snapshot.gzip_body,
                CONTENT_TYPE,
                head,
                extra={"Content-Encoding": "gzip", "Vary": "Accept-Encoding"},
            )
        else:
            self._send(200, snapshot.body, CONTENT_TYPE, head, extra={"Vary": "Accept-Encoding"})

    def _liveness(self) -> tuple[bool, str]:
        """Down once no cycle has published a snapshot within the collector's own bound."""
        snapshot = self.server.snapshot()
        overdue = time.monotonic() - snapshot.live_until
        if overdue > 0:
            age = time.time() - snapshot.created_at
            return False, f"not live: the collector published nothing for {age:.0f}s (stuck)"
        if snapshot.render_failed:
            return True, "ok; the last render failed, serving the previous metrics"
        return True, "ok"

    def _readiness(self) -> tuple[bool, str]:
        snapshot = self.server.snapshot()
        if snapshot.data_time is None:
            return False, "not ready: no successful collection yet"
        age = time.time() - snapshot.data_time
        limit = 3 * self.server.settings.interval
        if age >= limit:
            return False, f"not ready: data is {age:.0f}s old (limit {limit:.0f}s)"
        return True, "ok"

    def _landing_page(self) -> bytes:
        path = html.escape(self.server.settings.telemetry_path)
        return (
            "<!doctype html><html><head><title>Causely Exporter</title></head><body>"
            "<h1>Causely Exporter</h1>"
            f"<p>Version {html.escape(__version__)}</p><ul>"
            f'<li><a href="{path}">Metrics</a></li>'
            '<li><a href="/healthz">Health</a></li>'
            '<li><a href="/readyz">Readiness</a></li>'
            "</ul></body></html>\n"
        ).encode()

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str,
        head: bool,
        extra: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in {**self.server.current_web()[0].headers, **(extra or {})}.items():
            self.send_header(name, value)
        if self.close_connection:
            # Say so, so the client does not put a connection we are about to close in its pool.
            self.send_header("Connection", "close")
        self.end_headers()
        if not head:
            self.wfile.write(body)


class ExporterServer:
    """Owns the listening socket and its serving thread."""

    def __init__(self, settings: ServerSettings, snapshot: Callable[[], Snapshot]) -> None:
        self._server = _Server(settings, snapshot)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.2},
            name="http-server",
            daemon=True,
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> None:
        self._thread.start()

    def set_interval(self, interval: float) -> None:
        """The collection interval readiness judges staleness by (a reload may change it)."""
        self._server.settings = replace(self._server.settings, interval=interval)

    def set_web_config(self, web: WebConfig) -> None:
        """Use `web` (TLS context, users, headers) for connections and requests from now on.

        Connections already open keep their TLS session; their next request uses the new
        users and headers.
        """
        self._server.set_web(web)

    @property
    def connections(self) -> ConnectionTable:
        return self._server.connections

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=2)
