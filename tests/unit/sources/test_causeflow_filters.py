"""CauseFlow filters as documented: one `status` and one `severity` value per request.

The simulator answers 400 to a list, as a server validating by the docs would; the source
walks once per status and counts every incident once.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import pytest

from exporter.config.api_values import CAUSEFLOW_OPEN_STATUSES
from exporter.simulator.config import SimulatorConfig
from exporter.simulator.simulator import Simulator
from tests.conftest import InProcess, sim_config

PAGE = 10


def incident_counts(metrics: dict[str, Any]) -> Counter[tuple[str, str]]:
    counts: Counter[tuple[str, str]] = Counter()
    for labels, value in metrics["causeflow_incidents"].items():
        d = dict(labels)
        counts[(d["severity"], d["status"])] += int(value)
    return counts


def truth(sim: Simulator, statuses: list[str], severities: list[str]) -> Counter[tuple[str, str]]:
    return Counter(
        (i.severity, i.status)
        for i in sim.incidents(statuses or None)
        if not severities or i.severity in severities
    )


@pytest.mark.parametrize(
    ("statuses", "severities"),
    [
        (None, []),  # the default: the open statuses, every severity
        (None, ["critical"]),
        (None, ["critical", "high"]),
        ([], []),  # every status: one walk, no filter
        (["resolved"], ["low"]),
    ],
)
def test_one_value_per_filter_and_every_incident_once(
    statuses: list[str] | None, severities: list[str]
) -> None:
    section: dict[str, Any] = {"enabled": True, "page_size": PAGE, "severities": severities}
    if statuses is not None:
        section["statuses"] = statuses
    wanted = list(CAUSEFLOW_OPEN_STATUSES) if statuses is None else statuses
    with Simulator(SimulatorConfig(seed=9, scopes=1, defects=5, incidents=120)) as sim:
        metrics = InProcess(sim_config(sim, causely={"enabled": False}, causeflow=section)).cycle()
        sent = [r for r in sim.requests() if r.target == "causeflow"]
        expected = truth(sim, wanted, severities)
        by_status = Counter(i.status for i in sim.incidents(wanted or None))
    assert metrics["causeflow_up"][()] == 1
    assert incident_counts(metrics) == expected
    assert all(r.status == 200 for r in sent)
    for record in sent:
        for name in ("status", "severity"):
            values = record.params.get(name, [])
            assert len(values) <= 1 and "," not in "".join(values), record.params
    assert {tuple(r.params.get("status", [])) for r in sent} == (
        {(s,) for s in wanted} if wanted else {()}
    )
    one_severity = severities[0] if len(severities) == 1 else None
    assert all(r.params.get("severity", [None])[0] == one_severity for r in sent)
    if len(severities) != 1:  # no severity filter: the walks are the statuses' pages exactly
        minimum = (
            sum(max(1, math.ceil(by_status[s] / PAGE)) for s in wanted)
            if wanted
            else max(1, math.ceil(len(sim.incidents()) / PAGE))
        )
        assert len(sent) == minimum
