"""The per-cycle view: what the metrics renderer and the alert bridge both read.

Built from the collector's per-source state (last good results, units up) once a cycle, as
plain frozen data, so the two consumers see the same numbers and neither reaches back into
the sources. The only state kept here is zero retention: a label set that vanished is shown
at 0 for a while, and the caps that fold what retention adds on top of the sources' own.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from exporter.cardinality import fold
from exporter.collect.unit_state import SourceState, ZeroRetention, source_up
from exporter.config.model import Config
from exporter.resolve_times import ResolveTracker
from exporter.sources import causeflow_incidents as causeflow_source
from exporter.sources.base import Section
from exporter.sources.causeflow_incidents import IncidentResult, incident_bucket
from exporter.sources.causely.defects import Defect, ScopeResult, fold_bucket
from exporter.sources.causely.entity_health import HealthResult
from exporter.sources.causely.explained import Service
from exporter.sources.causely.health_and_slos import HEALTH, split_unit
from exporter.sources.causely.slos import Slo, SloResult
from exporter.view import CauseFlowView, CauselyView, HealthAndSlosView, ResolveView

ActiveKey = tuple[str, str, str, str]  # scope, severity, entity type, defect name


@dataclass(frozen=True)
class Sections:
    """The parts of a cycle's view made from the sources' results (None: no such source)."""

    causely: CauselyView | None
    causeflow: CauseFlowView | None
    health_and_slos: HealthAndSlosView | None
    resolve: ResolveView | None


class CycleViews:
    """Builds the Causely and CauseFlow sections of each cycle's view, with zero retention."""

    def __init__(self, zero_retention: float) -> None:
        self._retention = zero_retention
        self._causely_zeros: ZeroRetention[ActiveKey] = ZeroRetention(zero_retention)
        self._causeflow_zeros: ZeroRetention[tuple[str, str, str]] = ZeroRetention(zero_retention)

    def set_retention(self, seconds: float) -> None:
        """A reload that changes the retention starts it afresh; an unchanged one keeps it."""
        if seconds == self._retention:
            return
        self._retention = seconds
        self._causely_zeros = ZeroRetention(seconds)
        self._causeflow_zeros = ZeroRetention(seconds)

    def forget_units(self, section: Section, units: Collection[str]) -> None:
        """Units a reload removed leave the exposition at once, zeros and all (the scopes of
        the root causes; the other sections keep no zeros by unit)."""
        if section is Section.ROOT_CAUSES:
            self._causely_zeros.forget(lambda key: key[0] in units)

    def sections(
        self,
        states: Mapping[Section, SourceState],
        clears: Mapping[Section, ResolveTracker],
        config: Config,
        now: float,
    ) -> Sections:
        """Each section from the state of the source that makes it, and the time to resolve."""
        causely = states.get(Section.ROOT_CAUSES)
        causeflow = states.get(Section.INCIDENTS)
        health_and_slos = states.get(Section.HEALTH_AND_SLOS)
        return Sections(
            causely=self.causely(causely, config, now) if causely is not None else None,
            causeflow=self.causeflow(causeflow, now) if causeflow is not None else None,
            health_and_slos=(
                health_and_slos_view(health_and_slos, config)
                if health_and_slos is not None
                else None
            ),
            resolve=resolve_view(clears.get(Section.ROOT_CAUSES), clears.get(Section.INCIDENTS)),
        )

    def causely(self, state: SourceState, config: Config, now: float) -> CauselyView:
        results = [r for r in state.last_good.values() if isinstance(r, ScopeResult)]
        active: dict[ActiveKey, int] = {}
        defects: dict[str, tuple[Defect, ...]] = {}
        dropped: dict[str, int] = {}
        folded: dict[str, int] = {}
        alertable: dict[str, tuple[Defect, ...]] = {}
        alert_dropped: dict[str, int] = {}
        explained: dict[str, Mapping[Service, int]] = {}
        explained_up: dict[str, bool] = {}
        explained_dropped: dict[str, int] = {}
        for result in results:
            alertable[result.scope] = result.alertable
            alert_dropped[result.scope] = result.alert_dropped
            if result.explained is not None:
                explained[result.scope] = result.explained
                explained_up[result.scope] = result.explained_up
                explained_dropped[result.scope] = result.explained_dropped
            for (severity, entity_type, name), count in result.counts.items():
                active[(result.scope, severity, entity_type, name)] = count
            defects[result.scope] = result.defects
            dropped[result.scope] = result.dropped
            folded[result.scope] = result.folded
        rows = self._causely_zeros.apply(active, now)
        return CauselyView(
            up=source_up(state),
            scope_up=dict(state.unit_up),
            active=cap_per_scope(rows, folded, config.causely.max_active_series),
            defects=defects,
            dropped=dropped,
            folded=folded,
            entity_labels=tuple(label for _, label in config.causely.entity_labels),
            alertable=alertable,
            alert_dropped=alert_dropped,
            explained=explained,
            explained_up=explained_up,
            explained_dropped=explained_dropped,
        )

    def causeflow(self, state: SourceState, now: float) -> CauseFlowView:
        result = next((r for r in state.last_good.values() if isinstance(r, IncidentResult)), None)
        counts: Mapping[tuple[str, str, str], int] = result.counts if result else {}
        rows = dict(self._causeflow_zeros.apply(counts, now))
        folded = result.folded if result is not None else 0
        folded += fold(rows, causeflow_source.MAX_INCIDENT_COMBINATIONS, incident_bucket)
        return CauseFlowView(
            up=source_up(state),
            incidents=rows,
            folded=folded,
            info=result.incidents if result is not None else (),
            dropped=result.dropped if result is not None else 0,
            alertable=result.alertable if result is not None else (),
            alert_dropped=result.alert_dropped if result is not None else 0,
        )


def cap_per_scope(
    rows: Mapping[ActiveKey, int], folded: dict[str, int], cap: int
) -> dict[ActiveKey, int]:
    """The sources fold what they count; zeros kept by retention are capped here."""
    by_scope: dict[str, dict[tuple[str, str, str], int]] = {}
    for (scope, *labels), count in rows.items():
        by_scope.setdefault(scope, {})[(labels[0], labels[1], labels[2])] = count
    capped: dict[ActiveKey, int] = {}
    for scope, counts in by_scope.items():
        if len(counts) > cap:
            folded[scope] = folded.get(scope, 0) + fold(counts, cap, fold_bucket)
        for (severity, entity_type, name), count in counts.items():
            capped[(scope, severity, entity_type, name)] = count
    return capped


def health_and_slos_view(state: SourceState, config: Config) -> HealthAndSlosView:
    """Service health and SLOs, from their `health:<scope>` and `slos:<scope>` units."""
    health_up: dict[str, bool] = {}
    slos_up: dict[str, bool] = {}
    for unit, ok in state.unit_up.items():
        part, scope = split_unit(unit)
        (health_up if part == HEALTH else slos_up)[scope] = ok
    entities: dict[tuple[str, str, str], int] = {}
    slo_counts: dict[tuple[str, str], int] = {}
    slos: dict[str, tuple[Slo, ...]] = {}
    dropped: dict[str, int] = {}
    for result in state.last_good.values():
        if isinstance(result, HealthResult):
            for (entity_type, severity), count in result.counts.items():
                entities[(result.scope, entity_type, severity)] = count
        elif isinstance(result, SloResult):
            for slo_state, count in result.counts.items():
                slo_counts[(result.scope, slo_state)] = count
            slos[result.scope] = result.slos
            dropped[result.scope] = result.dropped
    features = config.causely.features
    return HealthAndSlosView(
        features.health, features.slos, health_up, slos_up, entities, slo_counts, slos, dropped
    )


def resolve_view(
    defect_clears: ResolveTracker | None, incident_clears: ResolveTracker | None
) -> ResolveView | None:
    """The time to resolve histograms; None when both trackers are off."""
    if defect_clears is None and incident_clears is None:
        return None
    defects = defect_clears.snapshot() if defect_clears else None
    incidents = None
    if incident_clears is not None:
        incidents = {sev: v for (_, sev), v in incident_clears.snapshot().items()}
    return ResolveView(defects, incidents)
