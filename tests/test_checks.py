"""Checks judge: money within tolerance, dates, deliveries, e-mails; the notebook's records."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from journeys import checks
from journeys.notebook import Notebook, Reading
from journeys.result import ShopResult
from keepword.ledger import open_ledger
from keepword.money import Money
from keepword.records import Claim, Evidence, Journey, Observation, Verdict
from keepword.scenario import Tolerances

GBP = "GBP"


def m(amount: str) -> Money:
    return Money(Decimal(amount), GBP)


def test_same_money_within_tolerance():
    assert checks.same_money(m("12.99"), m("12.99"), Tolerances()).outcome == "kept"
    broken = checks.same_money(m("12.99"), m("13.99"), Tolerances())
    assert broken.outcome == "broken" and broken.difference == "+1.00 GBP"
    assert checks.same_money(m("12.99"), m("13.00"), Tolerances(money=Decimal("0.01"))).outcome == "kept"
    assert checks.same_money(m("1"), Money(Decimal(1), "EUR"), Tolerances()).outcome == "broken"
    assert checks.same_money("In stock", m("1"), Tolerances()).outcome == "inconclusive"


def test_same_dates_and_states():
    assert checks.same("in_stock", "in_stock").outcome == "kept"
    assert checks.same("in_stock", "out_of_stock").outcome == "broken"
    assert checks.same(date(2026, 11, 26), date(2026, 11, 27)).difference == "+1 days"
    assert checks.same(date(2026, 11, 26), date(2026, 11, 27), Tolerances(delivery_days=1)).outcome == "kept"


def test_delivery_promise():
    tol = Tolerances()
    latest = date(2026, 11, 26)
    assert checks.delivered_by(latest, date(2026, 11, 25), date(2026, 12, 1), tol).outcome == "kept"
    assert checks.delivered_by(latest, date(2026, 11, 28), date(2026, 12, 1), tol).difference == "delivered 2 days late"
    assert checks.delivered_by(latest, None, date(2026, 11, 26), tol) is None  # still open
    assert checks.delivered_by(latest, None, date(2026, 11, 27), tol).outcome == "broken"
    assert checks.delivered_by(latest, date(2026, 11, 27), date(2026, 12, 1), Tolerances(delivery_days=1)).outcome == "kept"


def test_email_in_time():
    deadline = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert checks.arrived_in_time(deadline, deadline - timedelta(seconds=5), deadline).outcome == "kept"
    assert checks.arrived_in_time(deadline, deadline + timedelta(seconds=5), deadline).outcome == "broken"
    assert checks.arrived_in_time(deadline, None, deadline - timedelta(seconds=1)) is None
    assert checks.arrived_in_time(deadline, None, deadline + timedelta(seconds=1)).difference == "no e-mail by the time limit"


def test_notebook_writes_a_check_and_its_evidence_together(tmp_path):
    batches = []
    shots = []
    notebook = Notebook(Journey("guest_checkout", shopper="s1"), sink=batches.append,
                        screenshot=lambda label: shots.append(label) or str(tmp_path / f"{label}.png"))
    said = Reading(m("12.99"), "product", "http://shop/p", "<p>£12.99</p>")
    seen = Reading(m("13.99"), "basket", "http://shop/basket", "<td>£13.99</td>")
    notebook.judge("price", "KIT-001", said, seen, checks.same_money, Tolerances())
    notebook.judge("price", "KIT-001", said, said, checks.same_money, Tolerances())
    notebook.flush()
    assert notebook.counts["broken"] == 1 and notebook.counts["kept"] == 1
    assert shots == ["broken-price-basket"]  # a screenshot for the broken verdict only
    finding = notebook.findings[0]
    assert "claimed at product: 12.99 GBP" in str(finding) and "seen at basket: 13.99 GBP (+1.00 GBP)" in str(finding)
    assert finding.screenshot.endswith("broken-price-basket.png")
    [batch] = batches  # one step, one batch, one transaction
    with open_ledger(tmp_path / "ledger.db") as ledger:
        with ledger.running("shop") as run:
            ledger.write(run.id, *batch)
        verdicts = ledger.verdicts()
        claims = {c.id: c for c in ledger.claims()}
        broken = next(v for v in verdicts if v.outcome == "broken")
        assert claims[broken.claim_id].value == m("12.99") and broken.actual == m("13.99")
        kinds = {e.kind for e in ledger.evidence(broken.id)}
        assert kinds == {"screenshot"}
        assert {e.kind for e in ledger.evidence(broken.claim_id)} == {"url", "html"}
    assert sum(isinstance(r, Claim) for r in batch) == 2
    assert sum(isinstance(r, Observation) for r in batch) == 2
    assert sum(isinstance(r, Verdict) for r in batch) == 2
    assert any(isinstance(r, Evidence) and r.kind == "screenshot" for r in batch)


def test_open_claims_are_counted_until_closed():
    notebook = Notebook(Journey("j"))
    claim = notebook.claim("delivery_date", "KW-1", Reading(date(2026, 11, 26), "confirmation"))
    assert notebook.counts["open"] == 1
    notebook.close(claim, Reading(date(2026, 11, 25), "status"), checks.Judgement("kept"))
    assert notebook.counts == {"kept": 1, "broken": 0, "inconclusive": 0, "open": 0}


def test_exit_codes():
    assert ShopResult(1, 5, 0, 0).exit_code == 0
    assert ShopResult(1, 5, 1, 2).exit_code == 1
    assert ShopResult(1, 5, 0, 2).exit_code == 3
