"""The order preview and placing the order.

The preview's lines, shipping charge, promise and total are judged against the basket and the
shipping step. Placing ends as the page says: `placed` (availability kept), `refused` (stock ran
out: availability evidence, or keepword's own shoppers' doing), or `failed` ("a problem occurred
placing your order": a store error, and an open `order_placed` claim that an order e-mail
later breaks, because then the order exists after all; follow-up keeps it once the e-mail
deadline has passed with none. No status page can speak for it: a failed order has no number).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from journeys.actions import no_outcome, outcomes_held, wait_for_outcome
from journeys.memory import ORDER
from journeys.pages.lines import money, read_lines
from journeys.reading import IN_STOCK, OUT_OF_STOCK, read_date
from journeys.stops import Stopped, StoreFailed
from keepword.kinds import ClaimKind

if TYPE_CHECKING:
    from journeys.shopper import Shopper
    from keepword.money import Money

__all__ = ["judge_promise", "place_order", "read_preview"]


def read_preview(shopper: Shopper) -> Money:
    """Read the order preview; judge lines, shipping charge, promise and total."""
    spec = shopper.profile.preview
    memory = shopper.memory
    with shopper.step("preview"):
        subtotal, read = read_lines(shopper, "preview", spec, subtotal=spec.subtotal, singles={
            "shipping": spec.shipping, "code": spec.shipping_code, "total": spec.total,
            "promise": spec.promise_latest,
        }, required=("shipping", "total"))
        shipping = shopper.money_of(read["shipping"])
        code = (read["code"][0] if read["code"] else None) or memory.shipping_code or "shipping"
        shopper.judge(ClaimKind.SHIPPING_CHARGE, code, memory.seen.get((ClaimKind.SHIPPING_CHARGE, code)), shipping)
        memory.seen[(ClaimKind.SHIPPING_CHARGE, code)] = shipping
        memory.shipping_code = code
        total = shopper.money_of(read["total"])
        if subtotal is not None:  # shown, or (with no subtotal in the profile) what the lines add up to
            expected = shopper.reading(money(subtotal) + money(shipping), source="arithmetic")
            shopper.judge(ClaimKind.ORDER_TOTAL, "preview total", total, expected)
        memory.seen[(ClaimKind.ORDER_TOTAL, ORDER)] = total
        judge_promise(shopper, read["promise"])
    return money(total)


def judge_promise(shopper: Shopper, read: tuple[str, str] | None) -> None:
    """A delivery promise shown again: the same latest day as the last one shown."""
    if read is None:
        return
    memory = shopper.memory
    promise = shopper.reading(read_date(read[0]), read[1])
    shopper.judge(ClaimKind.DELIVERY_DATE, memory.order_key, memory.seen.get((ClaimKind.DELIVERY_DATE, ORDER)), promise)
    memory.seen[(ClaimKind.DELIVERY_DATE, ORDER)] = promise


def place_order(shopper: Shopper) -> str:
    """Place the order, if the scenario allows orders on this host; judge availability by
    whether the store took it."""
    spec = shopper.profile.preview
    memory = shopper.memory
    with shopper.step("place"):
        shopper.guard.refuse_unless_allowed(shopper.page.url)
        memory.placed_at = shopper.step_at  # the order's e-mail is one received after this
        mark = shopper.watch.mark()
        outcomes = [("failed", spec.failed), ("refused", spec.refused), ("placed", spec.placed)]
        held = outcomes_held(shopper, outcomes)
        takes = shopper.taking(memory.quantities)
        try:
            shopper.roles.locate(spec.place).first.click()
            outcome = wait_for_outcome(shopper, outcomes, mark, held)
        finally:
            for take in takes:
                shopper.target.takes.end(take)
        shopper.guard.raise_if_blocked()
        if outcome == "placed":
            shopper.arrived()
            for key in memory.quantities:
                shopper.judge(ClaimKind.AVAILABILITY, key, memory.seen.get((ClaimKind.AVAILABILITY, key)),
                              shopper.reading(IN_STOCK))
            return shopper.page.url
        if outcome == "refused":
            assert spec.refused is not None
            html = shopper.evidence_of(spec.refused)
            for key in memory.quantities:
                shopper.judge(ClaimKind.AVAILABILITY, key, memory.seen.get((ClaimKind.AVAILABILITY, key)),
                              shopper.reading(OUT_OF_STOCK, html))
            raise Stopped("the store refused to place the order")
        if outcome == "failed":
            assert spec.failed is not None
            # The store says there is no order. Whether that is true shows later: an order
            # e-mail (wait_for_email, follow-up) breaks this claim.
            said = shopper.reading(False, shopper.evidence_of(spec.failed))
            memory.not_placed_claim = shopper.notebook.claim(ClaimKind.ORDER_PLACED, memory.email_to
                                                             or shopper.persona.email, said)
            shopper.record_store_error(f"the store said the order could not be placed ({spec.failed.describe()})")
            raise StoreFailed("the store said the order could not be placed")
        if outcome == "store_failed":
            shopper.raise_store_failure(mark, "placing the order")
        raise no_outcome(shopper, "preview.placed", "placing", ("placed", spec.placed), spec.refused, held)
