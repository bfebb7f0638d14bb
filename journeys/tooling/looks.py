"""Which roles each page of a profile has, and looking at all of them on the page shown now.

A page's roles are the locators of its profile section, in the order the profile model declares
them; roles of a repeated element (a listing's card, a basket's line, a shipping option) are
looked up inside the element the shopper uses (the card it chose, the first line), the product
page's inside its `root`, as the shopper's pages do. Each matched element becomes a box for the
screenshot: rows in blue, roles in magenta (orange when more than one matched).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from journeys.tooling.probe import Look, look
from journeys.tooling.suggest import suggest
from keepword.locators import FindModel

if TYPE_CHECKING:
    from playwright.sync_api import Locator

    from journeys.shopper import Shopper

__all__ = ["PAGES", "PageRoles", "look_email", "look_one", "look_page"]

Boxes = list[tuple[list[float], str, str]]
_LINE = ("sku", "title", "unit_price", "quantity", "line_total")
_OPTION = ("code", "name", "charge", "promise_earliest", "promise_latest", "choose")  # a shipping method's


@dataclass(frozen=True, slots=True)
class PageRoles:
    """A page's profile section, its repeated element and the roles looked up inside it, and
    roles that are rightly absent at that point of a walk (an empty-basket message)."""

    section: str
    row: str | None = None
    inner: tuple[str, ...] = ()
    scope: str | None = None
    absent: tuple[str, ...] = ()
    later: tuple[str, ...] = ()  # shown only later (a delivered date): absent is not missing


PAGES: dict[str, PageRoles] = {
    "listing": PageRoles("listing", "card", ("sku", "title", "price", "availability", "open")),
    "product": PageRoles("product", scope="root"),
    "basket": PageRoles("basket", "line", (*_LINE, "update"), absent=("empty",)),
    "shipping": PageRoles("shipping", "option", _OPTION),
    "preview": PageRoles("preview", "line", _LINE),
    "confirmation": PageRoles("confirmation", "line", _LINE),
    "status": PageRoles("status", "line", _LINE, later=("delivered_at",)),
}
_EXTRA = {"product": PageRoles("product_shipping", "option", _OPTION)}


def _roles_of(section: Any) -> list[tuple[str, FindModel]]:
    return [(name, value) for name in type(section).model_fields
            if isinstance(value := getattr(section, name), FindModel)]


def look_one(shopper: Shopper, key: str, find: FindModel, scope: Locator | None = None,
             rows: FindModel | None = None) -> Look:
    """One role, with suggestions when it is missing or unreadable (`rows`: the page's repeated
    element, whose insides are not suggested for a role outside it)."""
    seen = look(shopper.roles, key, find, scope, shopper.profile)
    if seen.problem:
        title = shopper.memory.card.title if shopper.memory.card is not None else None
        seen.tries = suggest(shopper.page, seen, find, shopper.profile, scope, title=title, rows=rows)
    return seen


def look_page(shopper: Shopper, name: str, boxes: Boxes, *, wait: bool = False) -> list[Look]:
    """Every role of page `name` on the page shown now, its boxes added to `boxes`."""
    spec = PAGES[name]
    looks = _look_section(shopper, spec, boxes, wait=wait)
    if name in _EXTRA and getattr(shopper.profile, _EXTRA[name].section) is not None:
        looks += _look_section(shopper, _EXTRA[name], boxes, wait=False)
    if name == "preview":
        _check_place(shopper, looks)
    _check_errors(shopper, looks)
    return looks


def _look_section(shopper: Shopper, spec: PageRoles, boxes: Boxes, *, wait: bool) -> list[Look]:
    section = getattr(shopper.profile, spec.section)
    if section is None:
        return []
    roles = dict(_roles_of(section))
    looks: list[Look] = []
    scope: Locator | None = None
    if spec.scope is not None and spec.scope in roles:
        root = roles.pop(spec.scope)
        seen = look_one(shopper, f"{spec.section}.{spec.scope}", root)
        seen.text = seen.value = _first_words(seen.text)
        looks.append(seen)
        boxes += [(r, spec.scope, "row") for r in seen.rects[:1]]
        scope = shopper.roles.locate(root)
    row_scope: Locator | None = None
    row: FindModel | None = None
    if spec.row is not None and spec.row in roles:
        row = roles.pop(spec.row)
        if wait:
            _wait_for(shopper, row)
        seen = look_one(shopper, f"{spec.section}.{spec.row}", row)
        index = _row_index(shopper, spec.section, seen.count)
        seen.status = "ok" if seen.count else "missing"
        seen.note = f"the walk reads number {index + 1}" if seen.count else seen.note
        seen.value = f"{seen.count} {spec.row}{'s' if seen.count != 1 else ''}" if seen.count else None
        seen.text = _first_words(seen.text)
        looks.append(seen)
        boxes += [(r, f"{spec.row} {i + 1}" + (" (read)" if i == index else ""), "row")
                  for i, r in enumerate(seen.rects)]
        if seen.count:
            row_scope = shopper.roles.locate(row).nth(index)
    for role, find in roles.items():
        key = f"{spec.section}.{role}"
        inner = role in spec.inner
        if inner and row_scope is None:
            looks.append(Look(key, find.describe(), status="skipped", note=f"no {spec.row} to look inside"))
            continue
        seen = look_one(shopper, key, find, row_scope if inner else scope, rows=None if inner else row)
        if role in spec.absent and seen.count == 0:
            seen.status, seen.note, seen.tries = "absent", "not shown now, as expected", []
        elif role in spec.later and seen.count == 0:
            seen.status, seen.note, seen.tries = "absent", "shown only later (once delivered)", []
        if inner and row is not None and seen.status in ("ok", "ambiguous"):
            _every_row(shopper, seen, row, find)
        looks.append(seen)
        colour = "ambiguous" if seen.status == "ambiguous" else "ok"
        boxes += [(r, role, colour) for r in seen.rects[:1]]
    return looks


def _first_words(text: str | None) -> str | None:
    """An enclosing element's text, cut: the table shows which one it is, not all it says."""
    return text if text is None or len(text) <= 40 else text[:39] + "…"


def _every_row(shopper: Shopper, seen: Look, row: FindModel, find: FindModel) -> None:
    """A role read in every row, not just the one the walk uses: the shopper reads all the
    listing's availability texts, and one wording the profile does not know stops it."""
    from journeys.reading import Unreadable
    from journeys.tooling.probe import kind_of, parse_value

    role = seen.key.rsplit(".", 1)[-1]
    if kind_of(role) not in ("money", "availability"):
        return
    for index, item in enumerate(shopper.roles.rows(seen.key, row, {"v": find}, wait=False)):
        text = item.get("v")
        if text is None:
            continue
        try:
            parse_value(role, text, shopper.profile)
        except Unreadable as exc:
            seen.status, seen.text = "unreadable", text
            seen.note = f"number {index + 1} says {text!r}: {exc}"
            seen.tries = suggest(shopper.page, seen, find, shopper.profile)[:1]
            return


def _row_index(shopper: Shopper, section: str, count: int) -> int:
    card = shopper.memory.card
    if section == "listing" and card is not None and 0 <= card.index < count:
        return card.index
    return 0


def _wait_for(shopper: Shopper, find: FindModel) -> None:
    """Wait (up to the profile's timeout) for a repeated element that loads late (a modal's
    methods); its absence is then reported, not raised."""
    from playwright.sync_api import Error as PlaywrightError

    try:
        shopper.roles.locate(find).first.wait_for(state="attached", timeout=shopper.profile.timeout_ms)
    except PlaywrightError:
        pass


def _check_place(shopper: Shopper, looks: list[Look]) -> None:
    """The place button's form posts where `safety.order_urls` says, or the guard cannot stop it."""
    from journeys.urls import url_matches

    place = next((seen for seen in looks if seen.key == "preview.place"), None)
    if place is None or place.form is None:
        if place is not None and place.count:
            place.note = (place.note + "; " if place.note else "") + \
                "not in a form: check that safety.order_urls covers the request it sends"
        return
    method, action = place.form
    globs = shopper.profile.safety.order_urls
    if method.lower() != "get" and not url_matches(action, globs):
        place.status = "unsafe"
        place.note = (f"its form posts to {action}, which safety.order_urls ({', '.join(globs)}) does not match: "
                      "keepword's network guard would not stop it on a host where orders are not allowed")
        place.tries = [f"add '**/{action.split('://', 1)[-1].split('/', 1)[-1].split('?')[0]}' to safety.order_urls"]
    else:
        place.note = (place.note + "; " if place.note else "") + f"posts to {action}: on safety.order_urls"


def _check_errors(shopper: Shopper, looks: list[Look]) -> None:
    """A profile's error page (`errors:`) that matches a page the store served fine would make
    every walk of it a store error."""
    from playwright.sync_api import Error as PlaywrightError

    from journeys.watch import page_says

    last = shopper.watch.last_document()
    if last is not None and last.status >= 400:
        return  # an error page the store served as one
    for index, says in enumerate(shopper.profile.errors):
        try:
            hit = page_says(shopper.page, says, present=shopper.roles.present)
        except PlaywrightError:
            continue
        if hit:
            looks.append(Look(f"errors[{index}]", says.describe(), count=1, status="wrong",
                              note="this page matches an error page of the profile; narrow it",
                              tries=["make it match only the store's error pages (a heading, an element of "
                                     "the error page), not words a normal page can show"]))


def look_email(shopper: Shopper) -> list[Look]:
    """The order e-mail against the profile's `email:` patterns: for each, the first line it
    matches and the value it reads; for one that matches no line, the lines that could be
    meant. Without the message: the subjects of the messages that did come to the persona."""
    import re

    from journeys.pages.email import find_order_mail, subject_pattern
    from journeys.tooling.probe import parse_value
    from keepword.mail import Mailbox

    fmt, memory = shopper.profile.email, shopper.memory
    if fmt is None:
        return []
    if shopper.target.mail_dir is None:
        return [Look("email.subject", fmt.subject, status="skipped",
                     note="no mail folder: give the scenario's mail.dir (where the store's e-mails arrive)")]
    mailbox = Mailbox(shopper.target.mail_dir)
    to = memory.email_to or shopper.persona.email
    message = find_order_mail(mailbox, fmt, to=to, number=memory.order_number, since=memory.placed_at)
    if message is None:
        came = [m.subject for m in mailbox.find(to=to, since=memory.placed_at)]
        return [Look("email.subject", subject_pattern(fmt, memory.order_number).pattern, status="missing",
                     tries=[f"a message to {to} came with the subject {s!r}" for s in came[:3]]
                     or [f"no message came to {to} in {shopper.target.mail_dir}"])]
    looks = [Look("email.subject", fmt.subject, count=1, text=message.subject, value=message.subject)]
    lines = [" ".join(line.split()) for line in message.text.splitlines() if line.strip()]
    shown = [line for line in lines if re.search(r"\d|total|order|ship|deliver", line, re.IGNORECASE)][:30]
    looks[0].labels = [str(message.path), *shown]  # the message, and the lines worth a pattern, for the walk
    for key in ("order_number", "total", "shipping", "line", "promise_latest", "status_link"):
        pattern = getattr(fmt, key)
        if pattern is None:
            continue
        hits = [(line, found) for line in lines if (found := re.search(pattern, line))]
        seen = Look(f"email.{key}", pattern, count=len(hits))
        if hits:
            line, found = hits[0]
            seen.text = line[:120]
            groups = {k: v for k, v in found.groupdict().items() if v is not None}
            value = groups.get("value", found.group(0))
            try:
                seen.value = (parse_value("total", value, shopper.profile) if key in ("total", "shipping")
                              else ", ".join(f"{k}={v.strip()}" for k, v in groups.items()) if key == "line"
                              else value)
            except ValueError as exc:
                seen.status, seen.note = "unreadable", str(exc)
            if len(hits) > 1 and key != "line":
                seen.status, seen.note = "ambiguous", f"{len(hits)} lines match; the first is used"
        elif key == "status_link":
            seen.status, seen.note = "absent", "not in this e-mail (a later one, such as a dispatch notice, may have it)"
        else:
            seen.status = "missing"
            word = {"total": "total", "shipping": "shipping|delivery|postage", "order_number": r"order|#\s?\d",
                    "line": r"\d+ ?x|\u00d7|qty|quantity", "promise_latest": "deliver|arriv", "status_link": "https?://"}[key]
            seen.tries = [f"the line {line[:100]!r}" for line in lines if re.search(word, line, re.IGNORECASE)][:5] \
                or [f"the message has {len(lines)} lines: {message.path}"]
        looks.append(seen)
    return looks
