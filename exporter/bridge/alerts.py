"""Pure functions from one cycle's view to Alertmanager alerts.

Nothing here depends on the replica, the clock or the order of the input: two exporters
that see the same data build the same label sets and annotations, so Alertmanager
deduplicates them into one alert.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import quote

from exporter.config.alertmanager import AlertmanagerConfig
from exporter.config.labels import MAX_LABEL_VALUE
from exporter.sources.causeflow_incidents import Incident
from exporter.sources.causely.defects import Defect
from exporter.sources.values import parse_time
from exporter.view import CauseFlowView, CauselyView, View

CAUSELY_ALERTNAME = "CauselyRootCause"
CAUSEFLOW_ALERTNAME = "CauseFlowIncident"
CAUSEFLOW_UNIT = "causeflow"
KEPT_ALERTNAMES = (CAUSELY_ALERTNAME, CAUSEFLOW_ALERTNAME)  # the ones kept on stale data
ROUTING_RANK = {"critical": 0, "warning": 1, "info": 2}
Labels = tuple[tuple[str, str], ...]  # sorted (name, value) pairs: an alert's identity
Rank = tuple[int, float, str]


@dataclass(frozen=True)
class Alert:
    labels: Labels
    annotations: Labels
    starts_at: float | None  # None: unknown, the sender uses when it first saw the alert
    generator_url: str = ""
    unit: str = ""  # what collects it (scope_unit, CAUSEFLOW_UNIT): is its data fresh?
    # Kept firing on stale data while Alertmanager still holds it (state.py); inhibitors
    # are not: stale, they expire and the symptoms they muted page again.
    kept_when_stale: bool = True


@dataclass(frozen=True)
class AlertBatch:
    alerts: Mapping[Labels, Alert]
    dropped: int  # left out by max_alerts, here and in the sources
    fresh: frozenset[str] = frozenset()  # units collected fresh in this view's cycle


def scope_unit(scope: str) -> str:
    return f"causely:{scope}"


def fresh_units(view: View) -> frozenset[str]:
    """The units whose data this view's cycle collected: the scopes up, CauseFlow if up."""
    units: set[str] = set()
    if view.causely is not None:
        units.update(scope_unit(s) for s, up in view.causely.scope_up.items() if up)
    if view.causeflow is not None and view.causeflow.up:
        units.add(CAUSEFLOW_UNIT)
    return frozenset(units)


def rfc3339(seconds: float) -> str:
    moment = datetime.fromtimestamp(seconds, tz=timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _bounded(value: str) -> str:
    return value[:MAX_LABEL_VALUE]


def bounded_labels(pairs: Mapping[str, str]) -> Labels:
    # An empty value is no label at all, as in Prometheus.
    return tuple(sorted((k, _bounded(v)) for k, v in pairs.items() if v))


def _rank(severity: str, start: float | None, key: str) -> Rank:
    return (
        ROUTING_RANK.get(severity, len(ROUTING_RANK)),
        start if start is not None else float("inf"),
        key,
    )


def defect_alert(
    scope: str, defect: Defect, entity_labels: tuple[str, ...], config: AlertmanagerConfig
) -> Alert:
    entity = dict(zip(entity_labels, defect.labels, strict=False))
    routing = config.severity_map.get(defect.severity, "info")
    labels = {
        **config.extra_labels,
        **entity,
        "alertname": CAUSELY_ALERTNAME,
        "severity": routing,
        "causely_severity": defect.severity,
        "scope": scope,
        "defect_id": defect.id,
        "defect_name": defect.name,
        "entity_type": defect.entity_type,
        "entity_name": defect.entity_name,
    }
    where = ", ".join(f"{name} {value}" for name, value in entity.items() if value)
    on = f"{defect.entity_type} {defect.entity_name}".strip()
    since = f" since {rfc3339(defect.start_time)}" if defect.start_time is not None else ""
    impact = ""
    if defect.service_count is not None:
        impact = f", impacting {defect.service_count} service(s)"
    portal = f"{config.portal_url}/rootCauses/{quote(defect.id, safe='')}"
    annotations = {
        "summary": f"{defect.severity} root cause {defect.name} on {on}"
        + (f" ({where})" if where else ""),
        "description": f"Causely reports the {defect.severity} root cause {defect.name} on "
        f"{on} in scope {scope}{impact}{since} (defect {defect.id}).",
        "portal_url": portal,
        "runbook_url": f"{config.runbook_url}#causelyrootcause",
    }
    if defect.service_count is not None:
        annotations["impacted_services"] = str(defect.service_count)
    return Alert(
        bounded_labels(labels),
        bounded_labels(annotations),
        defect.start_time,
        portal,
        scope_unit(scope),
    )


def incident_alert(incident: Incident, config: AlertmanagerConfig) -> Alert:
    routing = config.causeflow_severity_map.get(incident.severity, "info")
    # Status and title change during an incident's life: annotations, or every change
    # would end one alert and start another.
    labels = {
        **config.extra_labels,
        "alertname": CAUSEFLOW_ALERTNAME,
        "severity": routing,
        "causeflow_severity": incident.severity,
        "incident_id": incident.id,
    }
    title = incident.title or incident.id
    annotations = {
        "summary": f"{incident.severity} CauseFlow incident: {title}",
        "description": f"CauseFlow incident {incident.id} ({incident.severity}, "
        f"{incident.status}, {incident.source}) opened {incident.created_at}: {title}",
        "title": incident.title,
        "status": incident.status,
        "runbook_url": f"{config.runbook_url}#causeflowincident",
    }
    portal = ""
    if config.causeflow_portal_url:
        portal = f"{config.causeflow_portal_url}/{quote(incident.id, safe='')}"
        annotations["portal_url"] = portal
    starts = parse_time(incident.created_at)
    return Alert(
        bounded_labels(labels), bounded_labels(annotations), starts, portal, CAUSEFLOW_UNIT
    )


def _causely(view: CauselyView, config: AlertmanagerConfig) -> Iterator[tuple[Rank, Alert]]:
    wanted = frozenset(config.causely_severities)
    for scope, defects in view.alertable.items():
        for defect in defects:
            if defect.severity in wanted:
                alert = defect_alert(scope, defect, view.entity_labels, config)
                routing = config.severity_map.get(defect.severity, "info")
                yield _rank(routing, defect.start_time, f"{scope}\0{defect.id}"), alert


def _causeflow(view: CauseFlowView, config: AlertmanagerConfig) -> Iterator[tuple[Rank, Alert]]:
    severities = frozenset(config.causeflow_severities)
    statuses = frozenset(config.causeflow_statuses)
    for incident in view.alertable:
        if incident.severity in severities and incident.status in statuses:
            alert = incident_alert(incident, config)
            routing = config.causeflow_severity_map.get(incident.severity, "info")
            yield _rank(routing, alert.starts_at, incident.id), alert


def build_alerts(view: View, config: AlertmanagerConfig) -> AlertBatch:
    """Every alert the view calls for, most severe and oldest first, capped by max_alerts."""
    candidates: dict[Labels, tuple[Rank, Alert]] = {}
    dropped = 0
    if view.causely is not None:
        for rank, alert in _causely(view.causely, config):
            candidates[alert.labels] = (rank, alert)
        dropped += sum(view.causely.alert_dropped.values())
    if view.causeflow is not None:
        for rank, alert in _causeflow(view.causeflow, config):
            candidates[alert.labels] = (rank, alert)
        dropped += view.causeflow.alert_dropped
    ordered = sorted(candidates.values(), key=lambda item: item[0])
    kept = ordered[: config.max_alerts]
    dropped += len(ordered) - len(kept)
    return AlertBatch({alert.labels: alert for _, alert in kept}, dropped, fresh_units(view))
