"""A keepword journey against the bare hand-written script of the same checkout, side by side in
one run, on each installed platform (OpenCart 4.1.0.4, EverShop 2.2.1): what recording every
promise costs on a store keepword was not built around.

Per round and platform: the bare script shops N guest checkouts in one browser (launch included),
then `keepword shop` N journeys with the bundled profile (one shopper; launch, ledger and
verdicts included); rounds alternate so that a busy moment on the machine hits both. Both stop at
the order e-mail (the bare EverShop script's shipment and tracking page are left out: keepword
reads those at follow-up). Quantity 1; the bare scripts buy one fixed product, keepword a random
card of the profile's listing.

    .venv/bin/python benchmarks/platforms/compare.py                  # both platforms, 2 rounds of 3
    .venv/bin/python benchmarks/platforms/compare.py opencart --journeys 5 --rounds 3
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # the clone: tests.platforms and these scripts
sys.path.insert(0, str(Path(__file__).resolve().parent))


def _bare(platform: str) -> Callable[[Any, str, Any, str], None]:
    """One bare checkout up to the order e-mail: (page, base_url, mailbox, email)."""
    if platform == "opencart":
        import opencart_checkout

        def opencart(page: Any, url: str, mailbox: Any, email: str) -> None:
            opencart_checkout.checkout(page, url, mailbox, email=email)  # up to its e-mail

        return opencart

    import evershop_checkout

    def evershop(page: Any, url: str, mailbox: Any, email: str) -> None:
        evershop_checkout.place_order(page, url, email=email)
        mailbox.wait_for(to=email, subject_contains="order has been confirmed", timeout=30)

    return evershop


def bare_batch(platform: str, store: Any, sink: Any, journeys: int, tag: str) -> float:
    from playwright.sync_api import sync_playwright

    from keepword.browser import launch_args

    one = _bare(platform)
    started = time.perf_counter()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**launch_args())
        for n in range(journeys):
            context = browser.new_context()
            one(context.new_page(), store.url, sink.mailbox, f"bare-{tag}-{n}@shoppers.example.test")
            context.close()
        browser.close()
    return time.perf_counter() - started


def keepword_batch(platform: str, store: Any, sink: Any, journeys: int, tag: str, work: Path) -> tuple[float, Any]:
    from journeys.runner import shop
    from keepword.ledger import open_ledger
    from keepword.scenario import scenario_for_profile

    plan = scenario_for_profile(ROOT / "scenarios" / "stores" / f"{platform}.yaml", base_url=store.url, shoppers=1,
                                journeys_per_shopper=journeys, journeys=["guest_checkout"], quantity=(1, 1),
                                mail={"dir": sink.dir, "wait_seconds": 30}, tolerances={"email_within_seconds": 120},
                                seed=1 + int(tag[1:]))
    started = time.perf_counter()
    with open_ledger(work / f"{tag}.db") as ledger:
        result = shop(plan, ledger=ledger, progress=False)
    return time.perf_counter() - started, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("platforms", nargs="*", help="opencart, evershop (default: both)")
    parser.add_argument("--journeys", type=int, default=3, help="journeys per batch (default 3)")
    parser.add_argument("--rounds", type=int, default=2, help="bare then keepword, this many times (default 2)")
    args = parser.parse_args()
    from keepword.mail import running_mail_sink
    from tests.platforms.serve import PLATFORMS
    from tests.platforms.store import NotInstalled

    unknown = [p for p in args.platforms if p not in PLATFORMS]
    if unknown:
        parser.error(f"unknown platform {unknown[0]!r}: give {' or '.join(PLATFORMS)}")
    for platform in args.platforms or list(PLATFORMS):
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            try:
                with running_mail_sink(work / "mail") as sink, PLATFORMS[platform](sink) as store:
                    bare: list[float] = []
                    kept: list[float] = []
                    verdicts = broken = harness = 0
                    for r in range(args.rounds):
                        bare.append(bare_batch(platform, store, sink, args.journeys, f"b{r}") / args.journeys)
                        seconds, result = keepword_batch(platform, store, sink, args.journeys, f"k{r}", work)
                        kept.append(seconds / args.journeys)
                        verdicts += result.kept + result.broken
                        broken += result.broken
                        harness += result.harness_errors
                    b, k = statistics.median(bare), statistics.median(kept)
                    print(f"{platform}: a guest checkout to the order e-mail, median of {args.rounds} rounds of "
                          f"{args.journeys}: bare script {b:.2f} s, keepword {k:.2f} s (ratio {k / b:.2f}x); "
                          f"keepword recorded {verdicts / (args.rounds * args.journeys):.0f} verdicts a journey "
                          f"({broken} broken, {harness} harness errors)", flush=True)
            except NotInstalled as missing:
                print(f"{platform}: not installed ({missing})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
