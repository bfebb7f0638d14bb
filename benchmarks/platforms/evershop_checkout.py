"""A bare, hand-written Playwright guest checkout on EverShop 2.2.1: the baseline a keepword
journey on the same store is timed against ("keepword journey vs bare script of the same clicks").

listing -> product (colour chosen, quantity) -> add to cart -> cart -> checkout (contact, address
with custom country and province drop-downs, shipping method, cash on delivery) -> place order ->
success page -> the order e-mail in the sink -> the order shipped through the admin API -> the
shipment e-mail's tokenised tracking link, opened in a fresh browser context.
It reads what a shopper reads (prices, lines, totals) so that the work matches a journey's, and
asserts only what it needs to go on.

    .venv/bin/python benchmarks/platforms/evershop_checkout.py            # starts its own store
    .venv/bin/python benchmarks/platforms/evershop_checkout.py --runs 5   # median of 5 per quantity
"""

from __future__ import annotations

import argparse
import html
import re
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from keepword.mail import Mailbox

WAIT = "domcontentloaded"
PATIENCE = 20_000  # ms for each XHR step: generous, the machine may be busy (Playwright's default is 5 s)
LISTING = "/accessories"
PRODUCT = "Ceramic Coffee Cup - White"
COLOUR = "White"
# React hydrates the server-rendered page after load; a click before that is lost. Hydrated
# elements carry React's `__reactFiber$...` property.
HYDRATED = "selector => { const e = document.querySelector(selector); return !!e && Object.keys(e).some(k => k.startsWith('__reactFiber')); }"


@dataclass(frozen=True)
class Placed:
    """What the shopper saw up to the success page ("Order #10001 is confirmed")."""

    order_number: str
    order_uuid: str
    listing_price: str
    product_price: str
    basket_line_total: str
    basket_total: str
    shipping_choice: str
    success_total: str
    success_text: str


@dataclass(frozen=True)
class Checkout:
    """A whole checkout: the pages, the confirmation e-mail, and the tracking page once shipped."""

    placed: Placed
    email_subject: str
    tracking_status: str


def _hydrated(page: Page, selector: str) -> None:
    page.wait_for_function(HYDRATED, arg=selector, timeout=PATIENCE)


def checkout(page: Page, base_url: str, mailbox: Mailbox, *, email: str, quantity: int = 1,
             ship: Callable[[str], object], browser: Browser, product: str = PRODUCT,
             colour: str = COLOUR) -> Checkout:
    """One guest checkout, its confirmation e-mail, then `ship(order_uuid)` (the admin's part)
    and the tracking link of the shipment e-mail, opened in a browser context of its own (no
    cookies: the token alone must open it)."""
    placed = place_order(page, base_url, email=email, quantity=quantity, product=product, colour=colour)
    confirmation = mailbox.wait_for(to=email, subject_contains="order has been confirmed", timeout=30)
    ship(placed.order_uuid)
    shipped = mailbox.wait_for(to=email, subject_contains="is on the way", timeout=30)
    # HTML only; the link's "=" comes escaped by Handlebars as "&#x3D;"
    link = re.search(r"https?://[^\s\"'<>]+/orders/[0-9a-f-]+/track\?token=[^\s\"'<>)]+", html.unescape(shipped.text))
    if not link:
        raise AssertionError(f"no tracking link in the e-mail {shipped.subject!r}")
    tracking = browser.new_context()
    try:
        track = tracking.new_page()
        track.goto(link.group(0), wait_until=WAIT)
        tracking_status = track.locator("header span").first.inner_text()
    finally:
        tracking.close()
    return Checkout(placed, confirmation.subject, tracking_status)


def place_order(page: Page, base_url: str, *, email: str, quantity: int = 1, product: str = PRODUCT,
                colour: str = COLOUR) -> Placed:
    """The clicks from the listing to the success page."""
    base = base_url.rstrip("/")
    page.goto(base + LISTING, wait_until=WAIT)
    card = page.locator("a.product__list__link").filter(
        has=page.locator(".product__list__name", has_text=re.compile(f"^{re.escape(product)}$")))
    listing_price = card.locator(".product__list__price").inner_text()
    card.click()
    page.wait_for_url("**" + LISTING + "/*", wait_until=WAIT)
    _hydrated(page, "#productForm")
    product_price = page.locator(".product__single__price").inner_text()
    # The colour must be chosen even on that colour's own page; choosing reloads the form by XHR.
    with page.expect_response(lambda r: "ajax=true" in r.url, timeout=PATIENCE):
        page.locator(".variant-option-list button", has_text=colour).click()
    expect(page.locator(".variant-option-list li.selected")).to_have_text(colour, timeout=PATIENCE)
    page.get_by_label("Quantity").fill(str(quantity))
    with page.expect_response("**/api/cart/mine/items", timeout=PATIENCE) as added:
        page.get_by_role("button", name="Add to cart").click()
    if not added.value.ok:
        raise AssertionError(f"add to cart answered HTTP {added.value.status}")
    expect(page.get_by_text("Your Cart", exact=True)).to_be_visible(timeout=PATIENCE)

    page.goto(base + "/cart", wait_until=WAIT)
    line = page.locator(".cart__item").filter(has_text=product)
    basket_line_total = line.locator(".text-right").inner_text()
    basket_total = page.locator(".cart__total__summary .summary__row").filter(has_text="Total").inner_text()
    _hydrated(page, ".shopping-cart-checkout-btn button")
    page.get_by_role("button", name="Proceed to checkout").click()
    page.wait_for_url("**/checkout", wait_until=WAIT)
    _hydrated(page, "[id='field-contact.email']")

    page.fill("[id='field-contact.email']", email)
    page.fill("[id='field-shippingAddress.full_name']", "Bob Example")
    page.fill("[id='field-shippingAddress.telephone']", "5550100")
    page.fill("[id='field-shippingAddress.address_1']", "1 Main Street")
    page.fill("[id='field-shippingAddress.city']", "Springfield")
    page.click("[id='field-shippingAddress.country']")  # a custom drop-down, not a <select>
    page.get_by_role("option", name="United States", exact=True).click()
    page.click("[id='field-shippingAddress.province']")  # its list loads with the country
    page.get_by_role("option", name="California", exact=True).click()
    page.fill("[id='field-shippingAddress.postcode']", "90001")
    method = page.locator(".shipping-methods-list label", has_text="Standard Delivery")  # once the address is complete
    expect(method).to_be_visible(timeout=PATIENCE)
    shipping_choice = method.inner_text()
    with page.expect_response("**/shippingMethods", timeout=PATIENCE):
        method.get_by_role("radio").click()
    page.get_by_role("radio", name="Cash on Delivery").click()
    page.get_by_role("button", name="Place Order").click()
    page.wait_for_url("**/checkout/success/*", wait_until=WAIT, timeout=PATIENCE)
    order_uuid = page.url.rstrip("/").rsplit("/", 1)[1]
    success_text = page.get_by_text(re.compile(r"Order #\d+ is confirmed")).inner_text()
    order_number = re.search(r"#(\d+)", success_text).group(1)  # type: ignore[union-attr]
    success_total = page.locator(".order__total__summary .summary__row").filter(has_text="Total").inner_text()
    return Placed(order_number, order_uuid, listing_price, product_price, basket_line_total, basket_total,
                  shipping_choice, success_total, success_text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="checkouts per quantity (default 3)")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the clone, for tests.platforms
    import tempfile

    from playwright.sync_api import sync_playwright

    from keepword.browser import launch_args
    from keepword.mail import running_mail_sink
    from tests.platforms.evershop import running_evershop

    with tempfile.TemporaryDirectory() as tmp, running_mail_sink(tmp) as sink, \
            running_evershop(sink) as shop, sync_playwright() as playwright:
        browser = playwright.chromium.launch(**launch_args())
        for quantity in (1, 2):
            seconds = []
            for run in range(args.runs):
                context = browser.new_context()
                started = time.perf_counter()
                result = checkout(context.new_page(), shop.url, sink.mailbox, quantity=quantity,
                                  email=f"bare-{quantity}-{run}@shoppers.example.test", ship=shop.ship,
                                  browser=browser)
                seconds.append(time.perf_counter() - started)
                context.close()
                print(f"quantity {quantity} run {run + 1}: order {result.placed.order_number} "
                      f"total {result.placed.success_total.splitlines()[-1]} tracking {result.tracking_status!r} in {seconds[-1]:.2f} s")
            print(f"quantity {quantity}: median {statistics.median(seconds):.2f} s over {args.runs}")
        browser.close()


if __name__ == "__main__":
    main()
