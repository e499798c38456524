"""Request pipeline of the fake APIs: route, authenticate, apply faults, answer."""

from __future__ import annotations

import hmac
import json
import logging
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs

from exporter.logs import quote

from . import causeflow, defect_nodes, graphql, hostile, hostile_nodes
from .document import RootField
from .faults import (
    NODE_KINDS,
    PAGE_KINDS,
    QUOTA_HEADERS,
    Fault,
    RequestInfo,
)
from .names import http_date
from .rate_limits import rate_limit_advice
from .reply import Reply, error_reply, json_reply
from .state import SimContext

log = logging.getLogger("exporter.simulator")

AUTH_PATHS = frozenset(
    {"/frontegg/identity/resources/auth/v2/api-token", "/identity/resources/auth/v2/api-token"}
)
GRAPHQL_PATHS = frozenset({"/query/", "/query"})
INCIDENT_PATHS = frozenset({"/v1/incidents", "/v1/incidents/"})

# Truncated mid-string, the way a proxy cutting a response short would leave it.
MALFORMED: dict[str, bytes] = {
    "auth": b'{"access_token":"eyJhbGciOiJSUzI1NiIsInR5cCI6',
    "graphql": b'{"data":{"defectConnection":{"totalCount":12,"edges":[{"node":{"id":"',
    "causeflow": b'{"items":[{"incidentId":"inc_01HX9VTPQR3KF8',
}


@dataclass
class ApiCall:
    method: str
    path: str
    target: str  # auth, graphql, causeflow, or unknown for paths no API has
    operation: str
    payload: Any  # parsed JSON body for auth and graphql
    params: dict[str, list[str]]
    bearer: str | None
    has_cursor: bool
    bad_body: bool
    connection: int = 0  # which client connection it came on, for rate-limit accounting
    explains: bool = False  # a defect query selecting impacts or symptoms
    fields: tuple[str, ...] = ()  # GraphQL: every root field the document asks for
    roots: list[RootField] = field(default_factory=list)  # with their arguments
    cursor_fields: frozenset[str] = frozenset()  # GraphQL: the fields continuing a walk


def classify(method: str, path: str, query: str, body: bytes, authorization: str | None) -> ApiCall:
    payload: Any = None
    bad_body = False
    if path in AUTH_PATHS or path in GRAPHQL_PATHS:
        try:
            payload = json.loads(body or b"null")
        except (ValueError, UnicodeDecodeError):
            bad_body = True
        bad_body = bad_body or not isinstance(payload, dict)
    params = parse_qs(query, keep_blank_values=True)
    bearer = None
    if authorization and authorization[:7].lower() == "bearer ":
        bearer = authorization[7:].strip() or None
    if path in AUTH_PATHS:
        return ApiCall(method, path, "auth", "token", payload, params, bearer, False, bad_body)
    if path in GRAPHQL_PATHS:
        op = graphql.operation_of(payload)
        roots = graphql.requested(payload)
        cursors = graphql.cursor_fields(roots)
        call = ApiCall(
            method, path, "graphql", op, payload, params, bearer, bool(cursors), bad_body
        )
        call.explains = bool(defect_nodes.selection(payload, op))
        call.roots = roots
        call.fields = tuple(root.name for root in roots)
        call.cursor_fields = cursors
        return call
    if path == "/v1" or path.startswith("/v1/"):
        op = "listIncidents" if path in INCIDENT_PATHS else "unknown"
        cursor = causeflow.cursor_param(params) is not None
        return ApiCall(method, path, "causeflow", op, None, params, bearer, cursor, False)
    return ApiCall(method, path, "unknown", "unknown", None, params, bearer, False, False)


def respond(ctx: SimContext, call: ApiCall, arrived: float | None = None) -> Reply | None:
    """The answer to send, or None to drop the connection without one.

    `latency` is the whole time to answer, the simulator's own work included, as a real
    server's latency would be: the reply is built first and the rest of the time is slept.
    `arrived` is when the request line was read (time.monotonic()), so parsing counts too.
    """
    started = time.monotonic() if arrived is None else arrived
    reply = _respond_now(ctx, call)
    if reply is not None:
        for name, value in ctx.quota.headers(call.target, time.time()).items():
            reply.headers.setdefault(name, value)  # a 429's own headers win
    remaining = ctx.config.latency - (time.monotonic() - started)
    if remaining > 0 and ctx.stopping.wait(remaining):
        return None
    return reply


def _respond_now(ctx: SimContext, call: ApiCall) -> Reply | None:
    early = _precheck(ctx, call)
    if early is not None:
        return early
    info = RequestInfo(
        call.target, call.operation, call.has_cursor, call.explains, call.fields, call.cursor_fields
    )
    fault = ctx.faults.take(info)
    if fault is not None:
        log.debug(
            "event=fault kind=%s target=%s operation=%s",
            quote(fault.kind),
            quote(call.target),
            quote(call.operation),
        )
    page_fault, page_params = None, None
    if fault is not None and fault.kind in NODE_KINDS:
        reply = _answer(ctx, call, None)
        operation = fault.operation or call.operation
        return hostile_nodes.apply(fault.kind, fault.params, operation, reply)
    if fault is not None and (fault.kind in PAGE_KINDS or _one_field_fails(call, fault)):
        # One field of the document: the others are answered as usual.
        page_fault, page_params = fault.kind, fault.params
    elif fault is not None and fault.kind == "quota_headers":
        reply = _answer(ctx, call, None)
        reply.headers.update({QUOTA_HEADERS[k]: str(v) for k, v in fault.params.items()})
        return reply
    elif fault is not None and fault.kind in ("latency", "stall"):
        default = 30.0 if fault.kind == "stall" else 1.0
        if ctx.stopping.wait(float(fault.params.get("seconds", default))):
            return None
    elif fault is not None:
        return _fault_reply(ctx, call, fault)
    # A fault aimed at one field of a document of several acts on that field only.
    aimed = fault.operation if fault is not None and page_fault is not None else None
    return _answer(ctx, call, page_fault, page_params, aimed)


def _one_field_fails(call: ApiCall, fault: Fault) -> bool:
    """graphql_errors aimed at one field of a document of several: that field alone fails."""
    return fault.kind == "graphql_errors" and fault.operation is not None and len(call.fields) > 1


def _precheck(ctx: SimContext, call: ApiCall) -> Reply | None:
    """Routing, method, body and credential errors, which no fault overrides."""
    style = call.target if call.target != "unknown" else "causeflow"
    if call.target == "unknown" or (call.target == "causeflow" and call.operation == "unknown"):
        return error_reply(style, 404, "not_found", f"No route for {call.method} {call.path}")
    expected = "GET" if call.target == "causeflow" else "POST"
    if call.method != expected:
        return error_reply(style, 405, "method_not_allowed", f"Use {expected} on {call.path}")
    if call.bad_body:
        return error_reply(style, 400, "bad_request", "Request body must be a JSON object")
    now = time.time()
    if call.target == "graphql" and not ctx.tokens.valid(
        call.bearer, now, ctx.config.token_max_uses
    ):
        return json_reply(401, {"errors": [{"message": "unauthorized"}]})
    if call.target == "causeflow" and not _same(call.bearer, ctx.config.causeflow_token):
        return error_reply(
            "causeflow", 401, "unauthorized", "No valid authentication token was provided"
        )
    return None


def _same(given: Any, expected: str) -> bool:
    # Constant-time compare: even a fake should not teach timing-leaky habits.
    return isinstance(given, str) and hmac.compare_digest(given.encode(), expected.encode())


def _fault_reply(ctx: SimContext, call: ApiCall, fault: Fault) -> Reply | None:
    target = call.target
    if fault.kind == "reset":
        return None
    if fault.kind == "rate_limit":
        seconds = float(fault.params.get("seconds", 1.0))
        now = time.time()
        advice = rate_limit_advice(str(fault.params["header"]), seconds, now)
        ctx.ledger.limited(target, advice.reset_at, now, call.connection)
        return error_reply(target, 429, "rate_limited", "Too many requests", advice.headers)
    if fault.kind == "status":
        status = int(fault.params["status"])
        phrase = _phrase(status)
        code = str(fault.params.get("error") or phrase.lower().replace(" ", "_"))
        return error_reply(target, status, code, str(fault.params.get("message") or phrase))
    if fault.kind in hostile.KINDS:
        return hostile.reply(fault, call.target, lambda: _answer(ctx, call, None), ctx.stopping)
    if fault.kind == "malformed_json":
        return Reply(200, MALFORMED[target])
    if fault.kind == "graphql_errors":
        error = {"message": "internal error", "extensions": {"code": "INTERNAL"}}
        return json_reply(200, {"data": None, "errors": [error]})
    # unauthorized: the token stops working, as if it had expired server-side.
    if target == "graphql":
        ctx.tokens.revoke(call.bearer)
        return json_reply(401, {"errors": [{"message": "unauthorized"}]})
    if target == "auth":
        return error_reply("auth", 401, "unauthorized", "Invalid credentials")
    return error_reply(target, 401, "unauthorized", "No valid authentication token was provided")


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _answer(
    ctx: SimContext,
    call: ApiCall,
    page_fault: str | None,
    page_params: dict[str, Any] | None = None,
    fault_operation: str | None = None,
) -> Reply:
    if call.target == "auth":
        return _token(ctx, call.payload)
    if call.target == "graphql":
        world, config, payload = ctx.world, ctx.config, call.payload
        operation = call.operation
        return graphql.handle(
            world, config, payload, operation, page_fault, page_params, fault_operation, call.roots
        )
    return causeflow.handle_list(ctx.world, ctx.config, call.params, page_fault, time.time())


def _token(ctx: SimContext, payload: dict[str, Any]) -> Reply:
    config = ctx.config
    good = _same(payload.get("clientId"), config.client_id)
    # Evaluate both compares so a wrong client id does not answer faster than a wrong secret.
    good = _same(payload.get("secret"), config.client_secret) and good
    if not good:
        return error_reply("auth", 401, "unauthorized", "Invalid credentials")
    now = time.time()
    issued = ctx.tokens.issue(config.token_ttl, now, revoke_others=config.revoke_on_issue)
    log.debug("event=token_issued expires_in=%.0f", config.token_ttl)
    return json_reply(
        200,
        {
            config.token_key: issued.access_token,
            "refresh_token": issued.refresh_token,
            "expires_in": int(config.token_ttl),
            "expires": http_date(issued.expires_at),
        },
    )
