"""The one list of claim kinds and verdict outcomes; add a kind here, nowhere else."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ClaimKind", "Outcome"]


class ClaimKind(StrEnum):
    """What a store promised. The value's type follows the kind (Money, date, int, str)."""

    PRICE = "price"
    AVAILABILITY = "availability"
    SHIPPING_CHARGE = "shipping_charge"
    ORDER_TOTAL = "order_total"
    DELIVERY_DATE = "delivery_date"
    DISPATCH_DATE = "dispatch_date"
    EMAIL = "email"
    STRUCTURED_DATA = "structured_data"
    ORDER_PLACED = "order_placed"  # "your order could not be placed" (False), against evidence that it was


class Outcome(StrEnum):
    """A verdict's outcome. A claim with no verdict yet is open; harness errors are not here."""

    KEPT = "kept"
    BROKEN = "broken"
    INCONCLUSIVE = "inconclusive"
