"""Scrape benchmark: /metrics with ~10k series under 16 concurrent clients, against the same
bytes served from a file by nginx, both measured by wrk in the same run; once in the text
format and once in OpenMetrics (asked for with Prometheus' own Accept header).

    python -m bench.scrape [--connections 16] [--duration 10]

Needs wrk and nginx (Debian packages; `make bench` installs them).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

from bench.common import REPO, dump, free_port, print_table, process, sim_env, simulator, wait_for

CONFIG = """
causely:
  scopes: discover
  max_defect_series: 5000
collection:
  interval: 10m
"""
# Prometheus' default scrape Accept header.
OPENMETRICS_ACCEPT = (
    "Accept: application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
    "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
)
NGINX_CONF = """
worker_processes auto;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
{user}
events {{ worker_connections 1024; }}
http {{
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path {tmp}/body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
  server {{
    listen 127.0.0.1:{port};
    location = /metrics {{
      default_type "text/plain; version=0.0.4; charset=utf-8";
      alias {tmp}/metrics.txt;
    }}
    location = /metrics-om {{
      default_type "application/openmetrics-text; version=1.0.0; charset=utf-8";
      alias {tmp}/metrics.om;
    }}
  }}
}}
"""


def need(binary: str) -> str:
    path = shutil.which(binary) or (
        f"/usr/sbin/{binary}" if os.path.exists(f"/usr/sbin/{binary}") else None
    )
    if path is None:
        raise SystemExit(f"bench: {binary} is not installed (make bench installs it)")
    return path


def wrk(url: str, connections: int, duration: int, headers: list[str]) -> dict[str, float]:
    args = [
        need("wrk"),
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{duration}s",
        "--latency",
        url,
    ]
    for header in headers:
        args += ["-H", header]
    out = subprocess.run(args, capture_output=True, text=True, timeout=duration + 60).stdout
    result: dict[str, float] = {}
    for label in ("50%", "90%", "99%"):
        match = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if match is None:
            raise SystemExit(f"bench: cannot read wrk output:\n{out}")
        value, unit = float(match.group(1)), match.group(2)
        result[label] = value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)", out)
    result["rps"] = float(rps.group(1)) if rps else 0.0
    result["errors"] = 1.0 if errors else 0.0
    return result


def run(connections: int, duration: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-scrape-") as tmp_name:
        tmp = Path(tmp_name)
        os.chmod(tmp, 0o755)  # nginx workers read the file
        config = tmp / "config.yaml"
        config.write_text(CONFIG)
        port, nginx_port = free_port(), free_port()
        with simulator(tmp, scopes=4, defects=3300, incidents=0) as url:
            exporter_args = [
                sys.executable,
                "-m",
                "exporter",
                f"--config.file={config}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--log.level=warn",
            ]
            env = {**os.environ, **sim_env(url)}
            with subprocess.Popen(
                exporter_args,
                env=env,
                cwd=REPO,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            ) as proc:
                try:
                    exporter = f"http://127.0.0.1:{port}"
                    wait_for(exporter + "/readyz", timeout=120)
                    deadline = time.time() + 60
                    while requests.get(exporter + "/readyz", timeout=5).status_code != 200:
                        if time.time() > deadline:
                            raise SystemExit("bench: exporter never became ready")
                        time.sleep(0.2)
                    body = requests.get(exporter + "/metrics", timeout=10).content
                    (tmp / "metrics.txt").write_bytes(body)
                    om_body = requests.get(
                        exporter + "/metrics",
                        headers=dict([OPENMETRICS_ACCEPT.split(": ", 1)]),
                        timeout=10,
                    ).content
                    assert om_body.endswith(b"# EOF\n")
                    (tmp / "metrics.om").write_bytes(om_body)
                    series = sum(1 for line in body.splitlines() if line and line[:1] != b"#")
                    user = "user root;" if os.geteuid() == 0 else ""
                    (tmp / "nginx.conf").write_text(
                        NGINX_CONF.format(tmp=tmp, port=nginx_port, user=user)
                    )
                    with process([need("nginx"), "-c", str(tmp / "nginx.conf")], tmp / "nginx.out"):
                        nginx = f"http://127.0.0.1:{nginx_port}"
                        wait_for(nginx + "/metrics")
                        assert requests.get(nginx + "/metrics", timeout=5).content == body
                        plain = [
                            wrk(exporter + "/metrics", connections, duration, []),
                            wrk(nginx + "/metrics", connections, duration, []),
                        ]
                        om = [
                            wrk(exporter + "/metrics", connections, duration, [OPENMETRICS_ACCEPT]),
                            wrk(nginx + "/metrics-om", connections, duration, []),
                        ]
                        single = wrk(exporter + "/metrics", 1, max(2, duration // 2), [])
                        gz = wrk(
                            exporter + "/metrics", connections, duration, ["Accept-Encoding: gzip"]
                        )
                finally:
                    proc.terminate()
                    proc.wait(timeout=10)
    return {
        "series": series,
        "body_bytes": len(body),
        "connections": connections,
        "duration_seconds": duration,
        "exporter": plain[0],
        "nginx": plain[1],
        "exporter_gzip": gz,
        "exporter_single_client": single,
        "p50_ratio": plain[0]["50%"] / plain[1]["50%"],
        "p99_ratio": plain[0]["99%"] / plain[1]["99%"],
        "exporter_openmetrics": om[0],
        "nginx_openmetrics": om[1],
        "openmetrics_p50_ratio": om[0]["50%"] / om[1]["50%"],
        "openmetrics_p99_ratio": om[0]["99%"] / om[1]["99%"],
    }


def report(r: dict[str, Any]) -> None:
    e, n, g = r["exporter"], r["nginx"], r["exporter_gzip"]
    oe, on = r["exporter_openmetrics"], r["nginx_openmetrics"]
    print_table(
        f"/metrics: {r['series']} series ({r['body_bytes'] / 1e6:.2f} MB), "
        f"{r['connections']} concurrent connections, {r['duration_seconds']} s each (wrk)",
        [
            ("exporter p50 / p99", f"{e['50%']:.2f} / {e['99%']:.2f} ms", f"{e['rps']:.0f} req/s"),
            (
                "nginx (same bytes) p50 / p99",
                f"{n['50%']:.2f} / {n['99%']:.2f} ms",
                f"{n['rps']:.0f} req/s",
            ),
            ("p50 exporter / nginx", f"{r['p50_ratio']:.2f}x", "target <= 1.2x"),
            ("p99 exporter / nginx", f"{r['p99_ratio']:.2f}x", ""),
            (
                "OpenMetrics: exporter p50 / p99",
                f"{oe['50%']:.2f} / {oe['99%']:.2f} ms",
                f"{oe['rps']:.0f} req/s",
            ),
            (
                "OpenMetrics: nginx p50 / p99",
                f"{on['50%']:.2f} / {on['99%']:.2f} ms",
                f"{on['rps']:.0f} req/s",
            ),
            (
                "OpenMetrics: p50 exporter / nginx",
                f"{r['openmetrics_p50_ratio']:.2f}x",
                "target <= 1.2x",
            ),
            ("OpenMetrics: p99 exporter / nginx", f"{r['openmetrics_p99_ratio']:.2f}x", ""),
            (
                "exporter gzip p50 / p99",
                f"{g['50%']:.2f} / {g['99%']:.2f} ms",
                f"{g['rps']:.0f} req/s",
            ),
            (
                "exporter, 1 client p50 / p99",
                f"{r['exporter_single_client']['50%']:.2f} / "
                f"{r['exporter_single_client']['99%']:.2f} ms",
                f"{r['exporter_single_client']['rps']:.0f} req/s",
            ),
            ("errors", f"{int(e['errors'] + n['errors'] + g['errors'] + oe['errors'])}", ""),
        ],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scrape")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=int, default=10)
    args = parser.parse_args(argv)
    result = run(args.connections, args.duration)
    report(result)
    dump(REPO / "bench" / "results" / "scrape.json", result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
