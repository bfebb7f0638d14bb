"""Choosing a shipping method, however the store offers it: radios, a button or link per
method, a <select>, a custom drop-down, a modal opened by a button. Its charge and delivery
promise become claims the preview, confirmation and e-mail must keep."""

from __future__ import annotations

from typing import TYPE_CHECKING

from journeys.actions import choose, run_actions
from journeys.memory import ORDER
from journeys.reading import read_date
from keepword.errors import HarnessError
from keepword.kinds import ClaimKind

if TYPE_CHECKING:
    from journeys.shopper import Shopper

__all__ = ["choose_shipping", "open_options"]


def open_options(shopper: Shopper) -> None:
    """Open the picker or modal the methods are in, where the profile says there is one."""
    spec = shopper.profile.shipping
    if spec is None:
        raise HarnessError(f"{shopper.profile_name}: choose_shipping needs a `shipping:` section in the profile")
    if spec.open is not None:
        shopper.roles.locate(spec.open).first.click()


def choose_shipping(shopper: Shopper, strategy: str = "first", *, opened: bool = False) -> str:
    """Choose a method (`first`, `cheapest`, `priciest`, `random` or a code); record its
    charge and delivery promise as claims the preview and confirmation must keep. `opened`:
    the picker is open already (`keepword walk` opens it to look before choosing)."""
    if not opened:
        open_options(shopper)
    spec = shopper.profile.shipping
    assert spec is not None  # open_options refused a profile without one
    roles = shopper.roles
    memory = shopper.memory
    rows, _, _ = roles.snapshot("shipping.option", row=spec.option, inner={
        "code": spec.code, "name": spec.name, "charge": spec.charge, "latest": spec.promise_latest,
    })
    charges = [shopper.money_text(r.get("charge"), "shipping.charge") for r in rows]
    if strategy == "first":
        index = 0
    elif strategy == "cheapest":
        index = min(range(len(rows)), key=lambda i: charges[i].amount)
    elif strategy == "priciest":
        index = max(range(len(rows)), key=lambda i: charges[i].amount)
    elif strategy == "random":
        index = shopper.rng.randrange(len(rows))
    else:
        index = next((i for i, r in enumerate(rows) if r.get("code") == strategy), -1)
        if index < 0:
            codes = ", ".join(str(r.get("code")) for r in rows)
            raise HarnessError(f"shipping: no method {strategy!r} on {shopper.page.url} (there: {codes})",
                               url=shopper.page.url)
    row = rows[index]
    code = row.get("code") or str(index)
    charge = shopper.reading(charges[index], row["__html"])
    shopper.judge(ClaimKind.SHIPPING_CHARGE, code, memory.seen.get((ClaimKind.SHIPPING_CHARGE, code)), charge)
    memory.seen[(ClaimKind.SHIPPING_CHARGE, code)] = charge
    if row.get("latest"):
        memory.seen[(ClaimKind.DELIVERY_DATE, ORDER)] = shopper.reading(read_date(row["latest"]), row["__html"])
    memory.shipping_code = code
    option = roles.locate(spec.option).nth(index)
    choose(roles.locate(spec.choose, option).first if spec.choose is not None else option)
    run_actions(shopper, spec.after)
    return code
