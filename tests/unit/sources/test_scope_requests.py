"""A scope's defects, health and SLOs in shared requests, and pages decoded typed.

Against the simulator over HTTP, and decode_scope on bodies a hostile server could send.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from exporter.client.body import BodyError
from exporter.client.errors import ApiError
from exporter.simulator.config import SimulatorConfig
from exporter.simulator.simulator import Simulator
from exporter.sources.causely.graphql import DEFECTS, HEALTH, SLOS, HealthRows, decode_scope
from exporter.sources.pagination import Page
from tests.conftest import InProcess, active_by_combination, sim_config, truth_by_combination

NODE = {
    "id": "d1",
    "name": "Congested",
    "severity": "High",
    "entityType": "Service",
    "serviceCount": 2,
    "fromTime": "2026-01-01T00:00:00Z",
    "entity": {"name": "shop/cart", "typeName": "Service", "labels": [{"key": "a", "value": "b"}]},
    "unread": {"deep": [[[1, 2, {"x": None}]]]},
}


def body(data: Any, **extra: Any) -> bytes:
    return json.dumps({"data": data, **extra}).encode()


def connection(*nodes: Any, more: bool = False) -> dict[str, Any]:
    info = {"hasNextPage": more, "endCursor": "c1" if more else None}
    return {"edges": [{"node": node} for node in nodes], "pageInfo": info}


def test_a_clean_page_and_a_hostile_one_give_the_same_records() -> None:
    clean = decode_scope((DEFECTS,), body({DEFECTS: connection(NODE, more=True)}))[DEFECTS]
    # A node of the wrong type anywhere sends the document the lenient way: same records for
    # the good node, the bad one a counted skip, a field of the wrong type absent.
    odd = dict(NODE, id="d2", serviceCount="3")
    hostile = decode_scope((DEFECTS,), body({DEFECTS: connection(NODE, 7, odd, more=True)}))
    page = hostile[DEFECTS]
    assert isinstance(clean, Page) and isinstance(page, Page)
    assert clean.items == page.items[:1] and clean.next_cursor == page.next_cursor == "c1"
    assert page.skipped == 1 and clean.skipped == 0
    assert page.items[1].serviceCount is None and page.items[1].name == "Congested"


def test_a_body_that_is_not_json_or_nests_too_deep_fails_clearly() -> None:
    with pytest.raises(BodyError, match="not valid JSON"):
        decode_scope((DEFECTS,), b'{"data": {"defectConnection": {"edges": [')
    deep = b'{"data":{"defectConnection":{"x":' + b"[" * 5000 + b"]" * 5000 + b"}}}"
    with pytest.raises(BodyError, match="nested deeper"):
        decode_scope((DEFECTS,), deep)


def test_one_field_failing_fails_its_part_only() -> None:
    answer = body(
        {DEFECTS: connection(NODE), HEALTH: None, SLOS: connection()},
        errors=[{"message": "boom", "path": [HEALTH]}],
    )
    parts = decode_scope((DEFECTS, HEALTH, SLOS), answer)
    assert isinstance(parts[HEALTH], ApiError) and parts[HEALTH].operation == HEALTH
    assert isinstance(parts[DEFECTS], Page) and isinstance(parts[SLOS], Page)
    rows = decode_scope(
        (HEALTH,), body({HEALTH: [{"entityType": "Service", "severity": None, "count": 3}]})
    )[HEALTH]
    assert isinstance(rows, HealthRows) and rows.rows[0].count == 3 and rows.skipped == 0


def test_an_old_server_without_entity_health_costs_the_health_part_only() -> None:
    config = SimulatorConfig(
        seed=9, scopes=3, defects=120, incidents=0, unsupported_operations=("entityTypeCounts",)
    )
    with Simulator(config) as sim:
        run = InProcess(sim_config(sim, causely={"scopes": "discover", "page_size": 1000}))
        metrics = run.cycle()
        for scope in sim.scope_names():
            assert metrics["causely_entities_up"][(("scope", scope),)] == 0
            assert metrics["causely_slos_up"][(("scope", scope),)] == 1
            assert active_by_combination(metrics, scope) == truth_by_combination(sim, scope)
        sent = sum(run.stats.snapshot().requests.values())
        run.cycle()
        # Not asked for again: one request a scope (and the scope list), no new rejection.
        assert sum(run.stats.snapshot().requests.values()) - sent == 1 + len(sim.scope_names())
