"""The HTTP server: serves the current snapshot's bytes. It never touches a source.

/metrics copies bytes rendered once per cycle (OpenMetrics or text as Accept weighs them,
gzip when asked), /healthz answers 200 while the collector keeps publishing snapshots (503
once it is stuck or dead: Snapshot.live_until), /readyz once fresh data exists, / is a
landing page. Each connection gets its own thread, so many scrapes are served at once; how
connections are accepted, capped and kept alive is in exporter.web.listener, and what a
connection may cost (head size, deadlines, how many at once, who gives way) in
exporter.web.connections. TLS, basic auth and extra headers come from
--web.config.file and can be swapped at run time (set_web_config).

This is the standard library's http.server, hardened, rather than a server library: it meets
the scrape benchmark, and none of the libraries looked at (uvicorn, waitress) bounds the time
to receive a whole request head, which is what keeps slow clients from holding connections.
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from exporter import __version__
from exporter.collect.snapshot import Snapshot
from exporter.metrics.exposition import OPENMETRICS_CONTENT_TYPE, TEXT_CONTENT_TYPE
from exporter.web.basic_auth import AuthResult, parse_basic_authorization
from exporter.web.connections import ConnectionLimits, ConnectionTable
from exporter.web.listener import ConnectionHandler, Listener
from exporter.web.request import accepts_gzip, prefers_openmetrics
from exporter.web.web_config import WebConfig

UNPROTECTED_PATHS = ("/healthz", "/readyz")  # probes cannot carry credentials


@dataclass(frozen=True)
class ServerSettings:
    host: str
    port: int
    telemetry_path: str
    interval: float
    web: WebConfig
    limits: ConnectionLimits = field(default_factory=ConnectionLimits)


class _Server(Listener):
    """The listener, plus what the routes read: the settings and the current snapshot."""

    def __init__(self, settings: ServerSettings, snapshot: Callable[[], Snapshot]):
        self.settings = settings
        self.snapshot = snapshot
        super().__init__(settings.host, settings.port, settings.limits, settings.web, _Handler)


class _Handler(ConnectionHandler):
    """The routes: who must authenticate, and what each path answers from the snapshot."""

    server: _Server
    server_version = f"causely-exporter/{__version__}"
    sys_version = ""

    def version_string(self) -> str:
        return self.server_version

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
        if snapshot.exposition.openmetrics and prefers_openmetrics(self.headers.get("Accept")):
            openmetrics, content_type = True, OPENMETRICS_CONTENT_TYPE
        else:
            openmetrics, content_type = False, TEXT_CONTENT_TYPE
        vary = {"Vary": "Accept, Accept-Encoding"}
        # Only the one body asked for: a render builds each on its first ask.
        exposition = snapshot.exposition
        if accepts_gzip(self.headers.get("Accept-Encoding")):
            packed = exposition.openmetrics_gzip_body if openmetrics else exposition.gzip_body
            self._send(200, packed, content_type, head, extra={"Content-Encoding": "gzip", **vary})
        else:
            body = exposition.openmetrics_body if openmetrics else exposition.body
            self._send(200, body, content_type, head, extra=vary)

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
