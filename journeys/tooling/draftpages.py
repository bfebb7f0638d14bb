"""The draft's product page and basket: structured data matched to what the page shows, the add
button and how the page says it took the product, the basket's lines and totals.

Each guess is an element found on the page now; where the store publishes structured data the
visible element is the one that says the same (a price equal to the JSON-LD offer's, a title
equal to its name), and the comment says so.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from journeys.tooling import detect, scan
from keepword.errors import HarnessError

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

    from journeys.tooling.draft import Drafter
    from journeys.tooling.yamlout import Doc

__all__ = ["amount_of", "basket", "button_for", "label_regex", "labelled", "lines_sum", "locate", "locator_for",
           "product"]

_NOT_ADD = re.compile(r"wish|compare|favou?rite|notify|remove|view|continue shopping|checkout|cart with|"
                      r"\d+ items?|^(cart|basket|bag)$", re.I)
_COMMON_BASKETS = ("/cart", "/basket", "/checkout/cart", "/index.php?route=checkout/cart")


def label_regex(label: str) -> str:
    """A row's label as a `label:` regex: the words, a colon optional; what follows a colon (a
    method's name: "Shipping: Express delivery") left open."""
    head, colon, tail = label.strip().partition(":")
    words = re.sub(r"([.^$*+?{}\[\]\\|()])", r"\\\1", head.strip())
    return f"{words}:?.*" if colon and tail.strip() else f"{words}:?"


def labelled(row: scan.Spot) -> dict[str, str]:
    """A labelled-row locator for a row `scan.labelled_rows` found (with `value:` where the
    amount is not in the row's last cell)."""
    found = {"css": row.css, "label": label_regex(row.info["label"])}
    if row.info.get("value"):
        found["value"] = row.info["value"]
    return found


def _known(d: Drafter, key: str) -> Any:
    """A platform's verified locator for `key`, when it matches on this page."""
    if d.platform is None or key not in d.platform.known:
        return None
    value = d.platform.known[key]
    if isinstance(value, str) and not key.endswith(".url") and d.page.locator(value).count() == 0:
        return None
    return value


def locate(page: Page, value: Any) -> Locator:
    """The Playwright locator for a drafted locator (CSS, Playwright's, or {role, name})."""
    if isinstance(value, dict):
        return page.get_by_role(value["role"], name=value["name"]).first
    return page.locator(value).first


def button_for(spot: scan.Spot) -> Any:
    """A locator for a button or link: its CSS where that has an id, a test id or a name and
    finds it alone; else its role and words ({role: button, name: Add to cart}), which survive
    a restyling that utility-class CSS does not."""
    if spot.info.get("plain") and spot.count == 1:
        return spot.css
    role = "link" if spot.info.get("tag") == "a" else "button"
    if spot.text and len(spot.text) <= 40:
        return {"role": role, "name": spot.text}
    return spot.css


def locator_for(spot: scan.Spot) -> Any:
    """A locator for a text the scans found: its CSS where that finds it first; else, for a
    "Label: value" text among alike elements, the element labelled so; else Playwright's
    `:has-text()` on its words."""
    if spot.info.get("first", True):
        return spot.css
    head = re.match(r"^([^:]{2,30}):", spot.text)
    if head:
        return {"css": spot.css, "label": re.escape(head.group(1)).replace("\\ ", " ") + ":.*"}
    return f"{spot.css}:has-text({json.dumps(spot.text[:30])})"


def product(d: Drafter) -> None:
    """Open a card's product, read its page and add it; a product that will not go into the
    basket (required options, sold out) is left for the next card, up to four."""
    listing = d.doc.section("listing")
    card, link = listing.get("card"), d.card_link
    start = d.page.url
    for index in range(4):
        if index:
            d.goto(start)
        before = d.page.url
        cards = d.page.locator(card)
        if cards.count() <= index:
            break
        cards.nth(index).locator(link["css"]).first.click()
        try:
            d.page.wait_for_url(_away_from(before), timeout=10_000)
        except Exception as exc:
            raise HarnessError(f"draft: clicking the card's link `{link['css']}` on {before} opened no page "
                               f"({str(exc).strip().splitlines()[0]})", url=before) from None
        d.settle()
        if _product_page(d) and _add(d, d.doc.section("product")):
            return
        d.notes.append(f"{d.title!r} did not go into the basket (options to choose? sold out?): tried the next card")
    d.doc.section("product").todo("added", "no product the draft tried went into the basket; what shows it took it?",
                                  {"text": "added to your (basket|cart)"})


def _away_from(url: str) -> Callable[[str], bool]:
    return lambda now: now != url


def _product_page(d: Drafter) -> bool:
    """Read the open product page into the profile's `product:`; False if it has no add button."""
    listing = d.doc.section("listing")
    section = d.doc.section("product")
    found = detect.facts(d.page)
    d.title = found.name or (found.h1 or {}).get("text") or d.card_link["text"]
    path = d.path()
    if isinstance(listing.get("sku"), dict) and found.sku and found.sku in path:
        section.set("url", path.replace(found.sku, "{sku}"), "the product's address, with its SKU in it")
    else:
        section.set("url", None, f"no pattern in {path!r} to fill a SKU into: the shopper waits for the page to load")
    if found.root:
        section.set("root", found.root, "the product's own element (schema.org Product or a test id)")
    _title(d, section, found)
    _price(d, section, found)
    stock = scan.texts(d.page, r"\b(in stock|out of stock|sold out|available|availability|backorder|pre-?order)\b")
    if stock:
        section.set("availability", locator_for(stock[0]), f"reads {stock[0].text!r}")
        if d.doc.get("availability") in ("", None):
            d.availability([stock[0].text])
    elif found.availability:
        d.notes.append(f"the structured data says {found.availability!r} but no text on the page says stock")
    quantity = _known(d, "product.quantity") or next(
        (f.css for f in scan.fields(d.page) if re.search(r"qty|quantity", f.info["name"] + f.info["id"], re.I)
         or f.info["type"] == "number"), None)
    if quantity:
        section.set("quantity", quantity, "the quantity box (its `max`, where it has one, is the stock)")
    add = _known(d, "product.add")
    why = f"{d.platform.name}'s add button" if add and d.platform else ""
    if add is None:
        buttons = [b for b in scan.buttons(d.page, scan.ADD_WORDS) if not _NOT_ADD.search(b.text)
                   and b.info["tag"] != "a"]
        buttons.sort(key=lambda b: not re.search(r"\badd\b", b.text, re.I))
        if not buttons:
            section.todo("add", "no button says add to basket/cart; see `keepword walk`", "button.add")
            return False
        add, why = button_for(buttons[0]), f"the button {buttons[0].text!r}"
    section.set("add", add, why)
    return True


def _title(d: Drafter, section: Doc, found: detect.Facts) -> None:
    title = d.title or ""
    spots = scan.texts(d.page, "^" + re.escape(title[:60]), limit=4) if title else []
    heading = next((s for s in spots if s.css.startswith("h1") or " h1" in s.css), None)
    pick = heading or (spots[0] if spots else None)
    if pick is None and found.h1:
        section.set("title", found.h1["css"], "the page's heading; check this")
    elif pick is not None:
        source = found.source.get("name", "the card's link")
        section.set("title", pick.css, f"reads {pick.text[:40]!r}, the name {source} gives")
    else:
        section.todo("title", "no element shows the product's name", 'h1')


def _price(d: Drafter, section: Doc, found: detect.Facts) -> None:
    spots = [(s, m) for s, m in scan.money_spots(d.page, d.money, limit=30) if scan.pure_money(s.text, d.money)]
    if found.price is not None:
        same = [(s, m) for s, m in spots if m.amount == found.price]
        same.sort(key=lambda sm: ("itemprop" not in sm[0].css, sm[0].count != 1))
        if same:
            d.price = same[0][1]
            section.set("price", same[0][0].css, f"reads {same[0][0].text!r}, the price {found.source['price']} gives")
            return
        d.notes.append(f"the structured data's price {found.price} is not shown on the page as such")
    if spots:
        d.price = spots[0][1]
        section.set("price", spots[0][0].css, f"reads {spots[0][0].text!r}, the first amount on the page; check this")
    else:
        section.todo("price", "no element reads as an amount", '.price')


def _add(d: Drafter, section: Doc) -> bool:
    """Add two (where there is a quantity box) and see how the page says it took them: a new
    address, or a message that appeared; False when it said no (a required option, an error)."""
    page = d.page
    add, quantity = section.get("add"), section.get("quantity")
    if quantity:
        page.locator(quantity).first.fill("2")
        d.quantity = 2
    actions = _known(d, "product.actions")
    if actions and d.platform:
        for action in actions:  # a variant to choose first, as the platform needs
            verb, target = next(iter(action.items()))
            getattr(page.locator(target).first, "click" if verb == "click" else "wait_for")()
        section.set("actions", actions, f"{d.platform.name}: {d.platform.known.get('product.actions#', '')}")
    cart_words = r"^(your|my|shopping) (cart|basket|bag)$|added to (your )?(cart|basket|bag)"
    before, shown = page.url, {a.css for a in scan.alerts(page)}
    said = {t.text for t in scan.texts(page, cart_words)}
    locate(page, add).click()
    deadline = time.monotonic() + 8
    new: list[scan.Spot] = []
    appeared: list[scan.Spot] = []
    while time.monotonic() < deadline and page.url == before and not new and not appeared:
        page.wait_for_timeout(250)
        new = [a for a in scan.alerts(page) if a.css not in shown]
        appeared = [t for t in scan.texts(page, cart_words) if t.text not in said]
    if page.url != before:
        d.settle()
        section.set("added", {"url": "**" + urlsplit(page.url).path}, f"adding opened {d.path()}")
    elif new and not re.search(r"danger|error|warning|invalid|required", new[0].css + " " + new[0].text, re.I):
        known = _known(d, "product.added")
        if known and d.platform:
            section.set("added", known, f"{d.platform.name}'s message after adding: {new[0].text[:50]!r}")
        else:
            section.set("added", {"find": new[0].css}, f"the message {new[0].text[:50]!r} that appeared")
    elif appeared:
        section.set("added", {"text": re.escape(appeared[0].text).replace("\\ ", " ")},
                    f"the words {appeared[0].text!r} that appeared (a drawer, a mini-cart)")
    else:
        return False
    section.remark("refused: {text: 'not available|out of stock'}   # what the page shows when it will not add "
                   "(walk a sold-out product to see it)")
    return True


def basket(d: Drafter) -> None:
    """Find the basket (here, behind a cart link or a view-cart button, or at a common
    address) and read its lines and totals."""
    section = d.doc.section("basket")
    if not _lines_here(d) and not _to_basket(d):
        section.todo("url", "no link or button to the basket, and none of the common addresses has the "
                     "product: open the basket in a browser and copy its address", "/cart")
        raise HarnessError(f"draft: no way to the basket from {d.page.url}", url=d.page.url)
    section.set("url", d.path(), "where the basket is")
    line: str | None = _known(d, "basket.line") or detect.line_of(d.page, d.title or "")
    parts = detect.block(d.page, line) if line else None
    if parts is None or line is None:
        section.todo("line", "no repeated line with the product in it", ".cart-line")
        return
    section.set("line", line, f"{parts.count} line(s), each with the product's name and an amount")
    _line_parts(d, section, parts)
    _subtotal(d, section, line)
    check = [b for b in scan.buttons(d.page, scan.CHECKOUT_WORDS) if b.count == 1 or not b.info.get("plain")]
    if check:
        section.set("checkout", button_for(check[-1]), f"the {check[-1].info['tag']} {check[-1].text!r}")
    else:
        section.todo("checkout", "no button or link says checkout", 'a.checkout')


def _to_basket(d: Drafter) -> bool:
    """Go to the basket: the platform's address, a link, a "view cart" button, or a common path."""
    base = str(d.doc.get("base_url"))
    known = _known(d, "basket.url")
    if known is not None:
        d.goto(base + str(known).lstrip("/"))
        return True
    links = [b for b in scan.buttons(d.page, r"cart|basket|bag") if b.info.get("href")
             and urlsplit(b.info["href"]).netloc == urlsplit(d.url).netloc and "#" not in b.info["href"]]
    links.sort(key=lambda b: not re.search(r"cart|basket", b.info["href"], re.I))
    if links:
        d.goto(links[0].info["href"])
        return True
    for button in scan.buttons(d.page, r"view (cart|basket|bag)|go to (cart|basket|bag)"):
        before = d.page.url
        d.page.locator(button.css).first.click()
        d.settle()
        if d.page.url != before and _lines_here(d):
            return True
    for path in _COMMON_BASKETS:
        d.goto(base + path.lstrip("/"))
        if _lines_here(d):
            d.notes.append(f"the basket was found at {path}, a common address: no link on the page leads there")
            return True
    return False


def _lines_here(d: Drafter) -> bool:
    return re.search(r"cart|basket|bag", d.page.url, re.I) is not None and detect.line_of(d.page, d.title or "") is not None


def _line_parts(d: Drafter, section: Doc, parts: detect.Block) -> None:
    title = (d.title or "")[:20]
    named = [t for t in [*parts.links, *parts.texts] if title and title in t["text"]]
    if named:
        section.set("title", named[0]["css"], f"reads {named[0]['text'][:40]!r}")
    else:
        section.todo("title", "no element in the line shows the product's name", '.name')
    box = next((i for i in parts.inputs if re.search(r"qty|quantity", i["name"], re.I) or i["type"] == "number"), None)
    number = next((n for n in parts.numbers if n["text"] == str(d.quantity)), None)
    if box is not None:
        section.set("quantity", box["css"], f"the quantity box (it says {box['value']!r})")
    elif number is not None:
        section.set("quantity", number["css"], f"reads {number['text']!r}, the quantity added")
    else:
        section.todo("quantity", f"nothing in the line says {d.quantity}, the quantity added", '.qty')
    amounts = [(m, amount_of(d, m["text"])) for m in parts.monies if scan.pure_money(m["text"], d.money)]
    unit = next((m for m, a in amounts if d.price is not None and a == d.price.amount), None)
    total = next((m for m, a in amounts if d.price is not None and a == d.price.amount * d.quantity
                  and (d.quantity > 1 or m is not unit)), None)
    if unit is not None and unit is not total:
        section.set("unit_price", unit["css"], f"reads {unit['text']!r}, the product page's price")
    else:
        section.remark("unit_price: not shown, or not told apart from the line total: lines are then judged by "
                       "their totals")
    if total is not None:
        section.set("line_total", total["css"], f"reads {total['text']!r}, {d.quantity} x the price")
    elif amounts:
        section.set("line_total", amounts[-1][0]["css"], f"reads {amounts[-1][0]['text']!r}, the line's last amount; "
                    "check this")
    else:
        section.todo("line_total", "no amount in the line", '.total')


def amount_of(d: Drafter, text: str) -> Decimal | None:
    """The amount `text` reads as in the draft's money format, or None."""
    from journeys.reading import Unreadable, read_money

    try:
        return read_money(text, d.money).amount
    except Unreadable:
        return None


def lines_sum(d: Drafter) -> Decimal | None:
    return d.price.amount * d.quantity if d.price is not None else None


def _subtotal(d: Drafter, section: Doc, line: str) -> None:
    """The row the lines add up to: the one labelled subtotal, unless another is what they add
    up to (lines shown with tax, a subtotal before it: then the total row is)."""
    rows = scan.labelled_rows(d.page, d.money, outside=line)
    want = lines_sum(d)
    sub = next((r for r in rows if re.search(r"sub-?\s?total", r.info["label"], re.I)), None)
    same = next((r for r in rows if want is not None and amount_of(d, r.text) == want), None)
    if sub is not None and same is not None and same is not sub and amount_of(d, sub.text) != want:
        section.set("subtotal", labelled(same), f"the row labelled {same.info['label']!r} ({same.text}): what the "
                    f"lines add up to; the store's {sub.info['label']!r} ({sub.text}) is not (tax?)")
        return
    if sub is not None:
        section.set("subtotal", labelled(sub),
                    f"the row labelled {sub.info['label']!r} ({sub.text})")
        return
    spots = [(s, m) for s, m in scan.money_spots(d.page, d.money, outside=line) if scan.pure_money(s.text, d.money)]
    if d.price is not None:
        want = d.price.amount * d.quantity
        alike = [s for s, m in spots if m.amount == want]
        if alike:
            section.set("subtotal", alike[0].css, f"reads {alike[0].text!r}, the lines' sum")
            return
    section.todo("subtotal", "no row labelled subtotal and no amount equal to the lines' sum",
                 {"css": "table.totals tr", "label": "Subtotal"})
