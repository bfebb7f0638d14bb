"""Doing what a profile says: its declarative actions (`keepword.actions.Action`) on a page.

One place for every mechanic a checkout needs, so that a new one is one change here: fields set
in one round trip (with the input and change events frameworks such as React listen for),
choices taken by whatever element offers them (radio, button, link, <option>, custom drop-down
item), waits on named conditions (an element, its going, a URL), conditions on the page
(`if_url`, `if_present`), and the Python escape hatch (`hook`). Values are checked before they
are typed: nothing but a documented test card number ever goes into a field.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING
from urllib.parse import quote

from journeys.guard import check_typed
from journeys.urls import url_matches
from keepword.actions import PLACEHOLDER, Action
from keepword.errors import HarnessError
from keepword.locators import Find, PageSays

if TYPE_CHECKING:
    from playwright.sync_api import Locator

    from journeys.shopper import Shopper
    from journeys.watch import Mark

__all__ = ["choose", "fill_value", "find_of", "interstitials", "no_outcome", "outcomes_held", "run_actions",
           "wait_for_outcome"]

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
}"""

_KIND = "e => [e.tagName, (e.getAttribute('type') || '').toLowerCase(), e.id || '']"


def find_of(key: str) -> Find:
    """A locator written as a mapping key (`fill: {'#email': ...}`): CSS or Playwright's forms."""
    from pydantic import TypeAdapter

    found: Find = TypeAdapter(Find).validate_python(key)
    return found


def fill_value(shopper: Shopper, template: str) -> str:
    """A value with `{persona.x}`, `{card.x}` and `{order.x}` filled in; card numbers checked."""
    memory = shopper.memory
    card = shopper.scenario.card
    values = {
        "persona": shopper.persona.fields(),
        "card": {"number": card.number, "expiry": card.expiry, "cvc": card.cvc, "name": shopper.persona.name},
        "order": {"number": memory.order_number or "", "email": memory.email_to or shopper.persona.email},
    }
    text = PLACEHOLDER.sub(lambda m: values.get(m.group(1), {}).get(m.group(2), m.group(0)), template)
    check_typed(text)
    return text


def url_value(shopper: Shopper, template: str) -> str:
    """A URL template's {order} and {email}, filled in and quoted."""
    memory = shopper.memory
    return (template.replace("{order}", quote(memory.order_number or ""))
            .replace("{email}", quote(memory.email_to or shopper.persona.email)))


def run_actions(shopper: Shopper, actions: list[Action]) -> None:
    """Do the actions in order; a failure names the action and the page."""
    from playwright.sync_api import Error as PlaywrightError

    for action in actions:
        try:
            _do(shopper, action)
        except PlaywrightError as exc:  # which action, so a walk or a reader knows where to look
            text = str(exc).strip().splitlines()
            raise HarnessError(f"{shopper.profile_name}: action `{action.describe()}` failed on "
                               f"{shopper.page.url}: {text[0] if text else type(exc).__name__}",
                               url=shopper.page.url) from None


def interstitials(shopper: Shopper) -> None:
    """The profile's interstitials, after a page opens: a cookie banner, a "continue as guest"
    gateway. Each is normally `if_present: ... then: [...]`, so it costs one look when absent."""
    if shopper.profile.interstitials:
        run_actions(shopper, shopper.profile.interstitials)


def _do(shopper: Shopper, action: Action) -> None:
    page, roles = shopper.page, shopper.roles
    verb = action.verb
    if verb == "fill":
        _fill(shopper, {key: fill_value(shopper, t) for key, t in (action.fill or {}).items()})
    elif verb == "type":
        for key, template in (action.type or {}).items():
            field = roles.locate(find_of(key)).first
            field.fill("")
            field.press_sequentially(fill_value(shopper, template))
    elif verb == "select":
        for key, template in (action.select or {}).items():
            value = fill_value(shopper, template)
            select = roles.locate(find_of(key)).first
            try:
                select.select_option(value, timeout=shopper.profile.timeout_ms)
            except Exception:  # not a value: a visible label ("United Kingdom")
                select.select_option(label=value, timeout=shopper.profile.timeout_ms)
    elif verb == "choose":
        assert action.choose is not None
        choose(roles.locate(action.choose).first)
    elif verb == "click":
        assert action.click is not None
        roles.locate(action.click).first.click()
    elif verb == "check":
        assert action.check is not None
        roles.locate(action.check).first.check()
    elif verb == "press":
        for key, keys in (action.press or {}).items():
            roles.locate(find_of(key)).first.press(keys)
    elif verb == "wait_for":
        assert action.wait_for is not None
        roles.locate(action.wait_for).first.wait_for(timeout=shopper.profile.timeout_ms)
    elif verb == "wait_gone":
        assert action.wait_gone is not None
        roles.locate(action.wait_gone).first.wait_for(state="hidden", timeout=shopper.profile.timeout_ms)
    elif verb == "wait_for_url":
        assert action.wait_for_url is not None
        globs = action.wait_for_url
        page.wait_for_url(lambda url: url_matches(url, globs), timeout=shopper.profile.timeout_ms,
                          wait_until=shopper.profile.wait_until)
        shopper.arrived()
    elif verb == "goto":
        assert action.goto is not None
        shopper.goto(url_value(shopper, action.goto))
    elif verb == "choose_shipping":
        assert action.choose_shipping is not None
        shopper.choose_shipping(action.choose_shipping)  # the shopper's step: a walk looks at it
    elif verb == "hook":
        method = getattr(shopper.hooks, str(action.hook), None)
        if method is None:
            raise HarnessError(f"{shopper.profile_name}: hook {action.hook!r} is not a method of {shopper.hooks!r}")
        method(shopper)
    elif verb == "if_url":
        assert action.if_url is not None
        if url_matches(page.url, action.if_url):
            run_actions(shopper, action.then or [])
    elif verb == "if_present":
        if roles.present(action.if_present):
            run_actions(shopper, action.then or [])


def choose(element: Locator) -> None:
    """Take a choice, whatever offers it: a radio or checkbox is checked (by its label when the
    input itself is hidden, as styled ones are), an <option> is selected in its <select>, and
    anything else (a button or link per method, a custom drop-down's item) is clicked."""
    tag, kind, ident = element.evaluate(_KIND)
    if tag == "INPUT" and kind in ("radio", "checkbox"):
        if element.is_visible():
            element.check()
        elif ident and element.page.locator(f"label[for='{ident}']").count():
            element.page.locator(f"label[for='{ident}']").first.click()
        else:
            element.check(force=True)
    elif tag == "OPTION":
        value = element.get_attribute("value")
        element.locator("xpath=ancestor::select[1]").select_option(value if value is not None else element.inner_text())
    else:
        element.click()


def _fill(shopper: Shopper, values: dict[str, str]) -> None:
    """A form's fields: in one round trip when every field is plain CSS (value set through the
    native setter plus input and change events, as Playwright's fill and frameworks such as
    React expect), else field by field with Playwright's `fill`."""
    finds = {key: find_of(key) for key in values}
    roles = shopper.roles
    if all(f.css and f.plain and f.label is None for f in finds.values()):
        missing = shopper.page.evaluate(_FILL, [[f.css, values[k]] for k, f in finds.items()])
        for css in missing:  # not rendered yet: wait the Playwright way, then fill
            key = next(k for k, f in finds.items() if f.css == css)
            roles.locate(finds[key]).first.fill(values[key])
        return
    for key, find in finds.items():
        roles.locate(find).first.fill(values[key])


_REFUSAL_GRACE_S = 3.0
"""How long a page may take, after a 5xx answer, to show that it was a refusal."""


def outcomes_held(shopper: Shopper, outcomes: list[tuple[str, PageSays | None]]) -> frozenset[str]:
    """The outcomes the page shows already, before the action (give them to `wait_for_outcome`):
    what held before an action says nothing about it."""
    from playwright.sync_api import Error as PlaywrightError

    from journeys.watch import page_says

    held = set()
    for name, says in outcomes:
        try:
            if says is not None and page_says(shopper.page, says, present=shopper.roles.present):
                held.add(name)
        except PlaywrightError:
            pass
    return frozenset(held)


def wait_for_outcome(shopper: Shopper, outcomes: list[tuple[str, PageSays | None]], mark: Mark,
                     held: frozenset[str] = frozenset(),
                     success: tuple[str, ...] = ("added", "placed")) -> str | None:
    """After an action, wait until the page shows one of the outcomes (looked at in the order
    given, so a refusal shown on the same URL is not taken for success), or the store fails
    (HTTP 5xx since `mark`: "store_failed"), or the profile's timeout passes (None).

    An outcome that already held before the action (`held`, from `outcomes_held`), or is a URL
    alone, counts only once the page has gone somewhere since `mark`, and a page the action led
    to is looked at once it has loaded: what the page showed before the action says nothing
    about it, and a new page's URL is known before its text. (`added: {url: '**'}` matched the
    product page, then the refusal's page before its text had come, and refused adds were
    judged kept; a success message still showing from an earlier add would have done the same.)"""
    from playwright.sync_api import Error as PlaywrightError

    from journeys.watch import page_says

    page = shopper.page
    deadline = time.monotonic() + shopper.profile.timeout_ms / 1000
    # A store may answer a refusal with a 5xx and then say it on the page (EverShop's "not
    # enough stock" toast follows its API's HTTP 500): after a 5xx, the page gets a moment to
    # say so before the answer is taken for a store failure. Under load the toast came after
    # keepword had already called the refusal a store error.
    said_later = any(says is not None and name not in success for name, says in outcomes)
    failed_at: float | None = None
    polls = 0
    while True:
        polls += 1
        left_ms = (deadline - time.monotonic()) * 1000
        if shopper.watch.navigated_since(mark) and left_ms > 0:
            # The page the action led to is read once it has loaded: its URL is known before its
            # text, and a refusal still on its way must not lose to a success that is a URL.
            try:
                page.wait_for_load_state(shopper.load_state, timeout=left_ms)
            except PlaywrightError:
                pass  # navigating again, or slow to load: looked at below, and in the next poll
        for name, says in outcomes:
            if says is None or ((name in held or _url_alone(says)) and not shopper.watch.navigated_since(mark)):
                continue
            try:
                if page_says(page, says, present=shopper.roles.present):
                    if says.url is not None:
                        page.wait_for_load_state(shopper.load_state)
                    # A success whose URL matches can still be an error page: the store's answer
                    # decides. A refusal is one even if the store answered it with a 5xx (EverShop
                    # refuses "not enough stock" with HTTP 500): the page said what happened.
                    failed = name in success and shopper.watch.failure(mark) is not None
                    return "store_failed" if failed else name
            except PlaywrightError:
                break  # the page is navigating: look again once it has
        # a 5xx answer is known at once; an error page is read every half second (it costs a look)
        if polls % 25 == 0 and shopper.error_page():
            return "store_failed"
        if shopper.watch.failure(mark) is not None:
            failed_at = failed_at or time.monotonic()
            if not said_later or time.monotonic() > min(deadline, failed_at + _REFUSAL_GRACE_S):
                return "store_failed"
        if time.monotonic() > deadline:
            return "store_failed" if shopper.error_page() else None
        try:
            page.wait_for_timeout(20)
        except PlaywrightError:
            time.sleep(0.02)


def _url_alone(says: PageSays) -> bool:
    return says.url is not None and says.find is None and says.text is None


def no_outcome(shopper: Shopper, role: str, doing: str, wanted: tuple[str, PageSays],
               refused: PageSays | None, held: frozenset[str] = frozenset()) -> HarnessError:
    """The page after `doing` shows neither the outcome `role` names nor a refusal: keepword
    cannot tell what happened (a harness error naming both, and the profile's key to look at)."""
    section = role.split(".")[0]
    name, says = wanted
    stayed = ""
    if _url_alone(says) and says.url is not None and url_matches(shopper.page.url, says.url):
        stayed = (f"; the page never left the URL it was on, which says nothing about {doing}: "
                  f"give {role} an element or text the page shows")
    elif held:
        keys = " and ".join(f"{section}.{key}" for key in sorted(held))
        stayed = (f"; the page never moved, and what {keys} looks for showed already before {doing}, which says "
                  f"nothing about it: give {'it' if len(held) == 1 else 'them'} something that shows only after")
    return HarnessError(f"{shopper.profile_name}: {role}: after {doing}, {shopper.page.url} shows neither "
                        f"{name} ({says.describe()}) nor refused "
                        f"({refused.describe() if refused else f'no {section}.refused in the profile'}){stayed}",
                        url=shopper.page.url)
