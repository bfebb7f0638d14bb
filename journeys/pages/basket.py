"""The basket: its lines against the product page, its subtotal against its lines; changing a
quantity in place (AJAX) or by a page load; and the way to the checkout."""

from __future__ import annotations

from typing import TYPE_CHECKING

from journeys.actions import run_actions
from journeys.pages.lines import read_lines
from journeys.urls import url_matches
from keepword.errors import HarnessError

if TYPE_CHECKING:
    from journeys.shopper import Shopper

__all__ = ["change_quantity", "checkout", "read_basket"]


def read_basket(shopper: Shopper) -> dict[str, int]:
    """Read the basket; judge unit prices against the product page and its arithmetic."""
    basket = shopper.profile.basket
    with shopper.step("basket"):
        if not url_matches(shopper.page.url, "**" + basket.url):
            shopper.goto(basket.url)
        run_actions(shopper, basket.actions)
        read_lines(shopper, "basket", basket, subtotal=basket.subtotal)
    return dict(shopper.memory.quantities)


def change_quantity(shopper: Shopper, key: str, quantity: int) -> None:
    """Change a basket line's quantity (in place when the store updates by AJAX), then read the
    basket again."""
    basket = shopper.profile.basket
    roles = shopper.roles
    profile = shopper.profile
    with shopper.step("basket-update"):
        rows = roles.rows("basket.line", basket.line, {"sku": basket.sku, "title": basket.title})
        index = next((i for i, r in enumerate(rows) if shopper.memory.key_of(r.get("sku"), r.get("title")) == key),
                     None)
        if index is None:
            raise HarnessError(f"basket: no line for {key} on {shopper.page.url}", url=shopper.page.url)
        line = roles.locate(basket.line).nth(index)
        old = roles.read("basket.line_total", basket.line_total, line)[0]
        roles.locate(basket.quantity, line).first.fill(str(quantity))
        if basket.update_mode == "ajax":
            from playwright.sync_api import expect

            if basket.update is not None:
                roles.locate(basket.update, line).first.click()
            expect(roles.locate(basket.line_total, line).first).not_to_have_text(old, timeout=profile.timeout_ms)
        else:
            with shopper.page.expect_navigation(timeout=profile.timeout_ms, wait_until=profile.wait_until):
                if basket.update is not None:
                    roles.locate(basket.update, line).first.click()
                else:
                    roles.locate(basket.quantity, line).first.press("Enter")
        shopper.memory.quantities[key] = quantity
    read_basket(shopper)


def checkout(shopper: Shopper) -> None:
    """From the basket to the preview, by the profile's checkout actions."""
    profile = shopper.profile
    with shopper.step("checkout"):
        shopper.roles.locate(profile.basket.checkout).first.click()
        run_actions(shopper, profile.checkout.steps)
        globs = profile.checkout.preview_url
        shopper.page.wait_for_url(lambda url: url_matches(url, globs), timeout=profile.timeout_ms,
                                  wait_until=profile.wait_until)
        shopper.arrived()
