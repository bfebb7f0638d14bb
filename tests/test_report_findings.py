"""What a store owner reads first: the fix-first list (one row per problem, ranked by the
journeys and orders it hit, with product names), store errors counted apart, worst steps by
where promises broke, journeys without follow-up bookkeeping, broken-promise cards that tell
claim and decision apart, readable thumbnails, and `keepword report`'s exit codes.

Every ledger here is written with the real ledger API, as the shopper writes it: claims about
SKUs, line totals, subtotals, shipping codes and order numbers, and one product note per journey.
"""

from __future__ import annotations

import base64
import io
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from keepword.cli import main
from keepword.ledger import open_ledger
from keepword.money import Money
from keepword.recorded import product_note
from keepword.records import (
    Claim,
    Evidence,
    HarnessFailure,
    Journey,
    Observation,
    StoreError,
    Verdict,
)
from reports import build
from reports.testing import write_png

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
STORE_T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC) + timedelta(days=30)  # a store clock of its own
URL = "http://127.0.0.1:8765"


def _gbp(text: str) -> Money:
    return Money.of(text, "GBP")


@dataclass
class Shop:
    """Writes journeys the way the shopper does, one at a time."""

    book: object
    run_id: int
    shots: Path
    at: datetime = T0
    journeys: list[Journey] = field(default_factory=list)

    def journey(self, sku: str, title: str, order: str | None = None) -> Journey:
        self.at += timedelta(minutes=10)
        j = Journey("guest_checkout", shopper=f"shopper-{len(self.journeys)}", started_at=self.at)
        self.journeys.append(j)
        records: list = [j, Evidence(j.id, "note", text=product_note(sku, title))]
        if order:  # the order number names the e-mail and delivery claims
            records.append(Claim("email", order, self.at + timedelta(minutes=1), step="confirmation",
                                 journey_id=j.id, made_at=self.at))
            records.append(Claim("delivery_date", order, (self.at + timedelta(days=3)).date(),
                                 step="confirmation", journey_id=j.id, made_at=self.at))
        self.book.write(self.run_id, *records)
        return j

    def judged(self, j: Journey, kind: str, subject: str, said: object, seen: object, *,
               said_step: str, seen_step: str, shot: bool = False, minutes: int = 2) -> Claim:
        made = self.at + timedelta(seconds=30)
        claim = Claim(kind, subject, said, step=said_step, journey_id=j.id, url=f"{URL}/{said_step}",
                      made_at=made, store_at=STORE_T0 + (made - T0))
        decided = made + timedelta(minutes=minutes)
        observation = Observation(claim.id, seen, step=seen_step, url=f"{URL}/{seen_step}", observed_at=decided)
        outcome = "kept" if said == seen else "broken"
        verdict = Verdict(claim.id, outcome, expected=said, actual=seen, observation_id=observation.id,
                          difference="" if outcome == "kept" else "differs", decided_at=decided,
                          store_at=STORE_T0 + (decided - T0))
        records: list = [claim, observation, verdict]
        if shot:
            png = write_png(self.shots / f"{claim.id}.png", size=(1280, 720))
            records.append(Evidence(verdict.id, "screenshot", path=str(png)))
        self.book.write(self.run_id, *records)
        return claim


def _findings_ledger(tmp_path: Path, *, store_errors: bool = True):
    """Two shop runs and a follow-up: a price drift on the basket page for three journeys (two
    products, two of them with orders), a shipping charge that changed at the preview for one
    order, an order total the e-mail contradicted, and the store failing at place-order twice."""
    book = open_ledger(tmp_path / "data" / "ledger.db")
    shots = tmp_path / "shots"
    run1 = book.start_run("shop", scenario="scenarios/demo.yaml", params={"store": "demo"})
    s = Shop(book, run1.id, shots)
    a = s.journey("KIT-001", "Copper Kettle", order="KW-0001")
    s.judged(a, "price", "KIT-001", _gbp("12.99"), _gbp("13.99"), said_step="product", seen_step="basket", shot=True)
    s.judged(a, "price", "KIT-001 line total", _gbp("13.99"), _gbp("13.99"), said_step="basket", seen_step="basket")
    s.judged(a, "shipping_charge", "express", _gbp("3.95"), _gbp("5.45"), said_step="shipping", seen_step="preview")
    b = s.journey("GAR-006", "Garden Hose 20m", order="KW-0002")
    s.judged(b, "price", "GAR-006", _gbp("27.99"), _gbp("28.99"), said_step="product", seen_step="basket")
    s.judged(b, "order_total", "KW-0002", _gbp("30.94"), _gbp("33.94"), said_step="confirmation", seen_step="email")
    c = s.journey("BOK-002", "A Field Guide to Moths")
    s.judged(c, "price", "BOK-002", _gbp("9.99"), _gbp("9.99"), said_step="listing", seen_step="product")
    book.end_run(run1.id, "complete")

    run2 = book.start_run("shop", scenario="scenarios/demo.yaml", params={"store": "demo"})
    s2 = Shop(book, run2.id, shots, at=T0 + timedelta(days=1))
    d = s2.journey("KIT-001", "Copper Kettle")
    s2.judged(d, "price", "KIT-001", _gbp("12.99"), _gbp("13.99"), said_step="product", seen_step="basket")
    if store_errors:
        for sku, title in (("GAR-006", "Garden Hose 20m"), ("KIT-001", "Copper Kettle")):
            j = s2.journey(sku, title)
            s2.at += timedelta(minutes=1)
            error = StoreError(j.id, "place-order", "the store answered 500 Internal Server Error",
                               url=f"{URL}/checkout/place", status=500, title="Internal Server Error",
                               at=s2.at, store_at=STORE_T0 + (s2.at - T0))
            png = write_png(shots / f"{error.id}.png", colour=(120, 40, 160))
            book.write(run2.id, error, Evidence(error.id, "screenshot", path=str(png)))
    e = s2.journey("BOK-002", "A Field Guide to Moths")
    book.write(run2.id, HarnessFailure(e.id, "basket", "no element matched [data-testid=basket-line]",
                                       url=f"{URL}/basket", at=s2.at))
    book.end_run(run2.id, "complete")

    follow = book.start_run("follow-up")
    bookkeeping = Journey("follow-up", shopper="follow-up")  # as journeys/followup.py writes it
    claims = [c for c in book.claims([run1.id]) if c.kind == "delivery_date"]
    book.write(follow.id, bookkeeping, *[
        Verdict(c.id, "kept", expected=c.value, actual=c.value, decided_at=T0 + timedelta(days=5)) for c in claims])
    book.end_run(follow.id, "complete")
    return book


@pytest.fixture
def findings(tmp_path):
    book = _findings_ledger(tmp_path)
    result = build(book, tmp_path / "report")
    yield book, result, json.loads(result.summary_path.read_text()), result.html_path.read_text()
    book.close()


def test_fix_first_ranks_problems_by_journeys_and_orders_and_names_products(findings):
    _, _, summary, html = findings
    rows = summary["observed"]["fix_first"]
    got = [(r["rank"], r["kind"], r["claimed_step"], r["broke_step"], r["journeys"], r["orders"], r["times"])
           for r in rows]
    assert got == [
        (1, "price", "product", "basket", 3, 2, 3),        # journeys a, b and d; a and b placed orders
        (2, "store_error", None, "place-order", 2, 0, 2),
        (3, "order_total", "confirmation", "email", 1, 1, 1),
        (4, "shipping_charge", "shipping", "preview", 1, 1, 1),
    ], got
    price = rows[0]
    assert [(p["sku"], p["title"], p["times"]) for p in price["products"]] == [
        ("KIT-001", "Copper Kettle", 2), ("GAR-006", "Garden Hose 20m", 1)]
    # An order total, a shipping code and an order number are never "products": their journey's are.
    assert [p["title"] for p in rows[2]["products"]] == ["Garden Hose 20m"]
    assert [p["title"] for p in rows[3]["products"]] == ["Copper Kettle"]
    assert {p["title"] for p in rows[1]["products"]} == {"Garden Hose 20m", "Copper Kettle"}
    # First and last seen, on the real clock and the store's.
    assert price["first_seen"] < price["last_seen"]
    assert price["first_seen_store"] and price["first_seen_store"] != price["first_seen"]
    # The example is the latest one with a screenshot (journey a's, run 1), not merely the latest.
    example = next(b for b in summary["observed"]["broken"] if b["claim_id"] == price["example"]["id"])
    assert example["subject"] == "KIT-001" and example["screenshots"]
    # The page lays out the same rows, in the same order, with product names and the example.
    table = html[html.index('data-testid="fix-first"'):]
    table = table[:table.index("</table>")]
    assert [m for m in re.findall(r'data-kind="([a-z_]+)"', table)] == [r["kind"] for r in rows]
    assert "Copper Kettle (KIT-001), Garden Hose 20m (GAR-006)" in table
    assert f'href="#claim-{price["example"]["id"]}"' in table and "(<a href=\"screenshots/" in table
    for gone in ("worst-skus", "Worst SKUs"):
        assert gone not in html


def test_order_numbers_shipping_codes_and_orders_are_never_product_names(findings):
    _, _, summary, _ = findings
    names = {p["sku"] for r in summary["observed"]["fix_first"] for p in r["products"]}
    assert names == {"KIT-001", "GAR-006"}
    assert "worst_skus" not in summary["observed"]


def test_worst_steps_count_where_promises_broke(findings):
    _, _, summary, html = findings
    worst = {w["step"]: (w["broken"], w["harness_errors"]) for w in summary["observed"]["worst_steps"]}
    assert worst == {"basket": (3, 1), "email": (1, 0), "preview": (1, 0)}, worst
    assert "product" not in worst and "shipping" not in worst  # where the claims were made
    assert 'data-testid="worst-step-basket"' in html


def test_follow_up_bookkeeping_is_not_a_journey(findings):
    book, _, summary, html = findings
    journeys = summary["observed"]["journeys"]
    assert journeys["total"] == 7 == len(book.journeys()) - 1
    assert "follow-up" not in {j["name"] for j in journeys["list"]}
    assert journeys["outcomes"] == {"broken": 3, "store_error": 2, "harness_error": 1, "inconclusive": 0,
                                    "open": 0, "kept": 1, "empty": 0}
    # the card lists them by outcome
    card = re.search(r'data-testid="overall-journeys">(\d+)</span><span class="l">([^<]*)<', html)
    assert card and card.group(1) == "7"
    assert card.group(2) == "journeys: 3 broken, 2 store error, 1 harness error, 1 kept"


def test_store_errors_are_counted_apart_never_in_the_rate_nor_with_harness_errors(findings, tmp_path):
    _, result, summary, html = findings
    observed = summary["observed"]
    assert observed["store_errors"] == 2 and observed["harness_errors"] == 1
    without = build(_findings_ledger(tmp_path / "honest", store_errors=False), tmp_path / "r2").summary
    assert without is not None
    assert {k: observed["overall"][k] for k in ("kept", "broken", "rate", "lo", "hi")} == \
        {k: without["observed"]["overall"][k] for k in ("kept", "broken", "rate", "lo", "hi")}
    assert [e["status"] for e in observed["store_error_list"]] == [500, 500]
    assert all("500" not in f["message"] for f in observed["harness_failures"])
    assert re.search(r'data-testid="overall-store-errors">2<', html)
    assert re.search(r'data-testid="overall-harness-errors">1<', html)
    block = html[html.index('<section id="store-errors">'):]
    block = block[:block.index("</section>")]
    assert block.count('data-testid="store-error-item"') == 2 and "HTTP 500 Internal Server Error" in block
    assert "no element matched" not in block
    junit = result.junit_path.read_text()
    assert junit.count('type="store_error"') == 2


def test_a_broken_card_says_where_and_when_it_was_claimed_and_decided(findings):
    _, _, summary, html = findings
    broken = next(b for b in summary["observed"]["broken"] if b["subject"] == "GAR-006")
    card = html[html.index(f'data-claim="{broken["claim_id"]}"'):]
    claimed = re.search(r'data-field="claimed-at">([^<]*)<', card).group(1)
    decided = re.search(r'data-field="decided-at">([^<]*)<', card).group(1)
    assert claimed.startswith("product, ") and decided.startswith("basket, ")
    assert claimed != decided
    # The store runs a clock of its own: both say store time, two minutes apart.
    assert "store time" in claimed and "store time" in decided


def test_thumbnails_keep_the_pages_text_at_full_size(tmp_path):
    """A 1280-wide screenshot whose content fills the left half (a basket page) becomes a
    thumbnail of that content at full size, not the whole width shrunk to a few hundred pixels."""
    from PIL import Image, ImageDraw

    from reports.images import screenshot

    page = Image.new("RGB", (1280, 720), (255, 255, 255))
    draw = ImageDraw.Draw(page)
    draw.rectangle((0, 0, 1279, 48), fill=(30, 58, 95))           # a header bar across the page
    draw.rectangle((24, 150, 672, 236), outline=(0, 0, 0))         # the basket table
    draw.text((36, 180), "Copper Kettle   £12.99", fill=(0, 0, 0))
    page.save(tmp_path / "basket.png")
    shot = screenshot(str(tmp_path / "basket.png"), "e1", tmp_path / "out", [])
    assert shot.thumb is not None
    thumb = Image.open(io.BytesIO(base64.b64decode(shot.thumb.split(",", 1)[1])))
    assert thumb.size == (672 + 1 + 16, 236 + 1 + 16), thumb.size
    # Same pixels, not rescaled: the text row reads as it did on the page.
    assert thumb.crop((30, 170, 200, 200)).convert("L").getextrema()[0] < 60
    assert (tmp_path / "out" / "screenshots" / "e1.png").exists()


def _report(ledger: Path, out: Path, *args: str) -> int:
    return main(["report", "--ledger", str(ledger), "--out", str(out), *args])


def _one_journey(tmp_path: Path, name: str, *, broken: bool = False, harness: bool = False,
                 store_error: bool = False) -> Path:
    path = tmp_path / name / "ledger.db"
    with open_ledger(path) as book:
        run = book.start_run("shop")
        s = Shop(book, run.id, tmp_path / name / "shots")
        j = s.journey("KIT-001", "Copper Kettle")
        s.judged(j, "price", "KIT-001", _gbp("12.99"), _gbp("12.99"), said_step="listing", seen_step="product")
        if broken:
            s.judged(j, "price", "KIT-001", _gbp("12.99"), _gbp("13.49"), said_step="product", seen_step="basket")
        if harness:
            book.write(run.id, HarnessFailure(j.id, "basket", "no element matched", at=s.at))
        if store_error:
            book.write(run.id, StoreError(j.id, "place-order", "HTTP 503 from the store", status=503, at=s.at))
        book.end_run(run.id, "complete")
    return path


@pytest.mark.parametrize(("case", "args", "code"), [
    ({}, (), 0),
    ({"broken": True}, (), 1),
    ({"store_error": True}, (), 1),
    ({"harness": True}, (), 3),
    ({"broken": True, "harness": True}, (), 1),
    ({"broken": True}, ("--fail-under", "all=50%"), 0),      # a gate decides instead: 50% kept is met
    ({"broken": True}, ("--fail-under", "all=90%"), 1),
    ({"store_error": True}, ("--fail-under", "all=50%"), 1),  # no rate holds a store error
    ({}, ("--fail-under", "all=fast"), 2),
])
def test_report_exit_codes(tmp_path, capsys, case, args, code):
    ledger = _one_journey(tmp_path, "book", **case)
    assert _report(ledger, tmp_path / "out", *args) == code
    out = capsys.readouterr().out
    if code != 2:
        assert "store errors" in out.splitlines()[0]
    assert _report(tmp_path / "none.db", tmp_path / "out") == 2
