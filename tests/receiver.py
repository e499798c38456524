"""A small HTTP receiver on 127.0.0.1 that records JSON POSTs: a stand-in Alertmanager for the
sender's tests and the webhook receiver of the end-to-end test. Always stopped by its test.

FakeAlertmanager also answers GET /api/v2/alerts with what it holds (the last copy posted per
label set, endsAt ahead), or with a hostile answer (huge, malformed, deep, slow, an error)."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: Any
    at: float


class Receiver:
    def __init__(self, status: int = 200, delay: float = 0.0) -> None:
        self.status = status
        self.delay = delay
        self._lock = threading.Lock()
        self._received: list[Received] = []
        self._stopping = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw or b"null")
                except ValueError:
                    body = None
                with receiver._lock:
                    receiver._received.append(
                        Received(self.path, dict(self.headers.items()), body, time.time())
                    )
                if receiver.delay:
                    receiver._stopping.wait(receiver.delay)
                payload = b"{}"
                self.send_response(receiver.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self) -> None:
                receiver.answer_get(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=lambda: self._server.serve_forever(poll_interval=0.05), daemon=True
        )
        self._thread.start()

    def answer_get(self, handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(404)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    def received(self) -> list[Received]:
        with self._lock:
            return list(self._received)

    def alerts(self) -> list[dict[str, Any]]:
        """Every alert posted, in arrival order (bodies are JSON arrays of alerts)."""
        return [a for r in self.received() if isinstance(r.body, list) for a in r.body]

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> Receiver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _time(text: object) -> float:
    if not isinstance(text, str):
        return 0.0
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


class FakeAlertmanager(Receiver):
    """Holds the last copy posted per label set, as Alertmanager does, and lists the active
    ones on GET /api/v2/alerts (honouring an alertname=~"a|b" filter). `hostile` turns the
    answer into: "huge" (past any cap), "malformed", "deep" (nested JSON), "slow" (a byte a
    second), "error" (500), "types" (wrong types in every entry), "hang" (no answer)."""

    def __init__(self) -> None:
        self.hostile = ""
        self.gets: list[tuple[float, int]] = []  # (when, bytes answered)
        super().__init__()

    def held(self) -> dict[tuple[tuple[str, str], ...], dict[str, Any]]:
        latest: dict[tuple[tuple[str, str], ...], dict[str, Any]] = {}
        for alert in self.alerts():
            latest[tuple(sorted(alert["labels"].items()))] = alert
        now = time.time()
        return {k: a for k, a in latest.items() if _time(a.get("endsAt")) > now}

    def _body(self, path: str) -> bytes:
        names: set[str] | None = None
        query = parse_qs(urlsplit(path).query)
        for matcher in query.get("filter", []):
            if matcher.startswith('alertname=~"'):
                names = set(matcher[len('alertname=~"') : -1].split("|"))
        listed = [
            {
                **alert,
                "status": {"state": "active", "silencedBy": [], "inhibitedBy": []},
                "receivers": [{"name": "default"}],
                "fingerprint": "0",
                "updatedAt": alert.get("startsAt"),
            }
            for alert in self.held().values()
            if names is None or alert["labels"].get("alertname") in names
        ]
        return json.dumps(listed).encode()

    def answer_get(self, handler: BaseHTTPRequestHandler) -> None:
        mode = self.hostile
        if mode == "hang":
            self._stopping.wait(30)
            return
        status, body = 200, b""
        if mode == "error":
            status, body = 500, b"internal error"
        elif mode == "malformed":
            body = b'[{"labels": {"alertname": '
        elif mode == "deep":
            body = b"[" * 100_000 + b"]" * 100_000
        elif mode == "types":
            body = json.dumps(
                [{"labels": ["x"], "endsAt": 5, "status": "active"}, 7, None, {"labels": {}}]
            ).encode()
        elif mode != "huge":
            body = self._body(handler.path)
        self.gets.append((time.time(), len(body)))
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        if mode != "huge":  # no length: the body ends when the connection does
            handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        try:
            if mode == "huge":
                chunk = b"[" + b" " * 65535
                for _ in range(4096):  # endless enough: 256 MiB
                    handler.wfile.write(chunk)
                    if self._stopping.is_set():
                        return
            elif mode == "slow":
                for byte in body or b"[]":
                    handler.wfile.write(bytes([byte]))
                    handler.wfile.flush()
                    if self._stopping.wait(1.0):
                        return
            else:
                handler.wfile.write(body)
        except OSError:
            pass  # the client hung up: what a bounded reader does


def wait_for(what: str, check: Any, timeout: float = 20.0) -> Any:
    deadline = time.time() + timeout
    last: Any = None
    while time.time() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")
