"""The connection-level half of the server: sockets, threads and the keep-alive loop.

http_server.py says what each path answers; this module decides which connections get served at
all and how long each may take, so neither a flood of clients nor a slow one can reach the
routes. `Listener` accepts, wraps TLS (the handshake runs in the connection's own thread),
admits up to the cap or refuses with a quick 503, and closes refused sockets a little later.
`ConnectionHandler` reads each request head against its size cap and deadline, drains a small
body, and keeps the connection alive between requests. The policies it applies (limits,
who gives way at the cap, how a head is read) are in connections.py
and request.py.
"""

from __future__ import annotations

import collections
import contextlib
import io
import logging
import re
import socket
import socketserver
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Any

from exporter.logs import quote
from exporter.web.basic_auth import BasicAuthChecker
from exporter.web.connections import (
    ConnectionLimits,
    ConnectionTable,
    HeadTimeout,
    HeadTooLarge,
    State,
    canned_response,
    read_head,
)
from exporter.web.web_config import WebConfig

# The name these lines had before the server was split: operators filter on it.
log = logging.getLogger("exporter.server")
TOO_MANY_CONNECTIONS = canned_response(503, "Service Unavailable", b"too many connections\n")
HEAD_TOO_LARGE = canned_response(
    431, "Request Header Fields Too Large", b"request head too large\n"
)
LINGER_SECONDS = 1.0
MAX_LINGERING = 256
MAX_REFUSAL_DRAIN_BYTES = 256 * 1024
_DIGITS = re.compile(r"[0-9]{1,18}")


class Listener(socketserver.TCPServer):
    """Accepts connections; each admitted one gets a thread, up to the connection cap."""

    request_queue_size = 128
    allow_reuse_address = True

    def __init__(
        self,
        host: str,
        port: int,
        limits: ConnectionLimits,
        web: WebConfig,
        handler: type[ConnectionHandler],
    ) -> None:
        self.limits = limits
        self.connections = ConnectionTable(limits.max_connections, limits.busy_evictable_after)
        self._web_lock = threading.Lock()
        self.web, self.auth = web, _checker(web)
        # Refused connections: answered, then closed a little later so the answer is not
        # lost to a reset while the client's request is still unread.
        self._lingering: collections.deque[tuple[float, socket.socket]] = collections.deque()
        if host == "" and socket.has_dualstack_ipv6():
            self.address_family = socket.AF_INET6
            host = "::"
        elif ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__((host or "0.0.0.0", port), handler)

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


class ConnectionHandler(BaseHTTPRequestHandler):
    """Serves one connection's requests in turn; a subclass supplies the do_* methods."""

    server: Listener
    protocol_version = "HTTP/1.1"
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

    def _method_not_allowed(self) -> None:
        """Answer a method with no do_* method; the subclass knows which headers go with it."""
        raise NotImplementedError

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

    def log_message(self, format: str, *args: Any) -> None:
        # The request line is bytes a client chose: quoted and escaped, never logged raw.
        log.debug(
            "event=http_request client=%s request=%s", self.client_address[0], quote(format % args)
        )
