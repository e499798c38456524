"""The monitoring mixin (mixin/): the shipped rules and dashboards are its output, and a team
whose job has another name gets every rule and panel following its `_config`.

Real jsonnet (the `jsonnet` package of the test extras) and the real promtool.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
UNIT_TESTS = sorted((REPO / "tests" / "rules").glob("*.yml"))
OTHER_JOB = 'job="rca-bridge"'
# The job's name as a label value: in series, expected labels and "job ..." descriptions.
JOB_NAME = re.compile(
    r'(?<=job=")causely-exporter(?=")'  # a series or a matcher
    r"|(?<=job: )causely-exporter\b"  # expected labels
    r"|(?<=job )causely-exporter\b"  # "(job causely-exporter)" in a description
)
# A raw exporter series (a recording rule's name has colons and is left alone) and its braces.
SELECTOR = re.compile(
    r"(?<![:\w])(?P<name>up|causely_\w+|causeflow_\w+)(?![\w:(])\s*(?P<braces>\{[^}]*\})?"
)


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_mixin", REPO / "scripts" / "gen_mixin.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen_mixin = _load_generator()


def test_the_shipped_files_are_the_mixin_s_output() -> None:
    rendered = gen_mixin.render()
    assert set(rendered) == {
        Path("deploy/prometheus/causely-exporter.rules.yml"),
        Path("grafana/dashboards/causely-root-causes.json"),
        Path("grafana/dashboards/causely-exporter-health.json"),
    }
    for path, text in rendered.items():
        committed = (REPO / path).read_text(encoding="utf-8")
        assert committed == text, f"{path} is stale: run python scripts/gen_mixin.py"


def test_check_mode_exits_0_on_the_committed_files() -> None:
    done = subprocess.run(
        [sys.executable, "scripts/gen_mixin.py", "--check"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def _walk(node: Any, where: str, found: list[tuple[str, str]]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "expr" or (key == "query" and "label_values(" in str(value)):
                found.append((where, value))
            else:
                _walk(value, f"{where}/{node.get('title', key)}", found)
    elif isinstance(node, list):
        for item in node:
            _walk(item, where, found)


def _exprs(rendered: dict[Path, str]) -> list[tuple[str, str]]:
    """(where, PromQL) of every rule, every panel target and every query variable."""
    found: list[tuple[str, str]] = []
    for path, text in rendered.items():
        if path.suffix == ".yml":
            for group in yaml.safe_load(text)["groups"]:
                for rule in group["rules"]:
                    name = rule.get("alert") or rule.get("record")
                    found.append((f"rule {name}", rule["expr"]))
                    description = rule.get("annotations", {}).get("description", "")
                    found += [
                        (f"{name} description", q)
                        for q in re.findall(r"query `([^`]*)`", description)
                    ]
            continue
        _walk(json.loads(text), path.name, found)
    return found


@pytest.mark.parametrize("selector", ['job="causely-exporter"', OTHER_JOB, 'job=~"rca-.+"'])
def test_every_rule_and_panel_selects_the_configured_job(selector: str) -> None:
    rendered = gen_mixin.render({"jobSelector": selector})
    exprs = _exprs(rendered)
    assert len(exprs) > 90
    series = 0
    for where, expr in exprs:
        for match in SELECTOR.finditer(expr):
            series += 1
            braces = match.group("braces") or ""
            assert selector in braces, f"{where}: {match.group()} lacks {selector}"
        if selector != 'job="causely-exporter"':
            assert "causely-exporter" not in expr.replace("causely-exporter-", ""), where
    assert series > 110


def test_thresholds_come_from_the_config() -> None:
    rules = yaml.safe_load(
        gen_mixin.render({"impactedServicesThreshold": 7, "highRootCausePersistingSeconds": 600})[
            Path("deploy/prometheus/causely-exporter.rules.yml")
        ]
    )
    by_name = {r.get("alert"): r["expr"] for g in rules["groups"] for r in g["rules"]}
    assert by_name["CauselyRootCauseImpactingServices"].rstrip().endswith(">= 7")
    assert "> 600" in by_name["CauselyHighRootCausePersisting"]


def _unit_tests_for(rules: Path, job: str, tmp: Path) -> list[Path]:
    """The shipped promtool unit tests, their series and expectations moved to `job`."""
    copies = []
    for test in UNIT_TESTS:
        text = JOB_NAME.sub(job, test.read_text(encoding="utf-8"))
        document = yaml.safe_load(text)
        document["rule_files"] = [str(rules)]
        copy = tmp / test.name
        copy.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
        copies.append(copy)
    return copies


def test_another_job_passes_every_promtool_unit_test_and_the_default_rules_do_not(
    promtool: str, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    done = subprocess.run(
        [
            sys.executable,
            "scripts/gen_mixin.py",
            *("--set", f"jobSelector={OTHER_JOB}", "--output-dir", str(out)),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    rules = out / "causely-exporter.rules.yml"
    assert sorted(p.name for p in (out / "dashboards").iterdir()) == [
        "causely-exporter-health.json",
        "causely-root-causes.json",
    ]
    checked = subprocess.run(
        [promtool, "check", "rules", str(rules)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr

    moved = tmp_path / "moved"
    moved.mkdir()
    for test in _unit_tests_for(rules, "rca-bridge", moved):
        result = subprocess.run(
            [promtool, "test", "rules", str(test)], capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, test.name + result.stdout + result.stderr

    # The same series against the shipped (default) rules: the alerts no longer fire.
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    tests = _unit_tests_for(
        REPO / "deploy/prometheus/causely-exporter.rules.yml", "rca-bridge", shipped
    )
    failed = [
        t.name
        for t in tests
        if subprocess.run([promtool, "test", "rules", str(t)], capture_output=True).returncode
    ]
    assert len(failed) == len(tests)


def test_a_set_without_an_output_dir_or_with_a_bad_pair_is_refused() -> None:
    for args in (["--set", f"jobSelector={OTHER_JOB}"], ["--set", "nonsense"]):
        done = subprocess.run(
            [sys.executable, "scripts/gen_mixin.py", *args],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 2 and "gen_mixin:" in done.stderr
