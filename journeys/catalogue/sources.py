"""Where the products come from: a feed, a sitemap, or the listing pages, read into the spool.

`catalogue.feed` and `catalogue.sitemap` in the profile are a path on the store (`/feed.xml`),
a full URL, or a file: `file:///abs/path` or a path relative to the profile's folder
(`exports/products.tsv`), for an export the store's owner has at hand. Remote files are
downloaded to a temporary folder first (streamed, capped at `max_feed_mb`), then parsed from
disk, so neither a large feed nor a slow store holds the whole thing in memory.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from journeys.catalogue.feed import read_feed, read_sitemap
from journeys.catalogue.fetch import Fetched, Fetcher, StoreFailure
from journeys.catalogue.items import Item, Spool
from journeys.catalogue.page import css_of, read_role
from journeys.reading import Unreadable, read_availability, read_money
from keepword.errors import BadInput, HarnessError
from keepword.money import Money
from keepword.profile import CatalogueSpec, Find, StoreProfile

__all__ = ["SOURCES", "fill_spool", "product_matcher"]

SOURCES = ("feed", "sitemap", "listing")
_MAX_SITEMAPS = 1000
_MAX_LISTING_PAGES = 20_000


def _keyed_by_sku(profile: StoreProfile) -> bool:
    """Whether the profile's product addresses carry the SKU (`product.url: /product/{sku}`)."""
    return "{sku}" in (profile.product.url or "")


def product_matcher(profile: StoreProfile, base: str) -> object:
    """A function url -> SKU or None, from the profile's `product.url` ("/product/{sku}").

    Where the product addresses carry no SKU (`product.url` unset or without `{sku}`, as on
    OpenCart's `index.php?route=product/product&product_id=40` or EverShop's `/accessories/<name>`),
    no address can be told to be a product's, and every answer is None."""
    if not _keyed_by_sku(profile):
        return lambda url: None
    pattern = urlsplit(urljoin(base, profile.product.url)).path
    head, _, tail = pattern.partition("{sku}")
    regex = re.compile("^" + re.escape(head) + r"(?P<sku>[^/?#]+)" + re.escape(tail) + "$")
    host = urlsplit(base).netloc

    def sku_of(url: str) -> str | None:
        parts = urlsplit(url)
        if parts.netloc and parts.netloc != host:
            return None
        found = regex.match(parts.path)
        return unquote(found.group("sku")) if found else None

    return sku_of


def _local(where: str, profile: StoreProfile) -> Path | None:
    if where.startswith("file://"):
        return Path(unquote(urlsplit(where).path))
    if where.startswith(("http://", "https://", "/")):
        return None
    base = Path(profile.path).resolve().parent if profile.path else Path.cwd()
    return base / where


async def _obtain(where: str, profile: StoreProfile, base: str, fetcher: Fetcher, into: Path, limit: int
                  ) -> tuple[Path, str]:
    """(a local file holding it, the name messages use) for a feed or sitemap location."""
    local = _local(where, profile)
    if local is not None:
        if not local.is_file():
            raise BadInput(f"{profile.path or 'profile'}: catalogue: no file {local}; check the path")
        return local, str(local)
    url = urljoin(base, where)
    answer = await fetcher.download(url, into, limit=limit)
    if answer is None:
        raise BadInput(f"{url}: the store's robots.txt disallows it for keepword; point the profile's "
                       "catalogue at a file you exported instead")
    if isinstance(answer, StoreFailure):
        raise HarnessError(f"{url}: the store {answer.message}; check catalogue.feed / sitemap in the profile",
                           url=url)
    return into, url


async def fill_spool(source: str, spec: CatalogueSpec, profile: StoreProfile, base: str, fetcher: Fetcher,
                     spool: Spool, work: Path) -> None:
    """Read every product of `source` (feed, sitemap or listing) into `spool`."""
    limit = spec.max_feed_mb * 2**20
    if source == "feed":
        if not spec.feed:
            raise BadInput(f"{profile.path or 'profile'}: catalogue.feed is not set; give the feed's path or "
                           "choose --source sitemap or listing")
        path, name = await _obtain(spec.feed, profile, base, fetcher, work / "feed", limit)
        read_feed(path, name, spool, base=base, currency=profile.money.currency, fmt=spec.feed_format)
    elif source == "sitemap":
        matcher = product_matcher(profile, base)
        todo = [spec.sitemap or "/sitemap.xml"]
        for number in range(_MAX_SITEMAPS):
            if not todo:
                break
            path, name = await _obtain(todo.pop(0), profile, base, fetcher, work / f"sitemap-{number}", limit)
            todo += read_sitemap(path, name, spool, product=matcher, base=base)
        if spool.count == 0:
            hint = ("" if _keyed_by_sku(profile) else "; product.url has no {sku}, so no address can be told to be "
                    "a product's: use --source listing, or a feed")
            raise BadInput(f"{spec.sitemap or '/sitemap.xml'}: no product pages (matching product.url "
                           f"{profile.product.url!r}) in the sitemap{hint}")
    else:
        await _crawl_listing(profile, spec, base, fetcher, spool)
    spool.close()


async def _crawl_listing(profile: StoreProfile, spec: CatalogueSpec, base: str, fetcher: Fetcher,
                         spool: Spool) -> None:
    """Follow the listing's next-page links, taking each card's SKU, title and link."""
    from selectolax.lexbor import LexborHTMLParser

    listing = profile.listing
    card_css = css_of(listing.card)
    if card_css is None:
        raise BadInput(f"{profile.path or 'profile'}: listing.card must be plain CSS to crawl listings "
                       "without a browser; or use a feed or a sitemap")
    matcher = product_matcher(profile, base)
    by_link = not _keyed_by_sku(profile)  # then a card's product is known by its link
    host = urlsplit(base).netloc
    url: str | None = urljoin(base, listing.url)
    seen: set[str] = set()
    for _ in range(_MAX_LISTING_PAGES):
        if url is None or url in seen:
            break
        seen.add(url)
        answer = await fetcher.get(url)
        if not isinstance(answer, Fetched):
            why = "robots.txt disallows it" if answer is None else answer.message
            raise HarnessError(f"{url}: cannot read the listing ({why})", url=url)
        doc = LexborHTMLParser(answer.text)
        for number, card in enumerate(doc.css(card_css), start=1):
            href = _href(card, listing.open) or _href(card, None)
            target = urljoin(url, href) if href else ""
            sku = read_role(card, listing.sku)
            title = read_role(card, listing.title)
            found = (sku[0] if sku and sku[0] else None) or (matcher(target) if target else None)  # type: ignore[operator]
            if not found and by_link and target and urlsplit(target).netloc == host:
                parts = urlsplit(target)
                found = parts.path + (f"?{parts.query}" if parts.query else "")
            if found and target:
                price, availability = _card_says(card, profile)
                spool.add(Item(sku=str(found), link=target, title=title[0] if title else "", price=price,
                               availability=availability, where=f"{url} card {number}", source="listing"))
        following = read_role(doc, spec.next_page)
        url = urljoin(url, following[0]) if following and following[0] else None


def _card_says(card: Any, profile: StoreProfile) -> tuple[Money | None, str | None]:
    """The price and availability a listing card promises (the claims the landing page is then
    held to, as a shopper holds the product page to them); None where the card shows none
    readable without a browser."""
    listing = profile.listing
    price: Money | None = None
    availability: str | None = None
    said = read_role(card, listing.price)
    if said and said[0]:
        try:
            price = read_money(said[0], profile.money)
        except Unreadable:
            price = None
    said = read_role(card, listing.availability)
    if said and said[0]:
        try:
            availability = read_availability(said[0], profile.availability).state
        except Unreadable:
            availability = None
    return price, availability


def _href(card: Any, find: Find | None) -> str | None:
    """The href of the listing's `open` role (or of the card's first link)."""
    css = css_of(find) if find is not None else "a[href]"
    node = card.css_first(css) if css else None
    href = node.attributes.get("href") if node is not None else None
    return str(href) if href else None
