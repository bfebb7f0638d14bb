"""The draft's last checkout page: the one with the place button. Its lines (the product's, near
the button, not a mini-cart's), its totals found by their labels (a subtotal only where it is
what the lines add up to), and the request the place button sends, found with every request to
the store aborted: what `safety.order_urls` must cover, without an order.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from journeys.tooling import detect, scan
from journeys.tooling.draftpages import amount_of, button_for, labelled, lines_sum

if TYPE_CHECKING:
    from journeys.tooling.draft import Drafter
    from journeys.tooling.draftcheckout import Checkout
    from journeys.tooling.yamlout import Doc

__all__ = ["glob_of", "here", "read_preview"]


def read_preview(checkout: Checkout, place: scan.Spot) -> None:
    """The page with the place button: its lines and totals, then the place button probed."""
    d, preview = checkout.d, checkout.d.doc.section("preview")
    checkout.steps = [{k: v for k, v in s.items() if not (k == "#" and str(v).startswith("picker"))}
                      for s in checkout.steps]
    line = detect.line_of(checkout.page, d.title or "", near=place.css)
    parts = detect.block(checkout.page, line) if line else None
    if parts is None:
        for key in ("line", "title", "quantity", "line_total"):
            preview.todo(key, "no repeated line with the product on the page with the place button", '.line')
    else:
        preview.set("line", parts.css, f"{parts.count} line(s) with the product")
        _preview_line(d, preview, parts)
    rows = scan.labelled_rows(checkout.page, d.money, outside=parts.css if parts else None)
    wanted = (("subtotal", r"sub-?\s?total"), ("shipping", r"shipping|delivery|postage|"
              + re.escape(checkout.shipping_name or "@@")), ("total", r"^(grand |order )?total"))
    for key, words in wanted:
        row = next((r for r in rows if re.search(words, r.info["label"], re.I)), None)
        want = lines_sum(d)
        if key == "subtotal" and row is not None and want is not None and amount_of(d, row.text) != want:
            preview.remark(f"subtotal: left out: the row {row.info['label']!r} ({row.text}) is not what the lines "
                           "add up to (tax?); the total is held to the lines plus shipping")
            continue
        if row is None:
            preview.todo(key, f"no row labelled like {words!r}", {"css": "tfoot tr", "label": key.title()})
            continue
        preview.set(key, labelled(row), f"the row labelled {row.info['label']!r} "
                    f"({row.text})" + ("; the method's name: check this" if checkout.shipping_name and key == "shipping"
                                      and checkout.shipping_name in row.info["label"] else ""))
    preview.set("place", button_for(place), f"the button {place.text!r}; never clicked by the draft")
    _probe(checkout, place)


def _probe(checkout: Checkout, place: scan.Spot) -> None:
    """Click the place button with every request to the store aborted but GraphQL queries
    (read-only by the language's own rules): the first request it sends otherwise is what
    `safety.order_urls` must cover, and it never reaches the store."""
    safety, origin = checkout.d.doc.section("safety"), "{0.scheme}://{0.netloc}".format(urlsplit(checkout.page.url))
    sent: list[tuple[str, str]] = []

    def abort(route: Any, request: Any) -> None:
        if request.url.startswith(origin) and _reads_only(request):
            route.continue_()
            return
        if request.url.startswith(origin) and request.resource_type in ("document", "xhr", "fetch"):
            sent.append((request.method, request.url))
        route.abort("blockedbyclient")

    context = checkout.page.context
    context.route("**/*", abort)
    try:
        checkout.page.locator(place.css).first.click()
        checkout.page.wait_for_timeout(2500)
    finally:
        context.unroute("**/*", abort)
    writes = [(m, u) for m, u in sent if m != "GET"] or sent
    if writes:
        method, url = writes[0]
        safety.set("order_urls", [glob_of(url)], f"{method} {url} (the place button's request, aborted by the draft)")
        if method == "GET":
            checkout.d.notes.append(f"the order is placed by GET {url}: keepword's network guard aborts only requests "
                                "that are not GET, so on a host where orders are not allowed only the shopper's own "
                                "refusal (it stops at the basket) keeps this one from being sent")
    else:
        safety.todo("order_urls", "the place button sent no request the draft saw", ["**/checkout/place"])
    if checkout.card_form:
        safety.set("card_urls", [glob_of(checkout.card_form)], "where the card fields' form posts")


def _reads_only(request: Any) -> bool:
    """A GraphQL query (not a mutation): it reads, by the language's own rules."""
    import json

    if request.method != "POST" or "graphql" not in request.url:
        return False
    try:
        body = json.loads(request.post_data or "")
    except ValueError:
        return False
    queries = [b.get("query", "") for b in (body if isinstance(body, list) else [body]) if isinstance(b, dict)]
    return bool(queries) and all(q.lstrip().startswith(("query", "{")) for q in queries)


def here(url: str) -> str:
    """A page's address as a glob: its path, and its query's first parameter where it has one
    ("**/index.php?route=checkout/checkout*", "**/checkout/email")."""
    parts = urlsplit(url)
    first = parts.query.split("&", 1)[0]
    return "**" + parts.path + (f"?{first}*" if first else "")


def glob_of(url: str) -> str:
    """A request's address as a glob the guard matches: its last path segments, ids in them
    (a UUID, a number, a long hex) as `*`, the rest of a query cut at its first parameter
    ("**/payment/cod.confirm*", "**/checkout/place", "**/carts/*/checkout")."""
    parts = urlsplit(url)
    rel = parts.path + (f"?{parts.query}" if parts.query else "")
    segments = ["*" if re.fullmatch(r"[0-9a-f]{8}-[0-9a-f-]{27}|\d+|[0-9a-f]{16,}", seg, re.I) else seg
                for seg in rel.split("/")]
    tail = "/".join(segments[-3:] if "*" in segments[-3:-1] else segments[-2:])
    cut = re.split(r"[?&]", tail, maxsplit=1)
    return "**/" + cut[0].lstrip("/") + ("*" if len(cut) > 1 else "")


def _preview_line(d: Drafter, preview: Doc, parts: detect.Block) -> None:
    """A preview line's title, quantity and amounts; "2x iPhone" holds a quantity before the name."""
    title = (d.title or "")[:20]
    named = next((t for t in [*parts.links, *parts.texts] if title in t["text"] and len(t["text"]) <= len(title) + 20),
                 None) or next((t for t in [*parts.links, *parts.texts] if title in t["text"]), None)
    both = next((t for t in parts.texts if re.match(rf"^\d+\s*[x\u00d7]\s*{re.escape(title)}", t["text"])), None) \
        or next(({"css": link["parent"], "text": f"{link['before']} {link['text']}"} for link in parts.links
                 if link.get("parent") and re.fullmatch(r"\d+\s*[x\u00d7]", link.get("before") or "")), None)
    if named is not None:
        preview.set("title", named["css"], f"reads {named['text'][:40]!r}")
    else:
        preview.todo("title", "no element in the line shows the product's name", ".name")
    number = next((n for n in parts.numbers if n["text"] == str(d.quantity)), None)
    if both is not None:
        preview.set("quantity", {"css": both["css"], "pattern": r"^(?P<value>\d+)\s*[x\u00d7]"},
                    f"the number before the x in {both['text'][:30]!r}")
    elif number is not None:
        preview.set("quantity", number["css"], f"reads {number['text']!r}")
    else:
        preview.todo("quantity", f"nothing in the line says {d.quantity}", ".qty")
    amounts = [(m, amount_of(d, m["text"])) for m in parts.monies if scan.pure_money(m["text"], d.money)]
    if d.price is not None:
        unit = next((m for m, a in amounts if a == d.price.amount and d.quantity > 1), None)
        if unit is not None:
            preview.set("unit_price", unit["css"], f"reads {unit['text']!r}")
    if amounts:
        preview.set("line_total", amounts[-1][0]["css"], f"reads {amounts[-1][0]['text']!r}, the line's last amount")
    else:
        preview.todo("line_total", "no amount in the line", '.total')
