"""The README's example PromQL: valid, about documented metrics, safe with two replicas."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml

from tests import dashboard_exprs as dx
from tests.conftest import REPO

README = REPO / "README.md"


def example_queries() -> list[str]:
    section = README.read_text(encoding="utf-8").split("### Example queries\n", 1)[1]
    block = re.search(r"```promql\n(.*?)```", section, re.S)
    assert block is not None, "README: no promql block under 'Example queries'"
    lines = [line.strip() for line in block.group(1).splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def test_example_queries_parse_with_promtool(promtool: str, tmp_path: Path) -> None:
    queries = example_queries()
    assert len(queries) >= 8
    rules = [{"record": f"readme:example_{i}:check", "expr": q} for i, q in enumerate(queries)]
    path = tmp_path / "readme.rules.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "readme", "rules": rules}]}))
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
