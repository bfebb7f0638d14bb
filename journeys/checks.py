"""Checks judge; pages only observe. Every verdict keepword's shopper gives is decided here.

The cross-step checks a guest journey makes (claim -> the observation that keeps or breaks it):

| kind            | said (claim)                        | seen (observation)                          |
| --------------- | ----------------------------------- | ------------------------------------------- |
| price           | listing price                       | product page price                          |
| price           | product page price                  | basket unit price                           |
| price           | basket unit price                   | preview unit price                          |
| price           | preview unit price                  | confirmation unit price; e-mail unit price  |
| price           | line total shown                    | unit price x quantity                       |
| order_total     | basket / preview subtotal shown     | sum of the line totals                      |
| order_total     | preview total shown                 | subtotal + shipping                         |
| order_total     | preview total                       | confirmation total                          |
| order_total     | confirmation total                  | e-mail total; order-status total            |
| shipping_charge | charge of the method chosen         | preview charge; confirmation charge         |
| availability    | "in stock" on listing               | the product page's availability             |
| availability    | "in stock" on the product page      | adding to the basket; placing the order     |
|                 | (inconclusive when the run's own other shoppers took the units meanwhile) |  |
| structured_data | JSON-LD price / availability        | the visible price / availability            |
| delivery_date   | promise at the shipping step        | the promise on the preview, confirmation    |
| delivery_date   | promise at confirmation             | the delivered date on the status page       |
| email           | "we'll e-mail you" at confirmation  | the e-mail's arrival within the time limit  |

Tolerances (money, days, seconds) come from the scenario, never from code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from keepword.money import Money
from keepword.records import Value
from keepword.scenario import Tolerances

__all__ = ["Judgement", "arrived_in_time", "availability", "delivered_by", "same", "same_money"]


@dataclass(frozen=True, slots=True)
class Judgement:
    """An outcome (kept, broken, inconclusive) and, when broken, the difference in words."""

    outcome: str
    difference: str = ""

    def __repr__(self) -> str:
        return f"Judgement({self.outcome}{', ' + self.difference if self.difference else ''})"


KEPT = Judgement("kept")


def same_money(said: Value, seen: Value, tolerances: Tolerances) -> Judgement:
    """Kept when the amounts differ by no more than the scenario's money tolerance."""
    if not isinstance(said, Money) or not isinstance(seen, Money):
        return Judgement("inconclusive", f"cannot compare {said!r} with {seen!r}")
    if said.currency != seen.currency:
        return Judgement("broken", f"currency changed from {said.currency} to {seen.currency}")
    diff = seen - said
    if abs(diff.amount) <= tolerances.money:
        return KEPT
    sign = "+" if diff.amount > 0 else "-"
    return Judgement("broken", f"{sign}{abs(diff)}")


def same(said: Value, seen: Value, tolerances: Tolerances | None = None) -> Judgement:
    """Kept when the values are equal (states, method codes, dates)."""
    if said == seen:
        return KEPT
    if isinstance(said, date) and isinstance(seen, date) and not isinstance(said, datetime):
        days = (seen - said).days
        if tolerances is not None and abs(days) <= tolerances.delivery_days:
            return KEPT
        return Judgement("broken", f"{days:+d} days")
    return Judgement("broken", f"{said} -> {seen}")


def availability(said: Value, seen: Value, tolerances: Tolerances | None = None, *, taken: int = 0,
                 takers: tuple[str, ...] = (), left: int | None = None) -> Judgement:
    """Availability kept when the states agree. "In stock" then refused (or "out of stock") is
    broken, unless keepword's own other shoppers took, while the claim stood, at least the `left`
    units the claim said remained (any units, where the page gave no count): then nobody can tell
    whether the store kept its word, and the judgement is inconclusive with that reason."""
    judgement = same(said, seen, tolerances)
    if judgement.outcome != "broken" or taken <= 0 or (left is not None and taken < left):
        return judgement
    count = f"the {left} left" if left is not None else f"{taken}"
    return Judgement("inconclusive", f"{said} -> {seen}, but keepword's own {', '.join(takers) or 'shoppers'} "
                                     f"took {count} meanwhile (not the store's doing)")


def delivered_by(latest: date, delivered: date | None, today: date, tolerances: Tolerances) -> Judgement | None:
    """Delivery promise: kept if delivered on or before the latest promised day (plus the
    tolerance); broken if delivered later, or not yet delivered when that day has passed; None
    (still open) otherwise."""
    if delivered is not None:
        late = (delivered - latest).days
        if late <= tolerances.delivery_days:
            return KEPT
        return Judgement("broken", f"delivered {late} days late")
    overdue = (today - latest).days
    if overdue > tolerances.delivery_days:
        return Judgement("broken", f"not delivered {overdue} days after the promised date")
    return None


def arrived_in_time(deadline: datetime, arrived: datetime | None, now: datetime) -> Judgement | None:
    """E-mail promise: kept if it came by the deadline; broken if it came later or the deadline
    passed without it; None (still open) while the deadline is ahead and nothing came."""
    if arrived is not None:
        if arrived <= deadline:
            return KEPT
        return Judgement("broken", f"arrived {(arrived - deadline).total_seconds():.1f}s after the limit")
    if now > deadline:
        return Judgement("broken", "no e-mail by the time limit")
    return None
