"""HTTP plumbing: a threaded server whose connections stop() can cut promptly."""

from __future__ import annotations

import contextlib
import itertools
import logging
import socket
import socketserver
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast

from exporter.logs import quote

from . import admin, api
from .reply import Reply, json_reply
from .state import SimContext

log = logging.getLogger("exporter.simulator")


class SimHTTPServer(ThreadingHTTPServer):
    # Non-daemon handler threads so server_close() joins them; stop() unblocks them first.
    daemon_threads = False
    block_on_close = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], ctx: SimContext) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.ctx = ctx
        self._conn_lock = threading.Lock()
        self._conns: set[socket.socket] = set()
        super().__init__(address, SimRequestHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host with getfqdn(), which can hang on a box
        # without DNS; the name is only used for the CGI environment, which we do not serve.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def track(self, conn: socket.socket) -> None:
        with self._conn_lock:
            if self.ctx.stopping.is_set():
                _shutdown(conn)
            self._conns.add(conn)

    def untrack(self, conn: socket.socket) -> None:
        with self._conn_lock:
            self._conns.discard(conn)

    def cut_connections(self) -> None:
        """Wake handlers blocked reading an idle keep-alive connection."""
        with self._conn_lock:
            for conn in self._conns:
                _shutdown(conn)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hung up mid-answer is routine here; keep tracebacks out of stderr.
        log.debug("event=serve_error client=%s", quote(client_address), exc_info=True)


def _shutdown(conn: socket.socket) -> None:
    with contextlib.suppress(OSError):
        conn.shutdown(socket.SHUT_RDWR)


_connection_ids = itertools.count(1)


class SimRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real clients expect from the APIs
    server_version = "causely-simulator"
    sys_version = ""
    # Headers and body go out in separate writes; Nagle + delayed ACK would add ~40 ms.
    disable_nagle_algorithm = True

    @property
    def ctx(self) -> SimContext:
        return cast(SimHTTPServer, self.server).ctx

    def setup(self) -> None:
        super().setup()
        self.connection_id = next(_connection_ids)
        cast(SimHTTPServer, self.server).track(self.connection)

    def finish(self) -> None:
        cast(SimHTTPServer, self.server).untrack(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def parse_request(self) -> bool:
        # Runs right after the request line is read: the start of the configured latency.
        self.arrived = time.monotonic()
        return super().parse_request()

    def log_message(self, format: str, *args: Any) -> None:
        # Replaces http.server's stderr access log; per-request lines only at DEBUG.
        log.debug(
            "event=http_request client=%s request=%s",
            quote(self.address_string()),
            quote(format % args),
        )

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def _handle(self, method: str) -> None:
        try:
            body = self._read_body()
            if body is None:
                self._send(
                    json_reply(411, {"error": "length_required", "message": "need Content-Length"})
                )
                return
            path, _, query = self.path.partition("?")
            if path == "/_sim" or path.startswith("/_sim/"):
                self._send(admin.handle(self.ctx, method, path, body))
            else:
                self._api(method, path, query, body)
        except (ConnectionError, TimeoutError):
            self.close_connection = True
        except Exception:
            # A simulator bug must be loud, but must not look like a network fault to clients.
            log.exception("event=simulator_bug method=%s path=%s", quote(method), quote(self.path))
            self.close_connection = True
            with contextlib.suppress(OSError):
                self._send(json_reply(500, {"error": "simulator_bug", "message": "see its log"}))

    def _api(self, method: str, path: str, query: str, body: bytes) -> None:
        arrival = time.time()
        call = api.classify(method, path, query, body, self.headers.get("Authorization"))
        call.connection = self.connection_id
        params = call.params if call.target == "causeflow" else None
        record = self.ctx.log.open(arrival, call.target, call.operation, path, params)
        if self.ctx.ledger.arrival(call.target, arrival, call.connection):
            log.debug("event=rate_limit_violation target=%s", quote(call.target))
        reply = api.respond(self.ctx, call, self.arrived)
        if reply is None:
            self._reset()
            return
        self.ctx.log.answered(record, reply.status)
        self._send(reply)

    def _read_body(self) -> bytes | None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True
            return None
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, reply: Reply) -> None:
        if reply.head_delay > 0:
            self._send_trickled_head(reply)
            return
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", reply.content_type)
        if reply.stream is not None:
            self._send_stream(reply)
            return
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def _send_trickled_head(self, reply: Reply) -> None:
        """A head paced one byte per head_delay: each read gets a byte, the whole never ends."""
        self.close_connection = True
        self.log_request(reply.status)
        lines = [f"HTTP/1.1 {reply.status} OK", f"Content-Type: {reply.content_type}"]
        lines += [f"{name}: {value}" for name, value in reply.headers.items()]
        lines += [f"Content-Length: {len(reply.body)}", "Connection: close", "", ""]
        head = "\r\n".join(lines).encode("latin-1")
        for index in range(len(head)):
            if index and self.ctx.stopping.wait(reply.head_delay):
                return
            self.wfile.write(head[index : index + 1])
        self.wfile.write(reply.body)

    def _send_stream(self, reply: Reply) -> None:
        """Write a body as it is produced; a client hanging up ends it (ConnectionError)."""
        assert reply.stream is not None
        self.close_connection = True
        chunked = reply.length is None
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(reply.length))
        self.end_headers()
        for piece in reply.stream():
            if self.ctx.stopping.is_set():
                return
            if chunked and piece:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            elif piece:
                self.wfile.write(piece)
        if chunked:
            self.wfile.write(b"0\r\n\r\n")

    def _reset(self) -> None:
        """Drop the connection with an RST so the client sees a connection error, not a reply."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
