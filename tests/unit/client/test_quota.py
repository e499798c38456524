"""The quota left per API: X-RateLimit-* headers of any answer, exported as gauges.

Against the simulator over HTTP: its --quota-per-minute window on every answer, a 429 that
carries the headers, and hostile header values that must cost nothing but the header.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from exporter.client.ratelimit import parse_quota
from exporter.simulator.config import SimulatorConfig
from exporter.simulator.simulator import Simulator
from tests.conftest import InProcess, sim_config

LIMIT = "causely_exporter_api_rate_limit_requests"
REMAINING = "causely_exporter_api_rate_limit_remaining_requests"
RESET = "causely_exporter_api_rate_limit_reset_timestamp_seconds"
SEEN = "causely_exporter_api_rate_limit_seen_timestamp_seconds"
QUOTA_FAMILIES = (LIMIT, REMAINING, RESET, SEEN)


def by_api(metrics: dict[str, dict[tuple[tuple[str, str], ...], float]], name: str) -> dict:
    return {dict(labels)["api"]: value for labels, value in metrics.get(name, {}).items()}


@pytest.fixture
def quota_sim() -> Iterator[Simulator]:
    config = SimulatorConfig(seed=5, scopes=2, defects=150, incidents=30, quota_per_minute=1000)
    with Simulator(config) as sim:
        yield sim


def test_every_answer_s_quota_is_exported_per_api(quota_sim: Simulator) -> None:
    run = InProcess(sim_config(quota_sim, causely={"page_size": 25}, causeflow={"enabled": True}))
    before = time.time()
    metrics = run.cycle()
    assert metrics["causely_up"][()] == 1 and metrics["causeflow_up"][()] == 1
    assert by_api(metrics, LIMIT) == {"causely": 1000, "causeflow": 1000}
    sent = {
        target: sum(r.target == target for r in quota_sim.requests())
        for target in ("graphql", "causeflow")
    }
    remaining = by_api(metrics, REMAINING)
    # The window is the wall-clock minute: a cycle that crosses a minute starts again.
    assert 1000 - sent["graphql"] <= remaining["causely"] < 1000
    assert 1000 - sent["causeflow"] <= remaining["causeflow"] < 1000
    for api, reset in by_api(metrics, RESET).items():
        assert reset % 60 == 0 and before < reset <= time.time() + 60, api
    assert all(before <= seen <= time.time() for seen in by_api(metrics, SEEN).values())
    # The auth server sends no such headers: no series for it.
    assert "causely_auth" not in by_api(metrics, LIMIT)

    again = run.cycle()
    assert by_api(again, REMAINING)["causely"] < remaining["causely"] or (
        by_api(again, RESET)["causely"] > by_api(metrics, RESET)["causely"]
    )


def test_no_headers_no_families() -> None:
    with Simulator(SimulatorConfig(seed=5, scopes=1, defects=20, incidents=5)) as sim:
        metrics = InProcess(sim_config(sim, causeflow={"enabled": True})).cycle()
    assert metrics["causely_up"][()] == 1
    assert not any(name in metrics for name in QUOTA_FAMILIES)


def test_a_429_s_headers_say_the_quota_is_spent() -> None:
    with Simulator(SimulatorConfig(seed=5, scopes=1, defects=20, incidents=5)) as sim:
        sim.inject("rate_limit", target="causeflow", seconds=0.2, header="x-ratelimit-reset")
        run = InProcess(sim_config(sim, causely={"enabled": False}, causeflow={"enabled": True}))
        metrics = run.cycle()
    assert metrics["causeflow_up"][()] == 1  # waited for the reset, then collected
    assert by_api(metrics, LIMIT) == {"causeflow": 100}
    assert by_api(metrics, REMAINING) == {"causeflow": 0}


@pytest.mark.parametrize(
    "hostile",
    ["-1", "nan", "inf", "1e999", "abc", "9" * 40, "0x10", "", "  ", "1,000", "9007199254740993"],
)
def test_hostile_quota_values_cost_the_header_only(hostile: str) -> None:
    with Simulator(SimulatorConfig(seed=5, scopes=1, defects=20, incidents=5)) as sim:
        sim.inject(
            "quota_headers",
            target="graphql",
            count=None,
            limit=hostile,
            remaining=hostile,
            reset=hostile,
        )
        metrics = InProcess(sim_config(sim)).cycle()
    assert metrics["causely_up"][()] == 1
    assert not any(name in metrics for name in QUOTA_FAMILIES)


def test_a_readable_header_beside_a_hostile_one_is_kept() -> None:
    with Simulator(SimulatorConfig(seed=5, scopes=1, defects=20, incidents=5)) as sim:
        sim.inject("quota_headers", target="graphql", count=None, limit="50", remaining="nan")
        metrics = InProcess(sim_config(sim)).cycle()
    assert by_api(metrics, LIMIT) == {"causely": 50}
    assert REMAINING not in metrics and RESET not in metrics
    assert set(by_api(metrics, SEEN)) == {"causely"}


def test_parse_quota_reads_epoch_and_relative_resets() -> None:
    now = 1_800_000_000.0
    epoch = parse_quota({"X-RateLimit-Reset": "1800000060"}, now)
    assert epoch is not None and epoch.reset_at == 1_800_000_060
    relative = parse_quota({"X-RateLimit-Reset": "30", "X-RateLimit-Remaining": "7"}, now)
    assert relative is not None and relative.reset_at == now + 30 and relative.remaining == 7
    assert relative.limit is None and relative.seen_at == now
    assert parse_quota({}, now) is None
    assert parse_quota({"X-RateLimit-Limit": "lots"}, now) is None
