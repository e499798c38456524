"""What a root cause explains, read from untrusted impacts and symptoms lists."""

from __future__ import annotations

from typing import Any

from exporter.sources.causely.explained import (
    MAX_SERVICES_PER_DEFECT,
    ExplainedCount,
    explained_services,
    unsupported,
)


def service(name: str, namespace: str | None = "shop", cluster: str | None = "prod") -> Any:
    labels = []
    if namespace is not None:
        labels.append({"key": "k8s.namespace.name", "value": namespace})
    if cluster is not None:
        labels.append({"key": "k8s.cluster.name", "value": cluster})
    return {"id": f"id-{name}", "name": name, "typeName": "Service", "labels": labels}


def symptom(entity: Any, state: str = "ACTIVE", propagated: bool = False) -> Any:
    return {"id": "ErrorRate::x::1", "state": state, "isPropagated": propagated, "entity": entity}


def test_impacts_and_active_symptoms_on_services_are_explained() -> None:
    node = {
        "impacts": [{"entity": service("shop/checkout")}, {"entity": service("shop/cart")}],
        "symptoms": [
            symptom(service("shop/payments")),
            symptom(service("shop/old"), state="INACTIVE"),
            symptom(service("shop/far"), propagated=True),
            symptom({"name": "checkout-7d9", "typeName": "Pod", "labels": []}),
            symptom({"name": "/api/pay", "typeName": "HTTPPath", "labels": []}),
        ],
    }
    assert explained_services(node) == (
        ("prod", "shop", "cart"),
        ("prod", "shop", "checkout"),
        ("prod", "shop", "payments"),
    )


def test_namespace_comes_from_the_name_when_the_label_is_missing() -> None:
    node = {"impacts": [{"entity": service("shop/checkout", namespace=None, cluster=None)}]}
    assert explained_services(node) == (("", "shop", "checkout"),)


def test_a_service_without_namespace_is_left_out() -> None:
    # Both sides missing a label counts as equal in an inhibit rule: it would mute too much.
    node = {"impacts": [{"entity": service("checkout", namespace=None)}]}
    assert explained_services(node) == ()


def test_hostile_shapes_are_skipped_not_raised() -> None:
    for node in (
        {"impacts": "lots", "symptoms": 5},
        {"impacts": [None, 3, {"entity": None}, {"entity": {"typeName": "Service", "name": 7}}]},
        {"symptoms": [{"state": 1, "entity": service("shop/x")}]},
        {"impacts": [{"entity": {**service("shop/x"), "labels": "no"}}]},
    ):
        assert explained_services(node) in ((), (("", "shop", "x"),))
    hostile = {"impacts": [{"entity": service("shop/\x00evil\u2028" + "x" * 5000)}]}
    ((_, _, name),) = explained_services(hostile)
    assert name.isprintable() and len(name) <= 256


def test_huge_lists_are_bounded() -> None:
    node = {"impacts": [{"entity": service(f"shop/s{i}")} for i in range(100_000)]}
    found = explained_services(node)
    assert len(found) == MAX_SERVICES_PER_DEFECT


def test_the_count_is_capped_and_counts_what_it_leaves_out() -> None:
    count = ExplainedCount(cap=2, severities=frozenset({"Critical"}))
    count.add((("c", "n", "a"), ("c", "n", "b")))
    count.add((("c", "n", "a"), ("c", "n", "z")))
    assert count.counts == {("c", "n", "a"): 2, ("c", "n", "b"): 1} and count.dropped == 1


def test_an_older_schema_is_recognised() -> None:
    assert unsupported('Cannot query field "impacts" on type "Defect".')
    assert unsupported("Cannot query field \\u0022symptoms\\u0022 on type Defect")
    assert not unsupported('Cannot query field "defectConnection" on type "Query".')
    assert not unsupported("internal error")


# --- against the simulator over real HTTP --------------------------------------------


def explained_truth(sim: Any) -> dict[tuple[str, str, str, str], float]:
    paging = {d.id for d in sim.active_defects(None) if d.severity in ("Critical", "High")}
    truth: dict[tuple[str, str, str, str], float] = {}
    for scope in sim.scope_names():
        for defect_id, services in sim.explained_services(scope).items():
            if defect_id in paging:
                for cluster, namespace, name in services:
                    key = (scope, cluster, namespace, name)
                    truth[key] = truth.get(key, 0) + 1
    return truth


def test_explained_services_equal_the_simulators_truth(sim: Any) -> None:
    from tests.conftest import InProcess, sim_config

    config = sim_config(
        sim, causely={"scopes": "discover", "explained_services": {"enabled": True}}
    )
    metrics = InProcess(config).cycle()
    got = {
        (d["scope"], d["cluster"], d["namespace"], d["service"]): v
        for d, v in ((dict(k), v) for k, v in metrics["causely_explained_services"].items())
    }
    assert got and got == explained_truth(sim)
    assert set(metrics["causely_explained_services_up"].values()) == {1}


def test_an_older_schema_costs_the_explanations_not_the_defects(sim: Any) -> None:
    from tests.conftest import InProcess, sim_config

    config = sim_config(
        sim, causely={"scopes": "discover", "explained_services": {"enabled": True}}
    )
    run = InProcess(config)
    plain = InProcess(sim_config(sim, causely={"scopes": "discover"})).cycle()
    sim.inject("old_schema", count=None)
    try:
        metrics = run.cycle()
    finally:
        sim.clear_faults()
    assert set(metrics["causely_scope_up"].values()) == {1}
    assert metrics["causely_active_defects"] == plain["causely_active_defects"]
    assert set(metrics["causely_explained_services_up"].values()) == {0}
