"""The product page: its price, availability and structured data against the listing; adding
to the basket, and whether the store took it (as the page says: a URL, a flash message)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from journeys.actions import no_outcome, outcomes_held, run_actions, wait_for_outcome
from journeys.memory import Card
from journeys.notebook import Reading
from journeys.reading import IN_STOCK, OUT_OF_STOCK, read_availability, read_jsonld, read_money
from journeys.stops import Stopped
from journeys.urls import product_glob
from keepword.errors import HarnessError
from keepword.kinds import ClaimKind

if TYPE_CHECKING:
    from journeys.shopper import Shopper

__all__ = ["add_to_basket", "open_product"]


def open_product(shopper: Shopper, card: Card | None = None) -> str:
    """Open the chosen product; judge the listing's price and availability, and the JSON-LD."""
    memory = shopper.memory
    card = card or memory.card
    if card is None:
        raise HarnessError("open_product: browse first (no product chosen)")
    profile = shopper.profile
    product = profile.product
    with shopper.step("product"):
        cards = shopper.roles.locate(profile.listing.card)
        shopper.roles.locate(profile.listing.open, cards.nth(card.index)).first.click()
        if product.url:
            shopper.page.wait_for_url(product_glob(product.url, card.sku), wait_until=profile.wait_until)
        else:
            shopper.page.wait_for_load_state(shopper.load_state)
        shopper.arrived()
        quantity_max = product.quantity.model_copy(update={"attribute": "max"}) if product.quantity else None
        ship = profile.product_shipping
        options, read, blocks = shopper.roles.snapshot(
            "product", singles={"price": product.price, "availability": product.availability, "max": quantity_max,
                                "box": product.quantity},
            scope=product.root, required=("price",), jsonld=profile.jsonld,
            row=ship.option if ship else None, inner={"code": ship.code, "charge": ship.charge} if ship else None,
            rows_required=False,
        )
        assert read["price"] is not None
        key = card.sku
        price = shopper.reading(read_money(read["price"][0], profile.money), read["price"][1])
        shopper.judge(ClaimKind.PRICE, key, memory.seen.get((ClaimKind.PRICE, key)), price)
        memory.seen[(ClaimKind.PRICE, key)] = price
        state = None
        if read["availability"] is not None:
            state = read_availability(read["availability"][0], profile.availability)
            seen = shopper.reading(state.state, read["availability"][1])
            shopper.judge(ClaimKind.AVAILABILITY, key, memory.seen.get((ClaimKind.AVAILABILITY, key)), seen)
            memory.seen[(ClaimKind.AVAILABILITY, key)] = seen
        memory.stock_count = state.count if state else None
        box = read["max"]
        memory.has_quantity_box = box is not None or read["box"] is not None  # a box with no `max` is one too
        if box is not None and box[0].isdigit():
            memory.stock_count = min(memory.stock_count or int(box[0]), int(box[0]))
        memory.stock_seen[key] = memory.stock_count
        if profile.jsonld:
            _judge_jsonld(shopper, blocks, key, price, state.state if state else None)
        if ship is not None:
            for row in options:
                if row.get("code") and row.get("charge"):
                    charge = shopper.money_text(row["charge"], "product_shipping.charge")
                    memory.seen[(ClaimKind.SHIPPING_CHARGE, row["code"])] = shopper.reading(charge, row["__html"])
    return card.sku


def _judge_jsonld(shopper: Shopper, blocks: list[str], key: str, price: Reading, state: str | None) -> None:
    if not blocks:
        return  # a store with no JSON-LD makes no structured-data claim
    offers, problems = read_jsonld(blocks, shopper.profile.money)
    for problem in problems:
        shopper.notebook.note(shopper.notebook.journey.id, f"{shopper.page.url}: {problem}")
    mine = [o for o in offers if o.sku == key] or (offers if len(offers) == 1 else [])
    for offer in mine[:1]:
        snippet = next((b for b in blocks if key in b), blocks[0])[:1500]
        if offer.price is not None:
            said = shopper.reading(offer.price, snippet, source="jsonld")
            shopper.judge(ClaimKind.STRUCTURED_DATA, key, said, price)
        if offer.availability is not None and state is not None:
            said = shopper.reading(offer.availability, snippet, source="jsonld")
            shopper.judge(ClaimKind.STRUCTURED_DATA, key, said, shopper.reading(state))


def add_to_basket(shopper: Shopper, quantity: int | None = None) -> int:
    """Add the open product (a random quantity within the scenario's range and the stock);
    judge its availability claim by whether the store took it, as the page says."""
    memory = shopper.memory
    if memory.card is None:
        raise HarnessError("add_to_basket: open a product first")
    key = memory.card.sku
    product = shopper.profile.product
    roles = shopper.roles
    with shopper.step("add"):
        said = memory.seen.get((ClaimKind.AVAILABILITY, key))
        if said is not None and said.value == OUT_OF_STOCK:
            # The page said so: a customer does not try, and the store kept its word.
            raise Stopped(f"the product page says {key} is out of stock")
        run_actions(shopper, product.actions)
        scope = roles.locate(product.root) if product.root else None
        wanted = quantity or shopper.rng.randint(*shopper.scenario.quantity)
        if memory.stock_count is not None:
            wanted = max(1, min(wanted, memory.stock_count))
        if product.quantity is not None and memory.has_quantity_box:
            roles.locate(product.quantity, scope).first.fill(str(wanted))
        else:
            wanted = 1
        mark = shopper.watch.mark()
        outcomes = [("refused", product.refused), ("added", product.added)]
        held = outcomes_held(shopper, outcomes)
        takes = shopper.taking({key: memory.quantities.get(key, 0) + wanted})
        try:
            roles.locate(product.add, scope).first.click()
            outcome = wait_for_outcome(shopper, outcomes, mark, held)
        finally:
            for take in takes:
                shopper.target.takes.end(take)
        if outcome == "added":
            shopper.arrived()
            shopper.judge(ClaimKind.AVAILABILITY, key, said, shopper.reading(IN_STOCK))
            memory.quantities[key] = memory.quantities.get(key, 0) + wanted
            return wanted
        if outcome == "refused":
            assert product.refused is not None
            html = shopper.evidence_of(product.refused)
            shopper.judge(ClaimKind.AVAILABILITY, key, said, shopper.reading(OUT_OF_STOCK, html))
            raise Stopped(f"the store refused to add {key}")
        if outcome == "store_failed":
            shopper.raise_store_failure(mark, "adding to the basket")
        raise no_outcome(shopper, "product.added", "adding", ("added", product.added), product.refused, held)
