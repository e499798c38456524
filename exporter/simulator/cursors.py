"""Opaque pagination cursors for both APIs."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any


class CursorError(ValueError):
    pass


def encode_relay(kind: str, key: str) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{key}".encode()).decode()


def decode_relay(kind: str, cursor: str) -> str:
    """The key inside a Relay cursor of this kind (`s` scopes, `d` defects)."""
    try:
        text = base64.urlsafe_b64decode(cursor.encode("ascii")).decode()
    except (binascii.Error, UnicodeError, ValueError):
        raise CursorError(f"invalid cursor {cursor!r}") from None
    prefix, sep, key = text.partition(":")
    if prefix != kind or not sep or not key:
        raise CursorError(f"invalid cursor {cursor!r}")
    return key


def encode_causeflow(created_at: float, incident_id: str, issued_at: float) -> str:
    # The position is the last item's sort key, so inserts between pages never shift a page.
    raw = json.dumps({"k": [created_at, incident_id], "t": issued_at}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_causeflow(cursor: str) -> tuple[tuple[float, str], float]:
    """((created_at, incident_id), issued_at) from a CauseFlow cursor."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data: Any = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        created_at, incident_id = data["k"]
        issued_at = data["t"]
        if not isinstance(incident_id, str):
            raise TypeError(incident_id)
        return (float(created_at), incident_id), float(issued_at)
    except (binascii.Error, UnicodeError, ValueError, TypeError, KeyError):
        raise CursorError("invalid cursor") from None
