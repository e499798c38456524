"""Prometheus' notifier timing for the bridge's alerts, kept apart from HTTP so it is testable.

- A firing alert is sent when it starts and again every resend interval, with endsAt set
  `valid_for` ahead (4 x max(resend interval, collection interval)): if the exporter dies,
  Alertmanager lets its alerts expire on their own.
- An alert that leaves the desired set is sent at once as resolved (endsAt = when it left)
  and re-sent with every resend for RESOLVED_RETENTION, unless the same labels fire again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from exporter.bridge.alerts import Alert, Labels, rfc3339

RESOLVED_RETENTION = 15 * 60.0


@dataclass
class _Tracked:
    alert: Alert
    starts_at: float
    resolved_at: float | None = None
    last_sent: float | None = None


class AlertState:
    """Not thread-safe: the notifier calls it under its own lock."""

    def __init__(self, resend_interval: float, valid_for: float, max_resolved: int) -> None:
        self._resend = resend_interval
        self._valid_for = valid_for
        self._max_resolved = max_resolved
        self._alerts: dict[Labels, _Tracked] = {}

    @property
    def firing(self) -> int:
        return sum(1 for t in self._alerts.values() if t.resolved_at is None)

    @property
    def resolved(self) -> int:
        return len(self._alerts) - self.firing

    def update(self, desired: Mapping[Labels, Alert], now: float) -> None:
        """Take one cycle's alerts: new ones start, missing ones resolve."""
        for key, alert in desired.items():
            tracked = self._alerts.get(key)
            if tracked is None or tracked.resolved_at is not None:
                starts = alert.starts_at if alert.starts_at is not None else now
                self._alerts[key] = _Tracked(alert, starts)
            else:
                tracked.alert = alert  # annotations may change; the identity does not
                if alert.starts_at is not None:
                    tracked.starts_at = alert.starts_at
        for key, tracked in self._alerts.items():
            if tracked.resolved_at is None and key not in desired:
                tracked.resolved_at = now
        self._forget(now)

    def _forget(self, now: float) -> None:
        resolved = sorted(
            (t.resolved_at, key) for key, t in self._alerts.items() if t.resolved_at is not None
        )
        excess = len(resolved) - self._max_resolved
        for index, (resolved_at, key) in enumerate(resolved):
            if index < excess or now - resolved_at > RESOLVED_RETENTION:
                del self._alerts[key]

    def due(self, now: float) -> list[dict[str, Any]]:
        """The alerts to send now, as Alertmanager API objects; marks them sent."""
        out = []
        for tracked in self._alerts.values():
            if not self._needs_sending(tracked, now):
                continue
            tracked.last_sent = now
            out.append(self._payload(tracked, now))
        return out

    def _needs_sending(self, tracked: _Tracked, now: float) -> bool:
        if tracked.last_sent is None:
            return True
        if tracked.resolved_at is not None and tracked.resolved_at > tracked.last_sent:
            return True
        return tracked.last_sent + self._resend <= now

    def _payload(self, tracked: _Tracked, now: float) -> dict[str, Any]:
        alert = tracked.alert
        ends = tracked.resolved_at if tracked.resolved_at is not None else now + self._valid_for
        payload: dict[str, Any] = {
            "labels": dict(alert.labels),
            "annotations": dict(alert.annotations),
            "startsAt": rfc3339(min(tracked.starts_at, ends)),
            "endsAt": rfc3339(ends),
        }
        if alert.generator_url:
            payload["generatorURL"] = alert.generator_url
        return payload
