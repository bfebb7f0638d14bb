"""One product as a source lists it, and the spool that holds a whole catalogue on disk.

A source (feed, sitemap, listing) is read once, start to end, into a spool file of JSON lines:
that pass checks every row (a bad one stops the run before the ledger is touched, naming the
row) and counts them for the progress bar. The check then streams the spool, so memory does not
grow with the number of products, however many the feed holds.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from keepword.money import Money

__all__ = ["Item", "Spool"]


@dataclass(frozen=True, slots=True)
class Item:
    """A product and what its source says of it (a sitemap or listing says only where it is).

    `price` is the price the landing page should show: the feed's sale price when it gives one,
    else its price. `shipping` is (service, country, charge) per feed shipping row. `where` names
    the row for messages ("feed.tsv:12", "feed.xml item 7").
    """

    sku: str
    link: str
    title: str = ""
    price: Money | None = None
    availability: str | None = None
    shipping: tuple[tuple[str, str, Money], ...] = ()
    where: str = ""
    source: str = "feed"

    def __repr__(self) -> str:
        return f"<Item {self.sku} {self.price} {self.availability} at {self.where}>"

    def to_json(self) -> str:
        def money(m: Money | None) -> list[str] | None:
            return None if m is None else [str(m.amount), m.currency]

        return json.dumps([self.sku, self.link, self.title, money(self.price), self.availability,
                           [[s, c, money(m)] for s, c, m in self.shipping], self.where, self.source],
                          ensure_ascii=False)

    @classmethod
    def from_json(cls, line: str) -> Item:
        sku, link, title, price, availability, shipping, where, source = json.loads(line)

        def money(m: Any) -> Money | None:
            return None if m is None else Money.of(m[0], m[1])

        return cls(sku, link, title, money(price), availability,
                   tuple((s, c, money(m)) for s, c, m in shipping), where, source)  # type: ignore[misc]


class Spool:
    """Items written once, read back as a stream; duplicate SKUs are dropped as they come."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self.duplicates = 0
        self._seen: set[str] = set()
        self._out: TextIO | None = path.open("w", encoding="utf-8")

    def __repr__(self) -> str:
        return f"<Spool {self.path} {self.count} items>"

    def add(self, item: Item) -> bool:
        """Keep the item unless its SKU came already (a feed repeating an id); True if kept."""
        if item.sku in self._seen:
            self.duplicates += 1
            return False
        self._seen.add(item.sku)
        assert self._out is not None, "the spool is closed"
        self._out.write(item.to_json() + "\n")
        self.count += 1
        return True

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None
            self._seen = set()

    def __iter__(self) -> Iterator[Item]:
        self.close()
        with self.path.open(encoding="utf-8") as lines:
            for line in lines:
                yield Item.from_json(line)
