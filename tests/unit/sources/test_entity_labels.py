"""Entity labels from the simulator's GraphQL `entity { labels }` to causely_defect_info."""

from __future__ import annotations

from exporter.simulator.data import cluster_of
from exporter.simulator.simulator import Simulator
from exporter.sources.causely.defects import parse_defect
from tests.conftest import InProcess, sim_config


def test_defect_info_carries_cluster_and_namespace(sim: Simulator) -> None:
    run = InProcess(sim_config(sim, causely={"max_defect_series": 1000}))
    info = run.cycle()["causely_defect_info"]
    truth = {d.id: d for d in sim.active_defects(None)}
    assert len(info) == len(truth)
    for labels in info:
        d = dict(labels)
        defect = truth[d["defect_id"]]
        assert d["cluster"] == cluster_of(defect.namespace)
        if defect.entity_type == "Node":  # cluster-scoped: the entity has no namespace label
            assert d["namespace"] == ""
        else:
            assert d["namespace"] == defect.namespace
    assert len({dict(labels)["namespace"] for labels in info}) > 2


def test_configured_entity_labels_rename_and_extend(sim: Simulator) -> None:
    mapping = {"k8s.namespace.name": "k8s_namespace", "no.such.key": "missing"}
    run = InProcess(sim_config(sim, causely={"entity_labels": mapping}))
    info = run.cycle()["causely_defect_info"]
    for labels in info:
        d = dict(labels)
        assert "cluster" not in d and "namespace" not in d
        assert d["missing"] == ""
    assert any(dict(labels)["k8s_namespace"] for labels in info)


def test_hostile_entity_labels_are_skipped_not_fatal(sim: Simulator) -> None:
    sim.inject("hostile_labels", count=None)
    run = InProcess(sim_config(sim))
    metrics = run.cycle()
    assert metrics["causely_up"][()] == 1
    for labels in metrics["causely_defect_info"]:
        d = dict(labels)
        assert d["namespace"] == ""  # only a non-string value was offered
        assert d["cluster"] == "c" * 1024  # the long value, cut to the bound


def test_parse_defect_tolerates_any_labels_shape() -> None:
    keys = ("k8s.cluster.name", "k8s.namespace.name")
    for labels in (None, "x", 5, {"key": "k8s.cluster.name"}, [None, 1, []]):
        node = {"id": "d1", "entity": {"name": "e", "labels": labels}}
        defect = parse_defect(node, keys)
        assert defect is not None and defect.labels == ("", "")
    node = {"id": "d1", "entity": {"labels": [{"key": "k8s.namespace.name", "value": "ns"}]}}
    defect = parse_defect(node, keys)
    assert defect is not None and defect.labels == ("", "ns")


def test_admin_raises_and_clears_a_defect_in_a_namespace(sim: Simulator) -> None:
    import requests

    scope = sim.scope_names()[0]
    namespace = sim.namespaces(scope)[-1]
    body = {"scope": scope, "severity": "Critical", "namespace": namespace}
    defect_id = requests.post(sim.url + "/_sim/defects", json=body, timeout=5).json()["id"]
    truth = requests.get(sim.url + "/_sim/truth", timeout=5).json()["scopes"][scope]
    raised = next(d for d in truth if d["id"] == defect_id)
    assert (raised["namespace"], raised["cluster"]) == (namespace, cluster_of(namespace))
    wrong = {**body, "namespace": "not-this-scopes"}
    assert requests.post(sim.url + "/_sim/defects", json=wrong, timeout=5).status_code == 400
    assert requests.delete(sim.url + f"/_sim/defects/{defect_id}", timeout=5).ok
    assert defect_id not in {d.id for d in sim.active_defects(scope)}
