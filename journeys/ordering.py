"""The shopper's steps from the basket on: checkout actions, preview, placing the order,
confirmation, e-mail and order status. A mixin of `journeys.shopper.Shopper`, kept apart only so
each module reads in one sitting; it uses the Shopper's plumbing (`step`, `judge`, `roles`).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urljoin

from journeys import checks
from journeys.guard import check_typed
from journeys.notebook import Reading
from journeys.reading import IN_STOCK, OUT_OF_STOCK, Unreadable, read_date, read_email, read_money
from keepword.errors import HarnessError
from keepword.kinds import ClaimKind
from keepword.money import Money
from keepword.profile import Action, Find
from keepword.records import now

if TYPE_CHECKING:
    import random
    from contextlib import AbstractContextManager

    from playwright.sync_api import Page

    from journeys.base import StoreHooks
    from journeys.guard import Guard
    from journeys.notebook import Notebook
    from journeys.persona import Persona
    from journeys.roles import Roles
    from journeys.shopper import Card
    from journeys.target import Target
    from keepword.profile import StoreProfile
    from keepword.records import Claim
    from keepword.scenario import Scenario

__all__ = ["AWAITS_EMAIL", "OrderSteps"]

# The note on an order_total claim that the confirmation e-mail (not yet read) must keep.
AWAITS_EMAIL = "awaits the confirmation e-mail"

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\.([a-z0-9_]+)\}")
_ORDER = "order"
_FILL = """(pairs) => {
  const missing = [];
  for (const [css, value] of pairs) {
    const e = document.querySelector(css);
    if (!e || e.disabled || e.readOnly) { missing.push(css); continue; }
    const proto = e.tagName === 'TEXTAREA' ? HTMLTextAreaElement.prototype
      : e.tagName === 'SELECT' ? HTMLSelectElement.prototype : HTMLInputElement.prototype;
    Object.getOwnPropertyDescriptor(proto, 'value').set.call(e, value);
    e.dispatchEvent(new Event('input', {bubbles: true}));
    e.dispatchEvent(new Event('change', {bubbles: true}));
  }
  return missing;
}"""  # subject of order-level claims until the store gives the order a number


def _money(reading: Reading) -> Money:
    if not isinstance(reading.value, Money):
        raise HarnessError(f"expected an amount at {reading.step}, got {reading.value!r}")
    return reading.value


def _find(key: str) -> Find:
    from pydantic import TypeAdapter

    found: Find = TypeAdapter(Find).validate_python(key)
    return found


class OrderSteps:
    """Checkout and after; see the module docstring."""

    if TYPE_CHECKING:  # provided by journeys.shopper.Shopper (a dataclass)
        page: Page
        target: Target
        scenario: Scenario
        persona: Persona
        notebook: Notebook
        guard: Guard
        rng: random.Random
        hooks: StoreHooks
        roles: Roles
        step_name: str
        seen: dict[tuple[str, str], Reading]
        quantities: dict[str, int]
        card: Card | None
        shipping_code: str | None
        order_number: str | None
        status_url: str | None
        email_to: str | None
        email_claim: Claim | None
        delivery_claim: Claim | None

        @property
        def profile(self) -> StoreProfile: ...
        @property
        def zero(self) -> Money: ...
        def step(self, name: str) -> AbstractContextManager[None]: ...
        def goto(self, path: str) -> None: ...
        def arrived(self) -> None: ...
        def reading(self, value: Any, html: str | None = None, *, source: str = "page") -> Reading: ...
        def money_text(self, text: str | None, where: str) -> Money: ...
        def judge(self, kind: ClaimKind, subject: str, said: Reading | None, seen: Reading,
                  check: Any = None) -> None: ...
        def taking(self, skus: dict[str, int]) -> list[Any]: ...

    # -- lines, shared by basket, preview and confirmation ---------------------------------------
    def _read_lines(
        self,
        step: str,
        spec: Any,
        *,
        subtotal: Find | None,
        singles: dict[str, Find | None] | None = None,
        required: tuple[str, ...] = (),
    ) -> tuple[Reading | None, dict[str, tuple[str, str] | None]]:
        """Read a page's lines and single roles in one go; judge each line's unit price against
        the last page, its total against unit x quantity, and the subtotal against the lines.
        Returns the subtotal reading and the single roles asked for."""
        rows, read, _ = self.roles.snapshot(step, row=spec.line, inner={
            "sku": spec.sku, "title": spec.title, "unit": spec.unit_price,
            "quantity": spec.quantity, "total": spec.line_total,
        }, singles={**(singles or {}), "subtotal": subtotal}, required=(*required, "subtotal"))
        total = self.zero
        for row in rows:
            sku = row.get("sku") or self._sku_of(row.get("title"))
            html = row["__html"]
            unit = self.reading(self.money_text(row.get("unit"), f"{step}.unit_price"), html)
            self.judge(ClaimKind.PRICE, sku, self.seen.get((ClaimKind.PRICE, sku)), unit)
            self.seen[(ClaimKind.PRICE, sku)] = unit
            digits = re.sub(r"\D", "", row.get("quantity") or "")
            if row.get("total") is not None and digits:
                shown = self.reading(self.money_text(row["total"], f"{step}.line_total"), html)
                computed = self.reading(_money(unit) * int(digits), source="arithmetic")
                self.judge(ClaimKind.PRICE, f"{sku} line total", shown, computed)
                total = total + _money(shown)
        sub = read.pop("subtotal", None)
        if sub is None:
            return None, read
        shown = self._money_of(sub)
        self.judge(ClaimKind.ORDER_TOTAL, f"{step} subtotal", shown, self.reading(total, source="arithmetic"))
        return shown, read

    def _sku_of(self, title: str | None) -> str:
        if self.card is not None and title and (title == self.card.title or self.card.title.startswith(title.rstrip("…. "))):
            return self.card.sku
        return title or "?"

    # -- checkout --------------------------------------------------------------------------------
    def checkout(self) -> None:
        """From the basket to the preview, by the profile's checkout actions."""
        with self.step("checkout"):
            self.roles.locate(self.profile.basket.checkout).first.click()
            self.run_actions(self.profile.checkout.steps)
            self.page.wait_for_url(self._matcher(self.profile.checkout.preview_url), timeout=self.profile.timeout_ms,
                                   wait_until=self.profile.wait_until)
            self.arrived()

    def _matcher(self, globs: str | list[str]) -> Any:
        from journeys.shopper import url_matches

        return lambda url: url_matches(url, globs)

    def fill_value(self, template: str) -> str:
        """A fill's text with `{persona.x}` and `{card.x}` filled in; card numbers are checked."""
        persona = self.persona.fields()
        card = self.scenario.card
        values = {"persona": persona, "card": {"number": card.number, "expiry": card.expiry, "cvc": card.cvc,
                                                "name": self.persona.name}}
        text = _PLACEHOLDER.sub(lambda m: values.get(m.group(1), {}).get(m.group(2), m.group(0)), template)
        check_typed(text)
        return text

    def run_actions(self, actions: list[Action]) -> None:
        """Do the profile's declarative actions in order (see keepword.profile.Action)."""
        for action in actions:
            verb = action.verb
            if verb == "fill":
                self._fill({key: self.fill_value(t) for key, t in (action.fill or {}).items()})
            elif verb == "select":
                for key, template in (action.select or {}).items():
                    self.roles.locate(_find(key)).first.select_option(self.fill_value(template))
            elif verb == "click":
                assert action.click is not None
                self.roles.locate(action.click).first.click()
            elif verb == "check":
                assert action.check is not None
                self.roles.locate(action.check).first.check()
            elif verb == "wait_for_url":
                assert action.wait_for_url is not None
                self.page.wait_for_url(self._matcher(action.wait_for_url), timeout=self.profile.timeout_ms,
                                   wait_until=self.profile.wait_until)
                self.arrived()
            elif verb == "wait_for":
                assert action.wait_for is not None
                self.roles.locate(action.wait_for).first.wait_for(timeout=self.profile.timeout_ms)
            elif verb == "goto":
                assert action.goto is not None
                self.goto(action.goto)
            elif verb == "choose_shipping":
                assert action.choose_shipping is not None
                self.choose_shipping(action.choose_shipping)
            elif verb == "hook":
                method = getattr(self.hooks, str(action.hook), None)
                if method is None:
                    raise HarnessError(f"checkout: hook {action.hook!r} is not a method of {self.hooks!r}")
                method(self)
            elif verb == "if_url":
                assert action.if_url is not None
                if self._matcher(action.if_url)(self.page.url):
                    self.run_actions(action.then or [])

    def _fill(self, values: dict[str, str]) -> None:
        """Fill a form's fields: in one round trip when every field is plain CSS (value set
        through the native setter plus input and change events, as Playwright's fill and
        frameworks such as React expect), else field by field with Playwright's `fill`."""
        finds = {key: _find(key) for key in values}
        if all(f.css and not any(m in f.css for m in (">>", ":has-text", ":text", "text=", "role=", ":visible"))
               for f in finds.values()):
            missing = self.page.evaluate(_FILL, [[f.css, values[k]] for k, f in finds.items()])
            if not missing:
                return
            for css in missing:  # not rendered yet: wait the Playwright way, then fill
                key = next(k for k, f in finds.items() if f.css == css)
                self.roles.locate(finds[key]).first.fill(values[key])
            return
        for key, find in finds.items():
            self.roles.locate(find).first.fill(values[key])

    def choose_shipping(self, strategy: str = "first") -> str:
        """Choose a method (`first`, `cheapest`, `priciest`, `random` or a code); record its
        charge and delivery promise as claims the preview and confirmation must keep."""
        spec = self.profile.shipping
        if spec is None or spec.choose is None:
            raise HarnessError(f"{self.profile.path or self.profile.name}: choose_shipping needs `shipping:` "
                               "with `choose:` in the profile")
        rows, _, _ = self.roles.snapshot("shipping.option", row=spec.option, inner={
            "code": spec.code, "name": spec.name, "charge": spec.charge, "latest": spec.promise_latest,
        })
        charges = [self.money_text(r.get("charge"), "shipping.charge") for r in rows]
        if strategy == "first":
            index = 0
        elif strategy == "cheapest":
            index = min(range(len(rows)), key=lambda i: charges[i].amount)
        elif strategy == "priciest":
            index = max(range(len(rows)), key=lambda i: charges[i].amount)
        elif strategy == "random":
            index = self.rng.randrange(len(rows))
        else:
            index = next((i for i, r in enumerate(rows) if r.get("code") == strategy), -1)
            if index < 0:
                raise HarnessError(f"shipping: no method {strategy!r} on {self.page.url}", url=self.page.url)
        row = rows[index]
        code = row.get("code") or str(index)
        option = self.roles.locate(spec.option).nth(index)
        self.roles.locate(spec.choose, option).first.check()
        charge = self.reading(charges[index], row["__html"])
        self.judge(ClaimKind.SHIPPING_CHARGE, code, self.seen.get((ClaimKind.SHIPPING_CHARGE, code)), charge)
        self.seen[(ClaimKind.SHIPPING_CHARGE, code)] = charge
        if row.get("latest"):
            self.seen[(ClaimKind.DELIVERY_DATE, _ORDER)] = self.reading(read_date(row["latest"]), row["__html"])
        self.shipping_code = code
        return code

    # -- preview and placing ---------------------------------------------------------------------
    def read_preview(self) -> Money:
        """Read the order preview; judge lines, shipping charge, promise and total."""
        spec = self.profile.preview
        with self.step("preview"):
            subtotal, read = self._read_lines("preview", spec, subtotal=spec.subtotal, singles={
                "shipping": spec.shipping, "code": spec.shipping_code, "total": spec.total,
                "promise": spec.promise_latest,
            }, required=("shipping", "total"))
            assert subtotal is not None
            shipping = self._money_of(read["shipping"])
            code = (read["code"][0] if read["code"] else None) or self.shipping_code or "shipping"
            self.judge(ClaimKind.SHIPPING_CHARGE, code, self.seen.get((ClaimKind.SHIPPING_CHARGE, code)), shipping)
            self.seen[(ClaimKind.SHIPPING_CHARGE, code)] = shipping
            self.shipping_code = code
            total = self._money_of(read["total"])
            expected = self.reading(_money(subtotal) + _money(shipping), source="arithmetic")
            self.judge(ClaimKind.ORDER_TOTAL, "preview total", total, expected)
            self.seen[(ClaimKind.ORDER_TOTAL, _ORDER)] = total
            self._judge_promise(read["promise"])
        return _money(total)

    def _money_of(self, read: tuple[str, str] | None) -> Reading:
        assert read is not None  # required roles are read with waiting, or raise
        return self.reading(read_money(read[0], self.profile.money), read[1])

    def _judge_promise(self, read: tuple[str, str] | None) -> None:
        if read is None:
            return
        promise = self.reading(read_date(read[0]), read[1])
        self.judge(ClaimKind.DELIVERY_DATE, self.order_number or _ORDER,
                   self.seen.get((ClaimKind.DELIVERY_DATE, _ORDER)), promise)
        self.seen[(ClaimKind.DELIVERY_DATE, _ORDER)] = promise

    def place_order(self) -> str:
        """Place the order, if the scenario allows orders on this host; judge availability by
        whether the store took it."""
        spec = self.profile.preview
        with self.step("place"):
            self.guard.refuse_unless_allowed(self.page.url)
            takes = self.taking(self.quantities)
            try:
                with self.page.expect_navigation(timeout=self.profile.timeout_ms, wait_until=self.profile.wait_until):
                    self.roles.locate(spec.place).first.click()
            finally:
                for take in takes:
                    self.target.takes.end(take)
            if self._matcher(spec.placed_url)(self.page.url):
                self.arrived()
                for sku in self.quantities:
                    self.judge(ClaimKind.AVAILABILITY, sku, self.seen.get((ClaimKind.AVAILABILITY, sku)),
                               self.reading(IN_STOCK))
                return self.page.url
            if spec.refused is not None and self.roles.present(spec.refused):
                value, html = self.roles.read("preview.refused", spec.refused)
                refused = [value] if spec.refused.attribute and value in self.quantities else list(self.quantities)
                for sku in refused:
                    self.judge(ClaimKind.AVAILABILITY, sku, self.seen.get((ClaimKind.AVAILABILITY, sku)),
                               self.reading(OUT_OF_STOCK, html))
                from journeys.shopper import Stopped

                raise Stopped("the store refused to place the order")
            raise HarnessError(f"{self.profile.path or self.profile.name}: preview.placed_url: after placing, "
                               f"{self.page.url} matches neither placed_url nor preview.refused", url=self.page.url)

    # -- after the order -------------------------------------------------------------------------
    def read_confirmation(self) -> str:
        """Read the confirmation; judge it against the preview; open the delivery and e-mail claims."""
        spec = self.profile.confirmation
        with self.step("confirmation"):
            wanted: dict[str, Find | None] = {
                "number": spec.order_number, "shipping": spec.shipping, "total": spec.total,
                "promise": spec.promise_latest, "email": spec.email, "link": spec.status_link,
            }
            if spec.line is not None:
                _, read = self._read_lines("confirmation", spec, subtotal=spec.subtotal, singles=wanted,
                                           required=("number", "total"))
            else:
                _, read, _ = self.roles.snapshot("confirmation", singles=wanted, required=("number", "total"))
            assert read["number"] is not None
            number = read["number"][0]
            self.order_number = number
            if read["shipping"] is not None:
                shipping = self._money_of(read["shipping"])
                code = self.shipping_code or "shipping"
                self.judge(ClaimKind.SHIPPING_CHARGE, code, self.seen.get((ClaimKind.SHIPPING_CHARGE, code)), shipping)
                self.seen[(ClaimKind.SHIPPING_CHARGE, code)] = shipping
            total = self._money_of(read["total"])
            self.judge(ClaimKind.ORDER_TOTAL, number, self.seen.get((ClaimKind.ORDER_TOTAL, _ORDER)), total)
            self.seen[(ClaimKind.ORDER_TOTAL, _ORDER)] = total
            self._judge_promise(read["promise"])
            self.email_to = read["email"][0] if read["email"] else self.persona.email
            if read["link"] is not None:
                self.status_url = urljoin(self.page.url, read["link"][0])
            elif self.profile.status is not None:
                path = self.profile.status.url.replace("{order}", quote(number)).replace("{email}", quote(self.email_to))
                self.status_url = self.target.url(path)
            promise = self.seen.get((ClaimKind.DELIVERY_DATE, _ORDER))
            if promise is not None and self.status_url:
                said = Reading(promise.value, "confirmation", self.status_url, promise.html)
                self.delivery_claim = self.notebook.claim(ClaimKind.DELIVERY_DATE, number, said)
            if self.profile.email is not None:
                deadline = now() + timedelta(seconds=self.scenario.tolerances.email_within_seconds)
                self.email_claim = self.notebook.claim(ClaimKind.EMAIL, number, self.reading(deadline))
                self.notebook.note(self.email_claim.id, f"to={self.email_to}")
        return number

    def wait_for_email(self) -> bool:
        """Wait (up to the time limit, or the scenario's mail.wait_seconds) for the confirmation
        e-mail; judge its arrival and what it says. Leaves the claim open if the limit is ahead."""
        if self.email_claim is None or self.target.mail_dir is None or self.profile.email is None:
            return False
        from keepword.mail import Mailbox

        with self.step("email"):
            deadline = self.email_claim.value
            assert deadline is not None and not isinstance(deadline, Money)
            assert isinstance(deadline, datetime)
            left = max(0.0, (deadline - now()).total_seconds())
            wait = min(left, self.scenario.mail.wait_seconds) if self.scenario.mail.wait_seconds is not None else left
            subject = self.profile.email.subject.replace("{order}", self.order_number or "")
            try:
                message = Mailbox(self.target.mail_dir).wait_for(to=self.email_to, subject_contains=subject,
                                                                 timeout=wait, poll=0.05)
            except HarnessError:
                message = None
            arrived = message.received_at if message else None
            judgement = checks.arrived_in_time(deadline, arrived, now())
            if judgement is not None:
                seen = self.reading(arrived, message.text if message else None, source="email")
                self.notebook.close(self.email_claim, seen, judgement)
            if message is None:
                # What the e-mail will say is still a promise: the confirmation's total, for
                # `follow-up` to judge when the message comes (late, or after the shopper left).
                total = self.seen.get((ClaimKind.ORDER_TOTAL, _ORDER))
                if total is not None and self.profile.email.total:
                    claim = self.notebook.claim(ClaimKind.ORDER_TOTAL, self.order_number or _ORDER, total)
                    self.notebook.note(claim.id, AWAITS_EMAIL)
                return False
            self._judge_email(message.text, message.path.as_posix())
        return True

    def _judge_email(self, body: str, where: str) -> None:
        assert self.profile.email is not None
        try:
            said = read_email(body, self.profile.email, self.profile.money)
        except Unreadable as exc:
            raise HarnessError(f"{self.profile.path or self.profile.name}: email: {exc} (message {where})") from None

        def seen(value: Any) -> Reading:
            return Reading(value, self.step_name, where, body, "email")

        number = self.order_number or _ORDER
        for sku, unit in said.units.items():
            self.judge(ClaimKind.PRICE, sku, self.seen.get((ClaimKind.PRICE, sku)), seen(unit))
        if said.shipping is not None and self.shipping_code:
            code = self.shipping_code
            self.judge(ClaimKind.SHIPPING_CHARGE, code, self.seen.get((ClaimKind.SHIPPING_CHARGE, code)), seen(said.shipping))
        if said.total is not None:
            self.judge(ClaimKind.ORDER_TOTAL, number, self.seen.get((ClaimKind.ORDER_TOTAL, _ORDER)), seen(said.total))
        if said.promise_latest is not None:
            self.judge(ClaimKind.DELIVERY_DATE, number, self.seen.get((ClaimKind.DELIVERY_DATE, _ORDER)),
                       seen(said.promise_latest))

    def read_status(self) -> str | None:
        """Open the order-status page; judge its total and promise against the confirmation,
        and close the delivery claim if the order has been delivered."""
        spec = self.profile.status
        if spec is None or self.status_url is None:
            return None
        from journeys.followup import observe_delivery

        with self.step("status"):
            self.page.goto(self.status_url, wait_until=self.profile.wait_until)
            self.arrived()
            number = self.order_number or _ORDER
            _, read, _ = self.roles.snapshot("status", singles={
                "state": spec.state, "delivered_at": spec.delivered_at, "total": spec.total,
                "promise": spec.promise_latest,
            }, required=("state", "total") if spec.total else ("state",))
            if read["total"] is not None:
                total = self._money_of(read["total"])
                self.judge(ClaimKind.ORDER_TOTAL, number, self.seen.get((ClaimKind.ORDER_TOTAL, _ORDER)), total)
            self._judge_promise(read["promise"])
            assert self.notebook.store_at is not None  # set by step()
            state = observe_delivery(self.roles, spec, self.delivery_claim, self.notebook,
                                     self.scenario.tolerances, step="status", today=self.notebook.store_at.date(),
                                     read=read)
        return state
