"""The scorecard in a real headless Chromium: the page shows what summary.json says, which is
what the ledger holds; nothing is fetched; store text stays text."""

from __future__ import annotations

import json

import pytest

from keepword.browser import launch_args
from keepword.ledger import open_ledger
from reports import build
from reports.testing import HOSTILE_NAME, check_page, fill_sample_ledger, ledger_truth


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(**launch_args())
        yield browser
        browser.close()


def test_report_in_chromium_matches_summary_and_ledger(chromium, tmp_path):
    with open_ledger(tmp_path / "data" / "ledger.db") as book:
        fill_sample_ledger(book, tmp_path / "shots")
        result = build(book, tmp_path / "report")
        truth = ledger_truth(book)
    summary = json.loads(result.summary_path.read_text())

    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    dialogs: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(result.html_path.resolve().as_uri())
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert (tmp_path / "report.png").stat().st_size > 10_000

    check_page(page, summary, truth)

    # Self-contained: the one request is the file itself (thumbnails are data: URIs).
    assert [u for u in requests if not u.startswith("data:")] == [result.html_path.resolve().as_uri()]
    # Store text is shown as text and runs nothing.
    assert dialogs == []
    assert page.evaluate("document.scripts.length") == 0
    subjects = page.get_by_test_id("broken-subject").all_inner_texts()
    assert HOSTILE_NAME in subjects
    # Thumbnails decoded as real images.
    widths = page.eval_on_selector_all(".thumb img", "els => els.map(e => e.naturalWidth)")
    assert widths and all(w > 0 for w in widths)
    # ... and shown at their own size (not squeezed into a 200-pixel column), so they read without a click.
    shown = page.eval_on_selector_all(".thumb img", "els => els.map(e => [e.naturalWidth, e.clientWidth])")
    assert all(natural == client and natural >= 500 for natural, client in shown), shown
    # Charts are inline SVG, drawn.
    assert page.locator("svg.chart").count() >= 5
    page.close()
