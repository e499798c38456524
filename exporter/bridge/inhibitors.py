"""Inhibitor alerts: one per service a paging root cause explains (alertmanager.inhibitors).

Their only job is to mute, through an inhibit rule, the team's own alerts on that service
while the root cause pages; they route to a receiver that notifies nobody. Pure functions of
the view, like alerts.py: two replicas build the same label sets. They follow the same
timing as the root-cause alerts (state.py), but unlike them they are never kept alive on
stale data: a failed scope, a dead exporter or a bridge that cannot send lets them expire by
their endsAt, and the symptoms page again.
"""

from __future__ import annotations

from collections.abc import Iterator

from exporter.bridge.alerts import Alert, AlertBatch, Labels, bounded_labels, scope_unit
from exporter.config.alertmanager import AlertmanagerConfig
from exporter.sources.causely.defects import Defect
from exporter.sources.causely.explained import Service
from exporter.view import CauselyView, View

INHIBITOR_ALERTNAME = "CauselySymptomExplained"
MAX_ROOT_CAUSES_NAMED = 10


Explained = dict[tuple[str, Service], list[Defect]]  # (scope, service) -> its root causes


def _services(view: CauselyView, config: AlertmanagerConfig) -> Explained:
    wanted = frozenset(config.causely_severities)
    explained: Explained = {}
    for scope, defects in view.alertable.items():
        for defect in defects:
            if defect.severity not in wanted:
                continue
            for service in defect.explains:
                explained.setdefault((scope, service), []).append(defect)
    return explained


def inhibitor_alert(
    scope: str, service: Service, causes: list[Defect], config: AlertmanagerConfig
) -> Alert:
    names = config.inhibitors.labels
    cluster, namespace, name = service
    labels = {
        **config.extra_labels,
        "alertname": INHIBITOR_ALERTNAME,
        "severity": "none",
        "scope": scope,
        names["namespace"]: namespace,
        names["service"]: name,
    }
    if names.get("cluster"):
        labels[names["cluster"]] = cluster
    ids = sorted(d.id for d in causes)
    shown = ", ".join(ids[:MAX_ROOT_CAUSES_NAMED]) + (
        " ..." if len(ids) > MAX_ROOT_CAUSES_NAMED else ""
    )
    starts = [d.start_time for d in causes if d.start_time is not None]
    where = f"{namespace}/{name}" + (f" in {cluster}" if cluster else "")
    annotations = {
        "summary": f"Symptoms of {where} are explained by {len(ids)} root cause(s)",
        "description": f"Causely explains the symptoms of service {where} (scope {scope}) by "
        f"root cause(s) {shown}: this alert mutes the team's own alerts on it through an "
        "inhibit rule while they page.",
        "root_causes": shown,
        "runbook_url": f"{config.runbook_url}#causelysymptomexplained",
    }
    return Alert(
        bounded_labels(labels),
        bounded_labels(annotations),
        min(starts) if starts else None,
        "",
        scope_unit(scope),
        kept_when_stale=False,  # when in doubt, page: a stale scope's inhibitors expire
    )


def inhibitor_alerts(view: CauselyView, config: AlertmanagerConfig) -> Iterator[Alert]:
    """Every inhibitor the view calls for, in a stable order (scope, then service)."""
    for (scope, service), causes in sorted(_services(view, config).items(), key=lambda i: i[0]):
        yield inhibitor_alert(scope, service, causes, config)


def inhibitor_batch(view: View, config: AlertmanagerConfig) -> AlertBatch:
    """The inhibitors of a view, capped by alertmanager.inhibitors.max_alerts (rest counted)."""
    if not config.inhibitors.enabled or view.causely is None:
        return AlertBatch({}, 0)
    kept: dict[Labels, Alert] = {}
    dropped = 0
    for alert in inhibitor_alerts(view.causely, config):
        if len(kept) < config.inhibitors.max_alerts:
            kept[alert.labels] = alert
        else:
            dropped += 1
    return AlertBatch(kept, dropped)
