"""Pinned with the real Alertmanager (issue 28, item 6): a symptom alert notified before its
inhibitor existed, then muted, then resolved while muted. Does its receiver get the resolved
notification, so that a pager incident closes?

Found: not while it is muted (a muted alert is left out of every notification, resolved or
not), and not when the inhibition ends either if the symptom's resolved copy was sent only
once: Alertmanager drops a resolved alert from its group after the group's next flush, muted
or not, so nothing is left to notify. It is notified once the inhibition ends only if the
resolved alert is sent again after that, which Prometheus does for 15 minutes after a
resolve (the workaround's basis; see the notes of issue 28 for the README text).

The shipped alertmanager.yml (routes and inhibit_rules), one Alertmanager on 127.0.0.1, the
alerts posted the way Prometheus and the bridge post them.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import requests

from tests.e2e.test_inhibitors import alertmanager_config, notifications, rfc3339
from tests.receiver import Receiver
from tests.stack import Alertmanager, wait_until

WHERE = {"cluster": "prod-eu-1", "namespace": "payments"}
FLUSH = 2  # group_interval of the test config: one flush every 2 s


def post(am: Alertmanager, labels: dict[str, str], firing: bool) -> None:
    now = time.time()
    alert = {
        "labels": labels,
        "startsAt": rfc3339(now - 60),
        "endsAt": rfc3339(now + 60 if firing else now),
    }
    requests.post(am.url + "/api/v2/alerts", json=[alert], timeout=5).raise_for_status()


def symptom(service: str) -> dict[str, str]:
    return {"alertname": "HighErrorRate", "severity": "warning", "service": service, **WHERE}


def inhibitor(service: str) -> dict[str, str]:
    return {
        "alertname": "CauselySymptomExplained",
        "severity": "none",
        "scope": "team-payments",
        "service": service,
        **WHERE,
    }


def muted(am: Alertmanager, service: str) -> bool:
    for alert in am.alerts():
        labels: dict[str, Any] = alert["labels"]
        if labels.get("alertname") == "HighErrorRate" and labels.get("service") == service:
            return bool(alert["status"]["inhibitedBy"])
    return False


def test_a_symptom_resolved_while_muted_is_notified_resolved_only_if_resent_after(
    tmp_path: Path,
) -> None:
    webhook = Receiver()
    am = Alertmanager(tmp_path, alertmanager_config(webhook.url, f"{FLUSH}s"))
    try:
        for service, resent in (("once", False), ("resent", True)):
            post(am, symptom(service), firing=True)  # before the inhibitor existed
            wait_until(
                "the symptom notified",
                lambda s=service: notifications(webhook, "firing", service=s),
                30,
            )
            post(am, inhibitor(service), firing=True)  # the root cause now explains it
            wait_until("the symptom muted", lambda s=service: muted(am, s), 30)
            post(am, symptom(service), firing=False)  # resolved while muted
            time.sleep(3 * FLUSH)
            assert not notifications(webhook, "resolved", service=service)  # muted: nothing

            post(am, inhibitor(service), firing=False)  # the root cause clears
            ended = time.time()
            while time.time() < ended + 4 * FLUSH:
                if resent:  # as Prometheus does for 15 minutes after a resolve
                    post(am, symptom(service), firing=False)
                time.sleep(FLUSH / 2)
            got = notifications(webhook, "resolved", service=service)
            print(f"\nresolved while muted, resent after the inhibition: {resent} -> {got}")
            assert bool(got) == resent
        # One firing notification each: the inhibition never paged them twice.
        assert len(notifications(webhook, "firing", alertname="HighErrorRate")) == 2
    finally:
        am.stop()
        webhook.stop()
