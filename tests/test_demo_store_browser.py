"""The basket in a real Chromium: with JS on, a quantity change updates the page in place
(fetch, no navigation) and the server agrees after a reload."""

from __future__ import annotations

import pytest

from demo_store.testing import running_store


@pytest.fixture(scope="module")
def _chromium():
    from playwright.sync_api import sync_playwright

    from keepword.browser import launch_args

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(**launch_args())
        yield chromium
        chromium.close()


def test_basket_quantity_changes_by_fetch_without_navigating(_chromium, tmp_path) -> None:
    from playwright.sync_api import expect

    with running_store({"clock": {"speed": 0}, "ground_truth": str(tmp_path / "t.jsonl")}) as store:
        page = _chromium.new_page(service_workers="block")
        try:
            page.goto(store.url + "product/BOK-003")
            page.get_by_test_id("quantity").fill("2")
            page.get_by_test_id("add-to-basket").click()
            page.wait_for_url("**/basket")
            line = page.get_by_test_id("basket-line")
            expect(line.get_by_test_id("line-total")).to_have_text("£29.98")
            page.evaluate("window.__sameDocument = true")
            line.get_by_test_id("line-quantity").fill("3")
            line.get_by_test_id("line-quantity").dispatch_event("change")
            expect(page.get_by_test_id("basket-subtotal")).to_have_text("£44.97")
            expect(line.get_by_test_id("line-total")).to_have_text("£44.97")
            expect(page.get_by_test_id("basket-count")).to_have_text("3")
            assert page.evaluate("window.__sameDocument") is True  # no page load happened
            too_many = "99"
            line.get_by_test_id("line-quantity").fill(too_many)
            line.get_by_test_id("line-update").click()
            expect(page.get_by_test_id("basket-error")).to_contain_text("available")
            page.reload()
            expect(page.get_by_test_id("basket-line").get_by_test_id("line-quantity")).to_have_value("3")
            expect(page.get_by_test_id("basket-subtotal")).to_have_text("£44.97")
        finally:
            page.close()


def test_long_names_are_cut_on_the_listing_with_the_full_name_in_title(_chromium, tmp_path) -> None:
    with running_store({"clock": {"speed": 0}, "ground_truth": str(tmp_path / "t.jsonl")}) as store:
        page = _chromium.new_page()
        try:
            page.goto(store.url)
            card = page.locator('[data-testid="product-card"][data-sku="GAR-002"]')
            title = card.get_by_test_id("product-title")
            full = title.get_attribute("title")
            assert full is not None and full.startswith("Expanding Garden Hose")
            assert title.inner_text().endswith("…") and len(title.inner_text()) < len(full)
        finally:
            page.close()
