"""A fake of the Causely GraphQL API and the CauseFlow REST API, for demos, tests and benchmarks.

Standard library only; nothing else in the package imports it except the CLI's --demo.
"""

from __future__ import annotations

from .config import SimulatorConfig
from .data import SimDefect, SimIncident, SimScope
from .faults import KINDS as FAULT_KINDS
from .simulator import Simulator
from .state import RequestRecord

__all__ = [
    "FAULT_KINDS",
    "RequestRecord",
    "SimDefect",
    "SimIncident",
    "SimScope",
    "Simulator",
    "SimulatorConfig",
]
