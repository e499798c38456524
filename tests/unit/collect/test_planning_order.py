"""Dependencies between sources are declared (Source.after), not implied by list order."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from exporter.collect.collector import planning_order
from exporter.resolve_times import ActiveSet
from exporter.sources.base import Section, SkipCounter


@dataclass
class Stub:
    name: str
    after: tuple[str, ...] = ()
    essential: bool = True
    section: Section = Section.INCIDENTS

    def __post_init__(self) -> None:
        self.skips = SkipCounter()

    def plan(self, deadline: float) -> list[str]:
        return []

    def collect(self, unit: str, deadline: float) -> object:
        return None

    def resolve_filter(self) -> object | None:
        return None

    def active(self, result: object) -> ActiveSet | None:
        return None


def test_a_source_is_planned_after_the_sources_it_names_whatever_the_list_order() -> None:
    parts, causely, causeflow = Stub("parts", after=("causely",)), Stub("causely"), Stub("cf")
    ordered = planning_order([parts, causeflow, causely])
    assert [s.name for s in ordered] == ["cf", "causely", "parts"]
    # Otherwise the order given stands (it is the order the units are queued in).
    assert planning_order([causely, causeflow, parts]) == [causely, causeflow, parts]


def test_a_missing_or_circular_dependency_is_refused() -> None:
    with pytest.raises(ValueError, match="needs"):
        planning_order([Stub("parts", after=("causely",))])
    with pytest.raises(ValueError, match="after each other"):
        planning_order([Stub("a", after=("b",)), Stub("b", after=("a",))])
