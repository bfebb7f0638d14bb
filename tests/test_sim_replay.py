"""Replaying an order log: at scale 1 it reproduces its own orders per day; bad rows are named."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from keepword.errors import BadInput
from keepword.ledger import open_ledger
from sim.api import simulate
from sim.replay import read_orders

LOG = Path("scenarios/data/orders.csv")
REGIONS = ["near", "far"]


def log_counts() -> list[int]:
    with LOG.open() as handle:
        days = Counter(row["timestamp"][:10] for row in csv.DictReader(handle))
    return [days[d] for d in sorted(days)]


def daily_orders(ledger, run_id) -> list[float]:
    figures = [f for f in ledger.figures([run_id]) if f.name == "orders_per_day" and "day" in f.labels]
    return [f.value for f in sorted(figures, key=lambda f: f.labels["day"])]


def test_replay_at_scale_1_reproduces_its_own_orders_per_day(tmp_path):
    expected = log_counts()
    assert len(expected) == 7 and sum(expected) > 300
    with open_ledger(tmp_path / "l.db") as ledger:
        result = simulate("scenarios/baseline.yaml", ledger=ledger, replications=2, replay=LOG,
                          processes=1, progress=False)
        assert daily_orders(ledger, result.run_id) == expected
        per_day = {t.day.isoformat(): t.kept + t.broken + t.open for t in ledger.tallies([result.run_id])
                   if t.kind == "delivery_date"}
        assert list(per_day.values()) == [2 * n for n in expected]  # summed over the 2 replications
        assert ledger.runs([result.run_id])[0].params["replay"] == str(LOG)


def test_replay_at_scale_2_doubles_every_day_and_half_thins_it(tmp_path):
    expected = log_counts()
    with open_ledger(tmp_path / "l.db") as ledger:
        double = simulate("scenarios/baseline.yaml", ledger=ledger, replications=1, replay=LOG, scale=2,
                          processes=1, progress=False)
        assert daily_orders(ledger, double.run_id) == [2 * n for n in expected]
        half = simulate("scenarios/baseline.yaml", ledger=ledger, replications=1, replay=LOG, scale=0.5,
                        processes=1, progress=False)
        total = sum(daily_orders(ledger, half.run_id))
        assert 0.35 * sum(expected) < total < 0.65 * sum(expected)


def test_promised_dates_in_the_log_are_the_delivery_claims(tmp_path):
    path = tmp_path / "orders.csv"
    # Monday 10:00, promised for the same Monday: no parcel can make that, so the claim is broken
    path.write_text("timestamp,sku,quantity,region,promised_date\n"
                    "2026-11-02T10:00:00,SKU-001,1,near,2026-11-02\n"
                    "2026-11-02T10:05:00,SKU-001,1,near,\n")
    with open_ledger(tmp_path / "l.db") as ledger:
        result = simulate("scenarios/baseline.yaml", ledger=ledger, replications=1, replay=path,
                          processes=1, progress=False)
        (tally,) = [t for t in ledger.tallies([result.run_id]) if t.kind == "delivery_date"]
        assert (tally.kept, tally.broken) == (1, 1)


@pytest.mark.parametrize(("row", "message"), [
    ("2026-11-02T10:00:00,SKU-1,0,near,", "orders.csv:3: quantity: must be at least 1 (got 0)"),
    ("2026-11-02T10:00:00,SKU-1,two,near,", "orders.csv:3: quantity: 'two' is not a whole number"),
    ("yesterday,SKU-1,1,near,", "orders.csv:3: timestamp: 'yesterday' is not a time keepword reads"),
    ("2026-11-02T10:00:00,SKU-1,1,mars,", "orders.csv:3: region: unknown region 'mars'"),
    ("2026-11-02T10:00:00,,1,near,", "orders.csv:3: sku: empty"),
    ("2026-11-02T10:00:00,SKU-1,1,near,2026-11-01", "orders.csv:3: promised_date: 2026-11-01 is before"),
])
def test_bad_rows_name_the_file_row_and_column(tmp_path, row, message):
    path = tmp_path / "orders.csv"
    path.write_text("timestamp,sku,quantity,region,promised_date\n2026-11-02T09:00:00,SKU-1,1,near,\n" + row + "\n")
    with pytest.raises(BadInput) as caught:
        read_orders(path, REGIONS)
    assert message in str(caught.value)


def test_missing_columns_and_missing_file(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("when,sku,qty\n")
    with pytest.raises(BadInput, match=r"orders.csv:1: missing column\(s\) timestamp, quantity, region"):
        read_orders(path, REGIONS)
    with pytest.raises(BadInput, match="no such file"):
        read_orders(tmp_path / "nope.csv", REGIONS)


def test_a_log_over_years_is_replayed_whatever_the_scenarios_traffic(tmp_path):
    """The order limit multiplied the scenario's traffic (unused by a replay) by the log's span:
    two orders five years apart crashed (a validation error), and any log over 2,000 days of
    the baseline's 500 orders a day was refused."""
    log = tmp_path / "wide.csv"
    log.write_text("timestamp,sku,quantity,region,promised_date\n2026-01-01T10:00:00,SKU-001,1,near,\n"
                   "2031-10-01T10:00:00,SKU-001,1,near,\n", encoding="utf-8")
    with open_ledger(tmp_path / "l.db") as ledger:
        result = simulate("scenarios/baseline.yaml", ledger=ledger, replications=1, replay=log,
                          processes=1, progress=False)
        assert sum(daily_orders(ledger, result.run_id)) == 2
