"""Benchmark: keepword's guest journey against a bare Playwright script of the same clicks.

Both run side by side in one process against one demo store, alternating journey by journey
so that machine noise hits both alike, each in a fresh browser context. Then the throughput of
keepword's runner with 1, 2 and 4 parallel shoppers. Prints ratios; asserts nothing.

    .venv/bin/python benchmarks/journey.py            # 12 journeys each, shoppers 1/2/4 x 8 journeys
    .venv/bin/python benchmarks/journey.py --quick    # fewer journeys
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

# The same waits keepword uses (the profile's `wait_until`), so the ratio measures keepword's own
# overhead (reading, judging, recording), not a different choice of load event.
WAIT = "domcontentloaded"


def bare_journey(page: Any, base_url: str, index: int) -> str:
    """What a QA engineer would write by hand: the same clicks, reading the order number."""
    page.goto(base_url, wait_until=WAIT)
    cards = page.locator("[data-testid=product-card]")
    count = cards.count()
    for i in range(count):
        card = cards.nth((index + i) % count)
        if "Out of stock" not in card.locator("[data-testid=product-availability]").inner_text():
            break
    card.locator("[data-testid=product-price]").inner_text()
    card.locator("[data-testid=product-title]").click()
    page.wait_for_url("**/product/*", wait_until=WAIT)
    page.locator("[data-testid=product-price]").inner_text()
    page.fill("[data-testid=quantity]", "1")
    with page.expect_navigation(wait_until=WAIT):
        page.click("[data-testid=add-to-basket]")
    page.locator("[data-testid=basket-subtotal]").inner_text()
    page.click("[data-testid=checkout-button]")
    page.wait_for_url("**/checkout/email", wait_until=WAIT)
    page.fill("[name=email]", f"bench{index}@shoppers.example.test")
    page.click("[data-testid=continue]")
    page.wait_for_url("**/checkout/address", wait_until=WAIT)
    page.fill("[name=name]", "Ann Example")
    page.fill("[name=address1]", "1 High Street")
    page.fill("[name=address2]", "")
    page.fill("[name=city]", "London")
    page.fill("[name=postcode]", "SW1A 1AA")
    page.fill("[name=phone]", "020 7946 0000")
    page.click("[data-testid=continue]")
    page.wait_for_url(lambda url: url.endswith(("/checkout/shipping", "/checkout/payment")), wait_until=WAIT)
    if page.url.endswith("/checkout/shipping"):
        page.locator("input[name=shipping_method]").first.check()
        page.click("[data-testid=continue]")
        page.wait_for_url("**/checkout/payment", wait_until=WAIT)
    page.fill("[name=card_number]", "4242 4242 4242 4242")
    page.fill("[name=card_expiry]", "12/34")
    page.fill("[name=card_cvc]", "123")
    page.fill("[name=card_name]", "Ann Example")
    page.click("[data-testid=continue]")
    page.wait_for_url("**/checkout/preview", wait_until=WAIT)
    page.locator("[data-testid=preview-total]").inner_text()
    with page.expect_navigation(wait_until=WAIT):
        page.click("[data-testid=place-order]")
    number = page.locator("[data-testid=order-number]").inner_text()
    page.locator("[data-testid=order-total]").inner_text()
    page.goto(page.locator("[data-testid=order-status-link]").get_attribute("href") or base_url, wait_until=WAIT)
    page.locator("[data-testid=order-status]").inner_text()
    return number


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--journeys", type=int, default=12)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n = 4 if args.quick else args.journeys

    from playwright.sync_api import sync_playwright

    from journeys.bundled import guest_checkout
    from journeys.runner import shop
    from journeys.session import new_context, new_shopper
    from journeys.target import open_target
    from keepword.browser import launch_args
    from keepword.ledger import open_ledger
    from keepword.profile import load_profile
    from keepword.scenario import scenario_for_profile

    root = Path(__file__).resolve().parent.parent
    profile_path = root / "scenarios" / "stores" / "demo.yaml"
    profile = load_profile(profile_path)
    scenario = scenario_for_profile(profile_path, quantity=(1, 1), mail={"wait_seconds": 5})
    work = Path(tempfile.mkdtemp(prefix="kw-bench-"))
    with open_target(profile, mail_dir=work / "mail", work_dir=work) as target, sync_playwright() as pw:
        target.store.set_stock(**{sku: 100_000 for sku, left in target.store.stock().items() if left > 0})
        browser = pw.chromium.launch(**launch_args())
        bare: list[float] = []
        ours: list[float] = []
        for index in range(n + 1):  # the first of each is a warm-up, not counted
            context = browser.new_context(service_workers="block")
            page = context.new_page()
            started = time.perf_counter()
            bare_journey(page, target.base_url, index)
            elapsed = time.perf_counter() - started
            context.close()
            if index:
                bare.append(elapsed)
            context, guard = new_context(browser, target, scenario)
            page = context.new_page()
            started = time.perf_counter()
            shopper = new_shopper(page, guard, target=target, scenario=scenario, journey="guest_checkout",
                                  shopper="bench", index=index, evidence_dir=work / "evidence")
            guest_checkout(shopper)
            elapsed = time.perf_counter() - started
            context.close()
            if index:
                ours.append(elapsed)
        browser.close()
    b, o = statistics.median(bare), statistics.median(ours)
    print(f"guest journey, median of {n}: bare Playwright {b * 1000:.0f} ms, keepword {o * 1000:.0f} ms "
          f"(ratio {o / b:.2f}x, target <= 1.20x); keepword also records "
          f"{shopper.notebook.counts['kept']} verdicts per journey")

    per = 2 if args.quick else 6
    rates = {}
    for shoppers in (1, 2, 4):
        with open_ledger(work / f"ledger-{shoppers}.db") as ledger:
            started = time.perf_counter()
            result = shop(scenario.model_copy(update={"shoppers": shoppers, "journeys_per_shopper": per}),
                          ledger=ledger, progress=False)
            elapsed = time.perf_counter() - started
        journeys = shoppers * per
        rates[shoppers] = journeys / elapsed
        print(f"{shoppers} shopper(s): {journeys} journeys in {elapsed:.1f} s = {rates[shoppers]:.2f} journeys/s "
              f"(speed-up {rates[shoppers] / rates[1]:.2f}x; {result.broken} broken, "
              f"{result.harness_errors} harness errors)")


if __name__ == "__main__":
    main()
