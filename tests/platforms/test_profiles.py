"""The bundled profiles of the two platforms (scenarios/stores/opencart.yaml, evershop.yaml, YAML
only) are right: `keepword walk` finds every role through the order, and honest journeys at
quantity 1 and 2 keep every promise (no broken verdict, no harness error, no store error), with
the orders the store holds being the ones keepword placed, at the quantity it chose."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from keepword.cli import main
from keepword.ledger import open_ledger

ROOT = Path(__file__).resolve().parents[2]
PROFILES = {"opencart": ROOT / "scenarios" / "stores" / "opencart.yaml",
            "evershop": ROOT / "scenarios" / "stores" / "evershop.yaml"}
JOURNEYS = 3


def _scenario(tmp: Path, store, platform: str, quantity: int, *, name: str = "honest") -> Path:
    path = tmp / f"{platform}-{name}-{quantity}.yaml"
    path.write_text(
        f"name: {platform}-{name}-q{quantity}\nstore: {PROFILES[platform]}\nbase_url: {store.url}\n"
        f"allow_orders_on: [127.0.0.1]\npersona: {{email_domain: shoppers.example.test}}\n"
        f"journeys: [guest_checkout]\nshoppers: 1\njourneys_per_shopper: {JOURNEYS}\n"
        f"quantity: [{quantity}, {quantity}]\nseed: {quantity}\n"
        f"mail: {{dir: {store.mail.dir}, wait_seconds: 30}}\ntolerances: {{email_within_seconds: 120}}\n",
        encoding="utf-8")
    return path


def _walk(tmp: Path, store, platform: str, capsys) -> dict:
    out = tmp / f"walk-{platform}"
    code = main(["walk", str(_scenario(tmp, store, platform, 2, name="walk")), "--place", "--out", str(out)])
    walked = json.loads((out / "walk.json").read_text(encoding="utf-8"))
    assert code == 0, capsys.readouterr().out
    assert walked["placed"]
    problems = [r for p in walked["pages"] for r in p["roles"] if r["status"] not in ("ok", "absent")]
    assert not problems, problems
    return walked


def _honest(tmp: Path, store, platform: str, capsys) -> None:
    before = {order.id for order in store.orders()}
    for quantity in (1, 2):
        ledger = tmp / f"{platform}-q{quantity}.db"
        code = main(["shop", str(_scenario(tmp, store, platform, quantity)), "--ledger", str(ledger), "--no-progress"])
        out = capsys.readouterr().out
        assert code == 0, out
        assert f"{JOURNEYS} journeys" in out and " 0 broken," in out and " 0 store errors" in out
        assert " 0 harness errors" in out
        with open_ledger(ledger) as book:
            verdicts = book.verdicts()
            assert verdicts and {v.outcome for v in verdicts} <= {"kept"}
        placed = [order for order in store.orders() if order.id not in before]
        before |= {order.id for order in placed}
        assert len(placed) == JOURNEYS
        assert all(line.quantity == quantity for order in placed for line in order.lines)


@pytest.mark.xdist_group("opencart")
def test_opencart_profile_walks_through_the_order_and_shops_honestly(opencart, tmp_path, capsys):
    walked = _walk(tmp_path, opencart, "opencart", capsys)
    roles = {r["key"]: r for p in walked["pages"] for r in p["roles"]}
    assert roles["email.order_number"]["value"].isdigit()  # the number its success page does not show
    _honest(tmp_path, opencart, "opencart", capsys)


@pytest.mark.xdist_group("evershop")
def test_evershop_profile_walks_through_the_order_and_shops_honestly(evershop, tmp_path, capsys):
    walked = _walk(tmp_path, evershop, "evershop", capsys)
    roles = {r["key"]: r for p in walked["pages"] for r in p["roles"]}
    assert roles["confirmation.order_number"]["value"] == roles["email.order_number"]["value"]
    _honest(tmp_path, evershop, "evershop", capsys)


@pytest.mark.xdist_group("evershop")
def test_evershop_tracking_page_is_read_at_follow_up(evershop, tmp_path, capsys):
    """The tracking link comes only with the shipment e-mail: follow-up finds it there and reads
    the status page's state and total against the order."""
    ledger = tmp_path / "ledger.db"
    scenario = _scenario(tmp_path, evershop, "evershop", 1, name="tracked")
    text = scenario.read_text(encoding="utf-8").replace(f"journeys_per_shopper: {JOURNEYS}", "journeys_per_shopper: 1")
    scenario.write_text(text, encoding="utf-8")
    assert main(["shop", str(scenario), "--ledger", str(ledger), "--no-progress"]) == 0
    capsys.readouterr()
    [order] = [o for o in evershop.orders() if o.email.endswith("@shoppers.example.test")][-1:]
    evershop.ship(order.uuid)
    evershop.settle()
    assert main(["follow-up", "--ledger", str(ledger), "--no-progress"]) == 0, capsys.readouterr().out
    with open_ledger(ledger) as book:
        runs = book.runs()
        verdicts = book.verdicts([runs[-1].id])
        assert verdicts and {v.outcome for v in verdicts} <= {"kept"}
        assert not book.harness_failures([runs[-1].id])
        seen = {o.id: o for o in book.observations([runs[-1].id])}
        tracked = [v for v in verdicts if v.observation_id in seen and "/track?token=" in (seen[v.observation_id].url or "")]
        assert tracked, "the tracking page was read, and its total kept the order's"


def _cards_in_chromium(store, platform: str) -> int:
    """The listing's cards as Chromium counts them: the oracle the catalogue's HTML crawl (an HTML
    parser, no browser) is held to."""
    from playwright.sync_api import sync_playwright

    from keepword.browser import launch_args
    from keepword.profile import load_profile

    listing = load_profile(PROFILES[platform]).listing
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**launch_args())
        try:
            page = browser.new_page()
            page.goto(store.url.rstrip("/") + listing.url, wait_until="load")
            return page.locator(listing.card.css).count()
        finally:
            browser.close()


def _catalogue(tmp: Path, store, platform: str, capsys) -> None:
    """`keepword catalogue --source listing` with the bundled profile plus a `catalogue:` section:
    every card of the listing is a product checked (these stores' product addresses carry no SKU,
    so products are known by their links), each card's price is held to its page and kept, and
    nothing is broken."""
    import re

    cards = _cards_in_chromium(store, platform)
    assert cards > 1
    profile = tmp / f"{platform}-catalogue.yaml"
    profile.write_text(PROFILES[platform].read_text(encoding="utf-8")
                       + "\ncatalogue: {concurrency: 4, rate: 50, render_sample: 2}\n", encoding="utf-8")
    code = main(["catalogue", str(profile), "--base-url", store.url, "--source", "listing", "--no-progress",
                 "--ledger", str(tmp / "catalogue.db")])
    out = capsys.readouterr().out
    assert code == 0, out
    checked = re.search(r"(\d+) of (\d+) products from the listing", out)
    assert checked and (int(checked[1]), int(checked[2])) == (cards, cards), out
    assert " 0 broken," in out and " 0 store errors, 0 harness errors" in out, out
    with open_ledger(tmp / "catalogue.db") as book:
        claims = {c.id: c for c in book.claims(kind="price") if c.source == "listing"}
        kept = {claims[v.claim_id].subject for v in book.verdicts() if v.claim_id in claims and v.outcome == "kept"}
    assert len(kept) == cards


@pytest.mark.xdist_group("opencart")
def test_opencart_catalogue_checks_every_product_of_the_listing(opencart, tmp_path, capsys):
    _catalogue(tmp_path, opencart, "opencart", capsys)


@pytest.mark.xdist_group("evershop")
def test_evershop_catalogue_checks_every_product_of_the_listing(evershop, tmp_path, capsys):
    _catalogue(tmp_path, evershop, "evershop", capsys)
