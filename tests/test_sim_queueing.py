"""The model against queueing theory: M/M/c against Erlang C, and Little's law."""

from __future__ import annotations

from keepword.stats import mean_interval
from sim.api import load_sim_config
from sim.config import SimConfig
from sim.erlang import erlang_c
from sim.model import run_model

ARRIVALS_PER_MIN, SERVICE_MIN, SERVERS = 0.8, 3.0, 3  # load 2.4 Erlangs on 3 packers: 80% busy
REPLICATIONS = 20


def mmc() -> SimConfig:
    """The warehouse reduced to one M/M/c stage: Poisson orders at a flat rate, exponential
    pick-and-pack, packers always on duty, stock unlimited, no support line."""
    return SimConfig.model_validate({
        "calendar": {"days": 4, "working_days": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]},
        "traffic": {"sessions_per_day": ARRIVALS_PER_MIN * 1440, "conversion": 1},
        "stock": {"unlimited": True},
        "warehouse": {"shifts": [{"start": "00:00", "end": "24:00", "packers": SERVERS}], "days": "all",
                      "pick_pack_min": {"exp": SERVICE_MIN}},
        "support": {"agents": 0, "calls_per_order": 0, "call_share_late": 0, "call_share_delayed": 0},
        "run": {"drain_days": 1, "seed": 12},
    })


def test_erlang_c_formula_matches_a_textbook_value():
    # Two servers, load 1 Erlang: P(wait) = 1/3, mean wait = P(wait) * S / (c - a) = 1/3
    p_wait, wait = erlang_c(0.5, 2.0, 2)
    assert abs(p_wait - 1 / 3) < 1e-12 and abs(wait - 2 / 3) < 1e-12


def test_mmc_matches_erlang_c_within_the_95_interval():
    config = mmc()
    results = [run_model(config, r) for r in range(REPLICATIONS)]
    p_theory, wait_theory = erlang_c(ARRIVALS_PER_MIN, SERVICE_MIN, SERVERS)
    p_wait = mean_interval([r.totals["queue_waited"] / r.totals["queue_entries"] for r in results])
    wait = mean_interval([r.totals["queue_wait_sum"] / r.totals["queue_entries"] for r in results])
    assert p_wait[1] <= p_theory <= p_wait[2], (p_wait, p_theory)
    assert wait[1] <= wait_theory <= wait[2], (wait, wait_theory)


def _littles_law(result) -> tuple[float, float]:
    t = result.totals
    queue_mean = t["queue_area"] / t["end_min"]  # L: time-average orders waiting for a packer
    arrivals = t["queue_entries"] / t["end_min"]  # lambda
    mean_wait = t["queue_wait_sum"] / t["queue_entries"]  # W
    return queue_mean, arrivals * mean_wait


def test_littles_law_holds_on_the_warehouse_queue_mmc():
    result = run_model(mmc(), 0)
    queue_mean, product = _littles_law(result)
    assert queue_mean > 1  # a real queue, not an empty one
    assert abs(queue_mean - product) / product < 1e-6


def test_littles_law_holds_with_shifts_stock_and_an_ad_spike():
    config = load_sim_config("scenarios/ad-spike.yaml").replace("calendar.days", 10)
    result = run_model(config, 0)
    queue_mean, product = _littles_law(result)
    assert queue_mean > 10
    assert abs(queue_mean - product) / product < 1e-6
