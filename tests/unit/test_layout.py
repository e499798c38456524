"""The package layout keeps the data flow one way: every import points down the layer list.

Read from the source with `ast`, so a new import that runs back up (or closes a circle)
fails here, with the arrow named, before anyone has to find it in review.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import REPO

PACKAGE = REPO / "exporter"

# Lower rank = further down the flow. A module may import its own package or a lower rank;
# two different packages of the same rank never import each other.
RANK = {
    "exporter": 0,  # the package itself (__version__)
    "logs": 0,
    "flags": 1,
    "config": 2,
    "simulator": 2,
    "client": 3,
    "cardinality": 3,
    "resolve_times": 3,
    "sources": 4,
    "view": 5,
    "collect": 6,
    "metrics": 7,
    "bridge": 7,
    "web": 8,
    "app": 9,
    "__main__": 10,
}


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts).removesuffix(".__init__")


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def imports(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "exporter" or node.module.startswith("exporter."):
                for alias in node.names:
                    yield f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("exporter"):
                    yield alias.name


def arrows() -> set[tuple[str, str]]:
    modules = {module_name(p) for p in PACKAGE.rglob("*.py")}
    found = set()
    for path in PACKAGE.rglob("*.py"):
        source = module_name(path)
        for target in imports(path):
            # `from exporter.web import basic_auth` names a module; `from x import name` not.
            while target not in modules:
                target = target.rpartition(".")[0]
            if target != source:
                found.add((source, target))
    return found


def test_every_layer_has_a_rank() -> None:
    layers = {layer(module_name(p)) for p in PACKAGE.rglob("*.py")}
    assert layers <= set(RANK), f"new layer without a rank: {sorted(layers - set(RANK))}"


def test_no_import_points_up_the_flow() -> None:
    upward = sorted(
        (source, target)
        for source, target in arrows()
        if layer(source) != layer(target) and RANK[layer(target)] >= RANK[layer(source)]
    )
    assert upward == [], "imports running back up: " + ", ".join(f"{a} -> {b}" for a, b in upward)


def test_no_circle_between_modules() -> None:
    graph: dict[str, set[str]] = {}
    for source, target in arrows():
        graph.setdefault(source, set()).add(target)
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> None:
        if node in path:
            raise AssertionError("import circle: " + " -> ".join([*path[path.index(node) :], node]))
        if node in done:
            return
        for nxt in sorted(graph.get(node, ())):
            visit(nxt, [*path, node])
        done.add(node)

    for start in sorted(graph):
        visit(start, [])


def test_at_most_ten_modules_loose_at_the_top() -> None:
    loose = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(loose) <= 10, loose


def test_the_checker_sees_an_upward_import(tmp_path: Path) -> None:
    # The rule must be able to fail: a config module importing the bridge is caught.
    bad = tmp_path / "bad.py"
    bad.write_text("from exporter.bridge.alerts import build_alerts\n", encoding="utf-8")
    (target,) = imports(bad)
    assert layer(target) == "bridge"
    assert RANK[layer(target)] >= RANK["config"]


def defined_names(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def test_names_are_imported_from_where_they_live() -> None:
    # No re-export shims: `from exporter.a import X` only when module a defines X itself.
    files = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    relayed = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.ImportFrom) and node.module in files):
                continue
            defined = defined_names(files[node.module])
            for alias in node.names:
                if f"{node.module}.{alias.name}" not in files and alias.name not in defined:
                    relayed.append(f"{module_name(path)}: {node.module}.{alias.name}")
    assert relayed == [], relayed
