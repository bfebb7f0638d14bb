"""What a planner reads from `keepword simulate` (issue 13, "Planner"): staff decided on the
interval, support agents as well as packers, average and busiest day, a replay run named after
its log, a CSV for a spreadsheet, spreadsheet timestamps, and no ledger from bad input."""

from __future__ import annotations

import csv
import socket

import pytest

from keepword.cli import main
from keepword.ledger import open_ledger
from keepword.records import Figure
from sim.api import simulate
from sim.results import smallest_meeting, staff_needed

SMALL = """\
name: small
description: a week at a fifth of the baseline with a three-day spike, for tests
simulation:
  calendar: {start: 2026-11-02, days: 7}
  traffic: {sessions_per_day: 2500, campaigns: [{start: 3, end: 5, multiplier: 3}]}
  warehouse:
    shifts:
      - {start: "06:00", end: "14:00", packers: 1}
      - {start: "14:00", end: "22:00", packers: 1}
  support: {agents: 1}
  run: {replications: 3, seed: 5, drain_days: 7}
"""


@pytest.fixture
def scenario(tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(SMALL)
    return path


def on_time(packers: int, value: float, half: float) -> Figure:
    return Figure("on_time_rate", value, value - half, value + half,
                  {"packers": packers, "group": f"packers={packers}", "replications": 30})


def test_fewest_packers_is_decided_on_the_intervals_low_end():
    # 5 packers: 95.8% on average, but the interval reaches down to 94.7%
    figures = [on_time(4, 0.93, 0.01), on_time(5, 0.958, 0.011), on_time(6, 0.965, 0.004)]
    assert smallest_meeting(figures, "packers", target=0.95) == {"": 6}
    (answer,) = staff_needed(figures, "packers", target=0.95)
    assert answer.best == 6 and answer.near is not None and answer.near.labels["packers"] == 5


def test_cli_answers_for_packers_and_support_agents_and_says_how(tmp_path, scenario, capsys):
    code = main(["simulate", str(scenario), "--replications", "3", "--processes", "1", "--no-progress",
                 "--sweep", "packers=1..3", "--sweep", "agents=1..4", "--ledger", str(tmp_path / "l.db")])
    assert code == 0
    out = capsys.readouterr().out
    assert ("Fewest packers per shift for an on-time rate of at least 95%, decided on the low end of the 95% "
            "interval (not the mean):") in out
    assert ("Fewest support agents for at most 5% of callers hanging up, decided on the high end of the 95% "
            "interval (not the mean):") in out
    assert "  with agents=1: " in out and "  with packers=3: " in out


def test_orders_per_day_shows_the_average_and_the_busiest_day(tmp_path, scenario, capsys):
    with open_ledger(tmp_path / "l.db") as ledger:
        result = simulate(scenario, ledger=ledger, processes=1, progress=False)
    average, peak = result.figure("orders_per_day"), result.figure("orders_per_day_peak")
    daily = [f.value for f in result.figures if f.name == "orders_per_day" and "day" in f.labels]
    assert peak.value >= max(daily) and peak.value > 1.8 * average.value  # the spike's days, not the average
    assert main(["simulate", str(scenario), "--processes", "1", "--no-progress",
                 "--ledger", str(tmp_path / "m.db")]) == 0
    out = capsys.readouterr().out
    assert "orders/day" in out and "busiest day" in out


LOG = "timestamp,sku,quantity,region\n{}\n"


def write_log(path, *stamps):
    path.write_text(LOG.format("\n".join(f"{s},SKU-001,1,near" for s in stamps)))
    return path


def test_a_replay_run_is_labelled_with_its_log(tmp_path, scenario, capsys):
    log = write_log(tmp_path / "march orders.csv", "2026-03-02T10:00:00", "2026-03-03T11:00:00")
    assert main(["simulate", str(scenario), "--replay", str(log), "--scale", "2", "--replications", "2",
                 "--processes", "1", "--no-progress", "--ledger", str(tmp_path / "l.db")]) == 0
    assert f"simulate run #1 of {log} (x2)" in capsys.readouterr().out
    with open_ledger(tmp_path / "l.db") as ledger:
        figures = ledger.figures()
        tallies = ledger.tallies()
    assert {f.labels["replay"] for f in figures} == {"march_orders.csv"}
    assert {f.labels["scale"] for f in figures} == {2}
    assert {t.group for t in tallies} == {"replay=march_orders.csv scale=2"}


def test_csv_writes_one_row_per_group_for_a_spreadsheet(tmp_path, scenario, capsys):
    out = tmp_path / "out" / "sweep.csv"
    assert main(["simulate", str(scenario), "--replications", "2", "--processes", "1", "--no-progress",
                 "--sweep", "packers=1,2", "--csv", str(out), "--ledger", str(tmp_path / "l.db")]) == 0
    assert f"The table is also in {out}" in capsys.readouterr().out
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert [r["group"] for r in rows] == ["packers=1", "packers=2"]
    assert [r["packers"] for r in rows] == ["1", "2"] and {r["replications"] for r in rows} == {"2"}
    with open_ledger(tmp_path / "l.db") as ledger:
        figure = next(f for f in ledger.figures() if f.name == "on_time_rate" and f.labels["group"] == "packers=2"
                      and "day" not in f.labels)
    assert float(rows[1]["on_time_rate"]) == pytest.approx(figure.value, rel=1e-5)
    assert float(rows[1]["on_time_rate_low"]) == pytest.approx(figure.lo, rel=1e-5)
    assert float(rows[1]["on_time_rate_high"]) == pytest.approx(figure.hi, rel=1e-5)


@pytest.mark.parametrize(("option", "start"), [("--day-first", "2026-11-04"), ("--month-first", "2026-04-11")])
def test_spreadsheet_timestamps_are_read_the_way_the_user_says(tmp_path, scenario, option, start):
    log = write_log(tmp_path / "orders.csv", "04/11/2026 10:00", "04/11/2026 4:30:00 PM", "05/11/2026 09:15")
    assert main(["simulate", str(scenario), "--replay", str(log), option, "--replications", "1",
                 "--processes", "1", "--no-progress", "--ledger", str(tmp_path / "l.db")]) == 0
    with open_ledger(tmp_path / "l.db") as ledger:
        (run,) = ledger.runs()
    assert run.params["start"] == start


@pytest.mark.parametrize(("stamps", "option", "message"), [
    (["04/11/2026 10:00"], None,
     "orders.csv:2: timestamp: '04/11/2026 10:00' could be day 4 of month 11 or month 4, day 11; say how this "
     "log writes dates with --day-first or --month-first"),
    (["2026-11-02T10:00:00", "13/11/2026 10:00"], None, "orders.csv:3: timestamp: '13/11/2026 10:00' is day first;"),
    (["11/13/2026 10:00"], "--day-first",
     "orders.csv:2: timestamp: '11/13/2026 10:00' is not a date and time read as DD/MM/YYYY HH:MM"),
])
def test_ambiguous_or_impossible_timestamps_are_refused_in_one_line(tmp_path, scenario, capsys, stamps, option, message):
    log = write_log(tmp_path / "orders.csv", *stamps)
    args = ["simulate", str(scenario), "--replay", str(log), "--no-progress", "--ledger", str(tmp_path / "l.db")]
    assert main(args + ([option] if option else [])) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "l.db").exists()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("args", [
    ["--sweep", "packers=8..3"],
    ["--replications", "0"],
    ["--replay", "nope.csv"],
    ["--sweep", "warehouse.nope=1"],
    ["--csv", "."],
    ["--cluster", "tcp://127.0.0.1:{port}"],
])
def test_bad_input_never_creates_a_ledger(tmp_path, scenario, capsys, args):
    ledger = tmp_path / "data" / "ledger.db"
    args = [a.format(port=_closed_port()) for a in args]
    assert main(["simulate", str(scenario), "--no-progress", "--ledger", str(ledger), *args]) == 2
    assert "keepword: error:" in capsys.readouterr().err
    assert not ledger.exists() and not ledger.parent.exists()


def test_a_missing_scenario_never_creates_a_ledger(tmp_path, capsys):
    ledger = tmp_path / "ledger.db"
    assert main(["simulate", str(tmp_path / "none.yaml"), "--no-progress", "--ledger", str(ledger)]) == 2
    assert not ledger.exists()
