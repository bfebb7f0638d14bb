"""The store profile: how keepword finds its way around one store, as YAML, with no Python.

A profile maps page *roles* (a listing card, its price, the basket total, the order number...)
to locators (`keepword.locators`: CSS, Playwright's `text=`/`role=`, rows found by their label,
a part of a text), says how the store writes money, availability and the time, and lists what
to do on each page as declarative actions (`keepword.actions`: fill, choose, click, wait, with
persona placeholders), including the checkout, the order-status page's form and interstitials
such as cookie banners. It says how an outcome shows (`keepword.locators.PageSays`: a URL, an
element, words on the page), which pages are the store failing (`errors:`), and which requests
place orders (`safety:`). What YAML cannot say goes into a Python hook class
(`hooks: "mypackage.acme:AcmeHooks"`, see `journeys/base.py`), the escape hatch.

Locators inside a repeated element (a card, a basket line, a shipping option) are looked up
inside that element. `scenarios/stores/demo.yaml` is the worked example; the bundled profiles
of real platforms sit beside it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from keepword.actions import PLACEHOLDERS, Action
from keepword.loading import LocaleName
from keepword.locators import Find, FindModel, PageSays, compiles
from keepword.patterns import HttpUrl, PagePath, Regex, Template
from keepword.storetime import known_zone

__all__ = [
    "PLACEHOLDERS",
    "Action",
    "AvailabilityRules",
    "BasketPage",
    "CatalogueSpec",
    "CheckoutSpec",
    "ClockSpec",
    "ConfirmationPage",
    "EmailFormat",
    "Find",
    "ListingPage",
    "MoneyFormat",
    "PageSays",
    "PreviewPage",
    "ProductPage",
    "SafetySpec",
    "ShippingPage",
    "StatusPage",
    "StoreProfile",
    "load_profile",
]

class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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


def _alias(data: Any, old: str, new: str, key: str) -> Any:
    """Accept an older spelling (`added_url: glob`) as the newer one (`added: {url: glob}`)."""
    if isinstance(data, dict) and old in data:
        data = dict(data)
        if new in data:
            raise ValueError(f"give `{new}` or `{old}`, not both")
        data[new] = {key: data.pop(old)}
    return data


class ListingPage(_Strict):
    """A listing of products. A product is known by its SKU where the store shows one, else by
    its title (the same on later pages, where keepword matches lines by it)."""

    url: Annotated[str, PagePath()] = "/"
    actions: list[Action] = Field(default_factory=list)
    card: Find
    sku: Find | None = None
    title: Find
    price: Find
    availability: Find | None = None
    open: Find


class ProductPage(_Strict):
    """A product page. `url` is where it lives ({sku} filled in) or a glob to wait for; `actions`
    run before adding (a variant to pick). Adding ends in `added` or `refused` as the page says
    (a URL, a flash message...): refused is looked at first, so a refusal on the same URL is one."""

    url: Annotated[str, PagePath(("sku",))] | None = Field(default="/product/{sku}",
                                                          description="where a product lives; {sku} is filled in")
    root: Find | None = None
    sku: Find | None = None
    title: Find
    price: Find
    availability: Find | None = None
    quantity: Find | None = None
    actions: list[Action] = Field(default_factory=list)
    add: Find
    added: PageSays = Field(default_factory=lambda: PageSays(url="**/basket"))
    refused: PageSays | None = None

    @model_validator(mode="before")
    @classmethod
    def _older(cls, data: Any) -> Any:
        return _alias(data, "added_url", "added", "url")


class _Lines(_Strict):
    """Order lines (basket, preview, confirmation). A store that shows only line totals leaves
    `unit_price` out: line totals are then compared with the last page's, and with its unit
    price x quantity where that was shown; nothing is invented where neither was."""

    line: Find
    sku: Find | None = None
    title: Find
    unit_price: Find | None = None
    quantity: Find
    line_total: Find


class BasketPage(_Lines):
    url: Annotated[str, PagePath()] = "/basket"
    actions: list[Action] = Field(default_factory=list)
    subtotal: Find
    update: Find | None = None
    update_mode: Literal["ajax", "navigate"] = "navigate"
    empty: Find | None = None
    checkout: Find


class ShippingPage(_Strict):
    """Shipping methods, however the store offers them: `open` a picker or modal first (if
    any), then each `option` is read; the chosen one is taken by `choose` (inside the option;
    default the option itself), whatever it is: a radio, a button or link per method, an
    <option> of a select, an item of a custom drop-down. `after` runs once chosen (a modal's
    "Continue", a wait)."""

    open: Find | None = None
    option: Find
    code: Find
    name: Find | None = None
    charge: Find
    promise_earliest: Find | None = None
    promise_latest: Find | None = None
    choose: Find | None = None
    after: list[Action] = Field(default_factory=list)


class PreviewPage(_Lines):
    """The last page before the order. Placing ends in `placed`, `refused` (stock ran out:
    availability evidence) or `failed` (the store says the order could not be placed: a store
    error, and a claim that no order exists, which an order e-mail later breaks). A store whose
    subtotal is not what its lines add up to (lines shown with tax, a subtotal before it) leaves
    `subtotal` out: the total is then held to the lines plus shipping."""

    subtotal: Find | None = None
    shipping: Find
    shipping_code: Find | None = None
    total: Find
    promise_latest: Find | None = None
    place: Find
    placed: PageSays = Field(default_factory=lambda: PageSays(url="**/order/*/confirmation"))
    refused: PageSays | None = None
    failed: PageSays | None = None

    @model_validator(mode="before")
    @classmethod
    def _older(cls, data: Any) -> Any:
        return _alias(data, "placed_url", "placed", "url")


class ConfirmationPage(_Strict):
    """The page after placing. A store whose success page shows no order number leaves
    `order_number` out: the e-mail's (`email.order_number`) is used."""

    actions: list[Action] = Field(default_factory=list)
    order_number: Find | None = None
    line: Find | None = None
    sku: Find | None = None
    title: Find | None = None
    unit_price: Find | None = None
    quantity: Find | None = None
    line_total: Find | None = None
    subtotal: Find | None = None
    shipping: Find | None = None
    total: Find | None = None
    promise_latest: Find | None = None
    email: Find | None = None
    status_link: Find | None = None


class StatusPage(_Strict):
    """The guest order-status page: at `url` ({order} and {email} filled in), after `actions`
    (a form asking for the order number and e-mail: `fill: {'#email': '{order.email}'}`). A
    tracking link the store e-mails (`email.status_link`) or shows on the confirmation wins."""

    url: Annotated[str, PagePath(("order", "email"))] | None = Field(default="/order-status?order={order}&email={email}",
                            description="{order} and {email} are filled in")
    actions: list[Action] = Field(default_factory=list)
    state: Find
    delivered_states: tuple[str, ...] = ("delivered",)
    delivered_at: Find | None = None
    total: Find | None = None
    shipping: Find | None = None
    line: Find | None = None
    sku: Find | None = None
    title: Find | None = None
    unit_price: Find | None = None
    quantity: Find | None = None
    line_total: Find | None = None
    promise_latest: Find | None = None


class EmailFormat(_Strict):
    """Where to find things in the store's plain-text e-mails: regexes per line, with named
    groups (money is then read with the profile's money format). `line` needs `quantity`, one of
    `sku`/`title`, and one of `unit`/`total` (a line total, where the store lists no unit price).
    `order_number` reads the number where the success page shows none; `status_link` a tracking
    link (group `value`)."""

    subject: Annotated[str, Template(("order",))] = "{order}"
    order_number: Annotated[str, Regex(needs=("value",))] | None = None
    total: Annotated[str, Regex(needs=("value",))] | None = None
    shipping: Annotated[str, Regex(needs=("value",))] | None = None
    line: str | None = None
    promise_latest: Annotated[str, Regex(needs=("value",))] | None = None
    status_link: Annotated[str, Regex(needs=("value",))] | None = None

    @field_validator("line")
    @classmethod
    def _line_groups(cls, value: str | None) -> str | None:
        if value is None:
            return value
        groups = set(re.compile(compiles(value)).groupindex)
        missing = [need for need in ("quantity", "sku|title", "unit|total")
                   if not groups & set(need.split("|"))]
        if missing:
            raise ValueError(f"{value!r} needs the named groups {', '.join(missing)} "
                             "(e.g. (?P<quantity>\\d+) x (?P<title>.+) = (?P<total>.+))")
        return value


class SafetySpec(_Strict):
    """Which requests place an order or carry a card: the network guard aborts them on hosts the
    scenario does not allow (globs as in Playwright's `page.route`)."""

    order_urls: list[str] = Field(min_length=1)
    card_urls: list[str] = Field(default_factory=list)


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


class CatalogueSpec(_Strict):
    """Where `keepword catalogue` finds every product, and how politely it reads the store.

    Products come from `feed` (Google Merchant Center XML: RSS 2.0 or Atom with the `g:`
    namespace; its TSV; or a plain CSV with the same column names), else from `sitemap`, else by
    crawling the listing (`listing:` roles, following `next_page`). A feed or sitemap is a path on
    the store (`/feed.xml`), a full URL, or a file (relative to the profile's folder). Landing
    pages are read with the profile's `product:` and `product_shipping:` roles: on the HTML as
    sent only plain CSS (and `testid`) roles can be read; role= and text= roles are read on the
    rendered page. `rate` is requests per second per host (robots.txt's Crawl-delay lowers it);
    `render_sample` products are also rendered in Chromium, besides every page whose HTML as
    sent lacks a price or availability.
    """

    feed: str | None = None
    feed_format: Literal["auto", "xml", "tsv", "csv"] = "auto"
    sitemap: str | None = None
    next_page: Find = Field(default_factory=lambda: FindModel(css="a[rel=next]", attribute="href"))
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    concurrency: int = Field(default=8, ge=1, le=64)
    rate: float = Field(default=10.0, gt=0, le=10_000)
    retries: int = Field(default=3, ge=0, le=10)
    timeout_s: float = Field(default=20.0, gt=0, le=300)
    max_wait_s: float = Field(default=120.0, ge=0, le=3600)
    render: bool = True
    render_sample: int = Field(default=10, ge=0)
    contact: str = Field(default="https://pypi.org/project/keepword/", pattern=r"^(https?://|mailto:)\S+$")
    max_feed_mb: int = Field(default=2048, ge=1)


class StoreProfile(_Strict):
    """The whole profile; `scenarios/stores/demo.yaml` documents every key by example."""

    name: str
    base_url: HttpUrl | None = None
    demo_store: DemoStoreSpec | None = None
    money: MoneyFormat = Field(default_factory=lambda: MoneyFormat())
    clock: ClockSpec = Field(default_factory=lambda: ClockSpec())
    availability: AvailabilityRules = Field(default_factory=lambda: AvailabilityRules())
    jsonld: bool = True
    interstitials: list[Action] = Field(default_factory=list)  # after every page: `if_present` a banner
    errors: list[PageSays] = Field(default_factory=list)  # pages that are the store failing ("Fatal error")
    timeout_ms: int = Field(default=10_000, ge=100, le=600_000)  # Node takes past 2**31 ms as 1 ms
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
    catalogue: CatalogueSpec | None = None
    hooks: str | None = Field(default=None, pattern=r"^[\w.]+:\w+$")
    path: Path | None = Field(default=None, exclude=True)

    def __repr__(self) -> str:
        return f"<StoreProfile {self.name} {self.base_url or '(no base_url)'}>"


def load_profile(path: str | Path) -> StoreProfile:
    """Load and validate a store profile; paths inside it are resolved from its folder."""
    from keepword.filekinds import PROFILE, wrong_kind
    from keepword.loading import load_document

    document = load_document(path)
    mistaken = wrong_kind(path, document.data, PROFILE, "a scenario's `store:` (and `pytest --store`)")
    if mistaken is not None:
        raise mistaken
    profile = document.validate(StoreProfile)
    update: dict[str, Any] = {"path": Path(path)}
    if profile.demo_store and profile.demo_store.config and not profile.demo_store.config.is_absolute():
        spec = profile.demo_store.model_copy(
            update={"config": Path(path).resolve().parent / profile.demo_store.config})
        update["demo_store"] = spec
    config = update["demo_store"].config if "demo_store" in update else (
        profile.demo_store.config if profile.demo_store else None)
    if config is not None and not config.is_file():  # `check` said ok, then `shop` named no line
        raise document.error(("demo_store", "config"), f"no demo-store config at {config}; check the path "
                             "(a relative one starts from the profile's folder)")
    return profile.model_copy(update=update)
