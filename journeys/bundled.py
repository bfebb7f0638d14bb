"""The bundled journeys: plain functions of a shopper, run alike by pytest and `keepword shop`.

A journey of your own is a function `def my_journey(shopper: Shopper) -> None` that calls the
shopper's steps; name it in a scenario as `package.module:my_journey`. A store that refuses to
go on raises `Stopped` out of a step; the runners treat that as the end of the journey.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from keepword.errors import BadInput

if TYPE_CHECKING:
    from journeys.shopper import Shopper

__all__ = ["JOURNEYS", "basket_update", "browse", "guest_checkout", "resolve"]

JourneyFn = Callable[["Shopper"], None]


def browse(shopper: Shopper) -> None:
    """Look, do not buy: listing and product page (prices, availability, JSON-LD)."""
    shopper.browse()
    shopper.open_product()


def guest_checkout(shopper: Shopper) -> None:
    """The whole guest journey, from the listing to the order-status page."""
    shopper.browse()
    shopper.open_product()
    shopper.add_to_basket()
    shopper.read_basket()
    if not shopper.may_place_orders:
        shopper.notebook.skip("checkout", shopper.guard.not_allowed(shopper.target.base_url))
        shopper.notebook.flush()
        return
    shopper.checkout()
    shopper.read_preview()
    shopper.place_order()
    shopper.read_confirmation()
    shopper.wait_for_email()
    shopper.read_status()


def basket_update(shopper: Shopper) -> None:
    """Add a product, then change its quantity in the basket (in place, where the store uses AJAX)."""
    shopper.browse()
    sku = shopper.open_product()
    added = shopper.add_to_basket(1)
    shopper.read_basket()
    if shopper.stock_count is None or shopper.stock_count > added:
        shopper.change_quantity(sku, added + 1)


JOURNEYS: dict[str, JourneyFn] = {
    "basket_update": basket_update,
    "browse": browse,
    "guest_checkout": guest_checkout,
}


def resolve(name: str, folder: Path | None = None) -> JourneyFn:
    """A bundled journey by name, or `package.module:function` imported from `folder` (the
    scenario's folder) first, then from PYTHONPATH."""
    if name in JOURNEYS:
        return JOURNEYS[name]
    if ":" in name:
        from keepword.loading import import_object

        fn = import_object(name, folder=folder, what="journey")
        if callable(fn):
            return fn  # type: ignore[no-any-return]
        raise BadInput(f"journey {name}: not a function of a shopper")
    raise BadInput(f"unknown journey {name!r}; bundled: {', '.join(sorted(JOURNEYS))}, or package.module:function")
