"""The API simulator, exercised over real HTTP on 127.0.0.1."""

from __future__ import annotations

import collections
import re
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from exporter.simulator.__main__ import main as simulator_main
from exporter.simulator.config import SimulatorConfig
from exporter.simulator.rate_limits import RateLimitLedger, rate_limit_advice
from exporter.simulator.simulator import Simulator

REPO = Path(__file__).resolve().parents[3]
SEVERITIES = {"Critical", "High", "Medium", "Low", "Hidden"}
CREDS = {"clientId": "demo-client", "secret": "demo-secret"}
CF_AUTH = {"Authorization": "Bearer demo-causeflow-token"}
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|\+00:00)$")


# --- helpers ------------------------------------------------------------------------------


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(SimulatorConfig(seed=7)) as running:
        yield running


@pytest.fixture
def make_sim() -> Iterator[Any]:
    started: list[Simulator] = []

    def make(**overrides: Any) -> Simulator:
        simulator = Simulator(SimulatorConfig(**{"seed": 7, **overrides}))
        simulator.start()
        started.append(simulator)
        return simulator

    yield make
    for simulator in started:
        simulator.stop()


def token(sim: Simulator) -> str:
    response = requests.post(sim.auth_url, json=CREDS, timeout=5)
    assert response.status_code == 200
    return str(response.json()["access_token"])


def session(sim: Simulator) -> requests.Session:
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {token(sim)}"
    return s


def gql(
    s: requests.Session, sim: Simulator, op: str, variables: dict[str, Any], **kw: Any
) -> requests.Response:
    body = {"operationName": op, "query": f"query {op} {{ {op} }}", "variables": variables}
    return s.post(sim.api_url, json=body, timeout=kw.pop("timeout", 5), **kw)


def defect_vars(scopes: list[Any] | None = None, **extra: Any) -> dict[str, Any]:
    flt = {"state": "ACTIVE", "scopesFilter": {"scopes": scopes or []}}
    flt.update(extra.pop("filter", {}))
    return {"defectFilter": flt, "groupRecurring": True, **extra}


def page_all(
    s: requests.Session, sim: Simulator, op: str, variables: dict[str, Any]
) -> tuple[list[dict[str, Any]], int]:
    nodes: list[dict[str, Any]] = []
    after = None
    for _ in range(10_000):
        response = gql(s, sim, op, {**variables, "after": after})
        assert response.status_code == 200, response.text
        conn = response.json()["data"][op]
        nodes += [edge["node"] for edge in conn["edges"]]
        if not conn["pageInfo"]["hasNextPage"]:
            return nodes, conn["totalCount"]
        assert conn["pageInfo"]["endCursor"] != after
        after = conn["pageInfo"]["endCursor"]
    raise AssertionError("pagination did not end")


def scope_entries(s: requests.Session, sim: Simulator) -> dict[str, list[dict[str, Any]]]:
    nodes, _ = page_all(s, sim, "getUserScopes", {"filter": {"nameExpr": ""}, "first": 50})
    return {node["name"]: node["scopes"] for node in nodes}


def incidents_page(sim: Simulator, **params: Any) -> requests.Response:
    return requests.get(f"{sim.causeflow_url}/incidents", params=params, headers=CF_AUTH, timeout=5)


# --- auth ---------------------------------------------------------------------------------


def test_token_good(sim: Simulator) -> None:
    body = requests.post(sim.auth_url, json=CREDS, timeout=5).json()
    assert body["access_token"] and body["refresh_token"]
    assert body["expires_in"] == 3600 and isinstance(body["expires_in"], int)
    assert parsedate_to_datetime(body["expires"]).timestamp() > time.time() + 3500
    # Some clients drop /frontegg from the path.
    other = requests.post(sim.url + "/identity/resources/auth/v2/api-token", json=CREDS, timeout=5)
    assert other.status_code == 200


def test_token_bad_credentials_and_body(sim: Simulator) -> None:
    wrong = {"clientId": "demo-client", "secret": "guess-me-123"}
    response = requests.post(sim.auth_url, json=wrong, timeout=5)
    assert response.status_code == 401
    assert response.json() == {"errors": ["Invalid credentials"]}
    assert "guess-me-123" not in response.text
    bad = requests.post(sim.auth_url, data=b"{not json", timeout=5)
    assert bad.status_code == 400


def test_graphql_needs_a_valid_token(sim: Simulator) -> None:
    variables = {"filter": {"nameExpr": ""}}
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic xyz"}):
        s = requests.Session()
        s.headers.update(headers)
        response = gql(s, sim, "getUserScopes", variables)
        assert response.status_code == 401
        assert response.json() == {"errors": [{"message": "unauthorized"}]}


def test_token_expires(make_sim: Any) -> None:
    sim = make_sim(token_ttl=0.3)
    s = session(sim)
    assert gql(s, sim, "getUserScopes", {}).status_code == 200
    time.sleep(0.4)
    assert gql(s, sim, "getUserScopes", {}).status_code == 401


# --- scopes -------------------------------------------------------------------------------


def test_user_scopes_page_to_the_end(sim: Simulator) -> None:
    s = session(sim)
    nodes, total = page_all(s, sim, "getUserScopes", {"filter": {"nameExpr": ""}, "first": 2})
    assert [n["name"] for n in nodes] == sim.scope_names() and total == 5
    assert sim.scope_names()[:3] == ["team-payments", "team-checkout", "team-search"]
    owned: list[str] = []
    for node in nodes:
        assert node["audience"] in ("GLOBAL", "USER")
        assert node["ownerId"] and RFC3339.match(node["lastUpdate"])
        (entry,) = node["scopes"]
        assert entry["typeName"] == "k8s.namespace" and 1 <= len(entry["typeValues"]) <= 2
        owned += entry["typeValues"]
    assert len(owned) == len(set(owned)), "scopes must own disjoint namespaces"


def test_user_scopes_name_filter(sim: Simulator) -> None:
    s = session(sim)
    nodes, total = page_all(s, sim, "getUserScopes", {"filter": {"nameExpr": "pay"}})
    assert [n["name"] for n in nodes] == ["team-payments"] and total == 1


def test_scope_names_continue_past_the_list(make_sim: Any) -> None:
    names = make_sim(scopes=23, defects=50).scope_names()
    assert len(set(names)) == 23 and "team-payments-2" in names


def test_same_seed_same_data() -> None:
    a, b = Simulator(SimulatorConfig(seed=3)), Simulator(SimulatorConfig(seed=3))
    assert [d.id for d in a.active_defects()] == [d.id for d in b.active_defects()]

    # Incident ids are ULIDs, so they embed the (wall-clock) creation time; compare the rest.
    def shape(sim: Simulator) -> list[tuple[str, str, str, str]]:
        return [(i.title, i.severity, i.status, i.source) for i in sim.incidents()]

    assert shape(a) == shape(b) and a.scope_names() == b.scope_names()


# --- defects ------------------------------------------------------------------------------


def test_defect_paging_per_scope_equals_truth(sim: Simulator) -> None:
    s = session(sim)
    seen: list[str] = []
    for name, entries in scope_entries(s, sim).items():
        nodes, total = page_all(s, sim, "defectConnection", defect_vars(entries, first=37))
        ids = [n["id"] for n in nodes]
        assert ids == [d.id for d in sim.active_defects(name)] and total == len(ids)
        seen += ids
    everything = [d.id for d in sim.active_defects()]
    assert len(everything) == 200 and sorted(seen) == everything
    all_nodes, total = page_all(s, sim, "defectConnection", defect_vars(first=1000))
    assert [n["id"] for n in all_nodes] == everything and total == 200


def test_defect_data_is_realistic(sim: Simulator) -> None:
    s = session(sim)
    nodes, _ = page_all(s, sim, "defectConnection", defect_vars(first=100))
    severities = collections.Counter(n["severity"] for n in nodes)
    assert set(severities) == SEVERITIES
    assert severities["Critical"] < severities["Medium"]
    suffixes = set()
    for node in nodes:
        assert RFC3339.match(node["fromTime"]) and node["toTime"] in ("", None)
        suffixes.add(node["fromTime"][-1])
        started = datetime.fromisoformat(node["fromTime"].replace("Z", "+00:00")).timestamp()
        assert time.time() - 13 * 3600 < started < time.time()
        assert 0 <= node["serviceCount"] <= 12 and node["remediated"] is False
        assert node["entity"]["id"] == node["entityId"]
        assert node["entity"]["typeName"] == node["entityType"]
    assert suffixes == {"Z", "0"}, "both Z and +00:00 offsets occur"
    assert {n["toTime"] for n in nodes} == {"", None}
    assert len({n["entityType"] for n in nodes}) >= 7
    assert len({n["name"] for n in nodes}) == 7


def test_severities_filter(sim: Simulator) -> None:
    s = session(sim)
    variables = defect_vars(filter={"severities": ["Critical", "High"]}, first=50)
    nodes, total = page_all(s, sim, "defectConnection", variables)
    expected = [d.id for d in sim.active_defects() if d.severity in ("Critical", "High")]
    assert [n["id"] for n in nodes] == expected and total == len(expected) > 0


def test_scope_filter_variants(sim: Simulator) -> None:
    s = session(sim)
    payments = sim.active_defects("team-payments")
    namespaces = sorted({d.namespace for d in payments})
    alias = [{"typeName": "Namespace", "typeValues": namespaces}]
    nodes, _ = page_all(s, sim, "defectConnection", defect_vars(alias, first=500))
    assert [n["id"] for n in nodes] == [d.id for d in payments]
    exclude = [{"typeName": "k8s.namespace", "typeValues": namespaces, "exclude": True}]
    nodes, total = page_all(s, sim, "defectConnection", defect_vars(exclude, first=500))
    assert total == 200 - len(payments)
    assert not {n["id"] for n in nodes} & {d.id for d in payments}
    unknown = [{"typeName": "k8s.cluster", "typeValues": ["prod"]}]
    assert page_all(s, sim, "defectConnection", defect_vars(unknown))[1] == 0


def test_state_filter(sim: Simulator) -> None:
    s = session(sim)
    inactive, total = page_all(
        s, sim, "defectConnection", defect_vars(filter={"state": "INACTIVE"}, first=500)
    )
    assert total == 20 and all(RFC3339.match(n["toTime"]) for n in inactive)
    _, everything = page_all(s, sim, "defectConnection", defect_vars(filter={"state": "ALL"}))
    assert everything == 220


def test_add_and_clear_defect(sim: Simulator) -> None:
    s = session(sim)
    entries = scope_entries(s, sim)["team-search"]
    defect_id = sim.add_defect(
        "team-search", name="Malfunction", severity="High", entity_name="search-api"
    )
    nodes, _ = page_all(s, sim, "defectConnection", defect_vars(entries, first=500))
    (node,) = [n for n in nodes if n["id"] == defect_id]
    assert (node["name"], node["severity"], node["entity"]["name"]) == (
        "Malfunction",
        "High",
        "search-api",
    )
    assert node["serviceCount"] == 1 and node["entityType"] == "Service"
    assert defect_id in {d.id for d in sim.active_defects("team-search")}
    sim.clear_defect(defect_id)
    nodes, _ = page_all(s, sim, "defectConnection", defect_vars(entries, first=500))
    assert defect_id not in {n["id"] for n in nodes}
    assert defect_id not in {d.id for d in sim.active_defects()}
    inactive = defect_vars(entries, first=500, filter={"state": "INACTIVE"})
    assert defect_id in {n["id"] for n in page_all(s, sim, "defectConnection", inactive)[0]}


def test_graphql_errors_for_bad_input(sim: Simulator) -> None:
    s = session(sim)
    bad_cursor = gql(s, sim, "defectConnection", defect_vars(after="%%%not-a-cursor"))
    assert bad_cursor.status_code == 200 and bad_cursor.json()["errors"]
    unknown = gql(s, sim, "defectCounts", {})
    assert unknown.status_code == 200
    assert "Cannot query field" in unknown.json()["errors"][0]["message"]


def test_operation_found_in_query_text(sim: Simulator) -> None:
    s = session(sim)
    body = {"query": "query Mine { getUserScopes(first: 5) { totalCount } }", "variables": {}}
    response = s.post(sim.api_url, json=body, timeout=5)
    assert response.json()["data"]["getUserScopes"]["totalCount"] == 5
    assert sim.requests()[-1].operation == "getUserScopes"


def test_first_is_clamped(make_sim: Any) -> None:
    sim = make_sim(max_page_size=50)
    response = gql(session(sim), sim, "defectConnection", defect_vars(first=10_000))
    conn = response.json()["data"]["defectConnection"]
    assert len(conn["edges"]) == 50 and conn["pageInfo"]["hasNextPage"]


# --- faults -------------------------------------------------------------------------------


def wait_as_told(response: requests.Response) -> None:
    """Sleep exactly as long as the 429's headers say, like a well-behaved client."""
    header = response.headers.get("Retry-After")
    if header is None:
        until = float(response.headers["X-RateLimit-Reset"])
    elif header.isdigit():
        until = time.time() + int(header)
    else:
        until = parsedate_to_datetime(header).timestamp()
    time.sleep(max(0.0, until - time.time()))


@pytest.mark.parametrize(
    ("target", "header"),
    [
        ("graphql", "retry-after"),
        ("graphql", "retry-after-date"),
        ("causeflow", "x-ratelimit-reset"),
    ],
)
def test_rate_limit_and_violations(sim: Simulator, target: str, header: str) -> None:
    s = session(sim)

    def call() -> requests.Response:
        # One session, so one connection: the retry is known to follow the 429.
        if target == "graphql":
            return gql(s, sim, "getUserScopes", {})
        return s.get(f"{sim.causeflow_url}/incidents", headers=CF_AUTH, timeout=5)

    sim.inject("rate_limit", target=target, seconds=0.2, header=header)
    limited = call()
    assert limited.status_code == 429
    if header == "x-ratelimit-reset":
        assert limited.headers["X-RateLimit-Remaining"] == "0"
        assert limited.headers["X-RateLimit-Limit"]
        assert limited.json()["error"] == "rate_limited"
    assert sim.rate_limit_violations() == 0
    time.sleep(RateLimitLedger.SAME_CONNECTION_GRACE + 0.01)  # past the in-flight allowance
    assert call().status_code == 200  # too early: served, but counted
    assert sim.rate_limit_violations() == 1
    wait_as_told(limited)
    assert call().status_code == 200
    assert sim.rate_limit_violations() == 1


def test_rate_limit_spares_requests_in_flight_on_other_connections(make_sim: Any) -> None:
    sim = make_sim(rate_limit_grace=0.3)
    limited_session = requests.Session()
    limited_session.headers.update(CF_AUTH)
    sim.inject("rate_limit", target="causeflow", seconds=5)
    url = f"{sim.causeflow_url}/incidents"
    assert limited_session.get(url, timeout=5).status_code == 429
    assert incidents_page(sim).status_code == 200  # another connection, within the grace
    assert sim.rate_limit_violations() == 0
    time.sleep(RateLimitLedger.SAME_CONNECTION_GRACE + 0.01)
    assert limited_session.get(url, timeout=5).status_code == 200  # the one that saw the 429
    assert sim.rate_limit_violations() == 1
    time.sleep(0.35)
    assert incidents_page(sim).status_code == 200  # news had time to spread: counted
    assert sim.rate_limit_violations() == 2
    gql(session(sim), sim, "getUserScopes", {})  # other targets are not limited
    assert sim.rate_limit_violations() == 2


def test_rate_limit_advice_never_records_past_the_header() -> None:
    for now in (1_000.0, 1_000.000001, 1_000.5, 1_000.999999):
        for seconds in (0.0, 0.2, 1.0, 1.5, 59.99):
            advice = rate_limit_advice("retry-after", seconds, now)
            assert advice.reset_at <= now + int(advice.headers["Retry-After"])
            assert int(advice.headers["Retry-After"]) >= seconds
            advice = rate_limit_advice("x-ratelimit-reset", seconds, now)
            assert advice.reset_at <= int(advice.headers["X-RateLimit-Reset"])
            assert int(advice.headers["X-RateLimit-Reset"]) >= now + seconds
            advice = rate_limit_advice("retry-after-date", seconds, now)
            advertised = parsedate_to_datetime(advice.headers["Retry-After"]).timestamp()
            assert advice.reset_at <= advertised and advertised >= now + seconds


def test_skip_and_count(sim: Simulator) -> None:
    s = session(sim)
    sim.inject("status", status=503, count=2, skip=1)
    codes = [gql(s, sim, "getUserScopes", {}).status_code for _ in range(4)]
    assert codes == [200, 503, 503, 200]
    sim.inject("status", status=500, count=None)
    assert [gql(s, sim, "getUserScopes", {}).status_code for _ in range(3)] == [500] * 3
    sim.clear_faults()
    assert gql(s, sim, "getUserScopes", {}).status_code == 200


def test_faults_queue_in_order_and_match_operation(sim: Simulator) -> None:
    s = session(sim)
    sim.inject("status", status=502, operation="defectConnection")
    sim.inject("status", status=504, operation="defectConnection")
    assert gql(s, sim, "getUserScopes", {}).status_code == 200
    assert gql(s, sim, "defectConnection", defect_vars()).status_code == 502
    assert gql(s, sim, "defectConnection", defect_vars()).status_code == 504
    assert gql(s, sim, "defectConnection", defect_vars()).status_code == 200


def test_status_fault_bodies(sim: Simulator) -> None:
    sim.inject("status", status=503, target="causeflow", error="service_unavailable")
    response = incidents_page(sim)
    assert response.status_code == 503
    assert response.json()["error"] == "service_unavailable" and response.json()["message"]
    sim.inject("status", status=500, target="auth")
    response = requests.post(sim.auth_url, json=CREDS, timeout=5)
    assert response.status_code == 500 and response.json()["errors"]
    sim.inject("status", status=403, target="any")
    response = gql(requests.Session(), sim, "getUserScopes", {})
    assert response.status_code == 401, "authentication is checked before faults"
    assert incidents_page(sim).status_code == 403


def test_latency_fault(sim: Simulator) -> None:
    s = session(sim)
    sim.inject("latency", seconds=0.3)
    started = time.monotonic()
    assert gql(s, sim, "getUserScopes", {}).status_code == 200
    assert time.monotonic() - started >= 0.3


def test_config_latency(make_sim: Any) -> None:
    sim = make_sim(latency=0.1)
    started = time.monotonic()
    assert incidents_page(sim).status_code == 200
    assert time.monotonic() - started >= 0.1
    started = time.monotonic()
    requests.get(sim.url + "/_sim/requests", timeout=5)
    assert time.monotonic() - started < 0.1, "admin endpoints are not slowed down"


def test_stall_times_the_client_out(sim: Simulator) -> None:
    s = session(sim)
    sim.inject("stall", seconds=5)
    with pytest.raises(requests.Timeout):
        gql(s, sim, "getUserScopes", {}, timeout=0.3)
    assert gql(session(sim), sim, "getUserScopes", {}).status_code == 200


def test_stop_interrupts_a_stall(make_sim: Any) -> None:
    sim = make_sim()
    s = session(sim)
    sim.inject("stall", seconds=30)
    errors: list[BaseException] = []

    def stalled() -> None:
        try:
            gql(s, sim, "getUserScopes", {}, timeout=10)
        except requests.RequestException as exc:
            errors.append(exc)

    caller = threading.Thread(target=stalled)
    caller.start()
    time.sleep(0.2)
    started = time.monotonic()
    sim.stop()
    assert time.monotonic() - started < 2
    caller.join(5)
    assert errors and isinstance(errors[0], requests.ConnectionError)


def test_reset_gives_a_connection_error(sim: Simulator) -> None:
    sim.inject("reset", target="causeflow")
    with pytest.raises(requests.ConnectionError):
        incidents_page(sim)
    assert sim.requests()[-1].status == 0
    assert incidents_page(sim).status_code == 200


def test_malformed_json(sim: Simulator) -> None:
    s = session(sim)
    sim.inject("malformed_json", target="auth")
    sim.inject("malformed_json", target="causeflow")
    sim.inject("malformed_json", target="graphql")
    for response in (
        requests.post(sim.auth_url, json=CREDS, timeout=5),
        incidents_page(sim),
        gql(s, sim, "defectConnection", defect_vars()),
    ):
        assert response.status_code == 200
        with pytest.raises(ValueError):
            response.json()


def test_graphql_errors_fault(sim: Simulator) -> None:
    s = session(sim)
    sim.inject("graphql_errors", target="any", operation="defectConnection")
    assert incidents_page(sim).status_code == 200, "graphql_errors never fires on CauseFlow"
    assert "errors" not in gql(s, sim, "getUserScopes", {}).json()
    body = gql(s, sim, "defectConnection", defect_vars()).json()
    assert body == {
        "data": None,
        "errors": [{"message": "internal error", "extensions": {"code": "INTERNAL"}}],
    }


def test_unauthorized_invalidates_the_token(sim: Simulator) -> None:
    s = session(sim)
    sim.inject("unauthorized")
    assert gql(s, sim, "getUserScopes", {}).status_code == 401
    assert gql(s, sim, "getUserScopes", {}).status_code == 401, "the token stays revoked"
    assert gql(session(sim), sim, "getUserScopes", {}).status_code == 200


def first_two_pages(
    s: requests.Session, sim: Simulator
) -> tuple[dict[str, Any], dict[str, Any], str]:
    one = gql(s, sim, "defectConnection", defect_vars(first=10)).json()["data"]["defectConnection"]
    after = one["pageInfo"]["endCursor"]
    page = gql(s, sim, "defectConnection", defect_vars(first=10, after=after))
    return one, page.json()["data"]["defectConnection"], after


def test_non_advancing_cursor(sim: Simulator) -> None:
    s = session(sim)
    sim.inject("non_advancing_cursor")  # fires on the first request that carries a cursor
    one, two, after = first_two_pages(s, sim)
    assert one["pageInfo"]["hasNextPage"] and one["pageInfo"]["startCursor"] != after
    assert two["pageInfo"]["endCursor"] == after and two["pageInfo"]["hasNextPage"]


def test_duplicate_node(sim: Simulator) -> None:
    s = session(sim)
    sim.inject("duplicate_node", count=None)
    nodes, total = page_all(s, sim, "defectConnection", defect_vars(first=30))
    ids = [n["id"] for n in nodes]
    assert len(ids) > len(set(ids)) and total == 200
    assert sorted(set(ids)) == [d.id for d in sim.active_defects()]
    sim.clear_faults()
    sim.inject("duplicate_node")
    one, two, _ = first_two_pages(s, sim)
    assert two["edges"][0]["node"]["id"] == one["edges"][-1]["node"]["id"]


def test_missing_fields(sim: Simulator) -> None:
    s = session(sim)
    sim.inject("missing_fields", operation="defectConnection")
    nodes = gql(s, sim, "defectConnection", defect_vars()).json()["data"]["defectConnection"]
    for edge in nodes["edges"]:
        assert set(edge["node"]) == {"id", "name", "severity", "entityType"}


def test_fault_validation(sim: Simulator) -> None:
    with pytest.raises(ValueError):
        sim.inject("meteor_strike")
    with pytest.raises(ValueError):
        sim.inject("status", target="mainframe")
    with pytest.raises(ValueError):
        sim.inject("rate_limit", header="x-whatever")


# --- CauseFlow ----------------------------------------------------------------------------


def page_incidents(sim: Simulator, key: str, **params: Any) -> tuple[list[dict[str, Any]], int]:
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(1000):
        response = incidents_page(sim, **params, **({"cursor": cursor} if cursor else {}))
        assert response.status_code == 200, response.text
        body = response.json()
        items += body[key]
        cursor = body["cursor"]
        if cursor is None:
            return items, body["count"]
    raise AssertionError("pagination did not end")


@pytest.mark.parametrize("key", ["items", "incidents"])
def test_causeflow_paging(make_sim: Any, key: str) -> None:
    sim = make_sim(causeflow_list_key=key)
    items, count = page_incidents(sim, key, limit=7)
    assert [i["incidentId"] for i in items] == [i.incident_id for i in sim.incidents()]
    assert count == 60
    for item in items:
        assert re.fullmatch(r"inc_[0-9A-HJKMNP-TV-Z]{26}", item["incidentId"])
        assert item["severity"] in ("critical", "high", "medium", "low")
        assert item["source"] in ("automated", "manual") and RFC3339.match(item["createdAt"])
        assert item["title"]


def test_causeflow_auth_and_routes(sim: Simulator) -> None:
    for headers in ({}, {"Authorization": "Bearer demo-secret"}):
        response = requests.get(f"{sim.causeflow_url}/incidents", headers=headers, timeout=5)
        assert response.status_code == 401
        assert response.json() == {
            "error": "unauthorized",
            "message": "No valid authentication token was provided",
        }
    response = requests.get(f"{sim.causeflow_url}/nothing", headers=CF_AUTH, timeout=5)
    assert response.status_code == 404 and response.json()["error"] == "not_found"


def test_causeflow_limit(make_sim: Any) -> None:
    sim = make_sim(incidents=150)
    body = incidents_page(sim, limit=500).json()
    assert len(body["items"]) == 100 and body["count"] == 150 and body["cursor"]
    assert len(incidents_page(sim).json()["items"]) == 20
    for bad in ("abc", "0", "-3"):
        response = incidents_page(sim, limit=bad)
        assert response.status_code == 400 and response.json()["error"] == "validation_error"


def test_causeflow_filters_take_one_value_each_as_documented(sim: Simulator) -> None:
    for status in ("open", "triaging"):
        items, count = page_incidents(sim, "items", limit=100, status=status)
        expected = {i.incident_id for i in sim.incidents([status])}
        assert {i["incidentId"] for i in items} == expected and count == len(expected)
    items, count = page_incidents(sim, "items", severity="critical", status="open")
    truth = [i for i in sim.incidents(["open"]) if i.severity == "critical"]
    assert count == len(truth) and {i["incidentId"] for i in items} == {
        i.incident_id for i in truth
    }
    for bad in (
        {"status": "exploded"},
        {"status": "open,triaging"},  # a joined list
        {"status": ["open", "triaging"]},  # a repeated parameter
        {"severity": "critical,high"},
    ):
        response = incidents_page(sim, **bad)
        assert response.status_code == 400, bad
        assert response.json()["error"] == "validation_error"
        assert "must be one of" in response.json()["message"]


def test_causeflow_cursor_expiry(make_sim: Any) -> None:
    sim = make_sim(cursor_ttl=0.2)
    cursor = incidents_page(sim, limit=5).json()["cursor"]
    assert incidents_page(sim, limit=5, cursor=cursor).status_code == 200
    time.sleep(0.3)
    expired = incidents_page(sim, limit=5, cursor=cursor)
    assert expired.status_code == 400
    assert expired.json() == {
        "error": "cursor_expired",
        "message": "The pagination cursor has expired",
    }
    garbage = incidents_page(sim, cursor="!!garbage")
    assert garbage.status_code == 400 and garbage.json()["error"] == "validation_error"


def test_causeflow_faults(sim: Simulator) -> None:
    sim.inject("expired_cursor", target="causeflow")
    first = incidents_page(sim, limit=5)
    assert first.status_code == 200, "expired_cursor waits for a request with a cursor"
    again = incidents_page(sim, limit=5, cursor=first.json()["cursor"])
    assert again.json()["error"] == "cursor_expired"
    sim.inject("wrong_count", target="any")
    assert gql(session(sim), sim, "getUserScopes", {}).status_code == 200
    assert incidents_page(sim).json()["count"] == 63
    sim.inject("non_advancing_cursor", target="causeflow")
    sim.inject("duplicate_node", target="causeflow", skip=1)
    cursor = incidents_page(sim, limit=5).json()["cursor"]
    assert incidents_page(sim, limit=5, cursor=cursor).json()["cursor"] == cursor
    page_one = incidents_page(sim, limit=5).json()
    page_two = incidents_page(sim, limit=5, cursor=page_one["cursor"]).json()
    assert page_two["items"][0] == page_one["items"][-1] and len(page_two["items"]) == 6


def test_incident_control(sim: Simulator) -> None:
    incident_id = sim.add_incident(title="Checkout down", severity="high")
    newest = incidents_page(sim, limit=1).json()["items"][0]
    assert newest["incidentId"] == incident_id and newest["title"] == "Checkout down"
    assert newest["status"] == "open" and newest["severity"] == "high"
    sim.resolve_incident(incident_id)
    assert incident_id in {i.incident_id for i in sim.incidents(["resolved"])}
    assert incidents_page(sim, limit=1).json()["items"][0]["status"] == "resolved"


# --- admin, log, churn, lifecycle ---------------------------------------------------------


def test_admin_endpoints(sim: Simulator) -> None:
    truth = requests.get(sim.url + "/_sim/truth", timeout=5).json()
    assert list(truth["scopes"]) == sim.scope_names() and len(truth["incidents"]) == 60
    for name, defects in truth["scopes"].items():
        assert [d["id"] for d in defects] == [d.id for d in sim.active_defects(name)]
    added = requests.post(
        sim.url + "/_sim/defects", json={"scope": "team-checkout", "severity": "Low"}, timeout=5
    ).json()["id"]
    assert added in {d.id for d in sim.active_defects("team-checkout")}
    assert requests.delete(f"{sim.url}/_sim/defects/{added}", timeout=5).status_code == 200
    assert added not in {d.id for d in sim.active_defects()}
    fault = {"kind": "status", "status": 502, "target": "causeflow", "count": None}
    assert requests.post(sim.url + "/_sim/faults", json=fault, timeout=5).status_code == 200
    assert incidents_page(sim).status_code == 502
    requests.delete(sim.url + "/_sim/faults", timeout=5)
    assert incidents_page(sim).status_code == 200
    bad = requests.post(sim.url + "/_sim/faults", json={"kind": "nope"}, timeout=5)
    assert bad.status_code == 400
    log = requests.get(sim.url + "/_sim/requests", timeout=5).json()
    assert [r["status"] for r in log["requests"]] == [502, 200]
    assert log["rate_limit_violations"] == 0


def test_request_log(sim: Simulator) -> None:
    started = time.time()
    s = session(sim)
    gql(s, sim, "defectConnection", defect_vars())
    incidents_page(sim)
    requests.get(sim.url + "/_sim/truth", timeout=5)
    records = sim.requests()
    assert [(r.target, r.operation, r.status) for r in records] == [
        ("auth", "token", 200),
        ("graphql", "defectConnection", 200),
        ("causeflow", "listIncidents", 200),
    ]
    assert records[1].path == "/query/" and records[2].path == "/v1/incidents"
    assert all(started <= r.time <= time.time() for r in records)


def test_churn_changes_data(make_sim: Any) -> None:
    sim = make_sim(churn_interval=0.05)
    before = {d.id for d in sim.active_defects()}
    statuses = {i.incident_id: i.status for i in sim.incidents()}
    time.sleep(0.4)
    after = {d.id for d in sim.active_defects()}
    assert before - after and after - before
    changed = {i.incident_id: i.status for i in sim.incidents()}
    assert changed != statuses
    started = time.monotonic()
    sim.stop()
    assert time.monotonic() - started < 1


def test_stop_with_idle_keepalive_connection() -> None:
    sim = Simulator(SimulatorConfig(seed=1))
    with sim:
        s = session(sim)
        assert gql(s, sim, "getUserScopes", {}).status_code == 200
        started = time.monotonic()
    assert time.monotonic() - started < 1
    sim.stop()  # idempotent


def test_quiet_by_default(sim: Simulator, capfd: pytest.CaptureFixture[str]) -> None:
    s = session(sim)
    gql(s, sim, "getUserScopes", {})
    requests.get(sim.url + "/nowhere", timeout=5)
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_100k_defects_generate_fast_and_page_fast() -> None:
    started = time.perf_counter()
    sim = Simulator(SimulatorConfig(seed=2, scopes=20, defects=100_000, incidents=0))
    generated = time.perf_counter() - started
    # Bounds an order of magnitude above the usual figures (about 2 s and 10 ms): they catch a
    # quadratic slip, not a busy machine; bench.collection measures the real cost.
    assert generated < 30, f"generating 100k defects took {generated:.2f}s"
    with sim:
        s = session(sim)
        entries = scope_entries(s, sim)["team-orders"]
        timings = []
        after = None
        for _ in range(5):
            started = time.perf_counter()
            response = gql(s, sim, "defectConnection", defect_vars(entries, first=100, after=after))
            timings.append(time.perf_counter() - started)
            after = response.json()["data"]["defectConnection"]["pageInfo"]["endCursor"]
        total = response.json()["data"]["defectConnection"]["totalCount"]
        assert total == len(sim.active_defects("team-orders")) > 3000
        assert sorted(timings)[2] < 1.0, timings


# --- CLI ----------------------------------------------------------------------------------


def test_cli_exit_after(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--listen", "127.0.0.1:0", "--defects", "20", "--exit-after", "0.2"]
    assert simulator_main(argv) == 0
    line = capsys.readouterr().out.strip()
    assert "http://127.0.0.1:" in line and "demo-secret" in line and "\n" not in line


def test_cli_rejects_bad_listen() -> None:
    with pytest.raises(SystemExit):
        simulator_main(["--listen", "nonsense"])
