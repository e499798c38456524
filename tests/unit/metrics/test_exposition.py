"""Rendering one cycle's view: family by family, the same bytes as one whole-registry render."""

from __future__ import annotations

import gzip
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest

from exporter.metrics import exposition
from exporter.simulator.config import SimulatorConfig
from exporter.simulator.simulator import Simulator
from tests.conftest import InProcess, sim_config


def test_streamed_render_equals_a_whole_registry_render() -> None:
    config = SimulatorConfig(seed=3, scopes=4, defects=2000, incidents=40, slos_per_scope=80)
    with Simulator(config) as sim:
        run = InProcess(
            sim_config(
                sim,
                causely={"scopes": "discover", "explained_services": {"enabled": True}},
                causeflow={"enabled": True},
            )
        )
        views: list[Any] = []
        render = run.collector._render

        def keep(view: Any) -> Any:
            views.append(view)
            return render(view)

        run.collector._render = keep  # type: ignore[method-assign]
        snapshot = run.collector.collect_once()
    assert snapshot.ok and len(views) == 1
    whole = CollectorRegistry(auto_describe=False)
    whole.register(exposition._ViewCollector(views[0]))
    expected = generate_latest(whole)
    assert len(expected) > 100_000
    assert snapshot.body == expected
    assert gzip.decompress(snapshot.gzip_body) == expected
