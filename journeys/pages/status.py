"""The order-status page: what it says about the order (total, shipping, lines, promise) against
the confirmation, and whether the order was delivered by the promised day, on the store's date.

The shopper reads it right after ordering; `keepword follow-up` reads it again days later,
which is how an order edited after it was placed (a total changed in the back office) is seen.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from journeys import checks
from journeys.actions import run_actions
from journeys.memory import ORDER
from journeys.notebook import Notebook, Reading
from journeys.pages.lines import read_lines
from journeys.pages.preview import judge_promise
from journeys.reading import read_date
from keepword.kinds import ClaimKind
from keepword.profile import StatusPage
from keepword.records import Claim
from keepword.scenario import Tolerances

if TYPE_CHECKING:
    from journeys.roles import Roles
    from journeys.shopper import Shopper

__all__ = ["observe_delivery", "read_status", "read_status_page"]


def read_status(shopper: Shopper) -> str | None:
    """Open the order-status page; judge what it says against the confirmation, and close the
    delivery claim if the order has been delivered (or is overdue on the store's date)."""
    spec = shopper.profile.status
    memory = shopper.memory
    if spec is None or memory.status_url is None:
        return None
    with shopper.step("status"):
        shopper.page.goto(memory.status_url, wait_until=shopper.profile.wait_until)
        shopper.arrived()
        read = read_status_page(shopper, spec)
        assert shopper.notebook.store_at is not None  # set by step()
        return observe_delivery(shopper.roles, spec, memory.delivery_claim, shopper.notebook,
                                shopper.scenario.tolerances, step="status", today=shopper.notebook.store_at.date(),
                                read=read)


def read_status_page(shopper: Shopper, spec: StatusPage) -> dict[str, tuple[str, str] | None]:
    """Run the page's actions (a form asking for the e-mail), read it, and judge its total,
    shipping charge, lines and promise against what the journey remembers."""
    memory = shopper.memory
    run_actions(shopper, spec.actions)
    singles: dict[str, Any] = {"state": spec.state, "delivered_at": spec.delivered_at, "total": spec.total,
                               "shipping": spec.shipping, "promise": spec.promise_latest}
    if spec.line is not None:
        _, read = read_lines(shopper, "status", spec, subtotal=None, singles=singles, required=("state",))
    else:
        _, read, _ = shopper.roles.snapshot("status", singles=singles, required=("state",))
    if read["total"] is not None:
        total = shopper.money_of(read["total"])
        shopper.judge(ClaimKind.ORDER_TOTAL, memory.order_key, memory.seen.get((ClaimKind.ORDER_TOTAL, ORDER)), total)
    if read["shipping"] is not None and memory.shipping_code:
        code = memory.shipping_code
        shopper.judge(ClaimKind.SHIPPING_CHARGE, code, memory.seen.get((ClaimKind.SHIPPING_CHARGE, code)),
                      shopper.money_of(read["shipping"]))
    judge_promise(shopper, read["promise"])
    shopper.remember_order()
    return read


def observe_delivery(
    roles: Roles,
    spec: StatusPage,
    claim: Claim | None,
    notebook: Notebook,
    tolerances: Tolerances,
    *,
    step: str,
    today: date,
    read: dict[str, tuple[str, str] | None] | None = None,
) -> str:
    """Read an order-status page (already open; `read` if its roles were read already) and
    close the delivery claim when it can be decided: delivered (on time or late), or overdue on
    the store's `today`. Returns the status text."""
    if read is None:
        _, read, _ = roles.snapshot("status", singles={"state": spec.state, "delivered_at": spec.delivered_at},
                                    required=("state",))
    assert read["state"] is not None
    state, html = read["state"]
    if claim is None or not isinstance(claim.value, date):
        return state
    delivered: date | None = None
    if state.strip().lower() in {s.lower() for s in spec.delivered_states}:
        if spec.delivered_at is None:
            raise roles.missing("status.delivered_at", spec.state, " (no delivered_at role to read the date from)")
        when = read.get("delivered_at") or roles.read("status.delivered_at", spec.delivered_at)
        delivered = read_date(when[0])
    judgement = checks.delivered_by(claim.value, delivered, today, tolerances)
    if judgement is not None:
        notebook.close(claim, Reading(delivered, step, roles.page.url, html, store_at=notebook.store_at), judgement)
    return state
