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
