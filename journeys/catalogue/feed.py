"""Reading a product feed or a sitemap into the spool, row by row, safely.

XML (Merchant Center RSS 2.0 and Atom with the `g:` namespace; sitemaps) is streamed with
defusedxml's `iterparse` on the standard library's expat parser: a document that declares an
entity (the billion-laughs bomb, an external entity pointing at a local file or a URL) is
refused outright, never expanded, and each item is dropped from the tree once read, so memory
does not grow with the feed. TSV and CSV are read with `csv`, one line at a time.

Prices are Merchant Center's "24.99 GBP" (the amount read by Babel's strict parser, as
`keepword.money` reads every amount; the ISO code after it); availability words are schema.org's or Merchant Center's (`in_stock`,
`out of stock`, `preorder`), read by `journeys.reading.schema_state`. A row keepword cannot
read stops the run with one line naming the file, the row and the field, before anything is
checked (exit 2): a feed is the owner's input.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import IO, Any
from urllib.parse import urljoin, urlsplit

from journeys.catalogue.items import Item, Spool
from journeys.reading import schema_state
from keepword.errors import BadInput
from keepword.loading import first_bad_utf8_line
from keepword.money import Money

__all__ = ["read_feed", "read_sitemap", "sniff"]

G = "{http://base.google.com/ns/1.0}"
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
_MAX_FIELD = 100_000  # characters in one TSV/CSV cell (csv's own default is 131,072)
_MAX_PRICE = 10**15  # no product costs a quadrillion of anything


@lru_cache(maxsize=4096)
def _money(text: str, currency: str) -> Money:
    """Merchant Center writes "1234.00 GBP": a plain number (en_US digits) and an ISO code. The
    number is read by Babel's strict parser, so "£12" or "12,5" is refused rather than guessed."""
    from babel.numbers import NumberFormatError, parse_decimal

    amount, _, code = text.strip().rpartition(" ")
    if not (len(code) == 3 and code.isalpha() and code.isupper()):
        amount, code = text.strip(), currency
    try:
        number = parse_decimal(amount, locale="en_US", strict=True)
    except NumberFormatError as exc:
        raise ValueError(str(exc)) from None
    # Babel reads "NaN", "Infinity" and "1e999999" as numbers; no price is, and the last would
    # cost a million digits once turned into minor units.
    if not number.is_finite() or abs(number) >= _MAX_PRICE:
        raise ValueError(f"{amount!r} is not an amount")
    return Money(number, code)


def feed_money(text: str, currency: str, where: str, field: str) -> Money:
    """Merchant Center's "24.99 GBP" as Money; BadInput naming the row and field otherwise."""
    try:
        return _money(text, currency)
    except ValueError:
        raise BadInput(f"{where}: {field}: {text.strip()[:60]!r} is not a price such as '24.99 {currency}'; "
                       "fix the feed row") from None


def _availability(text: str, where: str) -> str:
    state = schema_state(text)
    if state is None:
        raise BadInput(f"{where}: availability: {text.strip()[:60]!r} is not one of in_stock, out_of_stock, "
                       "preorder, backorder; fix the feed row")
    return state


def _item(fields: dict[str, str], shipping: list[tuple[str, str, str]], base: str, currency: str,
          where: str) -> Item:
    """An item from a row's fields (names without the `g:` prefix)."""
    sku = fields.get("id", "").strip()
    if not sku:
        raise BadInput(f"{where}: id: every row needs an id; fix the feed row")
    link = fields.get("link", "").strip()
    if not link:
        raise BadInput(f"{where}: link: product {sku} has no link to its landing page; fix the feed row")
    if urlsplit(urljoin(base, link)).scheme not in ("http", "https"):
        raise BadInput(f"{where}: link: {link[:60]!r}: keepword shops http:// and https:// pages only; give "
                       f"product {sku}'s landing page; fix the feed row")
    price = fields.get("sale_price", "").strip() or fields.get("price", "").strip()
    field = "sale_price" if fields.get("sale_price", "").strip() else "price"
    availability = fields.get("availability", "").strip()
    return Item(
        sku=sku,
        link=urljoin(base, link),
        title=" ".join(fields.get("title", "").split()),
        price=feed_money(price, currency, where, field) if price else None,
        availability=_availability(availability, where) if availability else None,
        shipping=tuple((service, country, feed_money(charge, currency, where, "shipping"))
                       for country, service, charge in shipping if charge),
        where=where,
    )


def sniff(path: Path) -> str:
    """"xml", "tsv" or "csv" from the file's first bytes (what `feed_format: auto` decides by)."""
    with path.open("rb") as raw:
        head = raw.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return "xml"
    first = head.split(b"\n", 1)[0]
    return "tsv" if b"\t" in first else "csv"


def read_feed(path: Path, name: str, spool: Spool, *, base: str, currency: str, fmt: str = "auto") -> None:
    """Every product of the feed at `path` into `spool`; `name` is how messages call the file."""
    kind = sniff(path) if fmt == "auto" else fmt
    if kind == "xml":
        _read_xml(path, name, spool, base, currency)
    else:
        _read_table(path, name, spool, base, currency, "\t" if kind == "tsv" else ",")
    if spool.count == 0:
        raise BadInput(f"{name}: the feed lists no products; check the feed's URL and format")


def _text(element: Any) -> str:
    return "".join(element.itertext()).strip()


def _events(path: Path, name: str, tags: set[str]) -> Iterator[tuple[Any, Any]]:
    """(element, parent) for each element named in `tags`, removed from its parent after use."""
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import iterparse

    stack: list[Any] = []
    try:
        with path.open("rb") as source:
            for event, element in iterparse(source, events=("start", "end"), forbid_dtd=False,
                                            forbid_entities=True, forbid_external=True):
                if event == "start":
                    stack.append(element)
                    continue
                stack.pop()
                if element.tag in tags:
                    yield element, stack[-1] if stack else None
                    if stack:
                        stack[-1].remove(element)
    except DefusedXmlException as exc:
        raise BadInput(f"{name}: refused: the XML declares entities ({exc}); a feed needs none, and "
                       "expanding them is how an XML bomb or a file-stealing entity works") from None
    except ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise BadInput(f"{name}:{line}: not well-formed XML (column {column}: {exc}); fix the feed") from None


def _read_xml(path: Path, name: str, spool: Spool, base: str, currency: str) -> None:
    number = 0
    for element, _ in _events(path, name, {"item", f"{ATOM}entry"}):
        number += 1
        fields: dict[str, str] = {}
        shipping: list[tuple[str, str, str]] = []
        for child in element:
            tag = str(child.tag)
            key = tag.rsplit("}", 1)[-1]
            if tag == f"{G}shipping":
                parts = {str(p.tag).rsplit("}", 1)[-1]: _text(p) for p in child}
                shipping.append((parts.get("country", ""), parts.get("service", ""), parts.get("price", "")))
            elif key == "link" and child.get("href"):
                fields.setdefault("link", str(child.get("href")))
            elif tag.startswith(G) or (key in ("title", "link") and key not in fields):
                fields[key] = _text(child)
        where = f"{name} item {number}" + (f" (id {fields['id']})" if fields.get("id") else "")
        spool.add(_item(fields, shipping, base, currency, where))


def _rows(source: IO[str], name: str, delimiter: str) -> Iterator[tuple[int, dict[str, str]]]:
    csv.field_size_limit(_MAX_FIELD)
    if delimiter == "\t":  # Merchant Center's TSV has no quoting: a quote is part of the text
        reader = csv.DictReader(source, delimiter=delimiter, quoting=csv.QUOTE_NONE)
    else:
        reader = csv.DictReader(source, delimiter=delimiter)
    for row in reader:
        if None in row.values():
            raise BadInput(f"{name}:{reader.line_num}: the row has fewer cells than the header; fix the feed row")
        yield reader.line_num, {str(k).strip().removeprefix("g:"): v for k, v in row.items() if k is not None}


def _read_table(path: Path, name: str, spool: Spool, base: str, currency: str, delimiter: str) -> None:
    try:
        _read_table_text(path, name, spool, base, currency, delimiter)
    except UnicodeDecodeError as exc:
        raise BadInput(f"{name}:{first_bad_utf8_line(path)}: not UTF-8 text ({exc.reason}); save the feed as "
                       "UTF-8") from None


def _read_table_text(path: Path, name: str, spool: Spool, base: str, currency: str, delimiter: str) -> None:
    with path.open(encoding="utf-8-sig", newline="") as source:
        header = source.readline()
        columns = [c.strip().removeprefix("g:") for c in header.rstrip("\r\n").split(delimiter)]
        if "id" not in columns or "link" not in columns:
            raise BadInput(f"{name}:1: the header needs `id` and `link` columns (it has {', '.join(columns)[:120]}); "
                           "use Merchant Center's column names")
        source.seek(0)
        try:
            for line, row in _rows(source, name, delimiter):
                shipping = [_tsv_shipping(part, f"{name}:{line}") for part in row.get("shipping", "").split(",") if part.strip()]
                spool.add(_item(row, shipping, base, currency, f"{name}:{line}"))
        except csv.Error as exc:
            raise BadInput(f"{name}: {exc}; fix the feed") from None


def _tsv_shipping(text: str, where: str) -> tuple[str, str, str]:
    """Merchant Center's `country:region:service:price` (region and service may be empty)."""
    parts = text.strip().split(":")
    if len(parts) != 4:
        raise BadInput(f"{where}: shipping: {text.strip()[:60]!r} is not country:region:service:price; fix the feed row")
    country, _, service, price = parts
    return country, service, price


def read_sitemap(path: Path, name: str, spool: Spool, *, product: Any, base: str) -> list[str]:
    """Product pages listed in a sitemap into `spool` (their SKU from the URL, by `product(url)`,
    which returns None for pages that are not product pages); returns the child sitemaps a
    sitemap index points at, for the caller to fetch and read the same way."""
    children: list[str] = []
    number = 0
    for element, _ in _events(path, name, {f"{SITEMAP}url", f"{SITEMAP}sitemap", "url", "sitemap"}):
        loc = next((_text(c) for c in element if str(c.tag).rsplit("}", 1)[-1] == "loc"), "")
        if not loc:
            continue
        url = urljoin(base, loc)
        if str(element.tag).endswith("sitemap"):
            children.append(url)
            continue
        number += 1
        sku = product(url)
        if sku:
            spool.add(Item(sku=sku, link=url, where=f"{name} url {number}", source="sitemap"))
    return children
