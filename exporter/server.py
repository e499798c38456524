"""The HTTP server: serves the current snapshot's bytes. It never touches a source.

/metrics copies bytes rendered once per cycle (gzip when asked), /healthz answers while the
process runs, /readyz once fresh data exists, / is a landing page. Each connection gets its own
thread, so many scrapes are served at once; TLS and basic auth come from --web.config.file.
"""

from __future__ import annotations

import base64
import binascii
import html
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from exporter import __version__
from exporter.collector import Snapshot
from exporter.metrics import CONTENT_TYPE
from exporter.webconfig import BasicAuthChecker, WebConfig

log = logging.getLogger(__name__)
UNPROTECTED_PATHS = ("/healthz", "/readyz")  # probes cannot carry credentials


@dataclass(frozen=True)
class ServerSettings:
    host: str
    port: int
    telemetry_path: str
    interval: float
    web: WebConfig


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


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True

    def __init__(self, settings: ServerSettings, snapshot: Callable[[], Snapshot]):
        self.settings = settings
        self.snapshot = snapshot
        self.auth = BasicAuthChecker(settings.web.users) if settings.web.users else None
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

    def get_request(self) -> tuple[socket.socket, Any]:
        conn, address = super().get_request()
        context = self.settings.web.ssl_context
        if context is not None:
            # The handshake runs in the connection's own thread, not in the accept loop.
            conn = context.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
        return conn, address

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("event=connection_error client=%s", client_address[0])


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = f"causely-exporter/{__version__}"
    sys_version = ""
    timeout = 30  # idle keep-alive connections and slow clients do not hold a thread forever

    def handle(self) -> None:
        try:
            if isinstance(self.connection, ssl.SSLSocket):
                self.connection.do_handshake()
            super().handle()
        except (ConnectionError, TimeoutError, ssl.SSLError, OSError) as exc:
            log.debug(
                "event=client_disconnected client=%s reason=%s",
                self.client_address[0],
                type(exc).__name__,
            )

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("event=http_request client=%s request=%s", self.client_address[0], format % args)

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
        if path not in UNPROTECTED_PATHS and not self._authorized():
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

    def _authorized(self) -> bool:
        checker = self.server.auth
        if checker is None:
            return True
        header = self.headers.get("Authorization", "")
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, sep, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return False
        return bool(sep) and checker.check(user, password)

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
        for name, value in {**self.server.settings.web.headers, **(extra or {})}.items():
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

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=2)
