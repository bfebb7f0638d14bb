"""`keepword catalogue`: the demo store with catalogue faults over real HTTP, real Chromium for the
rendered pages, a real SQLite ledger. Every injected mismatch is found and none invented; robots.txt
is obeyed; the pace holds at the server; 429 and 503 are retried after Retry-After; Ctrl-C keeps
what was checked."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from demo_store.testing import StoreHandle, running_store
from journeys.catalogue import CatalogueResult, check_catalogue
from keepword.ledger import open_ledger
from keepword.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "catalogue.yaml"
START = "2026-11-23T09:00:00+00:00"
FAULTS = {
    "feed_stale_price": {"rate": 0.03, "seed": 1},
    "feed_availability": {"rate": 0.03, "seed": 2},
    "js_only_price": {"rate": 0.03, "seed": 3},
    "jsonld_mismatch": {"rate": 0.03, "seed": 4, "per": "product", "field": "price"},
}
# What keepword must report for each injected fault: (kind, claimed on, observed on) of a broken
# verdict on the fault's product. "page" is the HTML as sent, or the rendered page where the HTML
# has no value (a product can be hit by a JS-only price and a stale feed price at once).
EXPECTED = {
    "feed_stale_price": [{("price", "feed", "page")}, {("price", "feed", "jsonld")}],
    "feed_availability": [{("availability", "feed", "page")}, {("availability", "feed", "jsonld")}],
    "js_only_price": [{("price", "rendered", "html")}],
    "jsonld_mismatch": [{("structured_data", "jsonld", "page")}, {("price", "feed", "jsonld")}],
}


def store_config(products: int, faults: dict[str, Any] | None = None, **crawl: Any) -> dict[str, Any]:
    return {"clock": {"speed": 0, "start": START}, "crawl": {"products": products, **crawl},
            "faults": faults if faults is not None else {}}


def broken_verdicts(ledger_path: Path, run_id: int) -> Counter[tuple[str, str, str, str]]:
    """(sku, kind, claimed on, observed on) of every broken verdict of the run, from the ledger."""
    book = open_ledger(ledger_path)
    try:
        rows = book.query(  # type: ignore[attr-defined]
            "SELECT c.subject, c.kind, c.source, o.source FROM verdicts v JOIN claims c ON c.id = v.claim_id "
            "JOIN observations o ON o.id = v.observation_id WHERE v.outcome = 'broken' AND c.run_id = ?", (run_id,))
    finally:
        book.close()
    return Counter((r[0], r[1], r[2], r[3]) for r in rows)


def score(truth: list[dict[str, Any]], broken: Counter[tuple[str, str, str, str]]) -> tuple[int, int, list[Any], list[Any]]:
    """(injected, found, missed faults, invented verdicts): a fault is found when every finding it
    must cause is in the ledger; a broken verdict is invented when no fault of its product explains it."""
    def page(observed: str) -> str:
        return "page" if observed in ("html", "rendered") else observed

    by_sku: dict[str, set[tuple[str, str, str]]] = {}
    for sku, kind, said, seen in broken:
        by_sku.setdefault(sku, set()).add((kind, said, page(seen) if (kind, said) != ("price", "rendered") else seen))
    missed, explained = [], set()
    injected = {(line["fault"], line["sku"]) for line in truth}
    for fault, sku in sorted(injected):
        needs = EXPECTED[fault]
        have = by_sku.get(sku, set())
        if not all(need & have for need in needs):
            missed.append((fault, sku, sorted(have)))
        for need in needs:
            explained |= {(sku, *n) for n in need}
    invented = [(sku, kind, said, seen) for sku, kind, said, seen in broken
                if (sku, kind, said, page(seen) if (kind, said) != ("price", "rendered") else seen) not in explained]
    return len(injected), len(injected) - len(missed), missed, invented


def run_check(store: StoreHandle, tmp_path: Path, **settings: Any) -> tuple[CatalogueResult, Path]:
    ledger_path = tmp_path / "ledger.db"
    with open_ledger(ledger_path) as book:
        result = check_catalogue(load_scenario(SCENARIO), ledger=book, base_url=store.url, **settings)
    return result, ledger_path


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The demo store at 300 products with the four catalogue faults at 3% each."""
    config = {**store_config(300, FAULTS), "ground_truth": str(tmp_path_factory.mktemp("truth") / "truth.jsonl")}
    with running_store(config) as store:
        yield store


def test_every_injected_mismatch_is_found_and_none_invented(faulty: StoreHandle, tmp_path: Path) -> None:
    result, ledger_path = run_check(faulty, tmp_path, rate=500, render_sample=5)
    truth = faulty.ground_truth()
    assert {line["fault"] for line in truth} == set(FAULTS), "each fault kind is injected at least once"
    injected, found, missed, invented = score(truth, broken_verdicts(ledger_path, result.run_id))
    assert (found, missed, invented) == (injected, [], [])
    assert result.checked == result.total == 300 and result.harness_error_count == result.store_error_count == 0
    surfaces = {(said, seen) for _, said, seen, *_ in result.surfaces()}
    assert {("feed", "html"), ("feed", "jsonld"), ("jsonld", "html"), ("html", "rendered"),
            ("rendered", "html")} <= surfaces
    js_only = sum(1 for line in truth if line["fault"] == "js_only_price")
    assert result.rendered >= js_only + 5 - 1  # the sample (maybe overlapping one) and every JS-only page
    assert result.exit_code == 1
    book = open_ledger(ledger_path)
    [run] = book.runs([result.run_id])
    assert (run.kind, run.status) == ("catalogue", "complete")
    book.close()


def test_an_honest_store_gets_no_broken_verdict_from_any_source(tmp_path: Path) -> None:
    with running_store(store_config(40, page_size=12)) as store:
        for source, feed in (("feed", "/feed.xml"), ("feed", "/feed.atom"), ("feed", "/feed.tsv"),
                             ("sitemap", None), ("listing", None)):
            result, _ = run_check(store, tmp_path / (feed or source).strip("/"), source=source, feed=feed,
                                  rate=500, render=False)
            assert (result.checked, result.broken, result.inconclusive, result.harness_error_count) == (40, 0, 0, 0), \
                (source, feed, result.findings[:3], result.harness_errors[:3])
            assert result.kept > 40 and result.exit_code == 0


def test_a_listing_that_shows_other_prices_than_its_pages_is_broken_product_by_product(tmp_path: Path) -> None:
    """The listing's cards are promises too: with every listing price 1.00 above the product's
    (the demo store's price drift at the listing, in every session), each product is one broken
    price, claimed on the listing and seen on its page and in its JSON-LD, by exactly that much;
    nothing else breaks."""
    config = store_config(30, {"price_drift": {"rate": 1, "step": "listing", "amount": "1.00"}}, page_size=12)
    with running_store(config) as store:
        result, ledger_path = run_check(store, tmp_path, source="listing", rate=500, render=False)
    assert (result.checked, result.harness_error_count) == (30, 0)
    broken = broken_verdicts(ledger_path, result.run_id)
    assert {(kind, said, seen) for _, kind, said, seen in broken} == {("price", "listing", "html"),
                                                                     ("price", "listing", "jsonld")}
    assert len({sku for sku, *_ in broken}) == 30 and sum(broken.values()) == 60
    with open_ledger(ledger_path) as book:
        differences = {str(v.difference) for v in book.verdicts([result.run_id]) if v.outcome == "broken"}
    assert differences == {"-1.00 GBP"}  # the page asks 1.00 less than the card said
    assert result.exit_code == 1


def test_robots_txt_disallow_is_honoured(tmp_path: Path) -> None:
    config = store_config(60, disallow=["/admin/", "/basket", "/checkout/", "/product/KIT-00"])
    with running_store(config) as store:
        result, ledger_path = run_check(store, tmp_path, rate=500, render=False)
        fetched = [path for _, path in store.requests()]
    assert "/robots.txt" in fetched
    assert not [p for p in fetched if p.startswith("/product/KIT-00")]
    refused = [sku for sku in _skus(60) if sku.startswith("KIT-00")]
    assert result.skipped_robots == len(refused) > 0
    assert result.checked == 60 and result.broken == 0
    with open_ledger(ledger_path) as book:
        subjects = {c.subject for c in book.claims([result.run_id])}
    assert subjects.isdisjoint(refused) and len(subjects) == 60 - len(refused)


def _skus(n: int) -> list[str]:
    from demo_store.catalogue import load_catalogue, scaled

    return [p.sku for p in scaled(load_catalogue(None, "GBP"), n).products]


def test_the_pace_holds_at_the_server(tmp_path: Path) -> None:
    """Requests per second counted by the store itself: never more than the rate in any second."""
    rate = 5.0
    with running_store(store_config(25)) as store:
        result, _ = run_check(store, tmp_path, rate=rate, concurrency=8, render=False)
        times = sorted(t for t, path in store.requests() if path.startswith("/product/"))
    assert result.checked == 25 and len(times) == 25
    # Start times are 1/rate apart at the client; arrivals logged by a busy store (it runs in this
    # process) can bunch a little, so the bound is over two seconds, and over the whole run.
    busiest = max(sum(1 for t in times if start <= t < start + 2.0) for start in times)
    assert busiest <= 2 * rate + 2, f"{busiest} requests in two seconds at a rate of {rate:g}/s"
    assert (times[-1] - times[0]) >= (len(times) - 1) / rate * 0.95


@pytest.mark.parametrize("status", [429, 503])
def test_throttled_pages_are_retried_after_retry_after(tmp_path: Path, status: int) -> None:
    config = store_config(20, throttle={"every": 6, "status": status, "retry_after": 1})
    with running_store(config) as store:
        result, _ = run_check(store, tmp_path, rate=500, render=False)
        log = [(t, p) for t, p in store.requests() if p.startswith("/product/")]
    assert (result.checked, result.store_error_count, result.broken) == (20, 0, 0)
    throttled = [i for i in range(len(log)) if (i + 1) % 6 == 0]  # the store's own count: every 6th
    assert throttled and len(log) == 20 + len(throttled)
    for i in throttled:
        t, path = log[i]
        again = next(t2 for t2, p2 in log[i + 1:] if p2 == path)
        assert again - t >= 0.99, f"{path} tried again {again - t:.2f} s after a {status} with Retry-After: 1"


def test_a_store_that_keeps_failing_gives_store_errors_not_verdicts(tmp_path: Path) -> None:
    config = store_config(12, throttle={"every": 2, "status": 503, "retry_after": 0})
    with running_store(config) as store:
        result, ledger_path = run_check(store, tmp_path, rate=500, render=False, retries=0)
    assert result.store_error_count == 6 and result.exit_code == 1 and result.broken == 0
    assert "answered HTTP 503" in result.store_errors[0]
    with open_ledger(ledger_path) as book:
        [journey] = book.journeys([result.run_id])
        errors = book.store_errors([result.run_id])
        assert [(e.status, e.journey_id) for e in errors] == [(503, journey.id)] * 6
        assert all(e.url and "/product/" in e.url and "answered HTTP 503" in e.message for e in errors)
        assert book.harness_failures([result.run_id]) == []


def test_ctrl_c_keeps_what_was_checked(tmp_path: Path) -> None:
    ledger_path = tmp_path / "ledger.db"
    with running_store(store_config(2000)) as store:
        proc = subprocess.Popen(
            [sys.executable, "-m", "keepword", "catalogue", str(SCENARIO), "--base-url", store.url,
             "--rate", "40", "--no-render", "--no-progress", "--ledger", str(ledger_path)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if sum(1 for _, p in store.requests() if p.startswith("/product/")) >= 60:
                break
            time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, out + err
    assert "interrupted" in out
    with open_ledger(ledger_path) as book:
        [run] = book.runs()
        claims = book.claims([run.id])
        verdicts = book.verdicts([run.id])
    assert run.status == "interrupted"
    assert 0 < len({c.subject for c in claims}) < 2000 and len(verdicts) == len(claims)


@pytest.mark.slow
def test_ten_thousand_products_every_mismatch_found_none_invented(tmp_path: Path) -> None:
    faults = {kind: {**fault, "rate": 0.005} for kind, fault in FAULTS.items()}
    config = {**store_config(10_000, faults), "ground_truth": str(tmp_path / "truth.jsonl")}
    with running_store(config) as store:
        result, ledger_path = run_check(store, tmp_path, rate=10_000, concurrency=8, render_sample=10)
        truth = store.ground_truth()
    injected, found, missed, invented = score(truth, broken_verdicts(ledger_path, result.run_id))
    print(f"\n10,000 products: injected {injected}, found {found}, invented {len(invented)}; "
          f"{result.checked} checked in {result.seconds:.0f} s ({result.pages_per_second:.1f} pages/s), "
          f"{result.rendered} rendered, {result.kept} kept, {result.broken} broken")
    assert result.checked == result.total == 10_000
    assert (found, missed, invented) == (injected, [], [])
    assert result.harness_error_count == result.store_error_count == 0
