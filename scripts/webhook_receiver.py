"""A webhook receiver for Alertmanager that prints what it is sent: one line per alert.

    python3 scripts/webhook_receiver.py --listen 127.0.0.1:5001 > pages.log   # serve
    python3 scripts/webhook_receiver.py --count pages.log                     # tally

Each line is `receiver=<path> status=firing|resolved alertname=... <labels>`, so a resolve
is as visible as a page (amtool only shows the alert vanish). `--count` prints how many lines
each (status, alertname) has. The standard library only: it runs before `make venv`. It
listens on loopback by default, reads at most 1 MiB a request and stops on SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import sys
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

MAX_BODY = 1 << 20
MAX_VALUE = 200
# Labels printed after the alert name, when the alert has them: what routes and inhibits.
SHOWN = ("severity", "scope", "cluster", "namespace", "service", "defect_id")
_PLAIN = re.compile(r"[A-Za-z0-9_.:/@+-]+")


def field(name: str, value: object) -> str:
    text = str(value)[:MAX_VALUE]
    return f"{name}={text}" if _PLAIN.fullmatch(text) else f"{name}={json.dumps(text)}"


def lines_of(path: str, body: Any) -> list[str]:
    """One line per alert of an Alertmanager webhook body; nothing for any other body."""
    if not isinstance(body, dict) or not isinstance(body.get("alerts"), list):
        return []
    out = []
    for alert in body["alerts"]:
        if not isinstance(alert, dict) or not isinstance(alert.get("labels"), dict):
            continue
        labels = alert["labels"]
        parts = [field("receiver", path), field("status", alert.get("status", "?"))]
        parts.append(field("alertname", labels.get("alertname", "")))
        parts += [field(k, labels[k]) for k in SHOWN if k in labels]
        out.append(" ".join(parts))
    return out


def serve(host: str, port: int) -> None:
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            try:
                length = min(int(self.headers.get("Content-Length") or 0), MAX_BODY)
            except ValueError:
                length = 0
            try:
                body = json.loads(self.rfile.read(length) or b"null")
            except ValueError:
                body = None
            with lock:
                for line in lines_of(self.path, body):
                    print(line, flush=True)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass  # stdout holds the alerts only

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True

    def stop(signum: int, frame: object) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"# listening on http://{host}:{port}", file=sys.stderr, flush=True)
    server.serve_forever(poll_interval=0.2)
    server.server_close()


def count(path: str) -> None:
    tally: Counter[tuple[str, str]] = Counter()
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        found = dict(re.findall(r"(status|alertname)=(\S+)", line))
        if "status" in found:
            tally[(found["status"], found.get("alertname", ""))] += 1
    for (status, alertname), n in sorted(tally.items()):
        print(f"{n:4} {status:9} {alertname}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", default="127.0.0.1:5001", help="HOST:PORT to listen on")
    parser.add_argument("--count", metavar="FILE", help="tally a log this receiver wrote, exit")
    args = parser.parse_args()
    if args.count:
        count(args.count)
        return
    host, _, port = args.listen.rpartition(":")
    if not host or not port.isdigit():
        parser.error(f"--listen: expected HOST:PORT, got {args.listen!r}")
    serve(host, int(port))


if __name__ == "__main__":
    main()
