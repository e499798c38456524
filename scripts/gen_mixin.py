#!/usr/bin/env python3
"""Render the monitoring mixin (mixin/) into the shipped rules and dashboards.

mixin/ is the source of the Prometheus rules and the Grafana dashboards: jsonnet with a
`_config` (the job selector, thresholds). The committed files are its output with the
default `_config`, and the tests check they are current:

    python scripts/gen_mixin.py            # rewrite the rules, dashboards, chart copies
    python scripts/gen_mixin.py --check    # exit 1 if a committed file is stale

The Helm chart (deploy/helm/causely-exporter/) ships copies of both under files/ (Helm reads no
file outside the chart): they are written and checked with the originals.

A team whose scrape job has another name renders its own copy, no jsonnet tooling needed
beyond this package's test extras (`pip install jsonnet`):

    python scripts/gen_mixin.py --set 'jobSelector=job="rca-bridge"' --output-dir out/
    # -> out/causely-exporter.rules.yml, out/dashboards/*.json

kube-prometheus users import mixin/mixin.libsonnet instead and override `_config`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import _jsonnet

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_prometheusrule import dump_yaml, is_current

ROOT = Path(__file__).resolve().parent.parent
MIXIN = ROOT / "mixin"
RULES = Path("deploy/prometheus/causely-exporter.rules.yml")
DASHBOARDS = Path("grafana/dashboards")
CHART_FILES = Path("deploy/helm/causely-exporter/files")
SNIPPET = """
local mixin = (import 'mixin.libsonnet') + { _config+:: std.parseJson(std.extVar('config')) };
{
  groups: mixin.prometheusRules.groups + mixin.prometheusAlerts.groups,
  dashboards: mixin.grafanaDashboards,
}
"""


def evaluate(config: dict[str, Any] | None = None) -> dict[str, Any]:
    """The mixin's rule groups and dashboards, with `config` over its `_config`."""
    text = _jsonnet.evaluate_snippet(
        "gen_mixin",
        SNIPPET,
        jpathdir=[str(MIXIN)],
        ext_codes={"config": json.dumps(json.dumps(config or {}))},
    )
    result: dict[str, Any] = json.loads(text)
    return result


# jsonnet sorts object keys; a rule reads best in the order Prometheus' docs write it.
RULE_KEYS = ("record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations")


def _ordered(rule: dict[str, Any]) -> dict[str, Any]:
    known = {key: rule[key] for key in RULE_KEYS if key in rule}
    return {**known, **{k: v for k, v in rule.items() if k not in known}}


def render(config: dict[str, Any] | None = None) -> dict[Path, str]:
    """Relative path -> text of every file the mixin renders (rules and dashboards)."""
    mixin = evaluate(config)
    header = (MIXIN / "rules_header.txt").read_text(encoding="utf-8")
    groups = [
        {**group, "rules": [_ordered(rule) for rule in group["rules"]]} for group in mixin["groups"]
    ]
    files = {RULES: header + dump_yaml({"groups": groups})}
    for name, dashboard in sorted(mixin["dashboards"].items()):
        files[DASHBOARDS / name] = json.dumps(dashboard, indent=2, ensure_ascii=False) + "\n"
    return files


def _parse_set(items: list[str]) -> dict[str, Any]:
    config: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValueError(f"--set {item!r}: expected KEY=VALUE")
        try:
            config[key] = json.loads(value)  # numbers stay numbers
        except json.JSONDecodeError:
            config[key] = value
    return config


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if stale")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a _config key (repeatable), e.g. 'jobSelector=job=\"rca\"'",
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        help="write the rules and dashboards here instead of over the shipped files",
    )
    args = parser.parse_args(argv)
    try:
        config = _parse_set(args.set)
        files = render(config)
    except (OSError, ValueError, RuntimeError) as exc:  # RuntimeError: a jsonnet error
        print(f"gen_mixin: {exc}", file=sys.stderr)
        return 2
    if args.output_dir is not None:
        for path, text in files.items():
            target = args.output_dir / (
                path.name if path == RULES else Path("dashboards", path.name)
            )
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            print(f"wrote {target}")
        return 0
    if config:
        print("gen_mixin: --set renders a copy: give --output-dir", file=sys.stderr)
        return 2
    stale = sum(
        _write_or_check(ROOT / target, text, args.check)
        for path, text in files.items()
        for target in (path, chart_copy(path))
    )
    if stale:
        print(
            "the shipped files are out of date: run `python scripts/gen_mixin.py`", file=sys.stderr
        )
        return 1
    return 0


def chart_copy(path: Path) -> Path:
    """Where the Helm chart keeps its copy of a rendered file."""
    return CHART_FILES / (path.name if path == RULES else Path("dashboards", path.name))


def _write_or_check(path: Path, text: str, check: bool) -> int:
    if check:
        return 0 if is_current(path, text, "gen_mixin") else 1
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
