"""Benchmark: keepword's guest journey against a bare Playwright script of the same clicks.

Both run side by side in one process against one demo store (in a process of its own),
alternating journey by journey so that machine noise hits both alike, each in a fresh browser
context. Then the throughput of keepword's runner with 1, 2 and 4 parallel shoppers, each row
beside a bare script run by as many threads (each with its own browser, as keepword's shoppers,
and blocking the same images, fonts and media), so the ratio against what Chromium itself can
do on this machine is printed in the same run; and 4 shoppers without blocking. Each keepword
row also prints how many of the machine's cores were busy (/proc/stat), which bounds the
speed-up: one journey keeps Chromium busy on more than one core. Prints ratios; asserts nothing.

    .venv/bin/python benchmarks/journey.py            # 12 journeys each, 6 per shopper in the rows
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


class _Servers:
    """The demo store and a mail sink, each in a process of its own (as a real store would be:
    its Python must not share the benchmark's interpreter lock with the shoppers)."""

    def __init__(self, work: Path) -> None:
        import os
        import secrets
        import subprocess
        import sys

        self.token = secrets.token_urlsafe(12)
        env = {**os.environ, "KEEPWORD_STORE_ADMIN_TOKEN": self.token, "PYTHONUNBUFFERED": "1"}
        cli = [sys.executable, "-c", "from keepword.cli import main; main()"]
        self.mail = subprocess.Popen([*cli, "mail", "--port", "0", "--dir", str(work / "mail")],
                                     stdout=subprocess.PIPE, text=True, env=env)
        assert self.mail.stdout is not None
        smtp_port = self.mail.stdout.readline().strip().rsplit(":", 1)[1]
        self.mail_dir = work / "mail"
        self.store = subprocess.Popen([*cli, "store", "--port", "0", "--clock-speed", "0", "--smtp-port", smtp_port,
                                       "--ground-truth", str(work / "truth.jsonl")],
                                      stdout=subprocess.PIPE, text=True, env=env)
        assert self.store.stdout is not None
        self.url = self.store.stdout.readline().strip()

    def restock(self) -> None:
        import httpx

        headers = {"Authorization": f"Bearer {self.token}"}
        stock = httpx.get(self.url + "admin/stock", headers=headers).json()
        httpx.put(self.url + "admin/stock", headers=headers,
                  json={sku: 100_000 for sku, left in stock.items() if left > 0})

    def close(self) -> None:
        for process in (self.store, self.mail):
            process.terminate()
            process.wait(timeout=10)


def _cpu_ticks() -> tuple[int, int] | None:
    """(busy, total) CPU ticks of the whole machine so far, from /proc/stat; None off Linux."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(x) for x in stat.readline().split()[1:]]
    except OSError:
        return None
    return sum(fields) - fields[3] - fields[4], sum(fields)  # idle and iowait are not busy


def _cores_busy(before: tuple[int, int] | None, after: tuple[int, int] | None) -> float | None:
    """How many of the machine's cores were busy between two readings (all processes: the
    shoppers' browsers, the store, and anything else running)."""
    import os

    if before is None or after is None or after[1] == before[1]:
        return None
    return (os.cpu_count() or 1) * (after[0] - before[0]) / (after[1] - before[1])


def _bare_parallel(url: str, contexts: int, per: int, block: bool) -> float:
    """`contexts` threads, each with its own browser (as keepword's shoppers), running the bare
    script `per` times, each in a context of its own (a new visitor): journeys per second."""
    import threading

    from playwright.sync_api import sync_playwright

    from keepword.browser import launch_args

    def worker(k: int) -> None:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(**launch_args())
            for index in range(per):
                context = browser.new_context(service_workers="block")
                if block:
                    context.route("**/*", lambda route, request: route.abort() if request.resource_type in
                                  ("image", "font", "media") else route.fallback())
                bare_journey(context.new_page(), url, k * 1000 + index)
                context.close()
            browser.close()

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(contexts)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return contexts * per / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--journeys", type=int, default=12)
    parser.add_argument("--per", type=int, default=6, help="journeys per shopper in the throughput rows")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n = 4 if args.quick else args.journeys
    per = 2 if args.quick else args.per

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
    work = Path(tempfile.mkdtemp(prefix="kw-bench-"))
    servers = _Servers(work)
    try:
        servers.restock()
        scenario = scenario_for_profile(profile_path, base_url=servers.url, quantity=(1, 1),
                                        mail={"dir": servers.mail_dir, "wait_seconds": 5})
        with open_target(profile, base_url=servers.url, mail_dir=servers.mail_dir) as target, \
                sync_playwright() as pw:
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

        print(f"throughput, {per} guest journeys per shopper, store and mail sink in processes of their own:")
        print(f"{'shoppers':>8}  {'keepword j/s':>12}  {'speed-up':>8}  {'cores busy':>10}  {'bare j/s':>8}  "
              f"{'vs bare':>7}  notes")
        rates: dict[int, float] = {}
        busy: dict[int, float | None] = {}
        for shoppers in (1, 2, 4):
            with open_ledger(work / f"ledger-{shoppers}.db") as ledger:
                ticks = _cpu_ticks()
                started = time.perf_counter()
                result = shop(scenario.model_copy(update={"shoppers": shoppers, "journeys_per_shopper": per}),
                              ledger=ledger, progress=False)
                rates[shoppers] = shoppers * per / (time.perf_counter() - started)
                busy[shoppers] = _cores_busy(ticks, _cpu_ticks())
            bare_rate = _bare_parallel(servers.url, shoppers, per, block=True)
            cores = f"{busy[shoppers]:.2f}" if busy[shoppers] is not None else "n/a"
            print(f"{shoppers:>8}  {rates[shoppers]:>12.2f}  {rates[shoppers] / rates[1]:>7.2f}x  {cores:>10}  "
                  f"{bare_rate:>8.2f}  {rates[shoppers] / bare_rate:>6.2f}x  {result.broken} broken, "
                  f"{result.harness_errors} harness errors"
                  f"{'  (targets: speed-up >= 1.6x, vs bare >= 0.9x)' if shoppers == 4 else ''}")
        one, four = busy[1], busy[4]
        if one and four:
            # The journeys cost about the same CPU each at any parallelism, so the speed-up 4 shoppers
            # can reach is the cores they keep busy over the cores one shopper keeps busy.
            print(f"the machine's ceiling: one shopper kept {one:.2f} cores busy and four kept {four:.2f}, so 4 "
                  f"shoppers could be at most about {four / one:.2f}x of one here")
        unblocked = scenario.model_copy(update={"shoppers": 4, "journeys_per_shopper": per,
                                                "block": scenario.block.model_copy(update={"types": []})})
        with open_ledger(work / "ledger-unblocked.db") as ledger:
            started = time.perf_counter()
            shop(unblocked, ledger=ledger, progress=False)
            rate = 4 * per / (time.perf_counter() - started)
        print(f"4 shoppers loading images, fonts and media too: {rate:.2f} j/s "
              f"(blocking them is {rates[4] / rate:.2f}x as fast)")
    finally:
        servers.close()


if __name__ == "__main__":
    main()
