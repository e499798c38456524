"""What a simulated root cause explains (Defect.impacts and Defect.symptoms), over real HTTP."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from exporter.simulator import names
from exporter.simulator.config import SimulatorConfig
from exporter.simulator.selection import MAX_DEPTH, subselection
from exporter.simulator.simulator import Simulator
from exporter.sources.causely.defects import DEFECTS_EXPLAINED_QUERY, DEFECTS_QUERY_TEMPLATE
from exporter.sources.causely.explained import explained_services

CREDS = {"clientId": "demo-client", "secret": "demo-secret"}
IMPACTS = "impacts { entity { id name typeName labels { key value } } }"
SYMPTOMS = (
    "symptoms { id name active state isPropagated entityId entityType"
    " entity { id name typeName labels { key value } } }"
)
# The exporter's defect query, with the two selections it adds when the feature is on.
QUERY = f"""
query defectConnection($defectFilter: DefectFilter, $groupRecurring: Boolean, $first: Int,
                       $after: String) {{
  defectConnection(defectFilter: $defectFilter, groupRecurring: $groupRecurring,
                   first: $first, after: $after) {{
    edges {{ node {{ id name severity entityType serviceCount fromTime
                     entity {{ id name typeName labels {{ key value }} }}
                     {IMPACTS}
                     {SYMPTOMS} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}"""
PLAIN = QUERY.replace(IMPACTS, "").replace(SYMPTOMS, "")
IMPACTS_ONLY = QUERY.replace(SYMPTOMS, "")
SYMPTOMS_ONLY = QUERY.replace(IMPACTS, "")
Service = tuple[str, str, str]


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(SimulatorConfig(seed=7)) as running:
        yield running


def session(sim: Simulator) -> requests.Session:
    token = requests.post(sim.auth_url, json=CREDS, timeout=5).json()["access_token"]
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {token}"
    return s


def post(
    s: requests.Session, sim: Simulator, query: str = QUERY, **variables: Any
) -> requests.Response:
    variables.setdefault("defectFilter", {"state": "ACTIVE"})
    body = {"operationName": "defectConnection", "query": query, "variables": variables}
    return s.post(sim.api_url, json=body, timeout=30)


def nodes_of(response: requests.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    return [edge["node"] for edge in response.json()["data"]["defectConnection"]["edges"]]


def all_nodes(s: requests.Session, sim: Simulator, query: str = QUERY, first: int = 100) -> Any:
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        connection = post(s, sim, query, first=first, after=after).json()["data"]
        page = connection["defectConnection"]
        nodes += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


def sim_truth(sim: Simulator) -> dict[str, list[dict[str, Any]]]:
    scopes: dict[str, list[dict[str, Any]]] = requests.get(
        sim.url + "/_sim/truth", timeout=5
    ).json()["scopes"]
    return scopes


def labels(entity: dict[str, Any]) -> dict[str, str]:
    return {label["key"]: label["value"] for label in entity["labels"]}


def service_of(entity: dict[str, Any]) -> Service:
    found = labels(entity)
    namespace, _, short = entity["name"].partition("/")
    assert found["k8s.namespace.name"] == namespace
    return (found["k8s.cluster.name"], namespace, short)


def explained(node: dict[str, Any]) -> tuple[Service, ...]:
    """What the exporter will read: impacts plus the Services of the ACTIVE symptoms."""
    entities = [i["entity"] for i in node["impacts"]]
    entities += [s["entity"] for s in node["symptoms"] if s["state"] == "ACTIVE"]
    return tuple(sorted({service_of(e) for e in entities if e["typeName"] == "Service"}))


# --- data ---------------------------------------------------------------------------------


def test_impacts_are_service_count_services_of_the_defects_namespace(sim: Simulator) -> None:
    s = session(sim)
    truth = sim_truth(sim)
    defects = {d["id"]: (scope, d) for scope, found in truth.items() for d in found}
    nodes = all_nodes(s, sim)
    assert len(nodes) == 200
    for node in nodes:
        scope, defect = defects[node["id"]]
        namespace, domain = defect["namespace"], scope.removeprefix("team-")
        impacts = [i["entity"] for i in node["impacts"]]
        assert len(impacts) == node["serviceCount"] == defect["service_count"]
        assert len({e["name"] for e in impacts}) == len(impacts)
        assert len({e["id"] for e in impacts}) == len(impacts)
        for entity in impacts:
            assert entity["typeName"] == "Service"
            prefix, _, short = entity["name"].partition("/")
            assert prefix == namespace
            # The same Services the rest of the world has (entity health, SLOs).
            assert short in {f"{domain}-{c}" for c in names.COMPONENTS}
            assert labels(entity) == {
                "k8s.cluster.name": defect["cluster"],
                "k8s.namespace.name": namespace,
                "causely.ai/entity-type": "Service",
            }
    assert any(n["serviceCount"] == 0 and n["impacts"] == [] for n in nodes)
    assert len({len(n["impacts"]) for n in nodes}) >= 8


def test_explanations_are_stable_across_requests_and_pages(sim: Simulator) -> None:
    s = session(sim)
    assert post(s, sim, first=100).content == post(s, sim, first=100).content
    small = {n["id"]: n for n in all_nodes(s, sim, first=7)}
    large = {n["id"]: n for n in all_nodes(s, sim, first=1000)}
    assert small == large
    # The same service is the same entity (same id) under every defect.
    ids: dict[str, set[str]] = {}
    for node in large.values():
        for impact in node["impacts"]:
            ids.setdefault(impact["entity"]["name"], set()).add(impact["entity"]["id"])
    assert all(len(found) == 1 for found in ids.values())
    assert max(len(n["impacts"]) for n in large.values()) > 0


def test_symptoms_hold_the_root_cause_and_realistic_noise(sim: Simulator) -> None:
    s = session(sim)
    for node in all_nodes(s, sim):
        symptoms = node["symptoms"]
        impacted = {i["entity"]["name"] for i in node["impacts"]}
        for symptom in symptoms:
            entity = symptom["entity"]
            assert re.fullmatch(rf"[A-Za-z_]+::{entity['id']}::\d+", symptom["id"])
            assert symptom["entityId"] == entity["id"]
            assert symptom["active"] is (symptom["state"] == "ACTIVE")
            assert symptom["state"] in ("ACTIVE", "INACTIVE", "UNKNOWN")
            assert symptom["entityType"] in (entity["typeName"], "")
            if entity["typeName"] == "Service" and symptom["state"] == "ACTIVE":
                assert entity["name"] in impacted
        roots = [
            x
            for x in symptoms
            if x["state"] == "ACTIVE" and not x["isPropagated"] and x["entityType"] == "Service"
        ]
        assert bool(roots) == (node["serviceCount"] > 0)
        assert {"INACTIVE", "UNKNOWN"} <= {x["state"] for x in symptoms}
        assert any(x["isPropagated"] for x in symptoms)
        types = {x["entity"]["typeName"] for x in symptoms}
        assert {"Pod", "Workload", "Container", "HTTPPath"} <= types
        (nested,) = [x for x in symptoms if x["entityType"] == ""]
        assert nested["entity"]["typeName"] == "Container"
        (path,) = [x["entity"] for x in symptoms if x["entity"]["typeName"] == "HTTPPath"]
        assert "k8s.namespace.name" not in labels(path) and "k8s.cluster.name" in labels(path)
        assert path["name"].startswith(("GET /", "POST /", "PUT /", "DELETE /"))


def test_truth_equals_what_the_api_answers(sim: Simulator) -> None:
    s = session(sim)
    answered = {n["id"]: explained(n) for n in all_nodes(s, sim)}
    # Every active Service symptom is on an impacted service: what it explains is its impacts.
    for node in all_nodes(s, sim, IMPACTS_ONLY):
        impacts = sorted(service_of(i["entity"]) for i in node["impacts"])
        assert answered[node["id"]] == tuple(impacts)
    assert sim.explained_services() == answered
    over_http = {
        d["id"]: tuple((s["cluster"], s["namespace"], s["service"]) for s in d["explains"])
        for defects in sim_truth(sim).values()
        for d in defects
    }
    assert over_http == answered
    for scope in sim.scope_names():
        in_scope = sim.explained_services(scope)
        assert list(in_scope) == [d.id for d in sim.active_defects(scope)]
        assert all(answered[k] == v for k, v in in_scope.items())


def test_services_choose_what_a_new_root_cause_explains(sim: Simulator) -> None:
    s = session(sim)
    chosen = sim.add_defect("team-search", namespace="search", services=["search-api", "checkout"])
    seeded = sim.add_defect("team-search", namespace="search", service_count=5)
    single = sim.add_defect("team-search", namespace="search")
    by_id = {n["id"]: n for n in all_nodes(s, sim, first=1000)}
    node = by_id[chosen]
    assert node["serviceCount"] == 2
    names_ = [i["entity"]["name"] for i in node["impacts"]]
    assert names_ == ["search/search-api", "search/checkout"]
    cluster = labels(node["entity"])["k8s.cluster.name"]
    expected = ((cluster, "search", "checkout"), (cluster, "search", "search-api"))
    assert sim.explained_services("team-search")[chosen] == expected == explained(node)
    assert len(by_id[seeded]["impacts"]) == by_id[seeded]["serviceCount"] == 5
    assert len(by_id[single]["impacts"]) == by_id[single]["serviceCount"] == 1
    # Over HTTP too, and none at all.
    add = sim.url + "/_sim/defects"
    body = {"scope": "team-search", "namespace": "search", "services": ["search-db"]}
    via_http = requests.post(add, json=body, timeout=5).json()["id"]
    empty = requests.post(add, json={**body, "services": []}, timeout=5).json()["id"]
    by_id = {n["id"]: n for n in all_nodes(s, sim, first=1000)}
    assert [i["entity"]["name"] for i in by_id[via_http]["impacts"]] == ["search/search-db"]
    assert by_id[empty]["impacts"] == [] and by_id[empty]["serviceCount"] == 0
    assert explained(by_id[empty]) == () == sim.explained_services()[empty]
    for bad in ("api", ["api", "api"], ["ns/api"], [""], [3]):
        assert requests.post(add, json={**body, "services": bad}, timeout=5).status_code == 400
    mismatch = {**body, "services": ["a", "b"], "service_count": 3}
    assert requests.post(add, json=mismatch, timeout=5).status_code == 400
    with pytest.raises(ValueError):
        sim.add_defect("team-search", services=["a"], service_count=2)


# --- a query without the fields -----------------------------------------------------------


def without_explanations(body: bytes) -> bytes:
    document = json.loads(body)
    for edge in document["data"]["defectConnection"]["edges"]:
        del edge["node"]["impacts"], edge["node"]["symptoms"]
    return json.dumps(document, separators=(",", ":")).encode()


@pytest.mark.parametrize("state", ["ACTIVE", "INACTIVE", "ALL"])
def test_a_query_without_the_fields_is_answered_as_before(sim: Simulator, state: str) -> None:
    s = session(sim)
    after = None
    for _ in range(3):
        flt = {"state": state}
        plain = post(s, sim, PLAIN, first=50, after=after, defectFilter=flt)
        asked = post(s, sim, QUERY, first=50, after=after, defectFilter=flt)
        assert b"impacts" not in plain.content and b"symptoms" not in plain.content
        # The same bytes as the answer with the two lists taken out: nothing else moved.
        assert plain.content == without_explanations(asked.content)
        after = plain.json()["data"]["defectConnection"]["pageInfo"]["endCursor"]
    # The operation's own name and a longer field name do not count as asking.
    other = PLAIN.replace("fromTime", "fromTime impactedEntities { id }")
    assert b"impacts" not in post(s, sim, other).content
    # Nor does any other operation's query.
    scopes = {"query": f"query getUserScopes {{ getUserScopes {{ {IMPACTS} }} }}"}
    assert b"impacts" not in s.post(sim.api_url, json=scopes, timeout=5).content


def test_each_list_only_when_asked(sim: Simulator) -> None:
    s = session(sim)
    only_impacts = nodes_of(post(s, sim, IMPACTS_ONLY))
    only_symptoms = nodes_of(post(s, sim, SYMPTOMS_ONLY))
    assert all("impacts" in n and "symptoms" not in n for n in only_impacts)
    assert all("symptoms" in n and "impacts" not in n for n in only_symptoms)


def test_page_bytes_with_and_without_the_fields(sim: Simulator) -> None:
    s = session(sim)
    plain = len(post(s, sim, PLAIN, first=100).content)
    asked = len(post(s, sim, QUERY, first=100).content)
    print(f"\none page of 100 defects: {plain} bytes without, {asked} bytes with the fields")
    assert asked > plain


# Every Symptom field the schema has: what a query reading them all would cost.
FULL_FIELDS = """
    impacts { entity { id name typeName labels { key value } } }
    symptoms { id name active state isPropagated entityId entityType fromTime toTime
               entity { id name typeName labels { key value } } }"""


def test_only_the_selected_fields_are_sent(sim: Simulator) -> None:
    s = session(sim)
    trimmed = post(s, sim, DEFECTS_EXPLAINED_QUERY, first=100)
    full = post(s, sim, DEFECTS_QUERY_TEMPLATE.replace("EXPLAIN", FULL_FIELDS), first=100)
    symptoms = [e for n in nodes_of(trimmed) for e in n["symptoms"]]
    impacts = [e for n in nodes_of(trimmed) for e in n["impacts"]]
    assert symptoms and impacts
    assert {k for e in symptoms for k in e} == {"state", "isPropagated", "entity"}
    assert {k for e in symptoms for k in e["entity"]} == {"name", "typeName", "labels"}
    assert {k for e in impacts for k in e["entity"]} == {"name", "typeName", "labels"}
    full_keys = {k for n in nodes_of(full) for e in n["symptoms"] for k in e}
    assert {"id", "fromTime", "entityId"} <= full_keys
    # The same services either way: the trim costs nothing the exporter reads.
    assert [explained_services(n) for n in nodes_of(trimmed)] == [
        explained_services(n) for n in nodes_of(full)
    ]
    print(
        f"\n100 defects: {len(full.content)} bytes with every field, "
        f"{len(trimmed.content)} with the exporter's selection"
    )
    assert len(trimmed.content) < len(full.content)


def test_a_hostile_selection_is_read_bounded() -> None:
    deep = "symptoms { " + "a { " * 100_000 + "}" * 100_000 + " }"
    tree = subselection(deep, "symptoms")
    depth = 0
    while tree:
        (tree,) = tree.values()  # type: ignore[assignment]
        depth += 1
    assert depth == MAX_DEPTH
    assert subselection("symptoms { state entity { name", "symptoms") == {
        "state": None,
        "entity": {"name": None},
    }
    assert subselection("impacts", "symptoms") is None


# --- faults -------------------------------------------------------------------------------


def test_old_schema(sim: Simulator) -> None:
    s = session(sim)
    sim.inject("old_schema", count=None)
    cases = ((QUERY, "impacts"), (IMPACTS_ONLY, "impacts"), (SYMPTOMS_ONLY, "symptoms"))
    for query, field in cases:
        response = post(s, sim, query)
        assert response.status_code == 200
        message = f'Cannot query field "{field}" on type "Defect".'
        assert response.json() == {"errors": [{"message": message}]}
    assert len(nodes_of(post(s, sim, PLAIN))) == 20
    sim.clear_faults()
    # With a count, queries without the fields do not use it up.
    sim.inject("old_schema")
    assert len(nodes_of(post(s, sim, PLAIN))) == 20
    assert "errors" in post(s, sim).json()
    assert len(nodes_of(post(s, sim))) == 20


def test_missing_fields_leaves_the_lists_out(sim: Simulator) -> None:
    s = session(sim)
    sim.inject("missing_fields", operation="defectConnection")
    for node in nodes_of(post(s, sim)):
        assert set(node) == {"id", "name", "severity", "entityType"}
    assert all("impacts" in n for n in nodes_of(post(s, sim)))


def test_wrong_types_in_the_lists(sim: Simulator) -> None:
    s = session(sim)
    sim.inject("wrong_types", operation="defectConnection")
    seen: set[str] = set()
    for node in nodes_of(post(s, sim)):
        assert isinstance(node["impacts"], str)
        assert node["symptoms"]
        for symptom in node["symptoms"]:
            entity = symptom["entity"]
            wrong = {
                "entity null": entity is None,
                "labels not a list": entity is not None and not isinstance(entity["labels"], list),
                "name a number": isinstance(symptom["name"], int),
                "state a number": isinstance(symptom["state"], int),
            }
            assert any(wrong.values()), symptom
            seen.update(k for k, v in wrong.items() if v)
    assert len(seen) == 4
    assert isinstance(nodes_of(post(s, sim))[0]["impacts"], list)


def test_huge_lists(sim: Simulator) -> None:
    s = session(sim)
    sim.inject("huge_lists", size=50)
    assert len(nodes_of(post(s, sim, PLAIN, first=5))) == 5  # not used up by a plain query
    nodes = nodes_of(post(s, sim, first=5))
    truth = {d.id: d.namespace for d in sim.active_defects()}
    for node in nodes:
        impacts = {i["entity"]["name"] for i in node["impacts"]}
        services = {x["entity"]["name"] for x in node["symptoms"]}
        assert len(node["impacts"]) == len(impacts) == 50
        assert len(node["symptoms"]) == len(services) == 50
        assert all(name.startswith(truth[node["id"]] + "/") for name in impacts | services)
    assert all(len(n["impacts"]) == n["serviceCount"] for n in nodes_of(post(s, sim, first=5)))
    sim.inject("huge_lists")
    (node,) = nodes_of(post(s, sim, IMPACTS_ONLY, first=1))
    assert len({i["entity"]["name"] for i in node["impacts"]}) == 10_000
    assert "symptoms" not in node


def test_new_fault_params_are_checked(sim: Simulator) -> None:
    for kind, params in (
        ("huge_lists", {"size": 0}),
        ("huge_lists", {"size": "10"}),
        ("huge_lists", {"size": True}),
        ("huge_lists", {"size": 10**7}),
        ("huge_lists", {"sise": 10}),
        ("old_schema", {"field": "impacts"}),
    ):
        with pytest.raises(ValueError):
            sim.inject(kind, **params)
        fault = {"kind": kind, **params}
        assert requests.post(sim.url + "/_sim/faults", json=fault, timeout=5).status_code == 400
    fault = {"kind": "huge_lists", "size": 3, "count": None}
    assert requests.post(sim.url + "/_sim/faults", json=fault, timeout=5).status_code == 200


# --- what a root cause raised on demand explains, as /_sim/truth shows it -------------------


def test_truth_lists_what_each_root_cause_explains_as_the_exporter_labels_it(
    sim: Simulator,
) -> None:
    s = session(sim)
    by_id = {n["id"]: n for n in all_nodes(s, sim)}
    truth = sim_truth(sim)
    listed = 0
    for scope, defects in truth.items():
        for defect in defects:
            # The label names of causely_explained_services and of the bridge's inhibitors.
            assert all(set(s) == {"cluster", "namespace", "service"} for s in defect["explains"])
            services = tuple(
                (s["cluster"], s["namespace"], s["service"]) for s in defect["explains"]
            )
            # What the exporter reads from the API, in its own parser.
            assert services == explained_services(by_id[defect["id"]]), (scope, defect["id"])
            assert all(s["namespace"] == defect["namespace"] for s in defect["explains"])
            assert all(s["cluster"] == defect["cluster"] for s in defect["explains"])
            listed += len(services)
    assert listed > 0


@pytest.mark.parametrize("fields", [{}, {"name": "Malfunction", "severity": "Critical"}])
def test_a_raised_root_cause_explains_at_least_one_service(
    sim: Simulator, fields: dict[str, str]
) -> None:
    add = sim.url + "/_sim/defects"
    for scope in sim.scope_names():
        for _ in range(10):  # entity types and namespaces are drawn: every draw explains one
            defect_id = requests.post(add, json={"scope": scope, **fields}, timeout=5).json()["id"]
            (defect,) = [d for d in sim_truth(sim)[scope] if d["id"] == defect_id]
            assert defect["service_count"] >= 1 and len(defect["explains"]) >= 1, defect
    # Python callers get the same default.
    added = sim.add_defect(sim.scope_names()[0])
    assert len(sim.explained_services()[added]) == 1


def test_service_count_zero_explains_nothing(sim: Simulator) -> None:
    scope = sim.scope_names()[0]
    body = {"scope": scope, "service_count": 0}
    defect_id = requests.post(sim.url + "/_sim/defects", json=body, timeout=5).json()["id"]
    (defect,) = [d for d in sim_truth(sim)[scope] if d["id"] == defect_id]
    assert defect["service_count"] == 0 and defect["explains"] == []
    s = session(sim)
    node = {n["id"]: n for n in all_nodes(s, sim, first=1000)}[defect_id]
    assert node["impacts"] == [] and explained_services(node) == ()
