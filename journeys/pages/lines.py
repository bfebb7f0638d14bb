"""Order lines, shared by the basket, preview, confirmation and status pages.

Each line's unit price is judged against the last page's (the product page's, at first), its
line total against unit x quantity; where a store shows only line totals (no unit price), the
line total is judged against the last page's line total for the same quantity, or against the
last unit price x quantity, and nothing is invented where neither was shown. The subtotal is
judged against the sum of the lines.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from journeys.notebook import Reading
from keepword.errors import HarnessError
from keepword.kinds import ClaimKind
from keepword.money import Money
from keepword.profile import Find

if TYPE_CHECKING:
    from journeys.shopper import Shopper

__all__ = ["judge_line", "money", "read_lines"]


def money(reading: Reading) -> Money:
    if not isinstance(reading.value, Money):
        raise HarnessError(f"expected an amount at {reading.step}, got {reading.value!r}")
    return reading.value


def judge_line(shopper: Shopper, key: str, quantity: int | None, unit: Reading | None, total: Reading | None) -> None:
    """Judge one line (see the module docstring) and remember it for the next page."""
    seen = shopper.memory.seen
    if unit is not None:
        shopper.judge(ClaimKind.PRICE, key, seen.get((ClaimKind.PRICE, key)), unit)
        seen[(ClaimKind.PRICE, key)] = unit
    if total is None or not quantity:
        return
    per = f"{key} x{quantity}"
    if unit is not None:
        computed = shopper.reading(money(unit) * quantity, source="arithmetic")
        shopper.judge(ClaimKind.PRICE, f"{key} line total", total, computed)
    elif (ClaimKind.PRICE, per) in seen:
        shopper.judge(ClaimKind.PRICE, per, seen[(ClaimKind.PRICE, per)], total)
    elif (ClaimKind.PRICE, key) in seen:
        last = seen[(ClaimKind.PRICE, key)]
        said = Reading(money(last) * quantity, last.step, last.url, last.html, last.source, last.at, last.store_at)
        shopper.judge(ClaimKind.PRICE, per, said, total)
    seen[(ClaimKind.PRICE, per)] = total


def read_lines(
    shopper: Shopper,
    step: str,
    spec: Any,
    *,
    subtotal: Find | None,
    singles: dict[str, Find | None] | None = None,
    required: tuple[str, ...] = (),
) -> tuple[Reading | None, dict[str, tuple[str, str] | None]]:
    """Read a page's lines and single roles in one go and judge them; returns the subtotal
    reading (where the page shows none: what the lines add up to, or None if they cannot be
    added up) and the single roles asked for."""
    rows, read, _ = shopper.roles.snapshot(step, row=spec.line, inner={
        "sku": spec.sku, "title": spec.title, "unit": spec.unit_price,
        "quantity": spec.quantity, "total": spec.line_total,
    }, singles={**(singles or {}), "subtotal": subtotal}, required=(*required, *(("subtotal",) if subtotal else ())))
    total: Money | None = shopper.zero
    for row in rows:
        key = shopper.memory.key_of(row.get("sku"), row.get("title"))
        html = row["__html"]
        unit = shopper.reading(shopper.money_text(row["unit"], f"{step}.unit_price"), html) \
            if spec.unit_price is not None else None
        line_total = shopper.reading(shopper.money_text(row["total"], f"{step}.line_total"), html) \
            if row.get("total") is not None else None
        digits = re.sub(r"\D", "", row.get("quantity") or "")
        quantity = int(digits) if digits else None
        judge_line(shopper, key, quantity, unit, line_total)
        if line_total is not None and total is not None:
            total = total + money(line_total)
        elif unit is not None and quantity and total is not None:
            total = total + money(unit) * quantity
        else:
            total = None  # a line with no amount: the subtotal cannot be checked by arithmetic
    sub = read.pop("subtotal", None)
    if sub is None:
        return (shopper.reading(total, source="arithmetic") if total is not None and rows else None), read
    shown = shopper.money_of(sub)
    if total is not None:
        shopper.judge(ClaimKind.ORDER_TOTAL, f"{step} subtotal", shown, shopper.reading(total, source="arithmetic"))
    return shown, read
