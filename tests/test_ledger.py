"""The ledger: round trips, append-only, one transaction per check, survives SIGKILL."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from keepword.ledger import open_ledger
from keepword.money import Money
from keepword.records import (
    Claim,
    Evidence,
    Figure,
    HarnessFailure,
    Journey,
    Observation,
    Record,
    Tally,
    Verdict,
)


@pytest.fixture
def ledger(tmp_path):
    book = open_ledger(tmp_path / "ledger.db")
    yield book
    book.close()


def test_records_round_trip_with_exact_types(ledger):
    with ledger.running("shop", scenario="scenarios/demo.yaml", params={"shoppers": 2}) as run:
        journey = Journey("guest_checkout", shopper="1")
        price = Claim("price", "SKU-1", Money.of("1234.50", "GBP"), step="listing", journey_id=journey.id)
        when = Claim("delivery_date", "order-7", date(2026, 11, 26), step="shipping", journey_id=journey.id)
        seen = Observation(price.id, Money.of("1234.50", "GBP"), step="basket", url="http://s/basket")
        kept = Verdict(price.id, "kept", expected=price.value, actual=seen.value, observation_id=seen.id)
        fail = HarnessFailure(journey.id, "checkout", "no element matched #pay", url="http://s/pay")
        shot = Evidence(fail.id, "screenshot", path="evidence/1/pay.png")
        ledger.write(run.id, journey, price, when, seen, kept, fail, shot)
    assert ledger.claims() == [price, when]
    assert ledger.claims(kind="delivery_date") == [when]
    assert ledger.observations() == [seen]
    assert ledger.verdicts() == [kept]
    assert ledger.harness_failures() == [fail]
    assert ledger.journeys() == [journey]
    assert ledger.evidence(fail.id) == [shot]
    assert isinstance(ledger.claims()[0].value.amount, Decimal)
    assert ledger.claims()[0].made_at.tzinfo is not None
    (stored,) = ledger.runs()
    assert stored.status == "complete" and stored.params == {"shoppers": 2}


def test_money_is_stored_as_integer_minor_units(ledger, tmp_path):
    run = ledger.start_run("shop")
    ledger.write(run.id, Claim("price", "SKU-1", Money.of("2200", "RUB")))
    raw = sqlite3.connect(tmp_path / "ledger.db").execute("SELECT value FROM claims").fetchone()[0]
    assert raw == '{"t": "money", "minor": 220000, "cur": "RUB"}'


def test_open_claims_are_those_without_a_verdict_across_runs(ledger):
    first = ledger.start_run("shop")
    promise = Claim("delivery_date", "order-1", date(2026, 11, 26))
    price = Claim("price", "SKU-1", Money.of("3", "GBP"))
    ledger.write(first.id, promise, price, Verdict(price.id, "kept"))
    assert ledger.open_claims() == [promise]
    later = ledger.start_run("follow-up")
    ledger.write(later.id, Verdict(promise.id, "broken", expected=date(2026, 11, 26),
                                   actual=date(2026, 11, 28), difference="+2 days"))
    assert ledger.open_claims() == []
    assert ledger.record_run_of(promise.id) == first.id


def test_indexed_queries_answer_as_the_generic_scans_do(ledger):
    from keepword.ledger.base import Ledger

    runs = [ledger.start_run("shop") for _ in range(3)]
    claims = [Claim(kind, f"S-{i}", Money.of(i, "GBP")) for i, kind in enumerate(["price", "order_total"] * 6)]
    for i, claim in enumerate(claims):
        ledger.write(runs[i % 3].id, claim, *([Verdict(claim.id, "kept")] if i % 4 == 0 else []))
    for kinds in (None, ["price"], ["order_total", "email"], []):
        assert ledger.open_claims(kinds) == Ledger.open_claims(ledger, kinds)
    for table in ("claims", "verdicts", "tallies"):
        assert ledger.counts(table) == Ledger.counts(ledger, table)
    for claim in claims:
        assert ledger.record_run_of(claim.id) == Ledger.record_run_of(ledger, claim.id)
    assert ledger.record_run_of("nope") is None


def test_the_ledger_refuses_edits_and_deletes(ledger, tmp_path):
    run = ledger.start_run("shop")
    claim = Claim("price", "SKU-1", Money.of("3", "GBP"))
    ledger.write(run.id, claim, Verdict(claim.id, "kept"))
    raw = sqlite3.connect(tmp_path / "ledger.db")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        raw.execute("UPDATE verdicts SET outcome = 'broken'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        raw.execute("DELETE FROM claims")


def test_a_failed_write_leaves_nothing_of_the_check(ledger):
    run = ledger.start_run("shop")
    claim = Claim("price", "SKU-1", Money.of("3", "GBP"))
    ledger.write(run.id, claim)
    duplicate = Claim("price", "SKU-2", Money.of("4", "GBP"), id=claim.id)
    with pytest.raises(sqlite3.IntegrityError):
        ledger.write(run.id, Claim("price", "SKU-3", Money.of("5", "GBP")), duplicate)
    assert [c.subject for c in ledger.claims()] == ["SKU-1"]


def test_running_marks_failed_and_interrupted_runs(ledger):
    with pytest.raises(RuntimeError), ledger.running("shop"):
        raise RuntimeError("boom")
    with pytest.raises(KeyboardInterrupt), ledger.running("shop"):
        raise KeyboardInterrupt
    assert [r.status for r in ledger.runs()] == ["failed", "interrupted"]


def test_model_records_round_trip(ledger):
    run = ledger.start_run("simulate")
    tally = Tally("delivery_date", date(2026, 12, 1), "packers=5", kept=480, broken=20, open=3)
    fig = Figure("on_time_rate", 0.96, 0.95, 0.97, {"packers": 5, "ad_multiplier": 2})
    ledger.write(run.id, tally, fig)
    assert ledger.tallies([run.id]) == [tally]
    assert ledger.figures([run.id]) == [fig]
    assert ledger.tallies([run.id + 1]) == []


def test_records_cross_process_boundaries_as_dicts():
    claim = Claim("order_total", "order-1", Money.of("12.30", "UAH"), made_at=datetime(2026, 1, 1, tzinfo=UTC))
    assert Record.from_dict(claim.to_dict()) == claim
    with pytest.raises(ValueError, match="naive"):
        Claim("price", "x", datetime(2026, 1, 1)).to_dict()
    with pytest.raises(ValueError):
        Claim("not-a-kind", "x", 1)


def test_a_newer_schema_is_refused_with_advice(tmp_path):
    path = tmp_path / "ledger.db"
    open_ledger(path).close()
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA user_version = 99")
    raw.close()
    from keepword.errors import BadInput

    with pytest.raises(BadInput, match="upgrade keepword"):
        open_ledger(path)


WRITER = textwrap.dedent(
    """
    import sys
    from keepword.ledger import open_ledger
    from keepword.money import Money
    from keepword.records import Claim, Evidence, Verdict
    ledger = open_ledger(sys.argv[1])
    run = ledger.start_run("shop", scenario="kill-test")
    i = 0
    while True:
        claim = Claim("price", f"SKU-{i}", Money.of(f"{i}.99", "GBP"))
        ledger.write(run.id, claim, Verdict(claim.id, "kept", expected=claim.value, actual=claim.value),
                     Evidence(claim.id, "html", text="<b>" + "x" * 2000 + "</b>"))
        print(i, flush=True)
        i += 1
    """
)


def test_sigkill_mid_run_loses_nothing_committed_and_leaves_the_run_incomplete(tmp_path):
    path = tmp_path / "ledger.db"
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    last = -1
    for line in proc.stdout:
        last = int(line)
        if last >= 200:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert last >= 200
    book = open_ledger(path)
    claims = book.claims()
    verdicts = {v.claim_id for v in book.verdicts()}
    subjects = {c.subject for c in claims}
    # every check the writer reported as committed is there, whole: claim, verdict and evidence
    assert {f"SKU-{i}" for i in range(last + 1)} <= subjects
    assert all(c.id in verdicts and book.evidence(c.id) for c in claims)
    (run,) = book.runs()
    assert run.status == "incomplete"
    assert book.query("PRAGMA integrity_check")[0][0] == "ok"  # type: ignore[attr-defined]
