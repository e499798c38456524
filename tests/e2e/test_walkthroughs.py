"""The docs' walkthroughs run as written: every `sh` block marked `<!-- walkthrough: NAME -->`,
in document order, in one bash per NAME, from the repository root, with real
prometheus-alertmanager and amtool against the simulator.

Nothing is substituted in the commands: the ports come in through the environment variables
the walkthrough reads (with defaults for a user), chosen free here so parallel runs never
collide. Every server the blocks start runs under `timeout 1h`, and this test kills the
whole process group when the blocks are done, however they ended.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import time
from pathlib import Path

from tests.conftest import REPO
from tests.processes import find_binary, free_port
from tests.stack import binary

DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
MARKED = re.compile(
    r"<!-- walkthrough: (?P<name>[\w-]+) -->\s*\n```sh\n(?P<body>.*?)^```", re.S | re.M
)
# A fenced block right after the marker must be `sh`: a marker before anything else is a typo.
MARKER = re.compile(r"<!-- walkthrough: (?P<name>[\w-]+) -->")
WALL_SECONDS = 300
PORTS = ("SIM_PORT", "AM_PORT", "RECEIVER_PORT", "EXPORTER_PORT")


def walkthroughs() -> dict[str, list[tuple[Path, str]]]:
    """NAME -> its blocks (file, commands) in document order."""
    found: dict[str, list[tuple[Path, str]]] = {}
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        blocks = list(MARKED.finditer(text))
        assert len(blocks) == len(MARKER.findall(text)), f"{path}: a marker without a sh block"
        for match in blocks:
            found.setdefault(match["name"], []).append((path, match["body"]))
    return found


def test_the_docs_mark_their_walkthroughs() -> None:
    found = walkthroughs()
    assert "paging" in found
    files = {path.name for path, _ in found["paging"]}
    assert files == {"alerting.md"}, files
    assert len(found["paging"]) >= 4


def test_the_walkthroughs_alertmanager_config_inhibits_as_the_shipped_one() -> None:
    """The walkthrough writes its own Alertmanager config (its ports, quick flushes): its
    inhibit rule must be the shipped one, or the walkthrough proves nothing about it."""
    import yaml

    script = "".join(body for _, body in walkthroughs()["paging"])
    inline = re.search(r"cat > \$W/alertmanager\.yml <<YAML\n(.*?)^YAML$", script, re.S | re.M)
    assert inline is not None
    written = yaml.safe_load(inline.group(1).replace("$RECEIVER_PORT", "5001"))
    shipped = yaml.safe_load((REPO / "deploy/alertmanager/alertmanager.yml").read_text())
    ours = [r for r in shipped["inhibit_rules"] if "CauselySymptomExplained" in str(r)]
    assert written["inhibit_rules"] == ours


def pages(log: Path) -> list[dict[str, str]]:
    return [dict(re.findall(r"(\w+)=(\S+)", line)) for line in log.read_text().splitlines()]


def run(name: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    script = "set -euo pipefail\n" + "".join(body for _, body in walkthroughs()[name])
    shims = tmp_path / "bin"
    shims.mkdir()
    # The docs call Debian's name; an upstream install names the binary alertmanager.
    (shims / "prometheus-alertmanager").symlink_to(binary("alertmanager"))
    find_binary("amtool")
    for tool in ("curl", "timeout", "python3"):
        find_binary(tool, install=f"install {tool}")
    env = {
        "PATH": f"{shims}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": str(tmp_path),  # amtool reads its config from $HOME: none here
        "TMPDIR": str(tmp_path),  # mktemp -d: the scratch directory lands here
        **{var: str(free_port()) for var in PORTS},
    }
    proc = subprocess.Popen(
        ["bash", "-c", script],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: every server it starts dies with it
    )
    try:
        out, _ = proc.communicate(timeout=WALL_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        raise AssertionError(f"{name}: still running after {WALL_SECONDS}s:\n{out}") from None
    finally:
        with contextlib.suppress(ProcessLookupError):  # the group may be gone already
            os.killpg(proc.pid, signal.SIGTERM)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, "")


def test_the_paging_walkthrough_runs_as_written(tmp_path: Path) -> None:
    result = run("paging", tmp_path)
    (scratch,) = [p.parent for p in tmp_path.glob("tmp.*/pages.log")]
    logs = {p.name: p.read_text()[-3000:] for p in scratch.glob("*.log")}
    assert result.returncode == 0, (result.stdout, logs)
    seen = pages(scratch / "pages.log")
    by = [(p["status"], p["alertname"]) for p in seen]
    # Test your paging path: one page and its resolve; Fewer pages: a second root cause.
    assert by.count(("firing", "CauselyRootCause")) == 2, by
    assert by.count(("resolved", "CauselyRootCause")) == 2, by
    # The inhibitors notify nobody; the symptoms paged only once their root cause resolved.
    assert not [p for p in seen if p["alertname"] == "CauselySymptomExplained"], by
    symptoms = [i for i, key in enumerate(by) if key == ("firing", "HighErrorRate")]
    last_resolve = max(i for i, key in enumerate(by) if key == ("resolved", "CauselyRootCause"))
    assert len(symptoms) == 3 and min(symptoms) > last_resolve, by
    explained = (scratch / "explained.txt").read_text().split("\n")
    services = {tuple(line.split()) for line in explained if line}
    paged = {(p["cluster"], p["namespace"], p["service"]) for p in seen if "service" in p}
    assert len(services) == 3 and paged == services
    # The servers the blocks started stop with their last block (kill $(jobs -p)).
    deadline = time.time() + 15
    while (left := subprocess.run(["pgrep", "-f", str(scratch)], capture_output=True)).stdout:
        assert time.time() < deadline, left.stdout
        time.sleep(0.2)
