"""The example PromQL of docs/metrics.md: valid, about documented metrics, safe with 2 replicas."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml

from tests import dashboard_exprs as dx
from tests.conftest import REPO

METRICS_DOC = REPO / "docs" / "metrics.md"


def example_queries() -> list[str]:
    # The first promql block of the page, wherever its heading moves.
    block = re.search(r"```promql\n(.*?)```", METRICS_DOC.read_text(encoding="utf-8"), re.S)
    assert block is not None, "docs/metrics.md: no promql block"
    lines = [line.strip() for line in block.group(1).splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def test_example_queries_parse_with_promtool(promtool: str, tmp_path: Path) -> None:
    queries = example_queries()
    assert len(queries) >= 8
    rules = [{"record": f"docs:example_{i}:check", "expr": q} for i, q in enumerate(queries)]
    path = tmp_path / "examples.rules.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "examples", "rules": rules}]}))
    result = subprocess.run(
        [promtool, "check", "rules", str(path)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(queries)} rules found" in result.stdout


def test_example_queries_use_documented_metrics_and_labels() -> None:
    contract = dx.contract()
    labels = set().union(*contract.values()) | dx.TARGET_LABELS
    for query in example_queries():
        names = dx.metric_names(query)
        assert names and names <= set(contract), (query, names - set(contract))
        assert dx.label_names(query) <= labels, (query, dx.label_names(query) - labels)


def test_example_queries_count_each_series_once_with_two_replicas() -> None:
    raw = set(dx.contract())
    for query in example_queries():
        assert not dx.replica_unsafe_aggregations(query, raw), query
