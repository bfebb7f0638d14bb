"""What to try when a role matched nothing, or matched something keepword cannot read.

Each suggestion is a locator that finds something on the page now, with what it reads: for a
price or a total, elements whose text reads as money in the profile's own money format; for a
button, buttons whose words say add, basket, cart, checkout or place order; for a labelled row,
the labels the rows have; for a card or a line, blocks that repeat with a price in each; for
availability, texts that say stock. Locators are CSS paths relative to the enclosing element
(the card, the line, the product's root) where the role is looked up inside one.
"""

from __future__ import annotations

import difflib
import re
from typing import TYPE_CHECKING

from journeys.tooling import scan
from journeys.tooling.probe import Look, kind_of
from keepword.profile import Find, StoreProfile

if TYPE_CHECKING:
    from playwright.sync_api import ElementHandle, Locator, Page

__all__ = ["suggest"]

_WORDS = {
    "add": scan.ADD_WORDS,
    "checkout": scan.CHECKOUT_WORDS,
    "place": scan.PLACE_WORDS,
    "update": r"update|refresh|recalculate|aktualisieren",
    "open": r"choose|select|change|shipping|delivery",
}
_TEXTS = {
    "availability": r"stock|available|availability|sold out|in stock|out of stock|left",
    "sku": r"\bsku\b|product code|model|item (no|number)|art(ikel)?[.-]? ?nr|\b[A-Z]{2,}-\d{2,}",
    "order_number": r"order (number|no\.?|#|id)|#\s?\d{3,}|\b[A-Z]{2,}-[A-Z0-9-]{3,}",
    "state": r"pending|processing|shipped|dispatched|delivered|placed|complete|cancel",
    "email": r"[\w.+-]+@[\w-]+\.[\w.]+",
}
_LIMIT = 5


def suggest(page: Page, seen: Look, find: Find, profile: StoreProfile, scope: Locator | None = None,
            *, title: str | None = None, rows: Find | None = None) -> list[str]:
    """Up to five things to try for a missing or unreadable role, each a locator and what it
    reads on this page; `title` is the product's name where the walk knows it, `rows` the
    page's repeated element (its insides are not offered for a role outside it)."""
    from playwright.sync_api import Error as PlaywrightError

    role = seen.key.rsplit(".", 1)[-1]
    if seen.key == "listing.open":
        role = "link"
    try:
        root = scope.first.element_handle(timeout=1000) if scope is not None else None
        outside = rows.css if rows is not None and rows.css and rows.plain and scope is None else None
        return _tries(page, seen, find, role, profile, root, title, outside)[:_LIMIT]
    except PlaywrightError as exc:
        return [f"(could not look at the page: {str(exc).strip().splitlines()[0]})"]


def _tries(page: Page, seen: Look, find: Find, role: str, profile: StoreProfile,
           root: ElementHandle | None, title: str | None, outside: str | None) -> list[str]:
    where = " inside the enclosing element" if root is not None else ""
    out: list[str] = []
    if seen.status == "unreadable" and seen.text is not None:
        out.append(_unreadable_hint(role, seen.text, profile))
    if find.label is not None and seen.labels and seen.status == "missing":
        close = _closest(find.label, seen.labels)
        labels = ", ".join(repr(label) for label in dict.fromkeys(seen.labels))
        out.append(f"the rows of `{find.css}` are labelled {labels}"
                   + (f": try `label: {_label_regex(close[0])}`" if close else ""))
    kind = kind_of(role)
    if find.label is not None and seen.status == "unreadable" and kind == "money" and root is None:
        for spot in scan.labelled_rows(page, profile.money):
            if spot.info.get("value") and re.fullmatch(f"(?:{find.label})", spot.info["label"], re.I):
                out.append(f"the amount of the row labelled {spot.info['label']!r} is not its last cell: "
                           f"add `value: '{spot.info['value']}'` (it reads {spot.text!r})")
    if role in ("card", "line", "option"):
        need = {"card": "a[href]", "line": "a[href], input", "option": "input[type=radio], button, a[href]"}[role]
        for spot in scan.repeated(page, need):
            inner = f"; its money text: `{spot.info['inner']}`" if spot.info.get("inner") else ""
            out.append(f"`{spot.css}`: {spot.count} blocks like {spot.text[:50]!r}{inner}")
    elif kind == "money":
        if role in ("subtotal", "total", "shipping") and root is None:
            for spot in scan.labelled_rows(page, profile.money, outside=outside)[:4]:
                value = f", value: '{spot.info['value']}'" if spot.info.get("value") else ""
                out.append(f"{{css: '{spot.css}', label: '{_label_regex(spot.info['label'])}'{value}}} "
                           f"reads {spot.text!r} (the row labelled {spot.info['label']!r})")
        for spot, money in scan.money_spots(page, profile.money, root, outside=outside):
            out.append(f"`{spot.css}`{where} reads {spot.text!r} = {money.quantized()} {money.currency}"
                       + (f" ({spot.count} match)" if spot.count > 1 else ""))
    elif role in _WORDS:
        found = scan.buttons(page, _WORDS[role], root)
        if role == "add":  # the product's own button first: not a wish list, nor the header's cart link
            found = [b for b in found if not re.search(r"wish|compare|favou?rite|\d+ items?", b.text, re.I)]
            found.sort(key=lambda b: (b.info["tag"] == "a", not re.search(r"\badd\b", b.text, re.I)))
        for spot in found:
            how = f" (it posts to {spot.info['form_action']})" if spot.info.get("form_action") and role == "place" else ""
            out.append(f"`{spot.css}`{where}: {spot.info['tag']} {spot.text!r}{how}"
                       f"; or {{role: {'link' if spot.info['tag'] == 'a' else 'button'}, name: {spot.text!r}}}")
    elif role == "link":
        for spot in scan.buttons(page, r"\w", root):
            if spot.info.get("tag") == "a":
                out.append(f"`{spot.css}`{where}: a link {spot.text!r} to {spot.info.get('href')}")
    elif role in ("choose", "code"):
        for spot in scan.fields(page, root):
            if spot.info.get("type") in ("radio", "checkbox") or spot.info.get("tag") == "select":
                out.append(f"`{spot.css}`{where}: {spot.info['type']} value={spot.info['value']!r}"
                           + (f"; its code: {{css: '{spot.css}', attribute: value}}" if role == "code" else ""))
        if role == "choose":
            for spot in scan.buttons(page, r"\w", root)[:2]:
                out.append(f"`{spot.css}`{where}: {spot.info['tag']} {spot.text!r}")
    elif role == "quantity":
        for spot in scan.fields(page, root):
            if re.search(r"qty|quantity|amount", " ".join(str(v) for v in spot.info.values()), re.I) or \
                    spot.info.get("type") == "number":
                out.append(f"`{spot.css}`: {spot.info['tag']} name={spot.info['name']!r} value={spot.info['value']!r}")
    elif role in ("title", "name") and title:
        for spot in scan.texts(page, re.escape(title[:40]), root):
            out.append(f"`{spot.css}`{where} reads {spot.text!r}")
    elif role in _TEXTS:
        for spot in scan.texts(page, _TEXTS[role], root):
            out.append(f"`{spot.css}`{where} reads {spot.text!r}")
    if role in ("title", "name") and len(out) < 2:
        for spot in scan.texts(page, r"\w{3,}", root, limit=3):
            out.append(f"`{spot.css}`{where} reads {spot.text!r}")
    if not out:
        out.append("nothing on the page looks like it; check that this is the page it is on "
                   "(the screenshot), or whether it appears only after an action")
    return out


def _unreadable_hint(role: str, text: str, profile: StoreProfile) -> str:
    kind = kind_of(role)
    if not text.strip():
        return "the element read is empty"
    if kind == "money":
        return (f"the text {text[:60]!r} is not one amount in {profile.money.locale}/{profile.money.currency}: "
                "point at an inner element, or keep the amount with `pattern: '(?P<value>...)'`"
                + (f", or list {text!r} in money.free_words" if not any(c.isdigit() for c in text) else ""))
    if kind == "availability":
        return (f"the text {text[:60]!r} matches none of availability.in_stock/out_of_stock: "
                f"add a pattern for it, e.g. '{re.escape(text[:40])}'")
    if kind == "date":
        return f"the text {text[:60]!r} is not an ISO date: point at an attribute that holds one (`attribute: datetime`)"
    return f"the text {text[:60]!r} cannot be read as a {kind}"


def _closest(wanted: str, labels: list[str]) -> list[str]:
    """The label most like the one wanted: one sharing a word with it (the shortest), else the
    nearest spelling ("Grand total" -> "Total", not "Subtotal")."""
    words = set(re.findall(r"[a-z]+", wanted.lower()))
    sharing = [label for label in labels if words & set(re.findall(r"[a-z]+", label.lower()))]
    if sharing:
        return [min(sharing, key=len)]
    return difflib.get_close_matches(wanted, labels, n=1, cutoff=0.3)


def _label_regex(text: str) -> str:
    """A label as the regular expression a `label:` takes: the text, colon optional."""
    core = text.strip().rstrip(":").strip()
    return re.escape(core).replace("\\ ", " ") + ":?"
