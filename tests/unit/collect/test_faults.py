"""Fault matrix: every fault the simulator can make, against the real collector and server.

Each case asserts that /metrics keeps serving through the fault, that values equal the
simulator's ground truth once the fault is over (in the same cycle when a retry can cure it,
in the next cycle otherwise), and that no request arrived before a 429's reset time.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from exporter.simulator.config import SimulatorConfig
from exporter.simulator.simulator import Simulator
from exporter.web.http_server import ExporterServer, ServerSettings
from exporter.web.web_config import WebConfig
from tests.conftest import (
    InProcess,
    active_by_combination,
    parse_exposition,
    sim_config,
    truth_by_combination,
)

Metrics = dict[str, dict[tuple[tuple[str, str], ...], float]]


@dataclass(frozen=True)
class Case:
    kind: str
    params: dict[str, Any] = field(default_factory=dict)
    target: str = "graphql"
    cured_by_retry: bool = True  # values exact in the faulty cycle itself
    error: str | None = None  # the error counted when the cycle fails


CASES = {
    "429-retry-after": Case("rate_limit", {"seconds": 1, "header": "retry-after"}),
    "429-retry-after-date": Case("rate_limit", {"seconds": 1, "header": "retry-after-date"}),
    "429-x-ratelimit-reset": Case("rate_limit", {"seconds": 1, "header": "x-ratelimit-reset"}),
    "429-token-endpoint": Case("rate_limit", {"seconds": 1}, target="auth"),
    "503-burst": Case("status", {"status": 503, "count": 3}),
    "502": Case("status", {"status": 502}),
    "504": Case("status", {"status": 504}),
    "503-token-endpoint": Case("status", {"status": 503, "count": 2}, target="auth"),
    "500-not-retried": Case("status", {"status": 500}, cured_by_retry=False, error="http_500"),
    "400-not-retried": Case("status", {"status": 400}, cured_by_retry=False, error="http_400"),
    "latency": Case("latency", {"seconds": 0.3, "count": 5}),
    "timeout": Case("stall", {"seconds": 5}),
    "connection-reset": Case("reset", {"count": 2}),
    "malformed-json": Case("malformed_json", cured_by_retry=False, error="malformed_response"),
    "graphql-errors": Case("graphql_errors", cured_by_retry=False, error="graphql_error"),
    "401-mid-pagination": Case("unauthorized", {"skip": 2, "operation": "defectConnection"}),
    "non-advancing-cursor": Case(
        "non_advancing_cursor",
        {"operation": "defectConnection"},
        cured_by_retry=False,
        error="cursor_not_advancing",
    ),
    "duplicate-node": Case("duplicate_node", {"count": 3}),
    "missing-optional-fields": Case("missing_fields", {"count": None}),
    "causeflow-429-reset": Case(
        "rate_limit", {"seconds": 1, "header": "x-ratelimit-reset"}, target="causeflow"
    ),
    "causeflow-503": Case("status", {"status": 503, "count": 2}, target="causeflow"),
    "causeflow-error-body": Case(
        "status",
        {"status": 400, "error": "validation_error"},
        target="causeflow",
        cured_by_retry=False,
        error="validation_error",
    ),
    "causeflow-expired-cursor": Case("expired_cursor", target="causeflow"),
    "causeflow-wrong-count": Case("wrong_count", target="causeflow"),
    "causeflow-reset": Case("reset", target="causeflow"),
    "causeflow-malformed": Case(
        "malformed_json", target="causeflow", cured_by_retry=False, error="malformed_response"
    ),
}


@pytest.fixture
def world() -> Iterator[tuple[Simulator, InProcess, str]]:
    simulator = Simulator(SimulatorConfig(seed=11, scopes=3, defects=90, incidents=45))
    simulator.start(host="127.0.0.1", port=0)
    config = sim_config(
        simulator,
        causely={"scopes": "discover", "page_size": 10, "concurrency": 2},
        causeflow={"enabled": True, "page_size": 10},
    )
    run = InProcess(config)
    server = ExporterServer(
        ServerSettings("127.0.0.1", 0, "/metrics", 30.0, WebConfig()),
        lambda: run.collector.snapshot,
    )
    server.start()
    try:
        yield simulator, run, f"http://127.0.0.1:{server.port}/metrics"
    finally:
        server.stop()
        run.stop.set()
        simulator.stop()


def assert_exact(sim: Simulator, metrics: Metrics) -> None:
    for scope in sim.scope_names():
        assert active_by_combination(metrics, scope) == truth_by_combination(sim, scope), scope
        assert metrics["causely_scope_up"][(("scope", scope),)] == 1
    truth = Counter(
        (i.severity, i.status, i.source)
        for i in sim.incidents(
            ["open", "triaging", "investigating", "awaiting_approval", "remediating"]
        )
    )
    got = Counter(
        {
            (dict(k)["severity"], dict(k)["status"], dict(k)["source"]): int(v)
            for k, v in metrics["causeflow_incidents"].items()
            if v
        }
    )
    assert got == truth
    assert metrics["causely_up"][()] == 1
    assert metrics["causeflow_up"][()] == 1


def scrape(url: str) -> Metrics:
    response = requests.get(url, timeout=5)
    assert response.status_code == 200
    return parse_exposition(response.text)


@pytest.mark.parametrize("name", list(CASES))
def test_fault(world: tuple[Simulator, InProcess, str], name: str) -> None:
    sim, run, url = world
    case = CASES[name]
    assert_exact(sim, run.cycle())
    params = dict(case.params)
    count = params.pop("count", 1)
    sim.inject(case.kind, count=count, target=case.target, **params)
    during = run.cycle()
    served = scrape(url)
    assert served == during  # the server serves the swapped-in snapshot, whatever happened
    sim.clear_faults()
    if case.cured_by_retry:
        assert_exact(sim, during)
    else:
        failing = (
            during["causeflow_up"][()] == 0
            if case.target == "causeflow"
            else during["causely_up"][()] == 0
        )
        assert failing, "the fault should have failed its unit for this cycle"
        errors = during["causely_exporter_api_errors_total"]
        assert any(dict(labels)["error"] == case.error for labels in errors), errors
        # Nothing already collected is lost: the failed unit kept its last good values.
        assert sum(during["causely_active_defects"].values()) == len(sim.active_defects(None))
    assert_exact(sim, run.cycle())
    assert sim.rate_limit_violations() == 0


def test_retries_are_counted_by_reason(world: tuple[Simulator, InProcess, str]) -> None:
    sim, run, _ = world
    sim.inject("status", status=503, count=2)
    sim.inject("rate_limit", seconds=1, header="retry-after", target="causeflow")
    metrics = run.cycle()
    retries = {
        (dict(k)["operation"], dict(k)["reason"]): v
        for k, v in metrics["causely_exporter_api_retries_total"].items()
    }
    assert sum(v for (op, r), v in retries.items() if r == "server_error") == 2
    assert retries[("listIncidents", "rate_limited")] == 1
    codes = {
        (dict(k)["operation"], dict(k)["code"]): v
        for k, v in metrics["causely_exporter_api_requests_total"].items()
    }
    assert codes[("listIncidents", "429")] == 1
    assert sum(v for (op, c), v in codes.items() if c == "503") == 2


def test_a_429_pauses_every_scope_not_just_the_one_that_saw_it(
    world: tuple[Simulator, InProcess, str],
) -> None:
    sim, run, _ = world
    run.cycle()
    sim.inject("rate_limit", seconds=2, header="retry-after", operation="defectConnection")
    started = time.time()
    assert_exact(sim, run.cycle())
    assert time.time() - started >= 2
    assert sim.rate_limit_violations() == 0


def test_token_expiry_is_refreshed_before_it_runs_out() -> None:
    with Simulator(SimulatorConfig(seed=3, scopes=2, defects=20, token_ttl=2.0)) as sim:
        run = InProcess(sim_config(sim))
        run.cycle()
        time.sleep(2.2)
        metrics = run.cycle()
        assert metrics["causely_up"][()] == 1
        statuses = [r.status for r in sim.requests() if r.operation == "defectConnection"]
        assert 401 not in statuses
        assert len([r for r in sim.requests() if r.operation == "token"]) == 2


def test_causeflow_list_under_incidents_key() -> None:
    config = SimulatorConfig(
        seed=5, scopes=1, defects=5, incidents=33, causeflow_list_key="incidents"
    )
    with Simulator(config) as sim:
        run = InProcess(
            sim_config(sim, causeflow={"enabled": True, "page_size": 5, "statuses": []})
        )
        metrics = run.cycle()
        assert metrics["causeflow_up"][()] == 1
        assert sum(metrics["causeflow_incidents"].values()) == len(sim.incidents())


def test_deadline_bounds_a_cycle_and_keeps_the_data() -> None:
    with Simulator(SimulatorConfig(seed=9, scopes=2, defects=40)) as sim:
        run = InProcess(sim_config(sim, causely={"page_size": 5}, collection={"timeout": "1500ms"}))
        first = run.cycle()
        sim.inject("latency", seconds=0.4, count=None)
        started = time.time()
        slow = run.cycle()
        assert time.time() - started < 2.5
        assert slow["causely_up"][()] == 0
        assert active_by_combination(slow) == active_by_combination(first)
