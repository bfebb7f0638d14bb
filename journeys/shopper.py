"""The shopper: one persona in one browser page, walking a store by its profile.

Each step (browse, open a product, add, read the basket, check out, read the preview, place the
order, read the confirmation, wait for the e-mail, read the order status) reads what the pages
say and hands pairs of readings to the notebook with the check that judges them. A step that
cannot go on raises HarnessError with a screenshot; a store that refuses to go on (sold out)
raises `Stopped`, and the verdicts recorded so far stand. Steps up to the basket live here; the
checkout and after live in `journeys/ordering.py`.
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from journeys import checks
from journeys.base import StoreHooks
from journeys.guard import Guard
from journeys.notebook import Notebook, Reading
from journeys.ordering import OrderSteps
from journeys.persona import Persona
from journeys.reading import (
    IN_STOCK,
    OUT_OF_STOCK,
    Unreadable,
    read_availability,
    read_jsonld,
    read_money,
)
from journeys.roles import Roles
from journeys.target import Target
from keepword.errors import HarnessError, UnsafeAction, harness_line
from keepword.kinds import ClaimKind
from keepword.money import Money
from keepword.profile import Find, StoreProfile
from keepword.records import Claim, now
from keepword.scenario import Scenario

if TYPE_CHECKING:
    from playwright.sync_api import Page

__all__ = ["Card", "Shopper", "Stopped", "url_matches"]


class Stopped(Exception):
    """The store would not let the journey go on (sold out, orders not allowed here)."""


@dataclass(frozen=True, slots=True)
class Card:
    """The product chosen on a listing."""

    sku: str
    title: str
    index: int


@lru_cache(maxsize=256)
def _glob(pattern: str) -> re.Pattern[str]:
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("^" + "".join(out) + "$")


def url_matches(url: str, globs: str | list[str]) -> bool:
    """Playwright-style URL globs (`**` any characters, `*` any but `/`), any of several."""
    for pattern in [globs] if isinstance(globs, str) else globs:
        regex = _glob(pattern)
        if regex.match(url) or regex.match(url.split("?", 1)[0]):
            return True
    return False


@dataclass
class Shopper(OrderSteps):
    """A persona shopping one store in one page; the journeys are functions of a Shopper."""

    page: Page
    target: Target
    scenario: Scenario
    persona: Persona
    notebook: Notebook
    guard: Guard
    rng: random.Random
    evidence_dir: Path
    hooks: StoreHooks = field(default_factory=StoreHooks)
    step_name: str = ""
    seen: dict[tuple[str, str], Reading] = field(default_factory=dict)
    quantities: dict[str, int] = field(default_factory=dict)
    stock_count: int | None = None
    card: Card | None = None
    has_quantity_box: bool = False
    shipping_code: str | None = None
    order_number: str | None = None
    status_url: str | None = None
    email_to: str | None = None
    email_claim: Claim | None = None
    delivery_claim: Claim | None = None
    stock_seen: dict[str, int | None] = field(default_factory=dict)  # units left, as a page last said
    step_at: datetime = field(default_factory=now)
    _shots: int = 0

    def __post_init__(self) -> None:
        self.roles = Roles(self.page, self.profile.timeout_ms, str(self.profile.path or self.profile.name))
        self.notebook.screenshot = self.screenshot

    def __repr__(self) -> str:
        return f"<Shopper {self.persona.email} at {self.step_name or 'start'}>"

    # -- plumbing -----------------------------------------------------------------------------
    @property
    def profile(self) -> StoreProfile:
        return self.target.profile

    @property
    def may_place_orders(self) -> bool:
        return self.guard.orders_allowed(self.target.base_url)

    def screenshot(self, label: str) -> str | None:
        """Save a full-page screenshot into the run's evidence folder; its path, or None."""
        self._shots += 1
        safe = re.sub(r"[^\w.-]+", "-", label)[:60]
        path = self.evidence_dir / f"{self.notebook.journey.id}-{self._shots:02d}-{safe}.png"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(path), full_page=True, timeout=5000)
        except Exception:
            return None
        return str(path)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Run one step: its records are flushed at the end; failures become harness errors."""
        from playwright.sync_api import Error as PlaywrightError

        self.step_name = name
        try:
            self.step_at = now()
            self.notebook.store_at = self.target.clock.now()
            yield
        except (Stopped, UnsafeAction):
            self.notebook.flush()
            raise
        except (HarnessError, Unreadable, PlaywrightError, AssertionError) as exc:
            if (refusal := self.guard.refusal()) is not None:  # the guard's abort, not a timeout
                self.notebook.flush()
                raise refusal from None
            message = harness_line(exc)
            if not isinstance(exc, HarnessError):
                message = f"{self.profile.path or self.profile.name}: {name}: {message}"
            shot = self.screenshot(f"harness-{name}")
            try:
                html = self.page.content()
            except PlaywrightError:
                html = None
            self.notebook.harness(name, message, url=self.page.url, html=html, screenshot=shot)
            self.notebook.flush()
            raise HarnessError(f"{message} (step {name}; screenshot: {shot})", url=self.page.url,
                               screenshot=shot) from None
        self.notebook.flush()

    def goto(self, path: str) -> None:
        self.page.goto(self.target.url(path), wait_until=self.profile.wait_until)
        self.arrived()

    def arrived(self) -> None:
        """A step opened a page: let the store's hooks act (a cookie banner, a pop-up)."""
        self.hooks.after_page(self, self.step_name)

    def reading(self, value: Any, html: str | None = None, *, source: str = "page") -> Reading:
        return Reading(value, self.step_name, self.page.url, html, source, self.step_at, self.notebook.store_at)

    def money(self, where: str, find: Find, scope: Any = None) -> Reading:
        text, html = self.roles.read(where, find, scope)
        return self.reading(read_money(text, self.profile.money), html)

    def money_text(self, text: str | None, where: str) -> Money:
        if text is None:
            raise HarnessError(f"{self.profile.path or self.profile.name}: {where}: no element matched on "
                               f"{self.page.url}; check the selector or re-record the profile")
        return read_money(text, self.profile.money)

    @property
    def zero(self) -> Money:
        return Money(Decimal(0), self.profile.money.currency)

    def judge(self, kind: ClaimKind, subject: str, said: Reading | None, seen: Reading, check: Any = None) -> None:
        """Judge `seen` against the earlier reading `said` (nothing to judge if none)."""
        if said is None:
            return
        if kind == ClaimKind.AVAILABILITY and check is None:
            # Did this run's own other shoppers take the units while the claim stood?
            taken, takers = self.target.takes.by_others(subject, self.notebook.journey.id, said.at)
            left = self.stock_seen.get(subject)
            self.notebook.judge(kind, subject, said, seen, functools.partial(
                checks.availability, taken=taken, takers=tuple(takers), left=left), self.scenario.tolerances)
            return
        if check is None:
            check = checks.same_money if isinstance(said.value, Money) else checks.same
        self.notebook.judge(kind, subject, said, seen, check, self.scenario.tolerances)

    def taking(self, skus: dict[str, int]) -> list[Any]:
        """Tell the run's other shoppers that this journey is about to take these units (see
        `journeys.rivals`); end each take once the store has answered."""
        return [self.target.takes.begin(self.notebook.journey.id, self.notebook.journey.shopper, sku, n)
                for sku, n in skus.items()]

    def note_session(self) -> None:
        name = self.profile.session_cookie
        if not name:
            return
        for cookie in self.page.context.cookies():
            if cookie.get("name") == name:
                self.notebook.note(self.notebook.journey.id, f"session {name}={cookie.get('value')}")
                return

    # -- steps up to the basket ------------------------------------------------------------------
    def browse(self) -> Card:
        """Open the listing and choose, at random, a product it says is in stock."""
        listing = self.profile.listing
        with self.step("listing"):
            self.goto(listing.url)
            rows, _, _ = self.roles.snapshot("listing.card", row=listing.card, inner={
                "sku": listing.sku, "title": listing.title, "price": listing.price,
                "availability": listing.availability,
            })
            self.note_session()
            order = list(range(len(rows)))
            self.rng.shuffle(order)
            for index in order:
                row = rows[index]
                state = None
                if listing.availability is not None and row.get("availability") is not None:
                    state = read_availability(row["availability"], self.profile.availability)
                    if state.state == OUT_OF_STOCK:
                        continue
                sku = row.get("sku")
                if not sku:
                    raise self.roles.missing("listing.sku", listing.sku)
                price = self.reading(self.money_text(row.get("price"), "listing.price"), row["__html"])
                self.seen[(ClaimKind.PRICE, sku)] = price
                if state is not None:
                    self.seen[(ClaimKind.AVAILABILITY, sku)] = self.reading(state.state, row["__html"])
                    self.stock_seen[sku] = state.count
                self.card = Card(sku, row.get("title") or sku, index)
                return self.card
            raise Stopped(f"no product on {self.page.url} is in stock")

    def open_product(self, card: Card | None = None) -> str:
        """Open the chosen product; judge the listing's price and availability, and the JSON-LD."""
        card = card or self.card
        if card is None:
            raise HarnessError("open_product: browse first (no product chosen)")
        product = self.profile.product
        with self.step("product"):
            cards = self.roles.locate(self.profile.listing.card)
            self.roles.locate(self.profile.listing.open, cards.nth(card.index)).first.click()
            self.page.wait_for_url(_product_glob(product.url, card.sku), wait_until=self.profile.wait_until)
            self.hooks.after_page(self, self.step_name)
            quantity_max = product.quantity.model_copy(update={"attribute": "max"}) if product.quantity else None
            ship = self.profile.product_shipping
            options, read, blocks = self.roles.snapshot(
                "product", singles={"price": product.price, "availability": product.availability, "max": quantity_max},
                scope=product.root, required=("price",), jsonld=self.profile.jsonld,
                row=ship.option if ship else None, inner={"code": ship.code, "charge": ship.charge} if ship else None,
                rows_required=False,
            )
            assert read["price"] is not None
            price = self.reading(read_money(read["price"][0], self.profile.money), read["price"][1])
            self.judge(ClaimKind.PRICE, card.sku, self.seen.get((ClaimKind.PRICE, card.sku)), price)
            self.seen[(ClaimKind.PRICE, card.sku)] = price
            state = None
            if read["availability"] is not None:
                state = read_availability(read["availability"][0], self.profile.availability)
                seen = self.reading(state.state, read["availability"][1])
                self.judge(ClaimKind.AVAILABILITY, card.sku, self.seen.get((ClaimKind.AVAILABILITY, card.sku)), seen)
                self.seen[(ClaimKind.AVAILABILITY, card.sku)] = seen
            self.stock_count = state.count if state else None
            box = read["max"]
            self.has_quantity_box = box is not None
            if box is not None and box[0].isdigit():
                self.stock_count = min(self.stock_count or int(box[0]), int(box[0]))
            self.stock_seen[card.sku] = self.stock_count
            if self.profile.jsonld:
                self._judge_jsonld(blocks, card.sku, price, state.state if state else None)
            if ship is not None:
                for row in options:
                    if row.get("code") and row.get("charge"):
                        charge = self.money_text(row["charge"], "product_shipping.charge")
                        self.seen[(ClaimKind.SHIPPING_CHARGE, row["code"])] = self.reading(charge, row["__html"])
        return card.sku

    def _judge_jsonld(self, blocks: list[str], sku: str, price: Reading, state: str | None) -> None:
        if not blocks:
            return  # a store with no JSON-LD makes no structured-data claim
        offers, problems = read_jsonld(blocks, self.profile.money)
        for problem in problems:
            self.notebook.note(self.notebook.journey.id, f"{self.page.url}: {problem}")
        mine = [o for o in offers if o.sku == sku] or (offers if len(offers) == 1 else [])
        for offer in mine[:1]:
            snippet = next((b for b in blocks if sku in b), blocks[0])[:1500]
            if offer.price is not None:
                said = self.reading(offer.price, snippet, source="jsonld")
                self.judge(ClaimKind.STRUCTURED_DATA, sku, said, price)
            if offer.availability is not None and state is not None:
                said = self.reading(offer.availability, snippet, source="jsonld")
                self.judge(ClaimKind.STRUCTURED_DATA, sku, said, self.reading(state))

    def add_to_basket(self, quantity: int | None = None) -> int:
        """Add the open product (a random quantity within the scenario's range and the stock);
        judge its availability claim by whether the store took it."""
        if self.card is None:
            raise HarnessError("add_to_basket: open a product first")
        sku = self.card.sku
        product = self.profile.product
        with self.step("add"):
            scope = self.roles.locate(product.root) if product.root else None
            wanted = quantity or self.rng.randint(*self.scenario.quantity)
            if self.stock_count is not None:
                wanted = max(1, min(wanted, self.stock_count))
            if product.quantity is not None and self.has_quantity_box:
                self.roles.locate(product.quantity, scope).first.fill(str(wanted))
            else:
                wanted = 1
            takes = self.taking({sku: self.quantities.get(sku, 0) + wanted})
            try:
                with self.page.expect_navigation(timeout=self.profile.timeout_ms, wait_until=self.profile.wait_until):
                    self.roles.locate(product.add, scope).first.click()
            finally:
                for take in takes:
                    self.target.takes.end(take)
            said = self.seen.get((ClaimKind.AVAILABILITY, sku))
            if url_matches(self.page.url, product.added_url):
                self.hooks.after_page(self, self.step_name)
                self.judge(ClaimKind.AVAILABILITY, sku, said, self.reading(IN_STOCK))
                self.quantities[sku] = self.quantities.get(sku, 0) + wanted
                return wanted
            if product.refused is not None and self.roles.present(product.refused):
                html = self.roles.read("product.refused", product.refused)[1]
                self.judge(ClaimKind.AVAILABILITY, sku, said, self.reading(OUT_OF_STOCK, html))
                raise Stopped(f"the store refused to add {sku}")
            raise HarnessError(f"{self.profile.path or self.profile.name}: product.added_url: after adding, "
                               f"{self.page.url} matches neither added_url nor product.refused", url=self.page.url)

    def read_basket(self) -> dict[str, int]:
        """Read the basket; judge unit prices against the product page and its arithmetic."""
        basket = self.profile.basket
        with self.step("basket"):
            if not url_matches(self.page.url, "**" + basket.url):
                self.goto(basket.url)
            self._read_lines("basket", basket, subtotal=basket.subtotal)
        return dict(self.quantities)

    def change_quantity(self, sku: str, quantity: int) -> None:
        """Change a basket line's quantity (in place when the store updates by AJAX), then
        read the basket again."""
        basket = self.profile.basket
        with self.step("basket-update"):
            rows = self.roles.rows("basket.line", basket.line, {"sku": basket.sku, "title": basket.title})
            index = next((i for i, r in enumerate(rows) if sku in (r.get("sku"), r.get("title"))), None)
            if index is None:
                raise HarnessError(f"basket: no line for {sku} on {self.page.url}", url=self.page.url)
            line = self.roles.locate(basket.line).nth(index)
            old = self.roles.read("basket.line_total", basket.line_total, line)[0]
            self.roles.locate(basket.quantity, line).first.fill(str(quantity))
            if basket.update_mode == "ajax":
                from playwright.sync_api import expect

                if basket.update is not None:
                    self.roles.locate(basket.update, line).first.click()
                expect(self.roles.locate(basket.line_total, line).first).not_to_have_text(
                    old, timeout=self.profile.timeout_ms)
            else:
                with self.page.expect_navigation(timeout=self.profile.timeout_ms, wait_until=self.profile.wait_until):
                    if basket.update is not None:
                        self.roles.locate(basket.update, line).first.click()
                    else:
                        self.roles.locate(basket.quantity, line).first.press("Enter")
            self.quantities[sku] = quantity
        self.read_basket()


def _product_glob(template: str, sku: str) -> str:
    from urllib.parse import quote

    path = template.replace("{sku}", quote(sku)) if "{sku}" in template else template
    return "**" + path.split("?", 1)[0]
