"""Inhibitor alerts: one per service a paging root cause explains, built as pure functions."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from exporter.bridge.inhibitors import INHIBITOR_ALERTNAME, inhibitor_batch
from exporter.config.file import ConfigError
from tests.unit.bridge.test_bridge import am_config, causely_view, defect

CHECKOUT = ("prod-eu-1", "shop", "checkout")
CART = ("prod-eu-1", "shop", "cart")


def inhibitors(alertable: Any, **values: Any) -> list[dict[str, str]]:
    config = am_config(inhibitors={"enabled": True, **values})
    batch = inhibitor_batch(causely_view(alertable), config)
    return [dict(alert.labels) for alert in batch.alerts.values()]


def test_one_inhibitor_per_explained_service_with_the_teams_labels() -> None:
    root = defect("d-1", explains=(CART, CHECKOUT))
    also = defect("d-2", explains=(CHECKOUT,))
    found = inhibitors({"s": (root, also)})
    assert found == [
        {
            "alertname": INHIBITOR_ALERTNAME,
            "severity": "none",
            "scope": "s",
            "cluster": "prod-eu-1",
            "namespace": "shop",
            "service": name,
        }
        for name in ("cart", "checkout")
    ]


def test_label_names_follow_the_team_and_cluster_can_be_left_out() -> None:
    found = inhibitors(
        {"s": (defect("d-1", explains=(CHECKOUT,)),)},
        labels={"service": "app", "namespace": "k8s_namespace", "cluster": ""},
    )
    assert found == [
        {
            "alertname": INHIBITOR_ALERTNAME,
            "severity": "none",
            "scope": "s",
            "k8s_namespace": "shop",
            "app": "checkout",
        }
    ]


def test_only_paging_root_causes_explain_and_off_means_none() -> None:
    low = defect("d-1", severity="Low", explains=(CHECKOUT,))
    assert inhibitors({"s": (low,)}) == []
    config = am_config()
    batch = inhibitor_batch(causely_view({"s": (defect("d-1", explains=(CHECKOUT,)),)}), config)
    assert batch.alerts == {} and batch.dropped == 0


def test_identical_whatever_the_order_and_annotated_with_the_root_causes() -> None:
    config = am_config(inhibitors={"enabled": True})
    a = defect("d-1", explains=(CHECKOUT,))
    b = defect("d-2", explains=(CHECKOUT,), start=1_600_000_000.0)
    one = inhibitor_batch(causely_view({"s": (a, b)}), config).alerts
    two = inhibitor_batch(causely_view({"s": (b, a)}), config).alerts
    assert one == two
    (alert,) = one.values()
    notes = dict(alert.annotations)
    assert notes["root_causes"] == "d-1, d-2"
    assert notes["runbook_url"].endswith("#causelysymptomexplained")
    assert alert.starts_at == 1_600_000_000.0 and alert.unit == "causely:s"


def test_capped_and_counted() -> None:
    services = tuple(("c", "n", f"svc-{i}") for i in range(30))
    config = am_config(inhibitors={"enabled": True, "max_alerts": 10})
    batch = inhibitor_batch(causely_view({"s": (defect("d-1", explains=services),)}), config)
    assert len(batch.alerts) == 10 and batch.dropped == 20


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"labels": {"team": "x"}}, "inhibitors.labels.team: expected one of"),
        ({"labels": {"service": "1bad"}}, "not a valid Prometheus label name"),
        ({"labels": {"service": "alertname"}}, "already used"),
        ({"labels": {"service": "app", "namespace": "app"}}, "already used"),
        ({"labels": {"service": ""}}, "not a valid Prometheus label name"),
        ({"max_alerts": 0}, "inhibitors.max_alerts"),
        ({"colour": "red"}, "inhibitors.colour"),
    ],
)
def test_config_errors_name_the_field(values: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        am_config(inhibitors={"enabled": True, **values})


def test_a_stale_scope_holds_its_inhibitors_like_its_root_causes() -> None:
    view = causely_view({"s": (defect("d-1", explains=(CHECKOUT,)),)})
    assert view.causely is not None
    stale = replace(view, causely=replace(view.causely, scope_up={"s": False}))
    config = am_config(inhibitors={"enabled": True})
    (alert,) = inhibitor_batch(stale, config).alerts.values()
    assert alert.unit == "causely:s"  # state.py holds what a stale unit sends
