"""HTTP answers as plain data, so API logic stays free of socket code."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"
    # A body produced while it is sent (hostile answers: huge, endless, trickled). With
    # `length` None it goes out chunked; the connection is closed afterwards either way.
    stream: Callable[[], Iterator[bytes]] | None = None
    length: int | None = None
    head_delay: float = 0.0  # > 0: the status line and headers go out one byte at a time


def json_reply(status: int, payload: Any, headers: dict[str, str] | None = None) -> Reply:
    body = json.dumps(payload, separators=(",", ":")).encode()
    return Reply(status, body, dict(headers or {}))


def error_payload(target: str, code: str, message: str) -> dict[str, Any]:
    """The error body each real API uses: Frontegg, GraphQL or CauseFlow style."""
    if target == "auth":
        return {"errors": [message]}
    if target == "graphql":
        return {"errors": [{"message": message, "extensions": {"code": code.upper()}}]}
    return {"error": code, "message": message}


def error_reply(
    target: str, status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> Reply:
    return json_reply(status, error_payload(target, code, message), headers)
