"""Every table of metrics in the docs (README.md, docs/*.md) against a real exposition: each
metric a row names is exported, with exactly the labels the row lists.

The exposition comes from an exporter process with every feature on (service health, SLOs,
time to resolve, explained services, CauseFlow, the bridge with inhibitors, quota headers)
against the simulator, after faults that make the event counters count.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from exporter.simulator.config import SimulatorConfig
from exporter.simulator.simulator import Simulator
from tests.conftest import REPO, ExporterProcess, sim_env
from tests.receiver import Receiver

DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
NAME = re.compile(r"`([a-z_:][a-z0-9_:]*)`")
# Counted only on an unexpected exception inside a unit, which no input from outside causes
# on purpose: its name is checked (the family is declared), its labels cannot be observed.
UNOBSERVABLE = {"causely_exporter_collection_errors_total"}


def metric_tables() -> list[tuple[str, str, set[str]]]:
    """(file, metric, labels) for every row of a table whose header has `metric` and `labels`."""
    rows = []
    for path in DOCS:
        header: list[str] | None = None
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.startswith("|"):
                header = None if line.strip() else header  # a blank line may split a table
                continue
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if header is None:
                header = [c.lower() for c in cells]
                continue
            if set(cells) <= {"---", ":---", "---:", ""} or not {"metric", "labels"} <= set(header):
                continue
            labels = {
                name.strip().strip("`")
                for name in cells[header.index("labels")].split(",")
                if name.strip().strip("`") not in ("", "\u2013", "-")
            }
            for name in NAME.findall(cells[header.index("metric")]):
                rows.append((path.name, name, labels))
    return rows


@pytest.fixture(scope="module")
def exposition(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, set[frozenset[str]]]]:
    tmp = tmp_path_factory.mktemp("tables")
    config = SimulatorConfig(seed=7, scopes=3, defects=150, incidents=40, quota_per_minute=100_000)
    with Simulator(config) as sim:
        receiver = Receiver()
        path = tmp / "config.yaml"
        path.write_text(
            "causely: {scopes: discover, explained_services: {enabled: true}}\n"
            "causeflow: {enabled: true}\n"
            "collection: {interval: 2s}\n"
            "http: {backoff_initial: 50ms, backoff_max: 100ms}\n"
            f"alertmanager: {{urls: [{receiver.url}], inhibitors: {{enabled: true}}}}\n"
        )
        exporter = ExporterProcess([f"--config.file={path}"], sim_env(sim), tmp)
        try:
            exporter.wait_healthy()
            exporter.wait_ready()
            # Events the counters count: a retry, a failed call, a skipped node.
            sim.inject("status", status=503, operation="defectConnection")
            sim.inject("graphql_errors", operation="entityTypeCounts")
            sim.inject("set_field", operation="defectConnection", field="id", value=[1])
            text = ""
            deadline = time.time() + 60
            while time.time() < deadline:
                text = requests.get(exporter.url + "/metrics", timeout=5).text
                wanted = ("api_retries_total{", "api_errors_total{", "skipped_nodes_total{")
                if all(w in text for w in wanted):
                    break
                time.sleep(0.5)
            yield families(text)
        finally:
            exporter.stop()
            receiver.stop()


def families(text: str) -> dict[str, set[frozenset[str]]]:
    """Sample and family name -> the label sets it has (a family without samples: none)."""
    out: dict[str, set[frozenset[str]]] = {}
    for family in text_string_to_metric_families(text):
        out.setdefault(family.name, set())
        for sample in family.samples:
            out.setdefault(sample.name, set()).add(frozenset(sample.labels))
    return out


def test_the_tables_are_read() -> None:
    rows = metric_tables()
    files = {f for f, _, _ in rows}
    assert {"README.md", "metrics.md"} <= files
    assert len({name for _, name, _ in rows}) >= 50


def mismatches(
    rows: list[tuple[str, str, set[str]]], exposition: dict[str, set[frozenset[str]]]
) -> list[str]:
    wrong = []
    for file, name, labels in rows:
        found = exposition.get(name)
        if found is None and name.endswith("_total"):
            found = exposition.get(name.removesuffix("_total"))  # declared, nothing counted yet
        if found is None:
            wrong.append(f"{file}: {name} is not exported")
        elif name not in UNOBSERVABLE and found != {frozenset(labels)}:
            shown = sorted(sorted(s) for s in found)
            wrong.append(f"{file}: {name} has labels {shown}, the table says {sorted(labels)}")
    return wrong


def test_every_metric_of_a_docs_table_is_exported_with_its_labels(
    exposition: dict[str, set[frozenset[str]]],
) -> None:
    wrong = mismatches(metric_tables(), exposition)
    assert not wrong, "\n".join(wrong)


def test_a_row_missing_labels_or_naming_no_metric_is_caught() -> None:
    """The README's old row: causely_defect_info without cluster and namespace."""
    exported = {"causely_defect_info": {frozenset({"scope", "defect_id", "cluster"})}}
    assert mismatches([("README.md", "causely_defect_info", {"scope", "defect_id"})], exported)
    assert mismatches([("README.md", "causely_nothing", set())], exported)
    assert not mismatches(
        [("README.md", "causely_defect_info", {"scope", "defect_id", "cluster"})], exported
    )


def test_every_exported_metric_is_in_the_contract(
    exposition: dict[str, set[frozenset[str]]],
) -> None:
    documented = {name for file, name, _ in metric_tables() if file == "metrics.md"}
    runtime = ("process_", "python_")  # the client library's, listed in prose in docs/metrics.md
    undocumented = [
        name
        for name, labels in exposition.items()
        if labels
        and not name.startswith(runtime)
        and name not in documented
        and not name.endswith("_created")
    ]
    assert not undocumented, undocumented
