"""Store platforms `keepword draft` recognises, and the markup of theirs it has checked.

Only markup verified on a running copy of the platform is listed (the version says which);
everything else is found by the generic detection in `draft`. A platform's locators are used
only when they match on the page at hand, and the draft says they came from the platform.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from journeys.tooling.detect import Facts

__all__ = ["PLATFORMS", "Platform", "platform_of"]


@dataclass(frozen=True)
class Platform:
    """A platform: how its pages are recognised (`marks`: CSS that only it uses, or words in its
    script addresses) and the locators of its that were checked on `verified`."""

    name: str
    verified: str
    marks: tuple[str, ...] = ()
    scripts: tuple[str, ...] = ()
    listing_card: str | None = None
    known: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"<Platform {self.name}>"


PLATFORMS = (
    Platform(
        "OpenCart", "OpenCart 4.1.0.4",
        marks=(".product-thumb", "#button-cart", "#checkout-total"),
        scripts=("catalog/view/",),
        listing_card="div.product-thumb",
        known={
            "product.add": "#button-cart",
            "product.quantity": "#input-quantity",
            "product.added": {"find": "#alert .alert-success"},
            "basket.url": "index.php?route=checkout/cart",
            "basket.line": "#output-cart tbody tr",
            "basket.totals": "#checkout-total tr",
        },
        notes=("OpenCart's checkout is one page whose panels save by AJAX, with the shipping and payment "
               "methods each chosen in a modal opened by a button; its success page shows no order number "
               "(the e-mail's subject does)",),
    ),
    Platform(
        "EverShop", "EverShop 2.2.1",
        marks=(".product__list__link", ".product__single__name", ".cart__item"),
        listing_card="div.product__list__item",
        known={
            # the colour must be chosen even on that colour's own page: the button whose words are
            # the product's own "Color" (its attribute list), then the form reloads by XHR
            "product.actions": [
                {"click": "xpath=//ul[contains(@class,'variant-option-list')]//button[normalize-space(.)="
                          "normalize-space(//dl//div[normalize-space(dt)='Color']/dd)]"},
                {"wait_for": ".variant-option-list li.selected"},
            ],
            "product.actions#": "the colour button that is the product's own Color, then the form's reload",
            "basket.url": "cart",
            "basket.line": ".cart__item",
        },
        notes=("EverShop's pages hydrate after they load: a click before that is lost, so wait for an element "
               "that comes with the app; a product's variant must be chosen before adding",),
    ),
)


def platform_of(page: Page, facts: Facts) -> Platform | None:
    """The platform whose marks the page has (an element only it uses, or its script paths)."""
    for platform in PLATFORMS:
        if any(mark in facts.marks for mark in platform.scripts):
            return platform
        if facts.generator and platform.name.lower() in facts.generator.lower():
            return platform
        if any(page.locator(mark).count() for mark in platform.marks):
            return platform
    return None
