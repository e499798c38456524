"""Documents of several root fields: each answered with its own arguments, as a server would."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from exporter.simulator.config import SimulatorConfig
from exporter.simulator.document import DocumentError, root_fields
from exporter.simulator.simulator import Simulator

DOCUMENT = """
# a comment { with braces }
query scope($f: DefectFilter, $first: Int, $ef: EntityFilter, $sf: SloFilter, $sa: String) {
  defects: defectConnection(defectFilter: $f, first: $first) {
    edges { node { id } } pageInfo { hasNextPage endCursor }
  }
  entityTypeCounts(entityFilter: $ef) { entityType severity count }
  sloConnection(filter: $sf, first: 3, after: $sa) {
    edges { node { id name: state } } pageInfo { hasNextPage endCursor }
  }
}
"""


def test_root_fields_read_aliases_variables_and_literals() -> None:
    fields = root_fields(DOCUMENT, {"first": 5, "sa": None, "f": {"state": "ACTIVE"}})
    assert [(f.name, f.key) for f in fields] == [
        ("defectConnection", "defects"),
        ("entityTypeCounts", "entityTypeCounts"),
        ("sloConnection", "sloConnection"),
    ]
    assert fields[0].arguments == {"defectFilter": {"state": "ACTIVE"}, "first": 5}
    assert fields[2].arguments == {"filter": None, "first": 3, "after": None}
    with pytest.raises(DocumentError):
        root_fields("query { defectConnection(first: {a: 1}) { id } }", {})


def post(sim: Simulator, query: str, variables: dict[str, Any]) -> Any:
    token = requests.post(
        sim.auth_url, json={"clientId": "demo-client", "secret": "demo-secret"}, timeout=10
    ).json()["access_token"]
    return requests.post(
        sim.api_url,
        json={"operationName": "scope", "query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    ).json()


def test_each_field_is_answered_with_its_own_arguments(sim: Simulator) -> None:
    answer = post(sim, DOCUMENT, {"first": 5, "ef": {"entityTypes": ["Service"]}})
    data = answer["data"]
    assert "errors" not in answer
    assert len(data["defects"]["edges"]) == 5 and data["defects"]["pageInfo"]["hasNextPage"]
    assert len(data["sloConnection"]["edges"]) == 3
    assert {row["entityType"] for row in data["entityTypeCounts"]} == {"Service"}


def test_a_field_failing_alone_is_null_with_an_error_naming_it(sim: Simulator) -> None:
    sim.inject("graphql_errors", operation="entityTypeCounts")
    answer = post(sim, DOCUMENT, {"first": 5})
    assert answer["data"]["entityTypeCounts"] is None
    assert answer["errors"][0]["path"] == ["entityTypeCounts"]
    assert len(answer["data"]["defects"]["edges"]) == 5


def test_a_field_the_schema_lacks_fails_the_document() -> None:
    config = SimulatorConfig(
        seed=3, scopes=1, defects=10, unsupported_operations=("sloConnection",)
    )
    with Simulator(config) as old:
        answer = post(old, DOCUMENT, {"first": 5})
    assert answer["data"] is None
    assert 'Cannot query field "sloConnection"' in answer["errors"][0]["message"]
