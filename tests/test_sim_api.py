"""`simulate` and `keepword simulate`: what lands in the ledger, seeds, processes, exit codes."""

from __future__ import annotations

import csv
import importlib
import pkgutil
import sys

import pytest

import sim
from keepword.cli import main
from keepword.errors import BadInput
from keepword.ledger import open_ledger
from sim.api import simulate
from sim.results import FIGURES

SMALL = """\
name: small
description: a week of the baseline at a fifth of the traffic, for tests
simulation:
  calendar: {start: 2026-11-02, days: 7}
  traffic: {sessions_per_day: 2500, campaigns: [{start: 3, end: 5, multiplier: 2}]}
  warehouse:
    shifts:
      - {start: "06:00", end: "14:00", packers: 1}
      - {start: "14:00", end: "22:00", packers: 1}
  run: {replications: 3, seed: 5, drain_days: 7}
"""


@pytest.fixture
def scenario(tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(SMALL)
    return path


def values(figures):
    return [(f.name, tuple(sorted((k, str(v)) for k, v in f.labels.items())), f.value, f.lo, f.hi) for f in figures]


def test_sim_all_is_sorted_and_real():
    for info in pkgutil.iter_modules(sim.__path__):
        module = importlib.import_module(f"sim.{info.name}")
        exported = getattr(module, "__all__", [])
        assert exported == sorted(exported), info.name
        assert all(hasattr(module, name) for name in exported), info.name


def test_simulate_writes_tallies_and_figures_in_one_complete_run(tmp_path, scenario):
    with open_ledger(tmp_path / "l.db") as ledger:
        result = simulate(scenario, ledger=ledger, processes=1, progress=False)
        (run,) = ledger.runs([result.run_id])
        assert (run.kind, run.status, run.scenario) == ("simulate", "complete", str(scenario))
        assert run.params["replications"] == 3 and run.params["seed"] == 5
        figures = ledger.figures([result.run_id])
        whole = {f.name: f for f in figures if "day" not in f.labels}
        for name in ("on_time_rate", "late_dispatch_rate", "stock_claim_accuracy", "email_on_time_rate",
                     "support_wait_mean_min", "support_wait_p90_min", "support_hangup_rate",
                     "utilisation_packers", "orders_per_day", "honest_promise_days"):
            fig = whole[name]
            assert fig.lo <= fig.value <= fig.hi, fig
            assert fig.labels["group"] == "all" and fig.labels["replications"] == 3
        assert set(whole) == set(FIGURES)
        assert whole["honest_promise_days"].labels["target"] == 0.95
        assert 110 < whole["orders_per_day"].value < 150  # 100 a day, 200 on 2 of the 7 days
        daily = [f for f in figures if f.name == "orders_per_day" and "day" in f.labels]
        assert [f.labels["day"] for f in daily] == [f"2026-11-0{d}" for d in range(2, 9)]
        assert {f.name for f in figures if "day" in f.labels} == {"orders_per_day", "support_wait_mean_min",
                                                                   "on_time_rate"}
        tallies = ledger.tallies([result.run_id])
        assert {t.kind for t in tallies} == {"delivery_date", "dispatch_date", "availability", "email"}
        assert {t.group for t in tallies} == {"all"}
        orders = sum(t.kept + t.broken + t.open for t in tallies if t.kind == "delivery_date")
        assert orders == round(sum(f.value for f in daily) * 3)


def test_same_seed_same_numbers_in_one_process_or_a_pool(tmp_path, scenario):
    with open_ledger(tmp_path / "l.db") as ledger:
        here = simulate(scenario, ledger=ledger, processes=1, progress=False)
        pool = simulate(scenario, ledger=ledger, processes=2, progress=False)
        other = simulate(scenario, ledger=ledger, processes=1, seed=6, progress=False)
    assert values(here.figures) == values(pool.figures)
    assert values(here.figures) != values(other.figures)


def test_sweep_groups_are_labelled_for_the_heat_map(tmp_path, scenario):
    with open_ledger(tmp_path / "l.db") as ledger:
        result = simulate(scenario, ledger=ledger, replications=2, sweeps=["packers=1..2", "ad_multiplier=1,3"],
                          processes=1, progress=False)
        assert result.groups == ["packers=1 ad_multiplier=1", "packers=1 ad_multiplier=3",
                                 "packers=2 ad_multiplier=1", "packers=2 ad_multiplier=3"]
        fig = result.figure("utilisation_packers", "packers=2 ad_multiplier=3")
        assert fig.labels == {"packers": 2, "ad_multiplier": 3, "group": "packers=2 ad_multiplier=3",
                              "replications": 2}
        busy = {g: result.figure("utilisation_packers", g).value for g in result.groups}
        assert busy["packers=1 ad_multiplier=3"] > busy["packers=1 ad_multiplier=1"]
        assert busy["packers=2 ad_multiplier=1"] < busy["packers=1 ad_multiplier=1"]
        assert {t.group for t in ledger.tallies([result.run_id])} == set(result.groups)
        assert ledger.runs([result.run_id])[0].params["sweeps"] == ["packers=1,2", "ad_multiplier=1,3"]


def test_cli_simulate_prints_a_table_and_writes_orders(tmp_path, scenario, capsys):
    out = tmp_path / "orders.csv"
    code = main(["simulate", str(scenario), "--replications", "2", "--processes", "1", "--no-progress",
                 "--ledger", str(tmp_path / "l.db"), "--orders-out", str(out), "--sweep", "packers=1..2"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "packers=1" in printed and "on time" in printed
    assert "Fewest packers per shift" in printed or "No swept packer level" in printed
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert {r["group"] for r in rows} == {"packers=1", "packers=2"}
    assert {"placed_at", "sku", "promised_delivery", "delivered", "on_time"} <= set(rows[0])
    with open_ledger(tmp_path / "l.db") as ledger:
        assert [r.status for r in ledger.runs()] == ["complete"]


def test_cli_simulate_progress_goes_to_stderr_and_figures_to_stdout(tmp_path, scenario, capsys):
    code = main(["simulate", str(scenario), "--replications", "2", "--processes", "1",
                 "--ledger", str(tmp_path / "l.db")])
    assert code == 0
    captured = capsys.readouterr()
    assert "simulating" in captured.err and "2/2" in captured.err
    assert "simulating" not in captured.out and "on time" in captured.out


@pytest.mark.parametrize(("args", "message"), [
    (["--sweep", "packers=8..3"], "keepword: error: --sweep 'packers=8..3': a range needs LOW <= HIGH"),
    (["--replications", "0"], "keepword: error: --replications 0: give 1 to 10,000"),
    (["--replay", "nope.csv"], "keepword: error: nope.csv: no such file"),
])
def test_cli_bad_options_exit_2_with_one_line(tmp_path, scenario, capsys, args, message):
    code = main(["simulate", str(scenario), "--no-progress", "--ledger", str(tmp_path / "l.db"), *args])
    assert code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_cluster_without_dask_is_bad_input(tmp_path, scenario, monkeypatch):
    monkeypatch.setitem(sys.modules, "dask", None)  # what an install without keepword[cluster] has
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    with open_ledger(tmp_path / "l.db") as ledger, pytest.raises(BadInput, match=r"keepword\[cluster\]"):
        simulate(scenario, ledger=ledger, cluster="tcp://127.0.0.1:8786", progress=False)


def test_more_processes_than_cores_are_capped_with_a_note_not_refused(tmp_path, capsys):
    """A CI script's `--processes 4` must run on a 2-core runner too: more workers than cores
    only share them, so the run uses the cores there are and says so."""
    import os

    cores = os.cpu_count() or 1
    code = main(["simulate", "scenarios/baseline.yaml", "--processes", str(cores + 3), "--replications", "2",
                 "--no-progress", "--ledger", str(tmp_path / "l.db")])
    err = capsys.readouterr().err
    assert code == 0, err
    assert f"note: --processes {cores + 3}: this machine has {cores} core" in err and f"using {cores}" in err
    with open_ledger(tmp_path / "l.db") as ledger:
        (run,) = ledger.runs()
        assert run.status == "complete" and run.params["processes"] == cores


def test_an_empty_output_file_may_be_written(tmp_path, capsys):
    """`out=$(mktemp); keepword simulate ... --csv "$out"` was refused: an empty file has no
    header, so it read as a file keepword did not write; it holds nothing to lose."""
    out = tmp_path / "tmp.XXXX"
    out.write_bytes(b"")
    assert main(["simulate", "scenarios/baseline.yaml", "--replications", "1", "--processes", "1", "--no-progress",
                 "--ledger", str(tmp_path / "l.db"), "--csv", str(out)]) == 0, capsys.readouterr().err
    assert out.read_text(encoding="utf-8").startswith("group,replications,")
