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


def module_name(path: Path, package: Path = PACKAGE) -> str:
    parts = path.relative_to(package.parent).with_suffix("").parts
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


def arrows(package: Path = PACKAGE) -> set[tuple[str, str]]:
    modules = {module_name(p, package) for p in package.rglob("*.py")}
    found = set()
    for path in package.rglob("*.py"):
        source = module_name(path, package)
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


# The checks below are plain functions of a package directory, so the tests at the end can run
# them on a small bad tree and see each one fail.


def upward_imports(package: Path = PACKAGE) -> list[tuple[str, str]]:
    return sorted(
        (source, target)
        for source, target in arrows(package)
        if layer(source) != layer(target) and RANK[layer(target)] >= RANK[layer(source)]
    )


def import_circle(package: Path = PACKAGE) -> list[str]:
    """The first circle found, as the modules around it; [] when there is none."""
    graph: dict[str, set[str]] = {}
    for source, target in arrows(package):
        graph.setdefault(source, set()).add(target)
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str]:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return []
        for nxt in sorted(graph.get(node, ())):
            circle = visit(nxt, [*path, node])
            if circle:
                return circle
        done.add(node)
        return []

    for start in sorted(graph):
        circle = visit(start, [])
        if circle:
            return circle
    return []


def test_no_import_points_up_the_flow() -> None:
    upward = upward_imports()
    assert upward == [], "imports running back up: " + ", ".join(f"{a} -> {b}" for a, b in upward)


def test_no_circle_between_modules() -> None:
    circle = import_circle()
    assert circle == [], "import circle: " + " -> ".join(circle)


def test_at_most_ten_modules_loose_at_the_top() -> None:
    loose = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(loose) <= 10, loose


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


def relayed_names(package: Path = PACKAGE) -> list[str]:
    """Names imported from a module that does not define them (a re-export shim)."""
    files = {module_name(p, package): p for p in package.rglob("*.py")}
    relayed = []
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.ImportFrom) and node.module in files):
                continue
            defined = defined_names(files[node.module])
            for alias in node.names:
                if f"{node.module}.{alias.name}" not in files and alias.name not in defined:
                    relayed.append(f"{module_name(path, package)}: {node.module}.{alias.name}")
    return relayed


def test_names_are_imported_from_where_they_live() -> None:
    # No re-export shims: `from exporter.a import X` only when module a defines X itself.
    relayed = relayed_names()
    assert relayed == [], relayed


# --- the checks can fail: each one run on a small package tree that breaks its rule ----------


def package_tree(root: Path, modules: dict[str, str]) -> Path:
    """An `exporter` package under root: {"config/model.py": source}, with every __init__.py."""
    package = root / "exporter"
    for name, source in {"__init__.py": "", **modules}.items():
        path = package / name
        path.parent.mkdir(parents=True, exist_ok=True)
        for parent in path.relative_to(package).parents:
            (package / parent / "__init__.py").touch()
        path.write_text(source, encoding="utf-8")
    return package


# Imports that keep every rule: each points down the layers, to where the name lives.
CLEAN = {
    "config/model.py": "LIMIT = 3\n",
    "client/errors.py": "from exporter.config.model import LIMIT\nclass ApiError(Exception): ...\n",
    "sources/base.py": "from exporter.client.errors import ApiError\n",
    "bridge/alerts.py": "from exporter.client import errors\ndef build_alerts(): ...\n",
}


def test_the_checker_sees_an_upward_import(tmp_path: Path) -> None:
    # The rule must be able to fail: a config module importing the bridge is caught.
    package = package_tree(tmp_path, CLEAN)
    assert upward_imports(package) == []
    (package / "config" / "model.py").write_text(
        "from exporter.bridge.alerts import build_alerts\n", encoding="utf-8"
    )
    assert upward_imports(package) == [("exporter.config.model", "exporter.bridge.alerts")]


def test_the_checker_sees_a_circle(tmp_path: Path) -> None:
    # Two modules of one layer import each other: not upward, but a circle all the same.
    package = package_tree(
        tmp_path,
        {
            "collect/plan.py": "from exporter.collect import run\n",
            "collect/run.py": "X = 1\n",
        },
    )
    assert import_circle(package) == []
    (package / "collect" / "run.py").write_text("from exporter.collect import plan\n")
    assert upward_imports(package) == []
    assert import_circle(package) == [
        "exporter.collect.plan",
        "exporter.collect.run",
        "exporter.collect.plan",
    ]


def test_the_checker_sees_a_re_export(tmp_path: Path) -> None:
    # sources/base.py imports ApiError from the module that defines it: fine. Importing it
    # through a shim that only imports it too is a re-export, named with the module it crossed.
    package = package_tree(tmp_path, CLEAN)
    assert relayed_names(package) == []
    (package / "client" / "shim.py").write_text("from exporter.client.errors import ApiError\n")
    (package / "sources" / "base.py").write_text("from exporter.client.shim import ApiError\n")
    assert relayed_names(package) == ["exporter.sources.base: exporter.client.shim.ApiError"]
