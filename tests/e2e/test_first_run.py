"""What a new user meets first: make help, the facts the README states, units that agree."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable

from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
RESULTS = (REPO / "bench" / "RESULTS.md").read_text(encoding="utf-8")


def phony_targets() -> list[str]:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    match = re.search(r"^\.PHONY:(.*)$", makefile, re.M)
    assert match
    return match.group(1).split()


def test_make_help_lists_every_target_on_one_line(binary: Callable[..., str]) -> None:
    result = subprocess.run(
        [binary("make"), "--no-print-directory", "help"],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    listed = [line.split()[1] for line in lines]
    assert sorted(listed) == sorted(phony_targets())
    assert all(len(line.split()) > 2 for line in lines)  # each with its description


def test_make_demo_installs_the_package_alone_and_listens_on_loopback(
    binary: Callable[..., str],
) -> None:
    # -B: print every step as on a fresh machine, whatever this checkout has installed.
    result = subprocess.run(
        [binary("make"), "--no-print-directory", "-n", "-B", "demo"],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    installs = [line for line in result.stdout.splitlines() if "pip install" in line]
    assert installs and installs[-1].endswith("-e '.'"), installs
    assert "[test]" not in result.stdout
    last = result.stdout.strip().splitlines()[-1]
    assert last.endswith("causely-exporter --demo --web.listen-address=127.0.0.1:9863")
    # The address the README gives for the demo is the one make demo listens on.
    listen = last.rsplit("--web.listen-address=", 1)[1]
    assert f"http://{listen}/metrics" in README


def test_readme_names_the_make_targets_and_the_demo_interval_the_code_has() -> None:
    # Commands: `make X` in code spans and at the start of a code block's line.
    named = set(re.findall(r"(?:`|^)make ([a-z]+)\b", README, re.M))
    assert {"demo", "test", "help", "clean"} <= named
    assert named <= set(phony_targets()), named - set(phony_targets())
    # The demo's interval, as the code sets it and as its start-up line prints it.
    source = "\n".join(p.read_text() for p in (REPO / "exporter").rglob("*.py"))
    (interval,) = set(re.findall(r'^DEMO_INTERVAL = "(\d+)s"$', source, re.M))
    assert f"interval={interval}s" in README and f"every {interval} s" in README


def test_benchmark_rss_figures_and_targets_share_the_unit() -> None:
    """An RSS measured in MiB has a target in MiB: no 'MB' on a line that reports RSS."""
    lines = [line for line in RESULTS.splitlines() if "RSS" in line and "|" in line]
    assert lines, "no RSS figures in bench/RESULTS.md"
    for line in lines:
        assert re.search(r"\d MB\b", line) is None, line


def test_benchmarks_label_rss_in_mib() -> None:
    for path in sorted((REPO / "bench").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        # VmRSS and ru_maxrss are KiB: divided by 1024 they are MiB, and labelled so.
        assert '_mb"' not in text and "_mb'" not in text, path
        for line in text.splitlines():
            if "rss_" in line:  # a formatted RSS figure
                assert re.search(r"\bMB\b", line) is None, (path, line)
