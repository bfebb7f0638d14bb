"""The bundled scenarios tell the planner's story: double the orders with the same staff and the
on-time rate falls while the support wait rises; a sweep finds the packers that restore it."""

from __future__ import annotations

import pytest

from keepword.ledger import open_ledger
from sim.api import load_sim_config, simulate
from sim.results import smallest_meeting

DAYS = 14  # one quiet week, then the first week of the spike (days 7 to 13)


def short(name: str):
    return load_sim_config(f"scenarios/{name}.yaml").replace("calendar.days", DAYS)


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    with open_ledger(tmp_path_factory.mktemp("sim") / "ledger.db") as book:
        yield book


def test_ad_spike_lowers_on_time_and_raises_support_wait(ledger):
    base = simulate(short("baseline"), ledger=ledger, replications=3, processes=2, progress=False)
    spike = simulate(short("ad-spike"), ledger=ledger, replications=3, processes=2, progress=False)
    b_orders, s_orders = base.figure("orders_per_day"), spike.figure("orders_per_day")
    assert 480 < b_orders.value < 520  # the baseline: 500 orders a day
    assert s_orders.value > 1.4 * b_orders.value  # half the days at 1,000
    b, s = base.figure("on_time_rate"), spike.figure("on_time_rate")
    assert b.value >= 0.95 and s.hi < b.lo, (b, s)
    b, s = base.figure("support_wait_mean_min"), spike.figure("support_wait_mean_min")
    assert s.lo > b.hi, (b, s)
    assert spike.figure("support_hangup_rate").value > base.figure("support_hangup_rate").value
    assert spike.figure("utilisation_packers").value > base.figure("utilisation_packers").value
    assert spike.figure("honest_promise_days").value > base.figure("honest_promise_days").value
    # per day: the spike's days are the late ones
    daily = {f.labels["day"]: f.value for f in spike.figures if f.name == "on_time_rate" and "day" in f.labels}
    days = sorted(daily)
    assert min(daily[d] for d in days[:5]) > max(daily[d] for d in days[9:])


def test_a_sweep_finds_the_packers_that_bring_on_time_back_above_target(ledger):
    result = simulate(short("ad-spike"), ledger=ledger, replications=2, sweeps=["packers=3..6"],
                      processes=2, progress=False)
    rates = {g: result.figure("on_time_rate", g).value for g in result.groups}
    assert rates["packers=3"] < 0.95 <= rates["packers=6"]
    best = smallest_meeting(result.figures, "packers", target=0.95)[""]
    assert best in (4, 5, 6)
    low = {g: result.figure("on_time_rate", g).lo for g in result.groups}  # decided on the interval
    assert low[f"packers={best}"] >= 0.95 > low[f"packers={best - 1}"]


def test_black_friday_bursts_on_the_day_and_backs_up_the_week_after():
    config = load_sim_config("scenarios/black-friday.yaml").replace("calendar.days", 21)
    with open_ledger(":memory:") as book:
        result = simulate(config, ledger=book, replications=2, processes=1, progress=False)
    orders = {f.labels["day"]: f.value for f in result.figures if f.name == "orders_per_day" and "day" in f.labels}
    assert orders["2026-11-27"] > 3 * orders["2026-11-18"]
    on_time = {f.labels["day"]: f.value for f in result.figures if f.name == "on_time_rate" and "day" in f.labels}
    assert on_time["2026-11-28"] < on_time["2026-11-18"]
