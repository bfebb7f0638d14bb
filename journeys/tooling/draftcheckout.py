"""The draft's checkout: filled in as a customer would, up to the page with the place button,
and written down as the profile's checkout steps; then that page's lines and totals, and the
request the place button sends, found with every request aborted.

Fields are named by their `autocomplete`, else by their name, id or label, and filled with a
made-up persona (`journeys.persona`), card fields with the documented test card; a radio group
that offers guest checkout takes it; methods whose labels carry an amount are the shipping
methods (`shipping:` and `choose_shipping`), a picker that shows them in a modal is its `open`.
Buttons that say continue, next or save are clicked; a button that places the order never is.
Where orders may not be tried (a host that is not loopback, without --checkout), the draft
stops at the basket and leaves the checkout as TODOs.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from playwright.sync_api import Error as PlaywrightError

from journeys.actions import choose
from journeys.tooling import detect, scan
from journeys.tooling.draftpages import amount_of, locate
from journeys.tooling.draftpreview import here
from journeys.tooling.fields import country_name, money_part, placeholder

if TYPE_CHECKING:
    from journeys.persona import Persona
    from journeys.tooling.draft import Drafter

__all__ = ["Checkout", "rest"]

_SKIP = re.compile(r"search|^q$|query|coupon|voucher|gift|password|newsletter|comment|company", re.I)
_CONTINUE = r"^(continue|next|proceed|save|review|go to (payment|shipping|review)|use this|confirm (address|details))"
_PICKER = r"^(choose|select|change)\b"


def rest(d: Drafter) -> None:
    """The checkout, the preview and safety (explored where allowed), and the later pages as TODOs."""
    doc = d.doc
    explored = False
    if d.explore_checkout:
        try:
            explored = Checkout(d).explore()
        except PlaywrightError as exc:
            d.notes.append(f"the checkout stopped on {d.page.url}: {str(exc).strip().splitlines()[0]}")
    if not explored:
        checkout = doc.section("checkout")
        if checkout.get("steps"):
            d.notes.append("checkout.steps: the draft did not reach the place button; the steps it took are "
                           "written down: walk them, then add what is missing")
        else:
            checkout.todo("steps", "from the basket's checkout button to the page with the place button: fill, choose, "
                      "click (README step 5); the draft did not go through the checkout here",
                          [{"fill": {"#email": "{persona.email}"}}, {"click": "button[type=submit]"}])
        preview = doc.section("preview")
        for key, example in (("line", '.line'), ("title", '.name'), ("quantity", '.qty'),
                             ("line_total", '.total'), ("subtotal", '.subtotal'), ("shipping", '.shipping'),
                             ("total", '.total'), ("place", 'button.place-order')):
            preview.todo(key, "the page before the order: walk to it and fill this in", example)
        doc.section("safety").todo("order_urls", "the request that places the order (e.g. '**/checkout/place')",
                                   ["**/checkout/place"])
    doc.section("confirmation").remark("the page after placing: order_number, total, ... (all optional): "
                                       "`keepword walk --place` on a staging store shows it")
    if not [e for e in doc.section("shipping").entries if e.key]:
        doc.drop("shipping")
    doc.remark("status: {url: '/order-status?order={order}&email={email}', state: '.status'}   # a guest order-status "
               "page, if the store has one")
    doc.remark("email: {subject: 'Order {order}', total: '^Total: (?P<value>.+)$'}   # the order e-mail's lines")
    doc.remark("errors: [{text: 'Internal Server Error|Fatal error'}]   # pages that are the store failing")


class Checkout:
    """One pass through a store's checkout (see the module docstring)."""

    def __init__(self, d: Drafter) -> None:
        from journeys.persona import make_persona

        self.d = d
        self.page = d.page
        self.persona: Persona = make_persona(d.money.locale, "shoppers.example.test", "draft")
        self.steps: list[dict[str, Any]] = []
        self.clicked: set[tuple[str, str]] = set()
        self.card_form: str | None = None
        self.filled: set[str] = set()
        self.shipping_name: str | None = None

    def __repr__(self) -> str:
        return f"<Checkout {len(self.steps)} steps>"

    def explore(self) -> bool:
        d = self.d
        basket = d.doc.section("basket")
        button = basket.get("checkout")
        if button is None:
            return False
        start = self.page.url
        locate(self.page, button).click()
        try:
            self.page.wait_for_url(lambda url: url != start, timeout=10_000)
        except Exception:
            d.notes.append(f"the checkout button `{button}` opened no page")
            return False
        d.settle()
        self._wait_url()
        checkout = d.doc.section("checkout")
        try:  # on while there is something to do: a place button can be enabled before every field is filled
            for _ in range(14):
                if not self._round() and not self._more():
                    break
            if self._place(wait=3.0) is None:
                d.notes.append(f"the checkout stopped on {self.page.url}: nothing left the draft knows how to "
                               "fill or click; walk it and add the next action")
        finally:
            checkout.set("steps", self.steps or [{"wait_for_url": here(self.page.url)}],
                         "what the draft did from the basket to the place button; check each")
        place = self._place()
        if place is None:
            checkout.set("preview_url", here(self.page.url), "where the draft stopped; check this")
            return False
        checkout.set("preview_url", here(self.page.url), "the page with the place button")
        from journeys.tooling.draftpreview import read_preview

        read_preview(self, place)
        return True

    # -- one round: fill what is empty, take the choices, then click on ---------------------------
    def _round(self) -> bool:
        fields = [f for f in scan.fields(self.page) if not f.info.get("readonly") and not _SKIP.search(
            " ".join((f.info["name"], f.info["id"], f.text)))]
        did = self._guest(fields)
        did = self._fill(fields) or did
        did = self._selects(fields) or did
        did = self._comboboxes() or did
        did = self._agree(fields) or did
        did = self._methods(fields) or did
        if self._continue():
            return True
        return self._picker() or did

    def _guest(self, fields: list[scan.Spot]) -> bool:
        for field in fields:
            if field.info["type"] == "radio" and re.search(r"guest", field.text, re.I) and not field.info["checked"]:
                self._do({"choose": field.css}, f"the radio {field.text!r}")
                choose(self.page.locator(field.css).first)
                self.d.settle()
                return True
        return False

    def _fill(self, fields: list[scan.Spot]) -> bool:
        values: dict[str, str] = {}
        for field in fields:
            if field.info["tag"] == "select" or field.info["type"] in ("radio", "checkbox") or field.info["value"] \
                    or field.css in self.filled:
                continue
            taken = placeholder(field)
            if taken is None:
                continue
            if taken.startswith("card.") and field.info.get("form"):
                self.card_form = field.info["form"][1]
            values[field.css] = "{" + taken + "}"
        if not values:
            return False
        for css, template in values.items():
            self.page.locator(css).first.fill(self._value(template))
            self.filled.add(css)
        self._do({"fill": values}, "fields named " + ", ".join(v.strip("{}") for v in values.values()))
        return True

    def _value(self, template: str) -> str:
        group, name = template.strip("{}").split(".")
        if group == "card":
            return {"number": "4242 4242 4242 4242", "expiry": "12/34", "cvc": "123", "name": self.persona.name}[name]
        return self.persona.fields()[name]

    def _selects(self, fields: list[scan.Spot]) -> bool:
        did = False
        for field in fields:
            if field.info["tag"] != "select" or field.info["value"] or len(field.info["options"]) < 2:
                continue
            option = field.info["options"][1]
            self.page.locator(field.css).first.select_option(label=option)
            self._do({"select": {field.css: option}}, f"the first choice of {field.text or field.css!r}; check this")
            self.d.settle()
            did = True
        return did

    def _take(self, css: str) -> Any:
        """Take a radio: the input where it can be checked, else the styled `[role=radio]` next
        to it (a component library's, the input hidden behind it); returns the locator taken."""
        radio = self.page.locator(css).first
        styled = scan.run(self.page, """
  const r = document.querySelector(arg);
  if (!r || r.getAttribute('role') === 'radio') return null;
  const box = r.closest('label') || r.parentElement;
  const b = box && box.querySelector('[role=radio]:not(input)');
  return b && visible(b) ? spot(b, document) : null;""", None, css)
        if styled is not None:
            self.page.locator(styled["css"]).first.click()
            name = " ".join(str(styled["text"]).split())
            return {"role": "radio", "name": name} if name else styled["css"]
        choose(radio)
        if radio.evaluate("e => e.tagName") != "INPUT":
            name = " ".join(radio.inner_text().split()) or str(radio.get_attribute("aria-label") or "")
            return {"role": "radio", "name": name} if name else css
        return css

    def _comboboxes(self) -> bool:
        """Custom drop-downs (role=combobox, not a <select>) still on their placeholder: opened,
        and their option for the persona's country, else their first, taken."""
        boxes = scan.run(self.page, """
  return all(document, '[role=combobox]').filter(e => visible(e) && !/^(SELECT|INPUT)$/.test(e.tagName)
    && (e.hasAttribute('data-placeholder') || !text(e) || /select|choose|please/i.test(text(e))))
    .map(e => spot(e, document));""")
        for box in boxes:
            css = box["css"]
            if css in self.filled:
                continue
            options = self.page.get_by_role("option")
            try:  # a drop-down whose choices load after another's (a province after the country) may wait
                self.page.locator(css).first.click(timeout=5000)
                options.first.wait_for(timeout=5000)
            except PlaywrightError:
                self.page.keyboard.press("Escape")
                continue
            self.filled.add(css)
            names = [" ".join(t.split()) for t in options.all_inner_texts()]
            usable = options.evaluate_all("els => els.map(e => e.getAttribute('aria-disabled') !== 'true')")
            country = country_name(self.persona.country)
            index = next((i for i, n in enumerate(names) if country and n == country and usable[i]), None)
            if index is None:
                index = next((i for i, n in enumerate(names) if n and usable[i]), None)
            if index is None:
                self.page.keyboard.press("Escape")
                continue
            name = names[index]
            try:
                options.nth(index).click(timeout=5000)
            except PlaywrightError:
                self.page.keyboard.press("Escape")
                continue
            self._do({"click": css}, f"a drop-down ({box['text'] or 'no choice yet'})")
            self._do({"choose": {"role": "option", "name": name, "exact": True}},
                     "the persona's country" if name == country else "its first choice; check this")
            self.d.settle()
            return True
        return False

    def _agree(self, fields: list[scan.Spot]) -> bool:
        for field in fields:
            if field.info["type"] == "checkbox" and not field.info["checked"] and \
                    re.search(r"agree|terms|conditions|privacy", field.text, re.I) and \
                    self.page.locator(field.css).first.is_visible():
                self.page.locator(field.css).first.check()
                self._do({"check": field.css}, f"{field.text[:40]!r}")
                return True
        return False

    def _methods(self, fields: list[scan.Spot]) -> bool:
        groups: dict[str, list[scan.Spot]] = {}
        for field in fields:
            if field.info["type"] == "radio":
                groups.setdefault(field.info["name"], []).append(field)
        for name, radios in groups.items():
            if re.search(r"account|guest|register", name, re.I):
                continue
            first = radios[0]
            priced = any(amount_of(self.d, money_part(r.text)) is not None for r in radios)
            if priced and self.d.doc.section("shipping").get("option") is None:
                self._shipping(radios)
                return True
            if any(r.info["checked"] for r in radios):
                continue
            if priced:
                continue
            took = self._take(first.css)
            self._do({"choose": took}, f"the method {first.text[:40]!r}; check this")
            self.d.settle()
            return True
        return False

    def _shipping(self, radios: list[scan.Spot]) -> None:
        """Methods with amounts: the shipping section, chosen by `choose_shipping`."""
        shipping = self.d.doc.section("shipping")
        first = radios[0]
        option = scan.run(self.page, """
  const r = document.querySelector(arg);
  let o = r;
  while (o.parentElement && !/\\d/.test(text(o))) o = o.parentElement;
  const css = (o.parentElement ? path(o.parentElement, document)[0] + ' > ' : '') + sig(o, false);
  return [css, all(document, css).length];""", None, first.css)
        opened = self.steps[-1] if self.steps and self.steps[-1].get("#", "").startswith("picker") else None
        if opened is not None:
            self.steps.pop()
            shipping.set("open", opened["click"], "the button that shows the methods")
        shipping.set("option", option[0], f"{option[1]} method(s), each with a radio and an amount")
        shipping.set("code", {"css": "input", "attribute": "value"}, f"the radio's value ({first.info['value']!r})")
        parts = detect.block(self.page, option[0])
        pure = [m for m in (parts.monies if parts else []) if scan.pure_money(m["text"], self.d.money)]
        if pure:
            shipping.set("charge", pure[0]["css"], f"reads {pure[0]['text']!r}")
        else:
            shipping.set("charge", {"css": "label", "pattern": r"(?P<value>[^-:]*\d[^-:]*)$"},
                         f"the amount at the end of {first.text!r} ({money_part(first.text).strip()})")
            self.shipping_name = re.split(r"\s*[-:]\s*[^-:]*\d[^-:]*$", first.text)[0].strip() or None
        took = self._take(first.css)
        shipping.set("choose", "[role=radio]" if "role=radio" in str(took) else "input",
                     "the radio" + (" (a styled one; the input is hidden)" if "role=radio" in str(took) else ""))
        self._do({"choose_shipping": "first"}, "by the shipping section below")
        if first.info.get("modal"):
            modal = self.page.locator(first.info["modal"]).first.element_handle()
            done = [b for b in scan.buttons(self.page, r"continue|select|confirm|ok|save|apply", modal) if b.count == 1]
            if done:
                self.page.locator(done[0].css).first.click()
                shipping.set("after", [{"click": done[0].css}], f"the modal's {done[0].text!r}")
                self.d.settle()

    def _continue(self) -> bool:
        for button in scan.buttons(self.page, _CONTINUE):
            key = (self.page.url, button.css)
            if key in self.clicked or button.count != 1 or re.search(scan.PLACE_WORDS, button.text, re.I):
                continue
            locator = self.page.locator(button.css).first
            if not locator.is_enabled():
                continue
            self.clicked.add(key)
            before = self.page.url
            locator.click()
            self._do({"click": button.css}, f"the button {button.text!r}")
            self.d.settle()
            if self.page.url != before:
                self._wait_url()
            return True
        return False

    def _picker(self) -> bool:
        for button in scan.buttons(self.page, _PICKER):
            key = (self.page.url, button.css)
            if key in self.clicked or button.count != 1 or not self.page.locator(button.css).first.is_enabled():
                continue
            self.clicked.add(key)
            radios = self._radios()
            try:
                self.page.locator(button.css).first.click(timeout=3000)
            except PlaywrightError:
                continue  # covered (a modal still open) or not ready: not the next thing to do
            self._do({"click": button.css, "#": f"picker {button.text!r}"}, "")
            self.d.settle()
            for _ in range(20):  # what it shows comes by AJAX and fades in
                if self._radios() > radios:
                    break
                self.page.wait_for_timeout(250)
            return True
        return False

    def _more(self, wait: float = 6.0) -> bool:
        """Whether new choices appear (shipping methods that load once the address is complete)."""
        import time

        radios, deadline = self._radios(), time.monotonic() + wait
        while time.monotonic() < deadline:
            self.page.wait_for_timeout(300)
            if self._radios() > radios:
                self.d.settle()
                return True
        return False

    def _radios(self) -> int:
        return int(self.page.evaluate("""() => [...document.querySelectorAll('input[type=radio]')].filter(
            e => { const r = e.getBoundingClientRect(); return r.width > 0 && getComputedStyle(e).visibility !== 'hidden'; }
        ).length"""))

    def _wait_url(self) -> None:
        self._do({"wait_for_url": here(self.page.url)}, "")

    def _do(self, action: dict[str, Any], why: str) -> None:
        if why and "#" not in action:
            action = {**action, "#": why}
        self.steps.append(action)

    def _place(self, wait: float = 0.0) -> scan.Spot | None:
        """The place button, once it can be pressed (some stores show it disabled until the
        last method is saved), waiting up to `wait` seconds for that."""
        import time

        deadline = time.monotonic() + wait
        while True:
            found = [b for b in scan.buttons(self.page, scan.PLACE_WORDS) if b.count == 1 and b.info["tag"] != "a"]
            ready = next((b for b in found if self.page.locator(b.css).first.is_enabled()), None)
            if ready is not None or time.monotonic() >= deadline:
                return ready
            self.page.wait_for_timeout(250)

    # -- the page with the place button -----------------------------------------------------------
