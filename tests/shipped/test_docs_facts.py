"""The docs state facts the code must back: make targets, flags, config keys, metric and module
names. Never the wording: prose may change freely, a name that does not exist may not."""

from __future__ import annotations

import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import yaml

from tests import dashboard_exprs as dx
from tests.conftest import REPO

DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md")), REPO / "bench" / "RESULTS.md"]
# Pages whose flags are all ours; deploy.md also names docker's, helm's and kubectl's (its
# own test, tests/shipped/test_deploy.py, checks the files it names).
OUR_FLAGS_DOCS = [p for p in DOCS if p.name != "deploy.md"]
# Dotted names that start like a section and are not keys: the standard library's server.
NOT_KEYS = frozenset({"http.server"})
SECTIONS = ("causely", "causeflow", "collection", "http", "alertmanager")
EXPORTER = REPO / "exporter"


def text_of(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def code_spans(text: str) -> list[str]:
    """Inline `code` and the lines of fenced blocks: where commands, keys and names are."""
    blocks = re.findall(r"^```[\w-]*\n(.*?)^```", text, re.S | re.M)
    prose = re.sub(r"^```[\w-]*\n.*?^```", "", text, flags=re.S | re.M)
    return re.findall(r"`([^`\n]+)`", prose) + [line for b in blocks for line in b.splitlines()]


# --- make targets -----------------------------------------------------------------------------


def make_targets() -> set[str]:
    match = re.search(r"^\.PHONY:(.*)$", text_of(REPO / "Makefile"), re.M)
    assert match
    return set(match.group(1).split())


def test_every_make_target_the_docs_name_exists() -> None:
    named: dict[str, set[str]] = {}
    for path in DOCS:
        for span in code_spans(text_of(path)):
            # A command: `make X` as a span, or a code line that starts with it.
            target = re.match(r"\s*make ([a-z][\w-]*)", span)
            if target:
                named.setdefault(target.group(1), set()).add(path.name)
    assert {"demo", "test", "venv", "bench"} <= set(named)
    missing = {t: files for t, files in named.items() if t not in make_targets()}
    assert not missing, missing


# --- flags ------------------------------------------------------------------------------------


@cache
def help_text(*command: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "exporter", *command, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        check=True,
    )
    return result.stdout


# The program itself (bare, or .venv/bin/...), not a path or a name that ends so, and the
# flags (or the simulate sub-command) that follow it.
PROGRAM = r"(?:(?<=[\s`(])|^)(?:[\w./-]*/bin/)?causely-exporter(?![\w/-])"
ARGS = r"((?: +(?:simulate|\[?--?[\w.-]+[^\s|>&;`]*))*)"


def commands(text: str) -> list[str]:
    """Every causely-exporter command line of the docs, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", text)
    found = []
    for span in code_spans(joined) + joined.splitlines():
        for m in re.finditer(PROGRAM + ARGS, span):
            found.append(m.group(1))
    return found


def test_every_flag_of_a_documented_command_line_exists() -> None:
    checked = 0
    for path in OUR_FLAGS_DOCS:
        for line in commands(text_of(path)):
            words = line.split()
            sub = ("simulate",) if words[:1] == ["simulate"] else ()
            known = help_text(*sub)
            for word in words:
                flag = re.match(r"\[?(--?[\w.-]+)", word)
                if flag is None or flag.group(1) in ("-", "--"):
                    continue
                assert re.search(rf"(?<![\w.-]){re.escape(flag.group(1))}(?![\w.-])", known), (
                    path.name,
                    line,
                    flag.group(1),
                )
                checked += 1
    assert checked >= 20


def test_every_exporter_flag_named_alone_exists() -> None:
    """`--web.config.file` in a sentence: the exporter's or the simulator's flag, or one of
    a script, a benchmark or the test suite that the docs tell you to run."""
    sources = [*REPO.glob("scripts/*.py"), *REPO.glob("bench/*.py"), REPO / "tests/conftest.py"]
    defined = "\n".join(text_of(p) for p in sources) + help_text() + help_text("simulate")
    for path in OUR_FLAGS_DOCS:
        for span in code_spans(text_of(path)):
            flag = re.fullmatch(r"(--[a-z][\w.-]*)(?:=\S*)?", span.strip())
            if flag:
                assert flag.group(1) in defined, (path.name, span)


# --- config keys ------------------------------------------------------------------------------


@cache
def known_keys() -> frozenset[str]:
    """Dotted key paths of config.example.yaml, the commented-out examples included."""
    keys: set[str] = set()
    stack: list[tuple[int, str]] = []
    # A key line, commented out any number of times ("#   # username:" is alertmanager's).
    line_re = re.compile(r"^(?P<lead>[\s#]*)(?P<key>[A-Za-z_][\w.\-/]*):(?:\s|$)")
    for line in text_of(REPO / "config.example.yaml").splitlines():
        m = line_re.match(line)
        if m is None:
            continue
        indent = len(re.sub(r"# ?", "", m.group("lead")))  # the indent the key has uncommented
        while stack and stack[-1][0] >= indent:
            stack.pop()
        if not stack and m.group("key") not in SECTIONS:
            continue  # a comment line at the top that is prose
        stack.append((indent, m.group("key")))
        keys.add(".".join(name for _, name in stack))
    return frozenset(keys)


def key_paths(tree: object, prefix: str = "") -> list[str]:
    if not isinstance(tree, dict):
        return []
    out = []
    for key, value in tree.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        out.append(path)
        # entity_labels, severity_map, extra_labels, labels: their keys are values, not keys.
        if not path.endswith(("entity_labels", "_map", "extra_labels", "inhibitors.labels")):
            out += key_paths(value, path)
    return out


def test_known_keys_are_read_from_the_example() -> None:
    keys = known_keys()
    assert {"causely.page_size", "causely.scopes", "alertmanager.inhibitors.enabled"} <= keys
    assert "collection.timeout" in keys and "causely.client_secret_file" in keys


def test_every_config_key_the_docs_name_exists() -> None:
    sections = "|".join(SECTIONS)
    pattern = re.compile(rf"^(?:{sections})(?:\.[a-z_][a-z0-9_]*)+$")
    checked = 0
    for path in DOCS:
        for span in code_spans(text_of(path)):
            if "unknown key" in span:  # an error message quoting a wrong key on purpose
                continue
            for token in re.split(r"[\s,(){}\[\]=`]+", span):
                token = token.rstrip(".:;")
                if token in NOT_KEYS or re.search(r"\.(py|md|ya?ml|json|env)$", token):
                    continue
                if pattern.match(token):
                    assert token in known_keys(), (path.name, token)
                    checked += 1
    assert checked >= 20


def yaml_config_blocks(text: str) -> list[object]:
    """The exporter config of the docs: yaml blocks and heredocs whose top keys are sections."""
    found = []
    raw = re.findall(r"^```yaml\n(.*?)^```", text, re.S | re.M)
    raw += re.findall(r"<<'?YAML'?\n(.*?)^YAML$", text, re.S | re.M)
    for block in raw:
        try:
            tree = yaml.safe_load(re.sub(r"\$(\w+)", r"x\1", block))
        except yaml.YAMLError:
            continue
        if isinstance(tree, dict) and tree and set(tree) <= set(SECTIONS):
            found.append(tree)
    return found


def test_every_key_of_a_documented_config_exists() -> None:
    checked = 0
    for path in DOCS:
        for tree in yaml_config_blocks(text_of(path)):
            for key in key_paths(tree):
                assert key in known_keys(), (path.name, key)
                checked += 1
    assert checked >= 15


# --- metric names -----------------------------------------------------------------------------


def test_every_metric_name_the_docs_use_is_in_the_contract_or_the_code() -> None:
    """A `causely_*` / `causeflow_*` name is a metric of docs/metrics.md (which
    tests/e2e/test_doc_metric_tables.py checks against the exposition), or a name the code
    spells out (a config key such as causely_severities, a label such as causely_severity)."""
    contract = set(dx.contract())
    stems = {re.sub(r"_(bucket|count|sum)$", "", name) for name in contract}
    source = "\n".join(text_of(p) for p in EXPORTER.rglob("*.py"))
    for path in DOCS:
        for name in set(re.findall(r"(?<![\w./-])(caus(?:ely|eflow)_[a-z0-9_]+)\b", text_of(path))):
            if name.endswith("_") or name in contract or name in stems:
                continue  # a prefix such as causely_exporter_alertmanager_*
            assert f'"{name}' in source or f"'{name}" in source, (path.name, name)


# --- the module tree --------------------------------------------------------------------------


def module_tree() -> dict[str, list[str]]:
    text = text_of(REPO / "docs" / "architecture.md")
    block = re.search(r"<!-- module-tree -->\s*\n```text\n(.*?)^```", text, re.S | re.M)
    assert block is not None, "docs/architecture.md: no module tree"
    tree = {}
    for line in block.group(1).splitlines():
        package, *modules = line.split()
        tree[package.rstrip("/")] = modules
    return tree


def test_every_module_the_architecture_names_exists() -> None:
    for package, modules in module_tree().items():
        folder = REPO / package
        assert (folder / "__init__.py").is_file(), f"{package} is not a package"
        for module in modules:
            found = (folder / f"{module}.py").is_file() or (folder / module).is_dir()
            assert found, f"docs/architecture.md names {package}/{module}, which does not exist"


def test_every_package_of_the_exporter_is_in_the_architecture() -> None:
    packages = {str(init.parent.relative_to(REPO)) for init in EXPORTER.rglob("__init__.py")}
    assert packages == set(module_tree()), packages ^ set(module_tree())


# --- repository paths -------------------------------------------------------------------------

# A path inside the repository, in code: it starts with one of its top-level folders (not
# after a slash or a dot, so /etc/... and out/... are not taken for ours); a glob ends it.
REPO_FOLDERS = ("bench", "deploy", "docs", "exporter", "grafana", "mixin", "scripts", "tests")
REPO_PATH = rf"(?<![\w./-])((?:{'|'.join(REPO_FOLDERS)})/[\w./-]*[\w/])"


def named_paths(path: Path) -> set[str]:
    """Repository paths a page names: in its code spans, and its relative links."""
    text = text_of(path)
    named = {found for span in code_spans(text) for found in re.findall(REPO_PATH, span)}
    for link in re.findall(r"\]\(([^)\s#]+)", text):
        if "://" not in link and not link.startswith("mailto:"):
            target = (path.parent / link).resolve()
            named.add(str(target.relative_to(REPO)) if target.is_relative_to(REPO) else link)
    return named


def test_every_repository_path_the_docs_name_exists() -> None:
    missing = {
        f"{path.relative_to(REPO)}: {named}"
        for path in DOCS
        for named in named_paths(path)
        if not (REPO / named).exists()
    }
    assert not missing, sorted(missing)
