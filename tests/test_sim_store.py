"""The demo store's fulfilment runs on the model: an ad spike in the scenario delays real orders."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from demo_store.fulfilment import PlacedOrder, ShippingMethod, build_fulfilment
from keepword.errors import BadInput
from sim.store_fulfilment import ModelFulfilment, predict_on_time

ZONE = ZoneInfo("Europe/London")
MONDAY_9AM = datetime(2026, 11, 23, 9, 0, tzinfo=ZONE)
STANDARD = ShippingMethod("standard", "Standard delivery", (2, 3))


def place_orders(scenario: str, count: int = 12):
    fulfilment = build_fulfilment({"kind": "model", "scenario": scenario})
    assert isinstance(fulfilment, ModelFulfilment)
    out = []
    for i in range(count):
        at = MONDAY_9AM + timedelta(minutes=20 * i)
        promise = fulfilment.promise(STANDARD, at)
        schedule = fulfilment.schedule(PlacedOrder(f"KW-T-{i}", at, STANDARD, promise, (("KIT-001", 1),)))
        out.append((at, promise, schedule))
    return fulfilment, out


def test_orders_on_a_quiet_store_keep_their_promise():
    fulfilment, orders = place_orders("scenarios/baseline.yaml")
    for at, promise, schedule in orders:
        assert promise.earliest > at.date() and promise.working_days == (2, 3)
        assert at < schedule.dispatch_at < schedule.delivered_at
        assert schedule.dispatch_at.tzinfo is not None
        assert schedule.delivered_at.date() <= promise.latest
    # the store's orders share the warehouse with the scenario's background traffic
    assert fulfilment.model is not None and fulfilment.model.order_count > 3000


def test_an_ad_spike_in_the_scenario_delays_the_shoppers_orders():
    _, quiet = place_orders("scenarios/baseline.yaml")
    _, spike = place_orders("scenarios/ad-spike.yaml")
    for (_, p_quiet, s_quiet), (_, p_spike, s_spike) in zip(quiet, spike, strict=True):
        assert p_quiet == p_spike  # the store promises the same...
        assert s_spike.dispatch_at > s_quiet.dispatch_at  # ...but the spike's backlog ships later
    assert sum(s.delivered_at.date() > p.latest for _, p, s in spike) > len(spike) / 2


def test_orders_handed_in_late_keep_their_place_in_line():
    fulfilment, orders = place_orders("scenarios/ad-spike.yaml", count=6)
    dispatched = [s.dispatch_at for _, _, s in orders]
    assert dispatched == sorted(dispatched)
    assert fulfilment.model.env.now > (orders[-1][0] - MONDAY_9AM).total_seconds() / 60  # it ran ahead


def test_predicted_on_time_rate_falls_with_the_spike():
    quiet = predict_on_time("scenarios/baseline.yaml", store_start=MONDAY_9AM, hours=6, replications=3)
    spike = predict_on_time("scenarios/ad-spike.yaml", store_start=MONDAY_9AM, hours=6, replications=2)
    assert quiet.name == "on_time_rate" and quiet.lo <= quiet.value <= quiet.hi
    assert quiet.value > 0.9 > spike.value
    assert spike.labels["store_day"] == 14 and spike.labels["transit_days"] == [2, 3]


def test_a_missing_scenario_is_bad_input():
    with pytest.raises(BadInput, match=r"fulfilment\.scenario: scenarios/nope\.yaml: no such file"):
        build_fulfilment({"kind": "model", "scenario": "scenarios/nope.yaml"})


def test_a_real_order_through_the_store_is_scheduled_by_the_model():
    testing = pytest.importorskip("demo_store.testing")
    config = {"fulfilment": {"kind": "model", "scenario": "scenarios/ad-spike.yaml"},
              "clock": {"speed": 0, "start": MONDAY_9AM.isoformat()}, "faults": {}}
    with testing.running_store(config) as store:
        shopper = testing.HttpShopper(store.url)
        try:
            shopper.add("KIT-001")
            shopper.checkout(email="ann@example.test", method="standard")
            page = shopper.place()
            assert page.status == 200, page.url
        finally:
            shopper.close()
        (order,) = store.shop.orders.values()
        assert isinstance(store.shop.fulfilment, ModelFulfilment)
        assert order.schedule.delivered_at.date() > order.promise.latest  # the spike's backlog
