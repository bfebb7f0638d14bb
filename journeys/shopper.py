"""The shopper: one persona in one browser page, walking a store by its profile.

A journey is a plain function that calls the shopper's steps (`browse`, `open_product`,
`add_to_basket`, `read_basket`, `checkout`, `read_preview`, `place_order`, `read_confirmation`,
`wait_for_email`, `read_status`); each step is a page of `journeys.pages`, which reads the page,
acts on it and judges what it says. This class is the plumbing they share: the step (records
flushed per step; a failure told apart as the store's or keepword's own), readings stamped with
real and store time, judging through `journeys.checks`, and what the journey remembers
(`journeys.memory`).

A step that cannot go on raises HarnessError with the URL, the HTTP status, the page's title and
a screenshot; a store that fails the customer (HTTP 5xx, a declared error page) ends the journey
with a `StoreError` record (`StoreFailed`); a store that refuses to go on (sold out) raises
`Stopped`. The verdicts recorded so far stand in every case.
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
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from journeys import checks
from journeys.actions import fill_value, interstitials, run_actions
from journeys.base import StoreHooks
from journeys.guard import Guard
from journeys.memory import Card, Memory
from journeys.notebook import Notebook, Reading
from journeys.pages import basket, confirmation, email, listing, preview, product, shipping, status
from journeys.persona import Persona
from journeys.reading import Unreadable, read_money
from journeys.roles import Roles
from journeys.stops import Stopped, StoreFailed
from journeys.target import Target
from journeys.urls import url_matches
from journeys.watch import Answer, Mark, StoreWatch, page_says
from keepword.actions import Action
from keepword.errors import HarnessError, UnsafeAction, harness_line, shown_path
from keepword.kinds import ClaimKind
from keepword.locators import PageSays
from keepword.money import Money
from keepword.profile import Find, StoreProfile
from keepword.records import StoreError, now
from keepword.scenario import Scenario

if TYPE_CHECKING:
    from playwright.sync_api import Page

__all__ = ["Card", "Shopper", "Stopped", "StoreFailed", "url_matches"]

# What a store error tells the user to do: it is the store's to fix, not the profile's.
_NOT_THE_PROFILE = ": the store failed, not the profile; the store's own log for that request says why"


@dataclass
class Shopper:
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
    memory: Memory = field(default_factory=Memory)
    step_name: str = ""
    step_at: datetime = field(default_factory=now)
    unreachable: tuple[str, str] = ("the store", "")  # how a refused connection is told: (whose, advice)
    _shots: int = 0

    def __post_init__(self) -> None:
        self.roles = Roles(self.page, self.profile.timeout_ms, self.profile_name)
        self.watch = StoreWatch(self.page, self.target.base_url)
        self.notebook.screenshot = self.screenshot

    def __repr__(self) -> str:
        return f"<Shopper {self.persona.email} at {self.step_name or 'start'}>"

    # -- the steps a journey calls ------------------------------------------------------------
    def browse(self) -> Card:
        """The listing: choose, at random, a product it says is in stock."""
        return listing.browse(self)

    def open_product(self, card: Card | None = None) -> str:
        """The product page: same price and availability as the listing? JSON-LD agrees?"""
        return product.open_product(self, card)

    def add_to_basket(self, quantity: int | None = None) -> int:
        """Add the product; the store taking it (or not) judges its availability claim."""
        return product.add_to_basket(self, quantity)

    def read_basket(self) -> dict[str, int]:
        """The basket's lines and subtotal against the product page."""
        return basket.read_basket(self)

    def change_quantity(self, sku: str, quantity: int) -> None:
        """Change a basket line's quantity, then read the basket again."""
        basket.change_quantity(self, sku, quantity)

    def checkout(self) -> None:
        """From the basket to the preview, by the profile's checkout actions."""
        basket.checkout(self)

    def choose_shipping(self, strategy: str = "first") -> str:
        """Choose a shipping method; its charge and promise become claims."""
        return shipping.choose_shipping(self, strategy)

    def read_preview(self) -> Money:
        """The preview's lines, shipping, promise and total."""
        return preview.read_preview(self)

    def place_order(self) -> str:
        """Place the order (only where the scenario allows orders)."""
        return preview.place_order(self)

    def read_confirmation(self) -> str:
        """The confirmation against the preview; delivery and e-mail claims opened."""
        return confirmation.read_confirmation(self)

    def wait_for_email(self) -> bool:
        """The confirmation e-mail: in time, and saying what the pages said?"""
        return email.wait_for_email(self)

    def read_status(self) -> str | None:
        """The order-status page against the confirmation; delivered by the promised day?"""
        return status.read_status(self)

    # -- for journeys and hooks (the public API: see journeys/base.py) --------------------------
    @property
    def profile(self) -> StoreProfile:
        return self.target.profile

    @property
    def profile_name(self) -> str:
        return shown_path(self.profile.path) if self.profile.path else self.profile.name

    @property
    def load_state(self) -> Literal["domcontentloaded", "load"]:
        """The profile's `wait_until` as a load state to wait for (a "commit" page: its DOM)."""
        return "load" if self.profile.wait_until == "load" else "domcontentloaded"

    @property
    def may_place_orders(self) -> bool:
        return self.guard.orders_allowed(self.target.base_url)

    @property
    def card(self) -> Card | None:
        return self.memory.card

    @property
    def stock_count(self) -> int | None:
        return self.memory.stock_count

    @property
    def order_number(self) -> str | None:
        return self.memory.order_number

    def run_actions(self, actions: list[Action]) -> None:
        """Do profile actions (`keepword.actions`) on the current page."""
        run_actions(self, actions)

    def fill_value(self, template: str) -> str:
        """A fill's text with `{persona.x}`, `{card.x}` and `{order.x}` filled in."""
        return fill_value(self, template)

    def text(self, where: str, find: Find) -> str:
        """A role's text (or attribute) on the current page; a harness error if it is not there."""
        return self.roles.read(where, find)[0]

    def compare(self, kind: ClaimKind, subject: str, said: Any, seen: Any, check: Any = None) -> None:
        """Judge a value seen now against one said earlier in this journey, e.g. from a hook:
        `shopper.compare(ClaimKind.PRICE, "KIT-001", said_money, seen_money)`."""
        self.judge(kind, subject, self.reading(said), self.reading(seen), check)

    # -- plumbing --------------------------------------------------------------------------------
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
        """Run one step: its records are flushed at the end; a failure is told apart as the
        store's (a store error) or keepword's own (a harness error naming page, status, title)."""
        from playwright.sync_api import Error as PlaywrightError

        self.step_name = name
        mark = self.watch.mark()
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
            answer = self.watch.failure(mark) or self.watch.failing_page(self.page.url)
            if answer is not None or self.error_page() is not None:
                self.record_store_error(self._failed_because(answer), answer)
                raise StoreFailed(f"the store failed at {name}") from None
            message = harness_line(exc, store=self.unreachable[0], advice=self.unreachable[1])
            if not isinstance(exc, HarnessError):
                message = f"{self.profile_name}: {name}: {message}"
            message = f"{message} ({self._where(named=self.page.url in message)})"
            shot = self.screenshot(f"harness-{name}")
            self.notebook.harness(name, message, url=self.page.url, html=self._html(), screenshot=shot)
            self.notebook.flush()
            raise HarnessError(f"{message} (step {name}; screenshot: {shot})", url=self.page.url,
                               screenshot=shot) from None
        self.notebook.flush()

    def _failed_because(self, answer: Answer | None) -> str:
        if answer is not None:  # what keepword then missed on the page is the failure's effect, not ours
            return f"the store answered {answer} at {self.step_name}{_NOT_THE_PROFILE}"
        says = self.error_page()
        return f"the store showed an error page ({says.describe() if says else ''})"

    def _where(self, named: bool = False) -> str:
        """The page as a harness error names it: URL (unless the message `named` it already),
        HTTP status of its document, title."""
        from playwright.sync_api import Error as PlaywrightError

        last = self.watch.last_document()
        try:
            title = self.page.title()
        except PlaywrightError:
            title = "?"
        status = f"HTTP {last.status}" if last is not None else "no page loaded"
        return f"{status}, title {title!r}" if named else f"on {self.page.url}, {status}, title {title!r}"

    def _html(self) -> str | None:
        from playwright.sync_api import Error as PlaywrightError

        try:
            return self.page.content()
        except PlaywrightError:
            return None

    def error_page(self) -> PageSays | None:
        """The profile's declared error page the current page is, if any ("Fatal error")."""
        from playwright.sync_api import Error as PlaywrightError

        for says in self.profile.errors:
            try:
                if page_says(self.page, says, present=self.roles.present):
                    return says
            except PlaywrightError:
                return None
        return None

    def record_store_error(self, message: str, answer: Answer | None = None) -> StoreError:
        """The customer saw the store fail: a store error, with the page and a screenshot."""
        from playwright.sync_api import Error as PlaywrightError

        last = answer or self.watch.last_document()
        try:
            title = self.page.title()
        except PlaywrightError:
            title = None
        shot = self.screenshot(f"store-error-{self.step_name}")
        return self.notebook.store_error(self.step_name, message, url=answer.url if answer else self.page.url,
                                         status=last.status if last is not None else None, title=title,
                                         html=self._html(), screenshot=shot)

    def ended_early(self, stopped: Stopped) -> None:
        """The journey stopped short (`Stopped`): a note on the journey saying where and why, so
        one that ended early says so. A store failure has its own record (a StoreError) instead."""
        if not isinstance(stopped, StoreFailed):
            self.notebook.stopped(self.step_name, str(stopped))

    def raise_store_failure(self, mark: Mark, doing: str) -> None:
        """The store failed while `doing` (an HTTP 5xx since `mark`, or an error page)."""
        answer = self.watch.failure(mark)
        self.record_store_error(f"the store failed {doing}: "
                                + (str(answer) if answer else "it showed an error page") + _NOT_THE_PROFILE, answer)
        raise StoreFailed(f"the store failed {doing}")

    def goto(self, path: str) -> None:
        self.page.goto(self.target.url(path), wait_until=self.profile.wait_until)
        self.arrived()

    def arrived(self) -> None:
        """A page opened: the profile's interstitials (a cookie banner), then the hooks."""
        interstitials(self)
        self.hooks.after_page(self, self.step_name)

    def reading(self, value: Any, html: str | None = None, *, source: str = "page") -> Reading:
        return Reading(value, self.step_name, self.page.url, html, source, self.step_at, self.notebook.store_at)

    def evidence_of(self, says: PageSays) -> str | None:
        """The HTML that showed an outcome (its element's, else the page's text around it)."""
        if says.find is not None:
            read = self.roles.read_optional("outcome", says.find)
            if read is not None:
                return read[1]
        html = self._html()
        return html[:1500] if html else None

    def money_text(self, text: str | None, where: str) -> Money:
        if text is None:
            raise HarnessError(f"{self.profile_name}: {where}: no element matched on "
                               f"{self.page.url}; check the selector or re-record the profile")
        return read_money(text, self.profile.money)

    def money_of(self, read: tuple[str, str] | None) -> Reading:
        assert read is not None  # required roles are read with waiting, or raise
        return self.reading(read_money(read[0], self.profile.money), read[1])

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
            left = self.memory.stock_seen.get(subject)
            check = functools.partial(checks.availability, taken=taken, takers=tuple(takers), left=left)
        elif check is None:
            check = checks.same_money if isinstance(said.value, Money) else checks.same
        self.notebook.judge(kind, subject, said, seen, check, self.scenario.tolerances)

    def taking(self, skus: dict[str, int]) -> list[Any]:
        """Tell the run's other shoppers that this journey is about to take these units (see
        `journeys.rivals`); end each take once the store has answered."""
        return [self.target.takes.begin(self.notebook.journey.id, self.notebook.journey.shopper, sku, n)
                for sku, n in skus.items()]

    def remember_order(self) -> None:
        """Note the order as the journey knows it now, for follow-up (journeys.memory)."""
        self.notebook.note(self.notebook.journey.id, self.memory.order_note())

    def note_session(self) -> None:
        name = self.profile.session_cookie
        if not name:
            return
        for cookie in self.page.context.cookies():
            if cookie.get("name") == name:
                self.notebook.note(self.notebook.journey.id, f"session {name}={cookie.get('value')}")
                return
