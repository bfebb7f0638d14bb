"""A bare, hand-written Playwright guest checkout on OpenCart 4.1.0.4: the baseline a keepword
journey on the same store is timed against ("keepword journey vs bare script of the same clicks").

listing -> product -> add to cart -> cart -> checkout (guest, address, shipping method in a modal,
cash on delivery in a modal) -> confirm order -> success page -> the order e-mail in the sink.
It reads what a shopper reads (prices, lines, totals) so that the work matches a journey's, and
asserts only what it needs to go on.

    .venv/bin/python benchmarks/platforms/opencart_checkout.py            # starts its own store
    .venv/bin/python benchmarks/platforms/opencart_checkout.py --runs 5   # median of 5 per quantity
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Page, expect

from keepword.mail import Mailbox

WAIT = "domcontentloaded"
PATIENCE = 20_000  # ms for each AJAX panel: generous, the machine may be busy (Playwright's default is 5 s)
LISTING = "index.php?route=product/category&path=20"  # Desktops: 10 cards, the iPhone among them
PRODUCT = "iPhone"


@dataclass(frozen=True)
class Placed:
    """What the shopper saw up to the success page (which shows no order number)."""

    listing_price: str
    product_price: str
    basket_line_total: str
    basket_total: str
    shipping_choice: str
    confirm_total: str
    success_text: str


@dataclass(frozen=True)
class Checkout:
    """A whole checkout: the pages, then the order number from the e-mail's subject."""

    placed: Placed
    order_id: str
    email_subject: str


def checkout(page: Page, base_url: str, mailbox: Mailbox, *, email: str, quantity: int = 1,
             product: str = PRODUCT) -> Checkout:
    """One guest checkout, then the order e-mail ("Your Store - Order N") read from `mailbox`."""
    placed = place_order(page, base_url, email=email, quantity=quantity, product=product)
    message = mailbox.wait_for(to=email, subject_contains="Order", timeout=30)
    found = re.search(r"Order (\d+)", message.subject)
    if not found:
        raise AssertionError(f"no order number in the e-mail subject {message.subject!r}")
    return Checkout(placed, found.group(1), message.subject)


def place_order(page: Page, base_url: str, *, email: str, quantity: int = 1, product: str = PRODUCT) -> Placed:
    """The clicks from the listing to the success page."""
    page.goto(base_url + LISTING, wait_until=WAIT)
    card = page.locator(".product-thumb").filter(has=page.get_by_role("link", name=product, exact=True))
    listing_price = card.locator(".price-new").inner_text()
    card.locator("h4 a").click()
    page.wait_for_url("**route=product/product**", wait_until=WAIT)
    product_price = page.locator("#content h2 .price-new").inner_text()
    page.fill("#input-quantity", str(quantity))
    page.click("#button-cart")
    expect(page.locator("#alert .alert-success")).to_contain_text(f"You have added {product}", timeout=PATIENCE)

    page.goto(base_url + "index.php?route=checkout/cart", wait_until=WAIT)
    line = page.locator("#output-cart tbody tr").filter(has_text=product)
    basket_line_total = line.locator("td").nth(4).inner_text()
    basket_total = page.locator("#checkout-total tr").filter(has_text=re.compile(r"^\s*Total")).locator("td").last.inner_text()
    page.get_by_role("link", name="Checkout", exact=True).last.click()
    page.wait_for_url("**route=checkout/checkout**", wait_until=WAIT)

    page.check("#input-guest")
    page.fill("#input-firstname", "Ann")
    page.fill("#input-lastname", "Example")
    page.fill("#input-email", email)
    page.fill("#input-shipping-address-1", "1 High Street")
    page.fill("#input-shipping-city", "London")
    page.fill("#input-shipping-postcode", "SW1A 1AA")
    page.select_option("#input-shipping-country", "222")  # United Kingdom: its zones load after
    expect(page.locator("#input-shipping-zone option", has_text="Greater London")).to_have_count(1, timeout=PATIENCE)
    page.select_option("#input-shipping-zone", label="Greater London")
    page.click("#button-register")
    expect(page.locator("#alert")).to_contain_text("guest account information has been saved", timeout=PATIENCE)

    page.click("#button-shipping-methods")
    modal = page.locator("#modal-shipping")
    expect(modal).to_be_visible(timeout=PATIENCE)
    shipping_choice = modal.locator("label[for^=input-shipping-method-flat]").inner_text()
    modal.locator("input[value='flat.flat']").check()
    page.click("#button-shipping-method")
    expect(page.locator("#input-shipping-method")).not_to_have_value("", timeout=PATIENCE)

    page.click("#button-payment-methods")
    modal = page.locator("#modal-payment")
    expect(modal).to_be_visible(timeout=PATIENCE)
    modal.locator("input[value='cod.cod']").check()
    page.click("#button-payment-method")
    expect(page.locator("#input-payment-method")).to_have_value("Cash On Delivery", timeout=PATIENCE)
    confirm = page.locator("#checkout-confirm")
    expect(confirm.locator("tfoot")).to_contain_text("Flat Shipping Rate", timeout=PATIENCE)
    expect(page.locator("#button-confirm")).to_be_enabled(timeout=PATIENCE)
    confirm_total = confirm.locator("tfoot tr").filter(has_text=re.compile(r"^\s*Total")).locator("td").last.inner_text()
    page.click("#button-confirm")
    page.wait_for_url("**route=checkout/success**", wait_until=WAIT)
    success_text = page.locator("#content h1").inner_text()
    return Placed(listing_price, product_price, basket_line_total, basket_total, shipping_choice,
                  confirm_total, success_text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="checkouts per quantity (default 3)")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the clone, for tests.platforms
    import tempfile

    from playwright.sync_api import sync_playwright

    from keepword.browser import launch_args
    from keepword.mail import running_mail_sink
    from tests.platforms.opencart import running_opencart

    with tempfile.TemporaryDirectory() as tmp, running_mail_sink(tmp) as sink, \
            running_opencart(sink) as shop, sync_playwright() as playwright:
        browser = playwright.chromium.launch(**launch_args())
        for quantity in (1, 2):
            seconds = []
            for run in range(args.runs):
                context = browser.new_context()
                started = time.perf_counter()
                result = checkout(context.new_page(), shop.url, sink.mailbox, quantity=quantity,
                                  email=f"bare-{quantity}-{run}@shoppers.example.test")
                seconds.append(time.perf_counter() - started)
                context.close()
                print(f"quantity {quantity} run {run + 1}: order {result.order_id} "
                      f"total {result.placed.confirm_total} in {seconds[-1]:.2f} s")
            print(f"quantity {quantity}: median {statistics.median(seconds):.2f} s over {args.runs}")
        browser.close()


if __name__ == "__main__":
    main()
