"""/_sim endpoints: ground truth and control for tests and benchmarks in other processes."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from .data import SimDefect, defect_dict
from .explanations import explained_services
from .faults import make_fault
from .reply import Reply, json_reply
from .state import SimContext

DEFECT_FIELDS = (
    "name",
    "severity",
    "entity_type",
    "entity_name",
    "service_count",
    "namespace",
    "services",
)
INCIDENT_FIELDS = ("title", "severity", "status", "source")
# The label names the exporter gives an explained service, in Service tuple order.
EXPLAINED_LABELS = ("cluster", "namespace", "service")


def handle(ctx: SimContext, method: str, path: str, body: bytes) -> Reply:
    try:
        payload = _json(body) if method == "POST" else {}
        return _route(ctx, method, path.rstrip("/"), payload)
    except (ValueError, TypeError) as exc:
        return json_reply(400, {"error": "bad_request", "message": str(exc)})
    except KeyError as exc:
        return json_reply(404, {"error": "not_found", "message": str(exc.args[0])})


def _json(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise ValueError("body must be JSON") from None
    if not isinstance(payload, dict):
        raise ValueError("body must be a JSON object")
    return payload


def _route(ctx: SimContext, method: str, path: str, payload: dict[str, Any]) -> Reply:
    world = ctx.world
    if (method, path) == ("GET", "/_sim/truth"):
        return json_reply(200, truth(ctx))
    if (method, path) == ("POST", "/_sim/faults"):
        kind = payload.pop("kind", None)
        if not isinstance(kind, str):
            raise ValueError("kind is required")
        ctx.faults.add(make_fault(kind, **payload))
        return json_reply(200, {"ok": True})
    if (method, path) == ("DELETE", "/_sim/faults"):
        ctx.faults.clear()
        return json_reply(200, {"ok": True})
    if (method, path) == ("GET", "/_sim/requests"):
        records = [asdict(r) for r in ctx.log.snapshot()]
        violations = ctx.ledger.violations
        return json_reply(200, {"requests": records, "rate_limit_violations": violations})
    if (method, path) == ("POST", "/_sim/defects"):
        scope = payload.get("scope")
        if not isinstance(scope, str):
            raise ValueError("scope is required")
        fields = {k: payload[k] for k in DEFECT_FIELDS if payload.get(k) is not None}
        return json_reply(200, {"id": world.add_defect(scope, **fields)})
    if method == "DELETE" and path.startswith("/_sim/defects/"):
        world.clear_defect(path.removeprefix("/_sim/defects/"))
        return json_reply(200, {"ok": True})
    if (method, path) == ("POST", "/_sim/incidents"):
        fields = {k: payload[k] for k in INCIDENT_FIELDS if payload.get(k) is not None}
        if "title" not in fields:
            raise ValueError("title is required")
        return json_reply(200, {"id": world.add_incident(**fields)})
    if method == "DELETE" and path.startswith("/_sim/incidents/"):
        world.resolve_incident(path.removeprefix("/_sim/incidents/"))
        return json_reply(200, {"ok": True})
    raise KeyError(f"no admin route {method} {path}")


def truth(ctx: SimContext) -> dict[str, Any]:
    world = ctx.world
    by_scope = world.active_by_scope()
    scopes = {name: [_defect_truth(d) for d in defects] for name, defects in by_scope.items()}
    incidents = [asdict(i) for i in world.incidents()]
    slos = {
        scope.name: {
            slo_id: {"name": name, "state": state}
            for slo_id, (name, state) in world.slo_truth(scope.name).items()
        }
        for scope in world.scopes()
    }
    return {"scopes": scopes, "incidents": incidents, "slos": slos}


def _defect_truth(defect: SimDefect) -> dict[str, Any]:
    """A defect's truth plus the services it explains, labelled as the exporter labels them
    (causely_explained_services; the bridge's CauselySymptomExplained with its default
    `alertmanager.inhibitors.labels`), so a test or a user can aim a symptom alert at one."""
    services = explained_services(defect)
    return {
        **defect_dict(defect),
        "explains": [dict(zip(EXPLAINED_LABELS, service, strict=True)) for service in services],
    }
