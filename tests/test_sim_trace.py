"""Exact traces of tiny models (SimPy's habit): every number below can be worked out by hand."""

from __future__ import annotations

from datetime import date

import pytest

from sim.config import SimConfig
from sim.model import Model, ReplayOrder

ALL_DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def tiny(**changes) -> SimConfig:
    """One packer round the clock, 120 minutes an order, a 17:00 pick-up, one day in transit."""
    data = {
        "calendar": {"start": date(2026, 11, 2), "days": 3},  # Monday to Wednesday
        "stock": {"unlimited": True},
        "warehouse": {"shifts": [{"start": "00:00", "end": "24:00", "packers": 1}], "days": "all",
                      "pick_pack_min": 120},
        "carrier": {"pickups": ["17:00"], "regions": {"near": {"share": 1, "transit_days": 1}}},
        "support": {"agents": 1, "hours": ["09:00", "18:00"], "handle_min": 5, "patience_min": 10,
                    "calls_per_order": 0, "call_share_delayed": 1, "call_share_late": 1},
        "emails": {"send_delay_min": 1, "late_share": 0},
        "promise": {"rule": "cutoff", "cutoff": "14:00", "delivery_working_days": [1, 1]},
        "run": {"replications": 1, "seed": 0, "drain_days": 5},
    }
    for path, value in changes.items():
        section, key = path.split("__")
        data[section][key] = value
    return SimConfig.model_validate(data)


def trace(config: SimConfig, rows: list[ReplayOrder]):
    result = Model(config, replay=rows, collect_orders=True).run()
    return result, [(r["placed_at"][11:16], r["dispatched_at"][5:16], r["promised_delivery"][5:], r["delivered"][5:],
                     r["on_time"]) for r in result.orders_rows]


def at(hh_mm: str, day: int = 0) -> float:
    h, m = hh_mm.split(":")
    return day * 1440 + int(h) * 60 + int(m)


def test_one_packer_three_orders_exact_trace():
    rows = [ReplayOrder(at("13:00"), "A", 1, "near"),   # packed 13:00-15:00, 17:00 pick-up
            ReplayOrder(at("13:59"), "A", 1, "near"),   # waits for the packer, 15:00-17:00: just makes it
            ReplayOrder(at("13:59"), "B", 1, "near")]   # 17:00-19:00: misses the pick-up, ships Tuesday
    result, log = trace(tiny(), rows)
    assert log == [
        ("13:00", "11-02T17:00", "11-03", "11-03", True),
        ("13:59", "11-02T17:00", "11-03", "11-03", True),
        ("13:59", "11-03T17:00", "11-03", "11-04", False),
    ]
    d = result.daily
    assert d["orders"] == [3, 0, 0]
    assert (d["dispatch_date.kept"], d["dispatch_date.broken"]) == ([2, 0, 0], [1, 0, 0])
    assert (d["delivery_date.kept"], d["delivery_date.broken"]) == ([2, 0, 0], [1, 0, 0])
    # confirmation and dispatch e-mails for all three, a delay e-mail for the late one, all in 1 min
    assert (d["email.kept"], d["email.broken"]) == ([7, 0, 0], [0, 0, 0])
    # the late customer calls twice: told of the delay (Monday 17:00-18:00) and on Wednesday,
    # after the promised Tuesday passed
    assert sum(d["calls"]) == 2 and sum(d["hangups"]) == 0 and sum(d["wait_sum"]) == 0
    assert result.totals["queue_waited"] == 2
    assert result.totals["queue_wait_sum"] == (15 * 60 - at("13:59")) + (17 * 60 - at("13:59"))
    assert result.lead_days == {1: 2, 2: 1}


def test_after_the_cutoff_the_promise_moves_to_the_next_working_day():
    # Friday 16:00: promised dispatch Monday (the weekend is not working), delivered Tuesday.
    config = tiny(calendar__start=date(2026, 11, 6), calendar__days=1)
    result, log = trace(config, [ReplayOrder(at("16:00"), "A", 1, "near")])
    assert log == [("16:00", "11-09T17:00", "11-10", "11-10", True)]
    assert result.lead_days == {2: 1}  # two working days after the order day


def test_shift_end_holds_orders_until_the_next_shift():
    config = tiny(warehouse__shifts=[{"start": "08:00", "end": "12:00", "packers": 1}])
    rows = [ReplayOrder(at("11:00"), "A", 1, "near"),   # 11:00-13:00 (finishes the order in hand)
            ReplayOrder(at("11:30"), "A", 1, "near")]   # the packer is off until Tuesday 08:00
    result, log = trace(config, rows)
    assert [entry[1] for entry in log] == ["11-02T17:00", "11-03T17:00"]
    assert result.totals["on_duty_min"] == 3 * 4 * 60


def test_stock_out_waits_for_replenishment_and_the_page_claim_is_judged():
    config = tiny(stock__unlimited=False, stock__skus=["A"], stock__initial=1, stock__reorder_point=0,
                  stock__reorder_qty=5, stock__lead_time_days=1, stock__display_refresh_min=0)
    rows = [ReplayOrder(at("09:00"), "A", 1, "near"),   # the last one in stock
            ReplayOrder(at("09:10"), "A", 1, "near")]   # none left: waits a day for the 5 on order
    result, log = trace(config, rows)
    assert [entry[1] for entry in log] == ["11-02T17:00", "11-03T17:00"]
    # live stock on the page: "in stock" then "out of stock", both true
    assert result.daily["availability.kept"][0] == 2


def test_stale_stock_page_breaks_the_availability_claim():
    config = tiny(stock__unlimited=False, stock__skus=["A"], stock__initial=1, stock__reorder_point=0,
                  stock__reorder_qty=5, stock__lead_time_days=1, stock__display_refresh_min=600)
    rows = [ReplayOrder(at("09:00"), "A", 1, "near"), ReplayOrder(at("09:10"), "A", 1, "near")]
    result, _ = trace(config, rows)
    assert (result.daily["availability.kept"][0], result.daily["availability.broken"][0]) == (1, 1)


def test_impatient_callers_hang_up_when_no_agent_answers():
    config = tiny(support__agents=0)
    rows = [ReplayOrder(at("13:00"), "A", 1, "near"), ReplayOrder(at("13:59"), "A", 1, "near"),
            ReplayOrder(at("13:59"), "B", 1, "near")]
    result, _ = trace(config, rows)
    assert sum(result.daily["calls"]) == sum(result.daily["hangups"]) == 2
    assert list(result.waits.items()) == [(pytest.approx(10.0), 2)]


def test_a_queue_aware_promise_pushes_the_date_back_as_the_warehouse_fills():
    config = tiny(promise__rule="queue", promise__queue_orders_per_day=2)
    rows = [ReplayOrder(at("09:00") + i, "A", 1, "near") for i in range(5)]  # five orders a minute apart
    _, log = trace(config, rows)
    # 0 or 1 already waiting: ships Monday; 2 or 3: one working day later; 4: two days later
    promised_delivery = sorted(entry[2] for entry in log)
    assert promised_delivery == ["11-03", "11-03", "11-04", "11-04", "11-05"]


def test_a_working_days_promise_makes_no_dispatch_claim():
    config = tiny(promise__rule="working_days", promise__delivery_working_days=[2, 4])
    result, log = trace(config, [ReplayOrder(at("16:00"), "A", 1, "near")])
    assert log == [("16:00", "11-03T17:00", "11-06", "11-04", True)]  # Monday + 4 working days = Friday
    assert sum(result.daily["dispatch_date.kept"]) + sum(result.daily["dispatch_date.broken"]) == 0
