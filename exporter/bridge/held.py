"""What an Alertmanager still holds firing: read before a stale alert is extended there.

A replica with stale data keeps its root causes alive (state.py), but must never bring back
what a fresher replica resolved meanwhile, and only Alertmanager knows that: it keeps the
copy it received last. So before posting extensions to an Alertmanager, the sender reads its
active alerts (GET /api/v2/alerts, filtered to the exporter's own alert names, silenced and
inhibited ones included: a muted alert is still held) and extends there only what it lists
with an endsAt still ahead.

The answer is untrusted input: bounded in size, in time for the whole body and in JSON
nesting, type-checked entry by entry. An entry that does not check out is skipped (not
extended); an answer that cannot be read at all extends nothing in that Alertmanager. Both
err on the side that never re-opens: at worst an alert expires by its endsAt while the data
is stale, as it did before extensions existed.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import requests

from exporter.bridge.alerts import Labels
from exporter.client.body import BodyError, parse_json, read_body

# Per alert Alertmanager answers ~1-2 KiB (labels, annotations, receivers, status).
HELD_BYTES_PER_ALERT = 8 * 1024
HELD_BYTES_FLOOR = 4 * 1024 * 1024
HELD_BYTES_CEILING = 256 * 1024 * 1024
MAX_LABELS = 64  # per alert; more is not one of ours
HELD_STATES = frozenset({"active", "suppressed", "unprocessed"})


class HeldUnreadable(Exception):
    """The Alertmanager's alerts could not be read: `reason` is a short code for logs."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class HeldAlerts:
    ends_at: Mapping[Labels, float]  # label set -> endsAt, for the alerts held firing
    size: int  # bytes read
    skipped: int  # entries that did not check out


def held_bytes_limit(max_alerts: int) -> int:
    return min(HELD_BYTES_CEILING, HELD_BYTES_FLOOR + max_alerts * HELD_BYTES_PER_ALERT)


def held_params(alertnames: Iterable[str]) -> dict[str, str]:
    names = "|".join(sorted(alertnames))
    return {
        "filter": f'alertname=~"{names}"',
        "active": "true",
        "silenced": "true",
        "inhibited": "true",
        "unprocessed": "true",
    }


def _timestamp(value: object) -> float | None:
    if not isinstance(value, str) or len(value) > 64:
        return None
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    # Go writes up to nanoseconds; Python reads up to microseconds.
    if "." in text:
        head, _, tail = text.partition(".")
        digits = len(tail) - len(tail.lstrip("0123456789"))
        text = f"{head}.{tail[: min(digits, 6)]}{tail[digits:]}"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.timestamp() if moment.tzinfo is not None else None


def _labels(value: object) -> Labels | None:
    if not isinstance(value, dict) or not value or len(value) > MAX_LABELS:
        return None
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        return None
    return tuple(sorted(value.items()))


def parse_held(document: Any, now: float, size: int = 0) -> HeldAlerts:
    """The firing alerts of a GET /api/v2/alerts answer: endsAt ahead, state held."""
    if not isinstance(document, list):
        raise HeldUnreadable("malformed_response", "not a JSON array")
    held: dict[Labels, float] = {}
    skipped = 0
    for entry in document:
        if not isinstance(entry, dict):
            skipped += 1
            continue
        labels = _labels(entry.get("labels"))
        ends = _timestamp(entry.get("endsAt"))
        status = entry.get("status")
        state = status.get("state") if isinstance(status, dict) else None
        if labels is None or ends is None or state not in HELD_STATES:
            skipped += 1
            continue
        if ends > now:
            held[labels] = max(ends, held.get(labels, ends))
    return HeldAlerts(held, size, skipped)


def read_held(
    session: requests.Session,
    url: str,
    alertnames: Iterable[str],
    timeout: float,
    limit: int,
) -> HeldAlerts:
    """GET the Alertmanager's active alerts of these names, whole answer within `timeout`."""
    deadline = time.time() + timeout
    try:
        response = session.get(
            url + "/api/v2/alerts",
            params=held_params(alertnames),
            timeout=(timeout, timeout),
            allow_redirects=False,
            stream=True,
        )
    except requests.RequestException as exc:
        raise HeldUnreadable("request_failed", type(exc).__name__) from None
    try:
        if response.status_code != 200:
            raise HeldUnreadable("status", str(response.status_code))
        body = read_body(response, limit, deadline)
        document = parse_json(body)
    except BodyError as exc:
        raise HeldUnreadable(exc.code) from None
    finally:
        response.close()
    return parse_held(document, time.time(), len(body))
