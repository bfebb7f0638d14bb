"""What one journey remembers: every claim it may still judge, and where it is in the order.

The shopper's pages read values and judge them against what an earlier page said; that earlier
reading lives here, keyed by (claim kind, subject), with the journey's basket, the chosen
product and shipping method, the order number and the claims left open for later.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from journeys.notebook import Reading
from keepword.kinds import ClaimKind
from keepword.records import Claim, decode_value, encode_value

__all__ = ["ORDER", "ORDER_NOTE", "Card", "Memory"]

# The note on a journey holding its order as the pages confirmed it (`Memory.order_note`):
# `keepword follow-up` rebuilds the journey's memory from it and reads the order again.
ORDER_NOTE = "order "
_ORDER_KINDS = {ClaimKind.PRICE, ClaimKind.ORDER_TOTAL, ClaimKind.SHIPPING_CHARGE, ClaimKind.DELIVERY_DATE}

# The subject of order-level claims until the store gives the order a number.
ORDER = "order"


@dataclass(frozen=True, slots=True)
class Card:
    """The product chosen on a listing: its key (the SKU where the store shows one, else its
    title), its title and its place on the listing."""

    sku: str
    title: str
    index: int

    def matches(self, sku: str | None, title: str | None) -> bool:
        """Whether a line (on a basket, preview, confirmation, e-mail) is this product."""
        if sku:
            return sku == self.sku
        if not title:
            return False
        return title == self.title or self.title.startswith(title.rstrip("…. ")) or title.startswith(self.title)


@dataclass
class Memory:
    """One journey's state; see the module docstring."""

    seen: dict[tuple[str, str], Reading] = field(default_factory=dict)
    quantities: dict[str, int] = field(default_factory=dict)
    stock_seen: dict[str, int | None] = field(default_factory=dict)  # units left, as a page last said
    card: Card | None = None
    stock_count: int | None = None
    has_quantity_box: bool = False
    shipping_code: str | None = None
    order_number: str | None = None
    status_url: str | None = None
    email_to: str | None = None
    email_claim: Claim | None = None
    delivery_claim: Claim | None = None
    not_placed_claim: Claim | None = None  # the store said the order failed: does an order turn up?
    placed_at: datetime | None = None  # when "place order" was pressed: its e-mail comes after, never before

    def __repr__(self) -> str:
        return f"<Memory {self.card.sku if self.card else '-'} order={self.order_number}>"

    def order_note(self) -> str:
        """The order as the journey knows it now, as one note: number, where its e-mails go,
        its status page, and every price, total, charge and promise it may be held to."""
        seen = [{"kind": str(kind), "subject": subject, "value": encode_value(r.value), "step": r.step,
                 "url": r.url, "source": r.source, "at": r.at.isoformat(),
                 "store_at": r.store_at.isoformat() if r.store_at else None}
                for (kind, subject), r in self.seen.items() if kind in _ORDER_KINDS]
        return ORDER_NOTE + json.dumps({
            "number": self.order_number, "email_to": self.email_to, "status_url": self.status_url,
            "placed_at": self.placed_at.isoformat() if self.placed_at else None,
            "shipping_code": self.shipping_code, "card": [self.card.sku, self.card.title] if self.card else None,
            "quantities": self.quantities, "seen": seen,
        }, ensure_ascii=False)

    @classmethod
    def from_order_note(cls, text: str) -> Memory:
        """The memory an `order_note` was written from (without its claims, which stay in the ledger)."""
        data: dict[str, Any] = json.loads(text.removeprefix(ORDER_NOTE))
        memory = cls(order_number=data.get("number"), email_to=data.get("email_to"),
                     status_url=data.get("status_url"), shipping_code=data.get("shipping_code"),
                     quantities=dict(data.get("quantities") or {}),
                     placed_at=datetime.fromisoformat(data["placed_at"]) if data.get("placed_at") else None)
        if data.get("card"):
            memory.card = Card(str(data["card"][0]), str(data["card"][1]), -1)
        for item in data.get("seen", []):
            memory.seen[(item["kind"], item["subject"])] = Reading(
                decode_value(item["value"]), item["step"], item.get("url"), None, item.get("source", "page"),
                datetime.fromisoformat(item["at"]),
                datetime.fromisoformat(item["store_at"]) if item.get("store_at") else None)
        return memory

    @property
    def order_key(self) -> str:
        return self.order_number or ORDER

    def key_of(self, sku: str | None, title: str | None) -> str:
        """A line's product key: its SKU, else the chosen card's key if the title is its title,
        else the title itself."""
        if sku:
            return sku
        if self.card is not None and self.card.matches(None, title):
            return self.card.sku
        return title or "?"
