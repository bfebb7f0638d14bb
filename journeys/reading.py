"""Turning what a store printed into values: money, availability, JSON-LD, dates, e-mail lines.

Every reader raises `Unreadable` with the text it could not read, so the shopper can turn it into
a harness error naming the role and the page: text keepword cannot read is never a verdict.
Money goes through `keepword.money.parse_money` (price-parser plus Babel's strict parser), with
the profile's locale and currency; no regular expression here reads an amount.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from keepword.money import Money, parse_money
from keepword.profile import AvailabilityRules, EmailFormat, MoneyFormat

__all__ = [
    "IN_STOCK",
    "OUT_OF_STOCK",
    "Availability",
    "EmailLine",
    "EmailReading",
    "JsonLdOffer",
    "Unreadable",
    "read_availability",
    "read_date",
    "read_email",
    "read_jsonld",
    "read_money",
    "schema_state",
]

IN_STOCK = "in_stock"
OUT_OF_STOCK = "out_of_stock"

_SCHEMA_STATES = {
    "instock": IN_STOCK, "limitedavailability": IN_STOCK, "onlineonly": IN_STOCK,
    "instoreonly": IN_STOCK, "preorder": IN_STOCK, "backorder": IN_STOCK,
    "outofstock": OUT_OF_STOCK, "soldout": OUT_OF_STOCK, "discontinued": OUT_OF_STOCK,
}


def schema_state(value: str) -> str | None:
    """IN_STOCK / OUT_OF_STOCK for a schema.org availability ("https://schema.org/InStock",
    "LimitedAvailability") or a Merchant Center one ("in_stock", "out of stock", "preorder");
    None for a word that is neither."""
    key = str(value).rsplit("/", 1)[-1].replace("_", "").replace(" ", "").lower()
    return _SCHEMA_STATES.get(key)


class Unreadable(ValueError):
    """The text is not what the profile says it should be (a changed page, an incomplete profile)."""


def read_money(text: str, money: MoneyFormat) -> Money:
    """`"£1,234.00"`, `"2 200 грн"`, `"1 234,56 ₽"` (non-breaking spaces too) as Money."""
    try:
        return parse_money(text, locale=money.locale, currency=money.currency, free_words=money.free_words)
    except ValueError as exc:
        raise Unreadable(f"cannot read {text!r} as money in {money.locale}/{money.currency}: {exc}") from None


@dataclass(frozen=True, slots=True)
class Availability:
    """What a page said about stock: a state and, where it said one, the number available."""

    state: str
    count: int | None = None

    def __repr__(self) -> str:
        return f"Availability({self.state}, {self.count})"


def read_availability(text: str, rules: AvailabilityRules) -> Availability:
    """Match the profile's patterns, out-of-stock first ("In stock (25 available)" -> 25)."""
    flat = " ".join(text.split())
    for pattern in rules.out_of_stock:
        if re.search(pattern, flat, re.IGNORECASE):
            return Availability(OUT_OF_STOCK, 0)
    for pattern in rules.in_stock:
        found = re.search(pattern, flat, re.IGNORECASE)
        if found:
            count = found.groupdict().get("count")
            digits = re.sub(r"\D", "", count) if count else ""
            return Availability(IN_STOCK, int(digits) if digits else None)
    raise Unreadable(f"availability text {flat!r} matches none of the profile's patterns")


def read_date(text: str) -> date:
    """An ISO date or instant (from a `datetime` or `data-*` attribute) as a date."""
    value = text.strip()
    try:
        if "T" in value:
            return datetime.fromisoformat(value).date()
        return date.fromisoformat(value[:10])
    except ValueError:
        raise Unreadable(f"{value!r} is not an ISO date; point the profile at an attribute holding one") from None


@dataclass(frozen=True, slots=True)
class JsonLdOffer:
    """One schema.org Offer of a Product block, as the page's structured data states it."""

    sku: str | None
    name: str | None
    price: Money | None
    availability: str | None
    shipping: tuple[tuple[str, Money], ...] = ()  # (shippingLabel, shippingRate) per OfferShippingDetails


def _nodes(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _nodes(item)
    elif isinstance(data, dict):
        if "@graph" in data:
            yield from _nodes(data["@graph"])
        yield data


def _types(node: dict[str, Any]) -> set[str]:
    kind = node.get("@type", ())
    kinds = [kind] if isinstance(kind, str) else list(kind)
    return {str(k).rsplit("/", 1)[-1] for k in kinds}


def _shipping_rates(offer: dict[str, Any], money: MoneyFormat, problems: list[str]) -> tuple[tuple[str, Money], ...]:
    details = offer.get("shippingDetails") or []
    rates = []
    for detail in details if isinstance(details, list) else [details]:
        rate = detail.get("shippingRate") if isinstance(detail, dict) else None
        if not isinstance(rate, dict) or rate.get("value") is None:
            continue
        try:
            charge = Money(Decimal(str(rate["value"])), str(rate.get("currency") or money.currency))
        except (ArithmeticError, ValueError):
            problems.append(f"JSON-LD shippingRate {rate['value']!r} is not a number")
            continue
        rates.append((str(detail.get("shippingLabel") or ""), charge))
    return tuple(rates)


def read_jsonld(blocks: list[str], money: MoneyFormat) -> tuple[list[JsonLdOffer], list[str]]:
    """Product offers in the page's JSON-LD blocks, and a note per block that could not be read.

    Block by block with `parse_float=Decimal`, `@graph` flattened: one malformed block must not
    hide the others (and a malformed block is a note, not a verdict).
    """
    offers: list[JsonLdOffer] = []
    problems: list[str] = []
    for index, block in enumerate(blocks):
        try:
            data = json.loads(block, parse_float=Decimal)
        except ValueError as exc:
            problems.append(f"JSON-LD block {index + 1} is not valid JSON: {exc}")
            continue
        for node in _nodes(data):
            if "Product" not in _types(node):
                continue
            raw_offers = node.get("offers") or []
            for offer in raw_offers if isinstance(raw_offers, list) else [raw_offers]:
                if not isinstance(offer, dict):
                    continue
                price = None
                if offer.get("price") is not None:
                    try:
                        currency = str(offer.get("priceCurrency") or money.currency)
                        price = Money(Decimal(str(offer["price"])), currency)
                    except (ArithmeticError, ValueError):
                        problems.append(f"JSON-LD price {offer['price']!r} is not a number")
                state = schema_state(str(offer["availability"])) if offer.get("availability") else None
                offers.append(JsonLdOffer(node.get("sku"), node.get("name"), price, state,
                                          _shipping_rates(offer, money, problems)))
    return offers, problems


@dataclass(frozen=True, slots=True)
class EmailLine:
    """One order line of an e-mail: the product (SKU or title), quantity, and whichever of the
    unit price and the line total the store lists."""

    sku: str | None
    title: str | None
    quantity: int | None
    unit: Money | None
    total: Money | None


@dataclass(frozen=True, slots=True)
class EmailReading:
    """What an order e-mail said."""

    total: Money | None
    shipping: Money | None
    lines: tuple[EmailLine, ...]
    promise_latest: date | None
    order_number: str | None = None
    status_link: str | None = None

    @property
    def units(self) -> dict[str, Money]:
        """Unit prices by SKU (or title), where the e-mail lists them."""
        return {(line.sku or line.title or ""): line.unit for line in self.lines if line.unit is not None}


def read_email(body: str, fmt: EmailFormat, money: MoneyFormat, *, need_total: bool = True) -> EmailReading:
    """Apply the profile's line patterns (named groups) to a plain-text e-mail body."""
    total = shipping = None
    promise = None
    number = link = None
    lines: list[EmailLine] = []
    for raw in body.splitlines():
        line = raw.strip()
        if fmt.order_number and number is None and (m := re.search(fmt.order_number, line)):
            number = m.group("value").strip()
        if fmt.status_link and link is None and (m := re.search(fmt.status_link, line)):
            link = m.group("value").strip()
        if fmt.total and (m := re.search(fmt.total, line)):
            total = read_money(m.group("value"), money)
        elif fmt.shipping and (m := re.search(fmt.shipping, line)):
            shipping = read_money(m.group("value"), money)
        elif fmt.line and (m := re.search(fmt.line, line)):
            groups = m.groupdict()
            digits = re.sub(r"\D", "", groups.get("quantity") or "")
            lines.append(EmailLine(
                sku=groups.get("sku"), title=(groups.get("title") or "").strip() or None,
                quantity=int(digits) if digits else None,
                unit=read_money(groups["unit"], money) if groups.get("unit") else None,
                total=read_money(groups["total"], money) if groups.get("total") else None,
            ))
        elif fmt.promise_latest and (m := re.search(fmt.promise_latest, line)):
            promise = read_date(m.group("value"))
    if need_total and fmt.total and total is None:
        raise Unreadable(f"no line of the e-mail matches email.total {fmt.total!r}")
    return EmailReading(total, shipping, tuple(lines), promise, number, link)
