"""Logs say what happens (issue 31): a source skipped because the one it is planned after
failed is said once, not every cycle; `--once` says it exits instead of naming a back-off.

The real collector as the CLI wires it, against the simulator on 127.0.0.1 with a wrong
client secret, its log lines captured in process.
"""

from __future__ import annotations

import logging

import pytest

from exporter.app.runner import collect_once
from exporter.app.wiring import build_sources
from exporter.simulator.simulator import Simulator
from tests.conftest import InProcess, sim_config

WRONG = {"CAUSELY_CLIENT_SECRET": "not-the-secret"}


def events(caplog: pytest.LogCaptureFixture, event: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if f"event={event} " in r.getMessage() + " "]


def test_a_source_skipped_behind_a_failed_plan_is_said_once(
    sim: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="exporter")
    run = InProcess(sim_config(sim, WRONG, causely={"scopes": "discover"}))
    for _ in range(3):
        run.cycle()
    # The failure itself, every cycle; the source that needs its scope list, once.
    assert len(events(caplog, "collect_failed")) == 3
    assert events(caplog, "collect_skipped") == [
        'event=collect_skipped source=causely_parts after=causely msg="not collected until '
        'causely plans again"'
    ]
    assert "not_planned" not in caplog.text

    caplog.clear()
    good = sim_config(sim, causely={"scopes": "discover"})
    run.collector.reconfigure(good, build_sources(good, run.stats, run.stop))
    metrics = run.cycle()
    run.cycle()
    assert events(caplog, "collect_resumed") == ["event=collect_resumed source=causely_parts"]
    assert all(value == 1 for value in metrics["causely_entities_up"].values())
    assert not events(caplog, "collect_skipped") and not events(caplog, "collect_failed")

    caplog.clear()
    run.collector.reconfigure(
        sim_config(sim, WRONG, causely={"scopes": "discover"}),
        build_sources(sim_config(sim, WRONG, causely={"scopes": "discover"}), run.stats, run.stop),
    )
    run.cycle()
    run.cycle()
    assert len(events(caplog, "collect_skipped")) == 1  # a new run of skips is said again


def test_once_says_it_exits_instead_of_a_back_off(
    sim: Simulator, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.INFO, logger="exporter")
    assert collect_once(sim_config(sim, WRONG)) == 1
    assert capsys.readouterr().out.startswith("# HELP ")  # the exposition, as --once prints it
    rejected = events(caplog, "credentials_rejected")
    assert len(rejected) == 1 and "retry_in=never" in rejected[0]
    assert "next try in" not in caplog.text
    assert events(caplog, "exiting") == ["event=exiting mode=once ok=false exit_code=1"]


def test_a_running_exporter_still_names_its_back_off(
    sim: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="exporter")
    InProcess(sim_config(sim, WRONG)).cycle()
    rejected = events(caplog, "credentials_rejected")
    assert len(rejected) == 1 and "retry_in=30s" in rejected[0]
    assert not events(caplog, "exiting")
