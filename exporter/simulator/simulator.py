"""The public Simulator object: lifecycle plus ground truth and control for tests."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from types import TracebackType
from typing import Any

from exporter.logs import quote

from .config import SimulatorConfig
from .data import SimDefect, SimIncident
from .explanations import Service, explained_by_defect
from .faults import make_fault
from .server import SimHTTPServer
from .state import RequestRecord, SimContext
from .world import World

log = logging.getLogger("exporter.simulator")

AUTH_PATH = "/frontegg/identity/resources/auth/v2/api-token"


class Simulator:
    def __init__(self, config: SimulatorConfig | None = None) -> None:
        self.config = config or SimulatorConfig()
        # Data is generated here, not in start(), so truth can be read before serving.
        self._ctx = SimContext(self.config, World(self.config))
        self._server: SimHTTPServer | None = None
        self._threads: list[threading.Thread] = []
        self._url: str | None = None

    # --- lifecycle ------------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        if self._server is not None or self._ctx.stopping.is_set():
            raise RuntimeError("a Simulator can be started once")
        server = SimHTTPServer((host, port), self._ctx)
        self._server = server
        bound_port = server.server_address[1]
        # A wildcard bind is reachable on loopback; a URL with 0.0.0.0 is not portable.
        shown = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(host, host)
        shown = f"[{shown}]" if ":" in shown else shown
        self._url = f"http://{shown}:{bound_port}"
        # A short poll interval keeps stop() fast; serve_forever only checks for it between polls.
        self._spawn("sim-http", lambda: server.serve_forever(poll_interval=0.05))
        if self.config.churn_interval > 0:
            self._spawn("sim-churn", self._churn)
        log.info("event=simulator_started url=%s", quote(self._url))

    def stop(self) -> None:
        server = self._server
        self._ctx.stopping.set()
        if server is None:
            return
        server.shutdown()
        server.cut_connections()
        server.server_close()
        for thread in self._threads:
            thread.join()
        self._threads.clear()
        self._server = None
        log.info("event=simulator_stopped")

    def __enter__(self) -> Simulator:
        if self._server is None:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _spawn(self, name: str, target: Any) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _churn(self) -> None:
        while not self._ctx.stopping.wait(self.config.churn_interval):
            self._ctx.world.churn_tick()
            log.debug("event=churn_tick")

    # --- URLs -----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        if self._url is None:
            raise RuntimeError("the simulator has not been started")
        return self._url

    @property
    def auth_url(self) -> str:
        return self.url + AUTH_PATH

    @property
    def api_url(self) -> str:
        return self.url + "/query/"

    @property
    def causeflow_url(self) -> str:
        return self.url + "/v1"

    # --- ground truth and control ---------------------------------------------------------

    def scope_names(self) -> list[str]:
        return [scope.name for scope in self._ctx.world.scopes()]

    def active_defects(self, scope: str | None = None) -> list[SimDefect]:
        return self._ctx.world.active_defects(scope)

    def add_defect(
        self,
        scope: str,
        *,
        name: str = "Congested",
        severity: str = "Critical",
        entity_type: str = "Service",
        entity_name: str | None = None,
        service_count: int | None = None,
        namespace: str | None = None,
        services: Sequence[str] | None = None,
    ) -> str:
        """A new active defect in `scope` (in `namespace`, one of the scope's, if given).

        `services`: short names of the services of its namespace it explains, exactly those
        (service_count is then their number); without it, `service_count` (default 1, as over
        HTTP) of the namespace's services are chosen, seeded by the defect id.
        """
        return self._ctx.world.add_defect(
            scope,
            name=name,
            severity=severity,
            entity_type=entity_type,
            entity_name=entity_name,
            service_count=service_count,
            namespace=namespace,
            services=None if services is None else list(services),
        )

    def explained_services(self, scope: str | None = None) -> dict[str, tuple[Service, ...]]:
        """Ground truth of impacts and symptoms: active defect id (of `scope`, if given) ->
        the sorted (cluster, namespace, short service name) of the Services it explains."""
        return explained_by_defect(self._ctx.world.active_defects(scope))

    def namespaces(self, scope: str) -> list[str]:
        return list(self._ctx.world.scope(scope).namespaces)

    def clear_defect(self, defect_id: str) -> None:
        self._ctx.world.clear_defect(defect_id)

    def entity_counts(
        self, scope: str, entity_types: tuple[str, ...] = ("Service",)
    ) -> dict[tuple[str, str], int]:
        """Ground truth of entityTypeCounts: (entity type, health severity) -> entities."""
        return self._ctx.world.entity_truth(scope, frozenset(entity_types))

    def slo_states(self, scope: str, namespace: str | None = None) -> dict[str, tuple[str, str]]:
        """Ground truth of sloConnection: SLO id -> (name, state), optionally of one namespace."""
        return self._ctx.world.slo_truth(scope, namespace)

    def incidents(self, status: list[str] | None = None) -> list[SimIncident]:
        return self._ctx.world.incidents(status)

    def add_incident(
        self,
        *,
        title: str,
        severity: str = "critical",
        status: str = "open",
        source: str = "automated",
    ) -> str:
        return self._ctx.world.add_incident(
            title=title, severity=severity, status=status, source=source
        )

    def resolve_incident(self, incident_id: str) -> None:
        self._ctx.world.resolve_incident(incident_id)

    def inject(
        self,
        kind: str,
        *,
        count: int | None = 1,
        target: str = "graphql",
        skip: int = 0,
        **params: Any,
    ) -> None:
        fault = make_fault(kind, count=count, target=target, skip=skip, **params)
        self._ctx.faults.add(fault)
        log.info(
            "event=fault_queued kind=%s target=%s count=%s skip=%s",
            quote(kind),
            quote(target),
            count,
            skip,
        )

    def clear_faults(self) -> None:
        self._ctx.faults.clear()

    def requests(self) -> list[RequestRecord]:
        return self._ctx.log.snapshot()

    def rate_limit_violations(self) -> int:
        return self._ctx.ledger.violations
