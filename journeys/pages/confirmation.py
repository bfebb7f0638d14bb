"""The confirmation: judged against the preview; the order's number, the delivery promise and
the promised e-mail become claims for later (the e-mail step, the status page, follow-up)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from journeys.actions import run_actions, url_value
from journeys.memory import ORDER
from journeys.notebook import Reading
from journeys.pages.lines import read_lines
from journeys.pages.preview import judge_promise
from keepword.kinds import ClaimKind
from keepword.profile import Find
from keepword.records import now

if TYPE_CHECKING:
    from journeys.shopper import Shopper

__all__ = ["read_confirmation", "set_status_url"]


def read_confirmation(shopper: Shopper) -> str:
    """Read the confirmation; judge it against the preview; open the delivery and e-mail
    claims. Returns the order number ("" when the page shows none: the e-mail's is used)."""
    spec = shopper.profile.confirmation
    memory = shopper.memory
    with shopper.step("confirmation"):
        run_actions(shopper, spec.actions)
        wanted: dict[str, Find | None] = {
            "number": spec.order_number, "shipping": spec.shipping, "total": spec.total,
            "promise": spec.promise_latest, "email": spec.email, "link": spec.status_link,
        }
        required = tuple(k for k in ("number", "total") if wanted[k] is not None)
        if spec.line is not None:
            _, read = read_lines(shopper, "confirmation", spec, subtotal=spec.subtotal, singles=wanted,
                                 required=required)
        else:
            _, read, _ = shopper.roles.snapshot("confirmation", singles=wanted, required=required)
        number = read["number"][0] if read["number"] else ""
        memory.order_number = number or None
        if read["shipping"] is not None:
            shipping = shopper.money_of(read["shipping"])
            code = memory.shipping_code or "shipping"
            shopper.judge(ClaimKind.SHIPPING_CHARGE, code, memory.seen.get((ClaimKind.SHIPPING_CHARGE, code)), shipping)
            memory.seen[(ClaimKind.SHIPPING_CHARGE, code)] = shipping
        if read["total"] is not None:
            total = shopper.money_of(read["total"])
            shopper.judge(ClaimKind.ORDER_TOTAL, memory.order_key, memory.seen.get((ClaimKind.ORDER_TOTAL, ORDER)), total)
            memory.seen[(ClaimKind.ORDER_TOTAL, ORDER)] = total
        judge_promise(shopper, read["promise"])
        memory.email_to = read["email"][0] if read["email"] else shopper.persona.email
        if read["link"] is not None:
            set_status_url(shopper, urljoin(shopper.page.url, read["link"][0]))
        elif number and shopper.profile.status is not None and shopper.profile.status.url:
            set_status_url(shopper, shopper.target.url(url_value(shopper, shopper.profile.status.url)))
        if shopper.profile.email is not None:
            deadline = now() + timedelta(seconds=shopper.scenario.tolerances.email_within_seconds)
            memory.email_claim = shopper.notebook.claim(ClaimKind.EMAIL, number or memory.email_to,
                                                        shopper.reading(deadline))
            shopper.notebook.note(memory.email_claim.id, f"to={memory.email_to}")
        shopper.remember_order()
    return number


def set_status_url(shopper: Shopper, url: str) -> None:
    """Where the order's status page is (shown, built from the profile, or e-mailed, perhaps
    only at follow-up): the delivery promise becomes a claim that page will decide."""
    memory = shopper.memory
    if memory.status_url == url:
        return
    memory.status_url = url
    promise = memory.seen.get((ClaimKind.DELIVERY_DATE, ORDER))
    if promise is not None and memory.delivery_claim is None:
        said = Reading(promise.value, "confirmation", url, promise.html, at=promise.at, store_at=promise.store_at)
        memory.delivery_claim = shopper.notebook.claim(ClaimKind.DELIVERY_DATE, memory.order_key, said)
