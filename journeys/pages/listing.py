"""The listing: choose, at random, a product it says is in stock; remember its price and stock."""

from __future__ import annotations

from typing import TYPE_CHECKING

from journeys.actions import run_actions
from journeys.memory import Card
from journeys.reading import OUT_OF_STOCK, read_availability
from journeys.stops import Stopped
from keepword.kinds import ClaimKind
from keepword.recorded import product_note

if TYPE_CHECKING:
    from journeys.shopper import Shopper

__all__ = ["browse"]


def browse(shopper: Shopper) -> Card:
    """Open the listing and choose, at random, a product it says is in stock. A product is
    known by its SKU where the listing shows one, else by its title."""
    listing = shopper.profile.listing
    memory = shopper.memory
    with shopper.step("listing"):
        shopper.goto(listing.url)
        run_actions(shopper, listing.actions)
        rows, _, _ = shopper.roles.snapshot("listing.card", row=listing.card, inner={
            "sku": listing.sku, "title": listing.title, "price": listing.price,
            "availability": listing.availability,
        })
        shopper.note_session()
        order = list(range(len(rows)))
        shopper.rng.shuffle(order)
        for index in order:
            row = rows[index]
            state = None
            if listing.availability is not None and row.get("availability") is not None:
                state = read_availability(row["availability"], shopper.profile.availability)
                if state.state == OUT_OF_STOCK:
                    continue
            key = row.get("sku") or row.get("title")
            if not key:
                raise shopper.roles.missing("listing.sku" if listing.sku else "listing.title",
                                            listing.sku or listing.title)
            price = shopper.reading(shopper.money_text(row.get("price"), "listing.price"), row["__html"])
            memory.seen[(ClaimKind.PRICE, key)] = price
            if state is not None:
                memory.seen[(ClaimKind.AVAILABILITY, key)] = shopper.reading(state.state, row["__html"])
                memory.stock_seen[key] = state.count
            memory.card = Card(key, row.get("title") or key, index)
            if row.get("title") and row["title"] != key:  # claims name SKUs; the report names products
                shopper.notebook.note(shopper.notebook.journey.id, product_note(key, row["title"]))
            return memory.card
        raise Stopped(f"no product on {shopper.page.url} is in stock")
