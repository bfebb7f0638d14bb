"""Shoppers and the model agree: on the demo store running on the model during an ad spike,
the on-time rate that journeys plus follow-up measure lies within the model's prediction.

This is the one test that joins all three parts: the demo store's fulfilment is the SimPy model
(`fulfilment: {kind: model}`), real shoppers place real orders in headless Chromium, the store
clock moves three weeks on, `follow_up` reads the status pages, and the measured rate (Wilson
95%) is compared with `predict_on_time` (mean and 95% interval over replications).

Two regimes, because the store is ONE realisation of the model with its clock stopped (every
order placed at the same store instant shares one fate), so a mid-range prediction's interval of
the mean cannot be compared with it soundly: the spike's first day (no backlog yet: the model
predicts every promise kept) and its third week (the backlog: the model predicts none kept).
Each side can fail the other: journeys that misjudged deliveries would disagree in one regime.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from keepword.ledger import open_ledger
from keepword.stats import wilson

ROOT = Path(__file__).resolve().parents[1]
SPIKE = ROOT / "scenarios" / "ad-spike.yaml"
# Monday of the spike's second week, mid-morning, when the backlog is building
MONDAY_9AM = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Europe/London"))


def _standard_only_profile(tmp_path: Path) -> Path:
    """The demo profile, but every shopper picks standard delivery (2-3 working days), so the
    shoppers' orders and the model's prediction are about the same promise."""
    text = (ROOT / "scenarios" / "stores" / "demo.yaml").read_text()
    assert "choose_shipping: random" in text
    profile = tmp_path / "demo-standard.yaml"
    profile.write_text(text.replace("choose_shipping: random", "choose_shipping: standard"))
    return profile


@pytest.mark.timeout(900)
@pytest.mark.parametrize("store_day", [7, 14], ids=["spike-starts", "spike-backlog"])
def test_shoppers_measure_the_on_time_rate_the_model_predicts(tmp_path, store_day):
    from demo_store.testing import running_store
    from journeys.followup import follow_up
    from journeys.runner import shop
    from keepword.mail import running_mail_sink
    from keepword.scenario import scenario_for_profile
    from sim.store_fulfilment import predict_on_time

    with running_mail_sink(tmp_path / "mail") as sink:
        config = {
            "fulfilment": {"kind": "model", "scenario": str(SPIKE), "store_day": store_day},
            "clock": {"speed": 0, "start": MONDAY_9AM.isoformat()},
            "mail": {"host": sink.host, "port": sink.port},
            "ground_truth": str(tmp_path / "truth.jsonl"),
            "faults": {},
        }
        with running_store(config) as store, open_ledger(tmp_path / "ledger.db") as ledger:
            store.set_stock(**{sku: 100_000 for sku, n in store.stock().items() if n > 0})
            plan = scenario_for_profile(
                _standard_only_profile(tmp_path), base_url=store.url, mail={"dir": sink.dir},
                shoppers=2, journeys_per_shopper=6,
            )
            bought = shop(plan, ledger=ledger, progress=False)
            store.advance_clock(24 * 21)  # three weeks on: every order has arrived, late or not
            later = follow_up(ledger, scenario=plan, progress=False)
            # The delivery verdicts are follow-up's (the promise against the status page's
            # delivered date); digital goods are e-mailed, not shipped, so the model has no say.
            digital = {c.journey_id for c in ledger.claims([bought.run_id], kind="shipping_charge")
                       if c.subject == "digital"}
            promises = {c.id for c in ledger.claims([bought.run_id], kind="delivery_date")
                        if c.journey_id not in digital}
            outcomes = [v.outcome for v in ledger.verdicts([later.run_id]) if v.claim_id in promises]
            orders = len(store.shop.orders) - len(digital)
            truth = store.ground_truth()

    assert bought.harness_errors == 0 and later.harness_errors == 0
    assert truth == []  # no fault was injected: every late order is the model's backlog
    kept, broken = outcomes.count("kept"), outcomes.count("broken")
    assert kept + broken == orders >= 8, f"{kept + broken} deliveries judged for {orders} shipped orders"
    measured_lo, measured_hi = wilson(kept, kept + broken)

    predicted = predict_on_time(SPIKE, store_start=MONDAY_9AM, hours=1, transit_days=(2, 3),
                                store_day=store_day, replications=5)
    assert predicted.lo is not None and predicted.hi is not None
    # The regime shows on both sides: all kept before the backlog, most broken in it.
    expected_high = store_day == 7
    assert (predicted.value > 0.9) is expected_high and (kept / (kept + broken) > 0.9) is expected_high
    # Agreement: the shoppers' interval and the model's interval overlap.
    assert measured_lo <= predicted.hi and predicted.lo <= measured_hi, (
        f"shoppers measured {kept}/{kept + broken} on time (Wilson 95% "
        f"[{measured_lo:.2f}, {measured_hi:.2f}]); the model predicts {predicted.value:.2f} "
        f"[{predicted.lo:.2f}, {predicted.hi:.2f}]"
    )
