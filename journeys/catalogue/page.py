"""A landing page as each surface states it: the HTML as sent, its JSON-LD, its microdata.

The HTML as sent is what a crawler that runs no JavaScript reads. It is parsed with selectolax
(the Lexbor HTML engine) and read with the profile's `product:` and `product_shipping:` roles,
the same ones the shopper uses in Chromium; a role keepword cannot read without a browser
(`role=`, `text=`, Playwright's CSS extensions) is left to the rendered page. Money and
availability go through `journeys.reading`, as everywhere; no regular expression here reads an
amount.

A value that is missing or unreadable is a *gap* (with the reason), not an error: the page is
then rendered, and only if the rendered page has no value either is it a harness error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from journeys.reading import Unreadable, read_availability, read_jsonld, read_money, schema_state
from journeys.roles import plain_css
from keepword.money import Money
from keepword.profile import AvailabilityRules, Find, MoneyFormat, StoreProfile

__all__ = ["Surface", "css_of", "read_role", "read_server_page", "surface_from_values"]

_SNIPPET = 600


@dataclass(frozen=True, slots=True)
class Surface:
    """What one surface of one page states: price, availability ("in_stock"/"out_of_stock"),
    shipping charges by method name and code (lower case), and why a value is missing."""

    name: str
    price: Money | None = None
    availability: str | None = None
    shipping: dict[str, Money] = field(default_factory=dict)
    snippets: dict[str, str] = field(default_factory=dict)
    gaps: dict[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"<Surface {self.name} {self.price} {self.availability} gaps={sorted(self.gaps)}>"

    @property
    def stated(self) -> bool:
        return self.price is not None or self.availability is not None or bool(self.shipping)


@lru_cache(maxsize=8192)
def _money(text: str, fmt: MoneyFormat) -> Money:
    return read_money(text, fmt)


_STATES: dict[tuple[str, tuple[str, ...], tuple[str, ...]], str] = {}


def _availability(text: str, rules: AvailabilityRules) -> str:
    """The state of an availability text, remembered: a catalogue says "In stock (25 available)"
    thousands of times (the rules hold lists, so lru_cache cannot key on them)."""
    key = (text, tuple(rules.in_stock), tuple(rules.out_of_stock))
    state = _STATES.get(key)
    if state is None:
        state = read_availability(text, rules).state
        if len(_STATES) < 4096:
            _STATES[key] = state
    return state


def surface_from_values(name: str, values: dict[str, tuple[str, str] | None], shipping: list[dict[str, Any]],
                        profile: StoreProfile) -> Surface:
    """A surface from role texts: {"price": (text, html) or None, "availability": ...} and
    shipping rows ({"code", "name", "charge"}); used for the HTML as sent and the rendered page."""
    gaps: dict[str, str] = {}
    snippets: dict[str, str] = {}
    price = availability = None
    read = values.get("price")
    if read is None:
        gaps["price"] = f"no element matched `{profile.product.price.describe()}`"
    elif not read[0]:
        gaps["price"] = f"`{profile.product.price.describe()}` is empty"
        snippets["price"] = read[1][:_SNIPPET]
    else:
        snippets["price"] = read[1][:_SNIPPET]
        try:
            price = _money(read[0], profile.money)
        except Unreadable as exc:
            gaps["price"] = str(exc)
    if profile.product.availability is not None:
        read = values.get("availability")
        if read is None or not read[0]:
            gaps["availability"] = f"no text in `{profile.product.availability.describe()}`"
        else:
            snippets["availability"] = read[1][:_SNIPPET]
            try:
                availability = _availability(read[0], profile.availability)
            except Unreadable as exc:
                gaps["availability"] = str(exc)
    charges: dict[str, Money] = {}
    for row in shipping:
        if not row.get("charge"):
            continue
        try:
            charge = _money(str(row["charge"]), profile.money)
        except Unreadable as exc:
            gaps["shipping"] = str(exc)
            continue
        for key in ("name", "code"):
            if row.get(key):
                charges[" ".join(str(row[key]).split()).casefold()] = charge
    return Surface(name, price, availability, charges, snippets, gaps)


def css_of(find: Find) -> str | None:
    if find.testid:
        return f'[data-testid="{find.testid}"]'
    return find.css if plain_css(find) and find.css else None


def _folded(node: Any) -> str:
    return " ".join(node.text(deep=True).split())


def _labelled(scope: Any, css: str, label: str, value: str | None) -> Any:
    """The element a labelled role reads, as the shopper's page script picks it
    (journeys/roles.py): among the elements `css` matches, the first whose own text or a
    child's text is the label (whole, case ignored); its `value` part, or its last child."""
    pattern = re.compile(f"(?:{label})", re.IGNORECASE)
    for row in scope.css(css):
        if any(pattern.fullmatch(_folded(node)) for node in (row, *row.iter())):
            if value:
                return row.css_first(value)
            children = list(row.iter())
            return children[-1] if children else row
    return None


def read_role(scope: Any, find: Find | None) -> tuple[str, str] | None:
    """(value, html) of a role in parsed HTML, its `label` and `pattern` applied as the shopper
    applies them; None when absent (no such element, label, or text the pattern matches) or not
    readable without a browser."""
    if find is None:
        return None
    if find.is_self:
        node = scope
    else:
        css = css_of(find)
        if css is None:
            return None
        try:
            node = (_labelled(scope, css, find.label, find.value) if find.label is not None
                    else scope.css_first(css))
        except ValueError:  # a selector Lexbor cannot parse: leave it to the browser
            return None
    if node is None:
        return None
    if find.attribute:
        value = node.attributes.get(find.attribute)
        if value is None:
            return None
    elif node.tag in ("input", "select", "textarea"):
        value = node.attributes.get("value") or ""
    else:
        value = node.text(deep=True)
    text = find.value_of(" ".join(str(value).split()))
    return None if text is None else (text, str(node.html or ""))


def read_server_page(text: str, profile: StoreProfile) -> tuple[Surface, list[Surface], str | None]:
    """(the HTML surface, the structured-data surfaces: JSON-LD then microdata if any, the SKU
    the page states if the profile has a `product.sku` role)."""
    from selectolax.lexbor import LexborHTMLParser

    doc = LexborHTMLParser(text)
    spec = profile.product
    root: Any = doc
    if spec.root is not None and (css := css_of(spec.root)):
        root = doc.css_first(css) or doc
    values = {"price": read_role(root, spec.price), "availability": read_role(root, spec.availability)}
    rows: list[dict[str, Any]] = []
    ship = profile.product_shipping
    if ship is not None and (row_css := css_of(ship.option)):
        for node in doc.css(row_css):
            rows.append({k: (r[0] if (r := read_role(node, f)) else None)
                         for k, f in (("code", ship.code), ("name", ship.name), ("charge", ship.charge))})
    html = surface_from_values("html", values, rows, profile)
    sku = read_role(root, spec.sku)
    structured: list[Surface] = []
    if profile.jsonld:
        blocks = [node.text(deep=True) for node in doc.css('script[type="application/ld+json"]')]
        if blocks:
            structured.append(_jsonld(blocks, profile.money))
    micro = _microdata(doc, profile.money)
    if micro is not None:
        structured.append(micro)
    return html, structured, sku[0] if sku else None


def _jsonld(blocks: list[str], fmt: MoneyFormat) -> Surface:
    offers, problems = read_jsonld(blocks, fmt)
    gaps = {"jsonld": "; ".join(problems)} if problems else {}
    if not offers:
        return Surface("jsonld", gaps={**gaps, "price": "no schema.org Product offer in the JSON-LD"})
    offer = offers[0]
    shipping = {" ".join(label.split()).casefold(): charge for label, charge in offer.shipping if label}
    snippet = blocks[0][:_SNIPPET]
    return Surface("jsonld", offer.price, offer.availability, shipping,
                   {"price": snippet, "availability": snippet}, gaps)


def _microdata(doc: Any, fmt: MoneyFormat) -> Surface | None:
    """schema.org Product microdata (`itemscope itemtype=".../Product"`), if the page has it."""
    product = doc.css_first('[itemtype$="schema.org/Product"], [itemtype$="schema.org/Product/"]')
    if product is None:
        return None
    price = availability = None
    gaps: dict[str, str] = {}

    def prop(name: str, *attrs: str) -> str | None:
        node = product.css_first(f'[itemprop="{name}"]')
        if node is None:
            return None
        for attr in attrs:
            if node.attributes.get(attr):
                return str(node.attributes[attr]).strip()
        return " ".join(node.text(deep=True).split())

    node = product.css_first('[itemprop="price"]')
    if node is not None:
        content = node.attributes.get("content")
        try:
            if content:  # machine-readable, as schema.org asks: "1234.00"
                price = Money(Decimal(str(content).strip()), prop("priceCurrency", "content") or fmt.currency)
            else:  # the visible text: read as the store writes money
                price = _money(" ".join(node.text(deep=True).split()), fmt)
        except (InvalidOperation, Unreadable) as exc:
            gaps["price"] = f"microdata price: {content or node.text(deep=True)!r} is not a price ({exc})"
    stock = prop("availability", "href", "content")
    if stock:
        availability = schema_state(stock)
    snippet = str(product.html or "")[:_SNIPPET]
    return Surface("microdata", price, availability, {}, {"price": snippet, "availability": snippet}, gaps)
