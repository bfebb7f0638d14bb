"""The store profile: how keepword finds its way around one store, as YAML.

A profile maps page *roles* (a listing card, its price, the basket total, the order number...)
to locators, says how the store writes money and availability, and lists the checkout as a
declarative sequence of fills, clicks and waits with persona placeholders. What YAML cannot say
goes into a Python hook class (`hooks: "mypackage.acme:AcmeHooks"`, see `journeys/base.py`).

A locator is either a string, which Playwright reads as CSS, `text=...` or `role=...`
(`"role=button[name='Add to basket']"`), or a mapping:

    price: {css: "[data-testid=product-price]"}
    title: {css: "a.title", attribute: title}        # read an attribute, not the text
    sku:   {attribute: data-sku}                      # an attribute of the enclosing element
    add:   {role: button, name: Add to basket}

Locators inside a repeated element (a card, a basket line, a shipping option) are looked up
inside that element. `scenarios/stores/demo.yaml` is the worked example.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

from keepword.loading import LocaleName
from keepword.locators import check_locator, check_selector
from keepword.patterns import HttpUrl, PagePath, Regex, Template
from keepword.storetime import known_zone

__all__ = [
    "PLACEHOLDERS",
    "Action",
    "AvailabilityRules",
    "BasketPage",
    "CheckoutSpec",
    "ClockSpec",
    "ConfirmationPage",
    "EmailFormat",
    "Find",
    "ListingPage",
    "MoneyFormat",
    "PreviewPage",
    "ProductPage",
    "SafetySpec",
    "ShippingPage",
    "StatusPage",
    "StoreProfile",
    "load_profile",
]

# What `{persona.x}` and `{card.x}` may name in checkout fills (journeys/persona.py fills them).
PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "persona": ("email", "name", "first_name", "last_name", "address1", "address2", "city",
                "postcode", "phone", "country"),
    "card": ("number", "expiry", "cvc", "name"),
}
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\.([a-z0-9_]+)\}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _shorthand(value: Any) -> Any:
    return {"css": value} if isinstance(value, str) else value


class _FindModel(_Strict):
    """One page role: where it is and, optionally, which attribute holds its value."""

    css: str | None = None
    role: str | None = None
    name: str | None = None
    text: str | None = None
    testid: str | None = None
    attribute: str | None = None
    exact: bool = False

    @model_validator(mode="after")
    def _something(self) -> _FindModel:
        if not (self.css or self.role or self.text or self.testid or self.attribute):
            raise ValueError("give css, role, text or testid (or attribute, to read the enclosing element)")
        if self.name and not self.role:
            raise ValueError("`name` goes with `role` (e.g. {role: button, name: Add to basket})")
        return self

    @property
    def is_self(self) -> bool:
        """True when the value is an attribute of the enclosing element itself."""
        return not (self.css or self.role or self.text or self.testid)

    def describe(self) -> str:
        """How the locator reads in an error message."""
        if self.css:
            where = self.css
        elif self.role:
            where = f"role={self.role}" + (f"[name={self.name!r}]" if self.name else "")
        elif self.text:
            where = f"text={self.text}"
        elif self.testid:
            where = f"[data-testid={self.testid}]"
        else:
            where = "(the element itself)"
        return where + (f" @{self.attribute}" if self.attribute else "")


Find = Annotated[_FindModel, BeforeValidator(_shorthand), AfterValidator(check_locator)]


class MoneyFormat(_Strict):
    """How the store writes money; read with `keepword.money.parse_money`."""

    locale: LocaleName = "en_GB"
    currency: str = Field(default="GBP", pattern=r"^[A-Z]{3}$")
    free_words: tuple[str, ...] = ()


class AvailabilityRules(_Strict):
    """Patterns for availability text; a named group `count` gives the number in stock.

    Matched with `re.search`, ignoring case, in the order given: out_of_stock first, then
    in_stock. Text that matches none is a harness error (the page changed or the profile is
    incomplete), never a guess.
    """

    in_stock: list[Annotated[str, Regex(may=("count",))]] = Field(default_factory=lambda: [r"in stock"])
    out_of_stock: list[Annotated[str, Regex(may=())]] = Field(default_factory=lambda: [r"out of stock", r"sold out"])


class ListingPage(_Strict):
    url: Annotated[str, PagePath()] = "/"
    card: Find
    sku: Find
    title: Find
    price: Find
    availability: Find | None = None
    open: Find


class ProductPage(_Strict):
    url: Annotated[str, PagePath(("sku",))] = Field(default="/product/{sku}", description="where a product lives; {sku} is filled in")
    root: Find | None = None
    sku: Find | None = None
    title: Find
    price: Find
    availability: Find | None = None
    quantity: Find | None = None
    add: Find
    added_url: str | list[str] = "**/basket"
    refused: Find | None = None


class BasketPage(_Strict):
    url: Annotated[str, PagePath()] = "/basket"
    line: Find
    sku: Find | None = None
    title: Find
    unit_price: Find
    quantity: Find
    line_total: Find
    subtotal: Find
    update: Find | None = None
    update_mode: Literal["ajax", "navigate"] = "navigate"
    empty: Find | None = None
    checkout: Find


class ShippingPage(_Strict):
    option: Find
    code: Find
    name: Find | None = None
    charge: Find
    promise_earliest: Find | None = None
    promise_latest: Find | None = None
    choose: Find | None = None


class PreviewPage(_Strict):
    line: Find
    sku: Find | None = None
    title: Find
    unit_price: Find
    quantity: Find
    line_total: Find
    subtotal: Find
    shipping: Find
    shipping_code: Find | None = None
    total: Find
    promise_latest: Find | None = None
    place: Find
    placed_url: str | list[str] = "**/order/*/confirmation"
    refused: Find | None = None


class ConfirmationPage(_Strict):
    order_number: Find
    line: Find | None = None
    sku: Find | None = None
    title: Find | None = None
    unit_price: Find | None = None
    quantity: Find | None = None
    line_total: Find | None = None
    subtotal: Find | None = None
    shipping: Find | None = None
    total: Find
    promise_latest: Find | None = None
    email: Find | None = None
    status_link: Find | None = None


class StatusPage(_Strict):
    url: Annotated[str, PagePath(("order", "email"))] = Field(default="/order-status?order={order}&email={email}", description="{order} and {email} are filled in")
    state: Find
    delivered_states: tuple[str, ...] = ("delivered",)
    delivered_at: Find | None = None
    total: Find | None = None
    promise_latest: Find | None = None


class EmailFormat(_Strict):
    """Where to find things in the store's plain-text confirmation e-mail (regexes, per line,
    with named groups; money is then read with the profile's money format)."""

    subject: Annotated[str, Template(("order",))] = "{order}"
    total: Annotated[str, Regex(needs=("value",))] | None = None
    shipping: Annotated[str, Regex(needs=("value",))] | None = None
    line: Annotated[str, Regex(needs=("unit",))] | None = None
    promise_latest: Annotated[str, Regex(needs=("value",))] | None = None


class SafetySpec(_Strict):
    """Which requests place an order or carry a card: the network guard aborts them on hosts the
    scenario does not allow (globs as in Playwright's `page.route`)."""

    order_urls: list[str] = Field(min_length=1)
    card_urls: list[str] = Field(default_factory=list)


class Action(_Strict):
    """One checkout instruction; exactly one of the verbs is given.

    `fill: {locator: "{persona.email}"}`, `click: locator`, `check: locator`,
    `select: {locator: value}`, `wait_for_url: glob or [globs]`, `wait_for: locator`,
    `goto: /path`, `choose_shipping: cheapest|first|priciest|<code>`, `hook: method`,
    and `if_url: glob` with `then: [actions]` for a step the store may skip.
    """

    fill: dict[str, str] | None = None
    click: Find | None = None
    check: Find | None = None
    select: dict[str, str] | None = None
    wait_for_url: str | list[str] | None = None
    wait_for: Find | None = None
    goto: Annotated[str, PagePath()] | None = None
    choose_shipping: str | None = None
    hook: str | None = None
    if_url: str | list[str] | None = None
    then: list[Action] | None = None

    @model_validator(mode="after")
    def _one_verb(self) -> Action:
        verbs = [k for k in ("fill", "click", "check", "select", "wait_for_url", "wait_for", "goto",
                             "choose_shipping", "hook", "if_url") if getattr(self, k) is not None]
        if len(verbs) != 1:
            raise ValueError(f"give exactly one of fill/click/check/select/wait_for_url/wait_for/goto/"
                             f"choose_shipping/hook/if_url (got {', '.join(verbs) or 'none'})")
        if (self.if_url is None) != (self.then is None):
            raise ValueError("`if_url` and `then` go together")
        for mapping in (self.fill or {}, self.select or {}):
            for locator in mapping:
                check_selector(locator)
            for value in mapping.values():
                for group, name in _PLACEHOLDER.findall(value):
                    if name not in PLACEHOLDERS.get(group, ()):
                        known = ", ".join(f"{{{g}.{n}}}" for g in PLACEHOLDERS for n in PLACEHOLDERS[g])
                        raise ValueError(f"unknown placeholder {{{group}.{name}}}; known: {known}")
        return self

    @property
    def verb(self) -> str:
        for k in ("fill", "click", "check", "select", "wait_for_url", "wait_for", "goto",
                  "choose_shipping", "hook", "if_url"):
            if getattr(self, k) is not None:
                return k
        raise AssertionError("validated to have one verb")


class CheckoutSpec(_Strict):
    """From the basket's checkout button to the preview page, as a list of actions."""

    steps: list[Action] = Field(min_length=1)
    preview_url: str | list[str] = "**/checkout/preview"


class ClockSpec(_Strict):
    """Store time, on which "overdue" and "late" are judged (see `keepword.storetime`): real time
    in `timezone`, or, for a store that runs its own clock, the time it gives at `url` (JSON
    `key`, ISO 8601 with an offset), with an optional bearer token from the environment."""

    timezone: Annotated[str, AfterValidator(known_zone)] = "UTC"
    url: str | None = None
    key: str = "now"
    token_env: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")


class DemoStoreSpec(_Strict):
    """Start keepword's bundled demo store (with a mail sink) when no base URL is given.

    `config` is the store's own YAML (its currency, faults, clock); `restock` raises every SKU
    that is in stock to at least this many at start, so many parallel shoppers do not sell the
    demo out (a shopper beaten to the last kettle is a real broken promise, not a demo)."""

    config: Path | None = None
    restock: int | None = Field(default=None, ge=1)


class StoreProfile(_Strict):
    """The whole profile; `scenarios/stores/demo.yaml` documents every key by example."""

    name: str
    base_url: HttpUrl | None = None
    demo_store: DemoStoreSpec | None = None
    money: MoneyFormat = Field(default_factory=lambda: MoneyFormat())
    clock: ClockSpec = Field(default_factory=lambda: ClockSpec())
    availability: AvailabilityRules = Field(default_factory=lambda: AvailabilityRules())
    jsonld: bool = True
    timeout_ms: int = Field(default=10_000, ge=100)
    wait_until: Literal["load", "domcontentloaded", "commit"] = "domcontentloaded"
    session_cookie: str | None = None
    listing: ListingPage
    product: ProductPage
    basket: BasketPage
    checkout: CheckoutSpec
    shipping: ShippingPage | None = None
    product_shipping: ShippingPage | None = None
    preview: PreviewPage
    confirmation: ConfirmationPage
    status: StatusPage | None = None
    email: EmailFormat | None = None
    safety: SafetySpec
    hooks: str | None = Field(default=None, pattern=r"^[\w.]+:\w+$")
    path: Path | None = Field(default=None, exclude=True)

    def __repr__(self) -> str:
        return f"<StoreProfile {self.name} {self.base_url or '(no base_url)'}>"


def load_profile(path: str | Path) -> StoreProfile:
    """Load and validate a store profile; paths inside it are resolved from its folder."""
    from keepword.loading import load_model

    profile = load_model(path, StoreProfile)
    update: dict[str, Any] = {"path": Path(path)}
    if profile.demo_store and profile.demo_store.config and not profile.demo_store.config.is_absolute():
        spec = profile.demo_store.model_copy(
            update={"config": Path(path).resolve().parent / profile.demo_store.config})
        update["demo_store"] = spec
    return profile.model_copy(update=update)
