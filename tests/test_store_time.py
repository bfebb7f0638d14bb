"""Verdicts the store earned, judged on the store's clock (issue 10).

Real parts: the demo store over HTTP with its own clock, a real mail sink, headless Chromium, a
SQLite ledger; the machine's clock is moved for whole child processes with Debian's `faketime`
(libfaketime), so nothing can depend on the date the suite happens to run on.

Costs (2 cores): the machine-clock tests run a small shop + follow-up three times (about 20 s
each) and the quick demo twice; the rest are seconds.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from journeys import checks
from journeys.rivals import Takes
from keepword.ledger import open_ledger
from keepword.scenario import Tolerances, scenario_for_profile
from keepword.storetime import ReadTime, ZoneTime

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "scenarios" / "stores" / "demo.yaml"
START = "2026-11-23T09:00:00+00:00"  # the tests' Monday; every test sets its own store start

needs_faketime = pytest.mark.skipif(shutil.which("faketime") is None,
                                    reason="needs Debian's faketime (./run test installs it)")


# -- store time ---------------------------------------------------------------------------------
def test_zone_time_is_real_time_in_the_store_zone():
    real = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    tokyo = ZoneTime("Asia/Tokyo", clock=lambda: real).now()
    assert tokyo.isoformat() == "2027-01-01T08:30:00+09:00"  # already next year in the store's zone
    assert ZoneTime("Europe/London", clock=lambda: real).now().date() == date(2026, 12, 31)


def test_a_store_clock_is_read_from_the_store_not_the_machine(store):
    clock = ReadTime(store.url + "store-time", "now", "Europe/London")
    before = clock.now()
    assert before == store.now()  # the conftest store's clock is stopped at its own Monday
    assert before.date() == date(2026, 11, 23)
    store.advance_clock(48)
    assert clock.now() - before == timedelta(hours=48)


def test_a_dead_store_clock_is_a_harness_error_naming_the_url():
    from keepword.errors import HarnessError

    with pytest.raises(HarnessError, match=r"store clock: http://127\.0\.0\.1:9/store-time: connection refused"):
        ReadTime("http://127.0.0.1:9/store-time").now()


def test_overdue_is_decided_on_the_store_date_given():
    promised = date(2026, 11, 26)
    none = Tolerances()
    assert checks.delivered_by(promised, None, date(2026, 11, 26), none) is None  # still open that day
    assert checks.delivered_by(promised, None, date(2026, 11, 27), none).outcome == "broken"
    assert checks.delivered_by(promised, date(2026, 11, 25), date(2027, 11, 30), none).outcome == "kept"


# -- rivals: keepword's own shoppers ---------------------------------------------------------------
def test_a_refusal_the_runs_own_orders_explain_is_inconclusive():
    takes = Takes()
    claim_at = datetime.now(UTC)
    mine, other = "journey-b", "journey-a"
    take = takes.begin(other, "shopper-0", "KIT-001", 1)
    takes.end(take)
    taken, who = takes.by_others("KIT-001", mine, claim_at)
    assert (taken, who) == (1, ["shopper-0"])
    judged = checks.availability("in_stock", "out_of_stock", taken=taken, takers=tuple(who), left=1)
    assert judged.outcome == "inconclusive" and "shopper-0 took the 1 left" in judged.difference
    # Others took fewer units than the page said were left: the store's refusal is on the store.
    assert checks.availability("in_stock", "out_of_stock", taken=1, takers=("s",), left=5).outcome == "broken"
    # No rival at all: broken, as ever; and what one's own journey took never excuses the store.
    assert checks.availability("in_stock", "out_of_stock", taken=0, left=None).outcome == "broken"
    assert takes.by_others("KIT-001", other, claim_at) == (0, [])
    # A take that ended before the claim was read cannot have changed what the claim saw.
    assert takes.by_others("KIT-001", mine, datetime.now(UTC) + timedelta(seconds=1)) == (0, [])


@pytest.mark.timeout(300)
def test_three_shoppers_on_the_last_unit_blame_the_store_for_nothing(tmp_path, store, sink):
    """The race from issue 10: one unit left, three shoppers; the store rightly sells one."""
    from journeys.runner import shop

    store.set_faults({})
    store.set_stock(**{sku: (1 if sku == "KIT-001" else 0) for sku in store.stock()})
    plan = scenario_for_profile(DEMO, base_url=store.url, mail={"dir": sink.dir}, shoppers=3,
                                journeys_per_shopper=1, quantity=(1, 1))
    with open_ledger(tmp_path / "ledger.db") as ledger:
        result = shop(plan, ledger=ledger, progress=False)
        verdicts = ledger.verdicts([result.run_id])
        claims = {c.id: c for c in ledger.claims([result.run_id])}
    assert result.harness_errors == 0, result.harness_messages
    assert result.broken == 0, [str(f) for f in result.findings]
    assert store.stock()["KIT-001"] == 0
    assert sum(1 for o in store.shop.orders.values() if any(line.product.sku == "KIT-001" for line in o.lines)) == 1
    inconclusive = [v for v in verdicts if v.outcome == "inconclusive"]
    # At least one rival got as far as being refused, and that refusal says whose doing it was.
    assert inconclusive, "no shopper met the race: the test proves nothing"
    for verdict in inconclusive:
        assert claims[verdict.claim_id].kind == "availability"
        assert "keepword's own" in verdict.difference


# -- what a run records, follow-up reads -------------------------------------------------------------
@pytest.mark.timeout(300)
def test_follow_up_uses_the_recorded_tolerances_when_the_scenario_is_gone(tmp_path, sink):
    """Shop with delivery_days: 3 against deliveries 2 days late; delete the scenario and the
    profile; follow-up still judges them kept (with the default tolerance 0 they would break)."""
    from demo_store.testing import running_store
    from journeys.followup import follow_up
    from journeys.runner import shop
    from keepword.scenario import load_scenario

    folder = tmp_path / "mine"
    (folder / "stores").mkdir(parents=True)
    shutil.copy(DEMO, folder / "stores" / "demo.yaml")
    config = {"clock": {"speed": 0, "start": START}, "mail": {"port": sink.port}, "faults": {
        "late_delivery": {"rate": 1.0, "seed": 1, "days": 2}}, "ground_truth": str(tmp_path / "truth.jsonl")}
    with running_store(config) as own:
        (folder / "scenario.yaml").write_text(
            f"name: tolerant\nstore: stores/demo.yaml\nbase_url: {own.url}\nshoppers: 1\njourneys_per_shopper: 2\n"
            f"allow_orders_on: [127.0.0.1]\npersona: {{email_domain: shoppers.example.test}}\n"
            f"mail: {{dir: {sink.dir}, wait_seconds: 5}}\ntolerances: {{delivery_days: 3}}\n")
        plan = load_scenario(folder / "scenario.yaml")
        with open_ledger(tmp_path / "ledger.db") as ledger:
            bought = shop(plan, ledger=ledger, progress=False)
            shutil.rmtree(folder)  # the files are gone; the ledger remembers
            own.advance_clock(24 * 21)
            later = follow_up(ledger, progress=False)
            promises = {c.id for c in ledger.claims([bought.run_id], kind="delivery_date")}
            outcomes = [v.outcome for v in ledger.verdicts([later.run_id]) if v.claim_id in promises]
        late = [t for t in own.ground_truth() if t["fault"] == "late_delivery"]
    assert bought.harness_errors == 0 and later.harness_errors == 0, later.harness_messages
    assert late and len(outcomes) == len(late), (outcomes, late)
    assert set(outcomes) == {"kept"}, "2 days late is within the recorded tolerance of 3 days"


# -- the machine's clock moved ------------------------------------------------------------------------
_SHOP_AND_FOLLOW_UP = """
import json, sys
from pathlib import Path
from demo_store.testing import running_store
from demo_store.truth import score_against_truth
from journeys.followup import follow_up
from journeys.runner import shop
from keepword.ledger import open_ledger
from keepword.mail import running_mail_sink
from keepword.scenario import scenario_for_profile

out = Path(sys.argv[1])
with running_mail_sink(out / "mail") as sink:
    config = {"clock": {"speed": 0, "start": "%(start)s"}, "mail": {"port": sink.port},
              "ground_truth": str(out / "truth.jsonl"), "faults": %(faults)s}
    with running_store(config) as store, open_ledger(out / "ledger.db") as ledger:
        plan = scenario_for_profile("%(profile)s", base_url=store.url, mail={"dir": sink.dir, "wait_seconds": 10},
                                    shoppers=1, journeys_per_shopper=4, seed=3)
        bought = shop(plan, ledger=ledger, progress=False)
        later = follow_up(ledger, progress=False)       # at once: nothing is overdue yet
        store.advance_clock(24 * 21)
        last = follow_up(ledger, progress=False)        # three store weeks on
        runs = [bought.run_id, later.run_id, last.run_id]
        claims = {c.id: c for c in ledger.claims()}
        verdicts = sorted((claims[v.claim_id].kind, claims[v.claim_id].step, v.outcome, v.difference, index)
                          for index, run in enumerate(runs) for v in ledger.verdicts([run]))
        score = score_against_truth(ledger, runs, store.ground_truth())
        store_days = sorted({c.store_at.date().isoformat() for c in claims.values() if c.store_at})
print(json.dumps({"verdicts": verdicts, "line": score.line(), "missed": score.missed,
                  "invented": len(score.invented), "harness": bought.harness_errors + later.harness_errors
                  + last.harness_errors, "store_days": store_days}))
"""


def _under_faketime(offset: str, argv: list[str], cwd: Path, timeout: int = 400) -> subprocess.CompletedProcess[str]:
    """Run a child with the machine's clock moved by `offset` (faketime's +365d / -30d)."""
    command = [*(["faketime", "-f", offset] if offset else []), *argv]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"})


@needs_faketime
@pytest.mark.timeout(1200)
def test_shop_and_follow_up_give_the_same_verdicts_whatever_the_machine_date(tmp_path):
    faults = {"late_delivery": {"rate": 0.5, "seed": 5, "days": 2},
              "price_drift": {"rate": 0.3, "seed": 1, "step": "basket"}}
    script = _SHOP_AND_FOLLOW_UP % {"start": START, "faults": faults, "profile": DEMO}
    results = {}
    for offset in ("", "+365d", "-30d"):
        out = tmp_path / (offset or "today")
        out.mkdir()
        done = _under_faketime(offset, [sys.executable, "-c", script, str(out)], tmp_path)
        assert done.returncode == 0, done.stderr[-3000:]
        results[offset] = json.loads(done.stdout.strip().splitlines()[-1])
    today = results[""]
    assert today["harness"] == 0 and today["invented"] == 0 and today["missed"] == []
    assert "late_delivery" in json.dumps(faults) and any(v[0] == "delivery_date" and v[2] == "broken"
                                                         for v in today["verdicts"])
    # The first follow-up comes while store time stands still: nothing is overdue (run index 1
    # breaks nothing); the late deliveries break three store weeks on (run index 2).
    assert not [v for v in today["verdicts"] if v[2] == "broken" and v[4] == 1]
    assert [v for v in today["verdicts"] if v[0] == "delivery_date" and v[2] == "broken" and v[4] == 2]
    assert today["store_days"] == ["2026-11-23"]  # every claim on the store's own Monday
    for offset in ("+365d", "-30d"):
        assert results[offset]["verdicts"] == today["verdicts"], f"machine clock {offset} changed the verdicts"
        assert results[offset]["line"] == today["line"]


@needs_faketime
@pytest.mark.timeout(900)
@pytest.mark.parametrize("offset", ["+365d", "-30d"])
def test_the_demo_checks_itself_on_any_date(tmp_path, offset):
    done = _under_faketime(offset, [sys.executable, "-c", "from keepword.cli import main; main()",
                                    "demo", "--quick", "--shoppers", "2", "--out", str(tmp_path / "demo")], tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(x for x in done.stderr.splitlines() if "on purpose" in x)
    injected = int(line.split("the store broke ", 1)[1].split()[0])
    assert f"keepword found {injected} and invented 0" in line, line
    assert injected > 0
