"""Real Prometheus and Alertmanager processes on 127.0.0.1 for end-to-end tests.

The binaries come from Debian's packages, installed by scripts/install-test-deps.sh. Every
process is stopped by the test that started it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import requests
import yaml

from tests.processes import Process, find_binary, free_port


def binary(name: str) -> str:
    # Debian installs Alertmanager as prometheus-alertmanager.
    return find_binary(name, f"prometheus-{name}")


def wait_until(what: str, check: Any, timeout: float, proc: Process | None = None) -> Any:
    deadline = time.time() + timeout
    last: Any = None
    while time.time() < deadline:
        if proc is not None and proc.proc.poll() is not None:
            raise AssertionError(f"{what}: process exited: {proc.logs()[-4000:]}")
        try:
            last = check()
            if last:
                return last
        except requests.RequestException as exc:
            last = exc
        time.sleep(0.25)
    detail = proc.logs()[-4000:] if proc is not None else ""
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last}) {detail}")


class Prometheus(Process):
    def __init__(
        self,
        tmp: Path,
        targets: list[str],
        rule_files: list[str] | None = None,
        alertmanager: str | None = None,
        interval: str = "1s",
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config: dict[str, Any] = {
            "global": {"scrape_interval": interval, "evaluation_interval": interval},
            "scrape_configs": [
                {"job_name": "causely-exporter", "static_configs": [{"targets": targets}]}
            ],
            "rule_files": rule_files or [],
        }
        if alertmanager:
            config["alerting"] = {
                "alertmanagers": [{"static_configs": [{"targets": [alertmanager]}]}]
            }
        path = tmp / "prometheus.yml"
        path.write_text(yaml.safe_dump(config))
        super().__init__(
            [
                binary("prometheus"),
                f"--config.file={path}",
                f"--storage.tsdb.path={tmp / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--log.level=warn",
            ],
            tmp / "prometheus.log",
        )
        wait_until(
            "prometheus ready", lambda: requests.get(self.url + "/-/ready", timeout=2).ok, 60, self
        )

    def query(self, expr: str, at: float | None = None) -> list[dict[str, Any]]:
        """Instant query, evaluated now or at the Unix time `at`."""
        params: dict[str, str] = {"query": expr}
        if at is not None:
            params["time"] = f"{at:.3f}"
        response = requests.get(self.url + "/api/v1/query", params=params, timeout=10)
        body = response.json()
        if body.get("status") != "success":
            raise AssertionError(f"query {expr!r} failed: {body}")
        result: list[dict[str, Any]] = body["data"]["result"]
        return result

    def alerts(self) -> list[dict[str, Any]]:
        response = requests.get(self.url + "/api/v1/alerts", timeout=10)
        alerts: list[dict[str, Any]] = response.json()["data"]["alerts"]
        return alerts


class Alertmanager(Process):
    """One Alertmanager; alone by default, or a cluster member given its gossip port and peers'."""

    def __init__(
        self,
        tmp: Path,
        config_text: str,
        cluster_port: int | None = None,
        peers: Sequence[int] = (),
        cluster_args: Sequence[str] = (),
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        path = tmp / "alertmanager.yml"
        path.write_text(config_text)
        if cluster_port is None:
            cluster = ["--cluster.listen-address="]  # a single instance: no gossip ports
        else:
            cluster = [
                f"--cluster.listen-address=127.0.0.1:{cluster_port}",
                f"--cluster.advertise-address=127.0.0.1:{cluster_port}",
                *(f"--cluster.peer=127.0.0.1:{peer}" for peer in peers),
                *cluster_args,
            ]
        super().__init__(
            [
                binary("alertmanager"),
                f"--config.file={path}",
                f"--storage.path={tmp / 'am-data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                *cluster,
                "--log.level=warn",
            ],
            tmp / "alertmanager.log",
        )
        wait_until(
            "alertmanager ready",
            lambda: requests.get(self.url + "/-/ready", timeout=2).ok,
            60,
            self,
        )

    def alerts(self) -> list[dict[str, Any]]:
        response = requests.get(self.url + "/api/v2/alerts", timeout=10)
        alerts: list[dict[str, Any]] = response.json()
        return alerts
