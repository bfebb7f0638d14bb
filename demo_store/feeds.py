"""The store as crawlers and shopping engines read it: product feeds, the sitemap, robots.txt,
the price API a script-rendered page calls, and a traffic log with optional throttling.

Feeds are Google Merchant Center's formats: RSS 2.0 and Atom with the `g:` namespace
(`/feed.xml`, `/feed.atom`) and its tab-separated form (`/feed.tsv`). Each row states what the
store tells the shopping engine: price, availability and shipping, from `Shop.feed_offer`, where
the catalogue faults (a stale price, wrong availability) are told and logged. They are streamed
row by row, so a 10,000-product feed costs the store no more memory than a 20-product one.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from demo_store.catalogue import Product
from demo_store.shop import DIGITAL, Shop

__all__ = ["G_NS", "Traffic", "feed_atom", "feed_tsv", "feed_xml", "price_api", "robots", "sitemap"]

G_NS = "http://base.google.com/ns/1.0"
TSV_COLUMNS = ("id", "title", "description", "link", "price", "availability", "condition", "shipping")


def _shop(request: Request) -> Shop:
    return request.app.state.shop  # type: ignore[no-any-return]


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _country(shop: Shop) -> str:
    return shop.config.locale.split("_")[-1].upper()


def _row(shop: Shop, product: Product, base: str) -> dict[str, Any]:
    """One product as the feed states it (prices as "24.99 GBP", Merchant Center's form)."""
    price, in_stock = shop.feed_offer(product)
    methods = [DIGITAL] if product.category.digital else shop.methods
    shipping = [(m.name, shop.locale.money(shop._charges[m.code])) for m in methods]
    return {
        "id": product.sku,
        "title": product.name,
        "description": product.description,
        "link": f"{base}/product/{product.sku}",
        "price": f"{shop.locale.plain(price)} {price.currency}",
        "availability": "in_stock" if in_stock else "out_of_stock",
        "condition": "new",
        "shipping": [(_country(shop), name, f"{shop.locale.plain(m)} {m.currency}") for name, m in shipping],
    }


def _xml_item(row: dict[str, Any], tag: str) -> str:
    link = (f"<link href={quoteattr(row['link'])}/>" if tag == "entry" else f"<link>{escape(row['link'])}</link>")
    shipping = "".join(
        f"<g:shipping><g:country>{escape(c)}</g:country><g:service>{escape(s)}</g:service>"
        f"<g:price>{escape(p)}</g:price></g:shipping>"
        for c, s, p in row["shipping"]
    )
    return (
        f"<{tag}><g:id>{escape(row['id'])}</g:id><title>{escape(row['title'])}</title>"
        f"<{'summary' if tag == 'entry' else 'description'}>{escape(row['description'])}"
        f"</{'summary' if tag == 'entry' else 'description'}>{link}"
        f"<g:price>{escape(row['price'])}</g:price><g:availability>{row['availability']}</g:availability>"
        f"<g:condition>{row['condition']}</g:condition>{shipping}</{tag}>\n"
    )


def _stream(shop: Shop, head: str, tail: str, item: Any, base: str) -> Iterator[str]:
    yield head
    batch: list[str] = []
    for product in shop.catalogue.products:
        batch.append(item(_row(shop, product, base)))
        if len(batch) >= 200:
            yield "".join(batch)
            batch.clear()
    yield "".join(batch) + tail


async def feed_xml(request: Request) -> Response:
    """Google Merchant Center RSS 2.0."""
    shop, base = _shop(request), _base(request)
    head = (f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:g="{G_NS}"><channel>'
            f"<title>{escape(shop.config.name)}</title><link>{escape(base)}/</link>"
            f"<description>Products of {escape(shop.config.name)}</description>\n")
    body = _stream(shop, head, "</channel></rss>\n", lambda row: _xml_item(row, "item"), base)
    return StreamingResponse(body, media_type="application/rss+xml; charset=utf-8")


async def feed_atom(request: Request) -> Response:
    """Google Merchant Center Atom 1.0."""
    shop, base = _shop(request), _base(request)
    head = (f'<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" '
            f'xmlns:g="{G_NS}"><title>{escape(shop.config.name)}</title><link href={quoteattr(base + "/")}/>'
            f"<updated>{shop.clock.now().isoformat()}</updated><id>{escape(base)}/feed.atom</id>\n")
    body = _stream(shop, head, "</feed>\n", lambda row: _xml_item(row, "entry"), base)
    return StreamingResponse(body, media_type="application/atom+xml; charset=utf-8")


def _tsv_cell(value: str) -> str:
    return " ".join(value.replace("\t", " ").split())


def _tsv_line(row: dict[str, Any]) -> str:
    cells = {**row, "shipping": ",".join(f"{c}::{s}:{p}" for c, s, p in row["shipping"])}
    return "\t".join(_tsv_cell(str(cells[c])) for c in TSV_COLUMNS) + "\n"


async def feed_tsv(request: Request) -> Response:
    """Merchant Center's tab-separated feed: a header row, then one product per line."""
    shop, base = _shop(request), _base(request)
    body = _stream(shop, "\t".join(TSV_COLUMNS) + "\n", "", _tsv_line, base)
    return StreamingResponse(body, media_type="text/tab-separated-values; charset=utf-8")


async def sitemap(request: Request) -> Response:
    """Every product page (and the listing) in one sitemaps.org urlset."""
    shop, base = _shop(request), _base(request)

    def body() -> Iterator[str]:
        yield ('<?xml version="1.0" encoding="UTF-8"?>\n'
               '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
               f"<url><loc>{escape(base)}/</loc></url>\n")
        for product in shop.catalogue.products:
            yield f"<url><loc>{escape(base)}/product/{escape(product.sku)}</loc></url>\n"
        yield "</urlset>\n"

    return StreamingResponse(body(), media_type="application/xml; charset=utf-8")


async def robots(request: Request) -> Response:
    crawl = _shop(request).config.crawl
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in crawl.disallow)]
    if crawl.crawl_delay:
        lines.append(f"Crawl-delay: {crawl.crawl_delay:g}")
    lines += ["", f"Sitemap: {_base(request)}/sitemap.xml", ""]
    return PlainTextResponse("\n".join(lines))


async def price_api(request: Request) -> Response:
    """The price a script-rendered product page fetches (the js_only_price fault's pages)."""
    shop = _shop(request)
    item = shop.catalogue.product(request.path_params["sku"])
    if item is None:
        return JSONResponse({"error": "no such product"}, 404)
    price = shop.unit_price(request.state.session, item, "product")
    return JSONResponse({"sku": item.sku, "price": shop.locale.format(price)})


class Traffic:
    """Pure ASGI middleware: logs (monotonic time, path) of every request on `shop.requests`
    (what tests count requests per second with) and throttles product pages when the config
    says `crawl.throttle`."""

    def __init__(self, app: ASGIApp, shop: Shop) -> None:
        self.app = app
        self.shop = shop
        self.pages = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        self.shop.requests.append((time.monotonic(), path))
        throttle = self.shop.config.crawl.throttle
        if throttle is not None and path.startswith("/product/"):
            self.pages += 1
            if self.pages % throttle.every == 0:
                response = PlainTextResponse("Too many requests; slow down.", throttle.status,
                                             headers={"Retry-After": str(throttle.retry_after)})
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
