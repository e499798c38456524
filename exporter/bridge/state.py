"""Prometheus' notifier timing for the bridge's alerts, kept apart from HTTP so it is testable.

- A firing alert is sent when it starts and again every resend interval, with endsAt set
  `valid_for` ahead (alertmanager.keep_firing_for, by default 4 x max(resend interval,
  collection interval)): if the exporter dies, Alertmanager lets its alerts expire on their own.
- An alert that leaves the desired set is sent at once as resolved (endsAt = when it left)
  and re-sent with every resend for RESOLVED_RETENTION, unless the same labels fire again.

Stale data may keep an alert alive, never bring it back. Alertmanager keeps the copy it
received last, so a firing copy from a replica that is behind re-opens what a fresher replica
resolved. Hence an alert whose unit (scope) was not collected fresh in the latest cycle is
never sent as such: it is held; so is a resolved one (a replica that cannot see a re-fire must
not resolve it). Not knowing is not over, though: a held alert is offered for extension every
resend interval (`extensions`), marked stale, and the sender extends it in each Alertmanager
only while that Alertmanager still holds it firing (sender.py, held.py). An outage of any
length thus resolves nothing while an exporter lives, what another replica resolved stays
resolved, and when every replica is dead the alerts expire by endsAt as before. Inhibitors
are never extended (Alert.kept_when_stale): stale, they expire and the symptoms page.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from exporter.bridge.alerts import Alert, Labels, rfc3339

RESOLVED_RETENTION = 15 * 60.0
STALE_SINCE = "data_stale_since"  # annotations of an extended alert
STALE_NOTE = "data_stale"


@dataclass
class _Tracked:
    alert: Alert
    starts_at: float
    resolved_at: float | None = None
    last_sent: float | None = None
    fresh: bool = True  # its unit was collected fresh in the latest update
    pending: bool = True  # fresh data not yet looked at by `due`
    fresh_at: float = 0.0  # when fresh data last showed it (stale since then)
    extended: bool = False  # offered marked stale since its last fresh send


class AlertState:
    """Not thread-safe: the notifier calls it under its own lock.

    `update` then `due`, once per collection cycle: resends happen when fresh data arrives,
    never from a timer between collections. `slack` lets a resend go out up to that much
    early, so collections that finish a little sooner than the last one do not skip a resend.
    """

    def __init__(
        self, resend_interval: float, valid_for: float, max_resolved: int, slack: float = 0.0
    ) -> None:
        self._resend = resend_interval
        self._valid_for = valid_for
        self._max_resolved = max_resolved
        self._slack = slack
        self._alerts: dict[Labels, _Tracked] = {}

    @property
    def firing(self) -> int:
        return sum(1 for t in self._alerts.values() if t.resolved_at is None)

    @property
    def held(self) -> int:
        """Firing alerts whose data is stale: not re-sent until it is fresh again."""
        return sum(1 for t in self._alerts.values() if t.resolved_at is None and not t.fresh)

    @property
    def resolved(self) -> int:
        return len(self._alerts) - self.firing

    def update(
        self, desired: Mapping[Labels, Alert], now: float, fresh: Collection[str] | None = None
    ) -> None:
        """Take one cycle's alerts: new ones start, missing ones resolve.

        `fresh` names the units collected fresh this cycle (None: all of them). An alert of
        a stale unit never starts and is never sent; one already firing is held as it is.
        """
        for key, alert in desired.items():
            is_fresh = fresh is None or alert.unit in fresh
            tracked = self._alerts.get(key)
            if tracked is None or tracked.resolved_at is not None:
                if is_fresh:
                    starts = alert.starts_at if alert.starts_at is not None else now
                    self._alerts[key] = _Tracked(alert, starts, fresh_at=now)
                continue
            if is_fresh and tracked.extended:
                tracked.last_sent = None  # fresh again: at once, without the stale mark
                tracked.extended = False
            tracked.fresh = tracked.pending = is_fresh
            if is_fresh:
                tracked.fresh_at = now
                tracked.alert = alert  # annotations may change; the identity does not
                if alert.starts_at is not None:
                    tracked.starts_at = alert.starts_at
        for key, tracked in self._alerts.items():
            if key in desired:
                continue
            if tracked.resolved_at is None:
                tracked.resolved_at = now
                tracked.fresh = tracked.pending = True
            else:
                is_fresh = fresh is None or tracked.alert.unit in fresh
                tracked.fresh = tracked.pending = is_fresh
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
        """The alerts to send now, as Alertmanager API objects; marks them sent.

        Called right after `update`; a second call before the next update sends nothing,
        so nothing goes out on data older than the cycle that just ended.
        """
        out = []
        for tracked in self._alerts.values():
            if self._needs_sending(tracked, now):
                tracked.last_sent = now
                out.append(self._payload(tracked, now))
            tracked.pending = False
        return out

    def extensions(self, now: float) -> list[dict[str, Any]]:
        """The held (stale) alerts to keep alive, marked stale; call right after `due`.

        Offered once per resend interval, like a resend; the sender posts each one only to
        an Alertmanager that still holds it firing, so they may keep, never re-open.
        """
        out = []
        for tracked in self._alerts.values():
            if tracked.resolved_at is not None or tracked.fresh:
                continue
            if not tracked.alert.kept_when_stale:
                continue
            if (
                tracked.last_sent is not None
                and tracked.last_sent + self._resend > now + self._slack
            ):
                continue
            tracked.last_sent = now
            tracked.extended = True
            payload = self._payload(tracked, now)
            since = rfc3339(tracked.fresh_at)
            payload["annotations"][STALE_SINCE] = since
            payload["annotations"][STALE_NOTE] = (
                f"The exporter has had no fresh data for this alert since {since}: it keeps "
                "the alert firing on the last data it saw, and resolves it only when fresh "
                "data shows it cleared."
            )
            out.append(payload)
        return out

    def _needs_sending(self, tracked: _Tracked, now: float) -> bool:
        if tracked.resolved_at is not None and (
            tracked.last_sent is None or tracked.resolved_at > tracked.last_sent
        ):
            return True  # the clear itself: always, at once
        if not tracked.pending:
            return False
        if tracked.last_sent is None:
            return True
        return tracked.last_sent + self._resend <= now + self._slack

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
