"""Assembling the store: config -> Shop, fulfilment, ground truth, templates, routes."""

from __future__ import annotations

import secrets
import tempfile
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from demo_store import admin, checkout, feeds, pages
from demo_store.config import StoreConfig
from demo_store.shop import Shop

__all__ = ["COOKIE", "build_app", "build_shop"]

COOKIE = "kw_session"
HERE = Path(__file__).parent


def build_shop(config: StoreConfig) -> Shop:
    """The store's state from its config (catalogue, fulfilment and ground-truth log opened)."""
    import os

    from demo_store.catalogue import load_catalogue, scaled
    from demo_store.faults import GroundTruth
    from demo_store.fulfilment import build_fulfilment
    from demo_store.localise import Locale

    locale = Locale(config.currency, config.locale, config.currency_pattern())
    catalogue = load_catalogue(config.catalogue, config.currency, whole_units=locale.whole_units)
    if config.crawl.products is not None:
        catalogue = scaled(catalogue, config.crawl.products)
    fulfilment = build_fulfilment(config.fulfilment.model_dump(), base_dir=config.base_dir())
    path = config.ground_truth
    if path is None:
        path = Path(tempfile.mkdtemp(prefix="demo-store-")) / "ground-truth.jsonl"
    if config.admin_token is None:
        config.admin_token = os.environ.get("KEEPWORD_STORE_ADMIN_TOKEN") or secrets.token_urlsafe(18)
    return Shop(config, catalogue, fulfilment, GroundTruth(path))


class _Sessions(BaseHTTPMiddleware):
    """Attach the shopper's session (made on first visit) and set its cookie. The admin API, static
    files and the store clock make none: they are not customers (and faults key on the N-th session)."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        path = request.url.path
        if path.startswith(("/admin/", "/static/", "/robots.txt", "/sitemap.xml", "/feed.")) or path == "/store-time":
            return await call_next(request)
        shop: Shop = request.app.state.shop
        session, new = shop.session(request.cookies.get(COOKIE))
        request.state.session = session
        failed = _server_error(shop, session, path)
        if failed is not None:
            return failed
        response = await call_next(request)
        if new:
            response.set_cookie(COOKIE, session.id, httponly=True, samesite="lax", path="/")
        return response


# The paths where a `server_error` fault can strike, by its `where`.
_FAILING = {"product": "/product/", "basket": "/basket$", "checkout": "/checkout/email", "place": "/checkout/place$"}


def _server_error(shop: Shop, session: Any, path: str) -> Response | None:
    """HTTP 500 where the `server_error` fault says, once per session (a retry works)."""
    fault = shop.faults.get("server_error", session.fault_key)
    where = _FAILING[fault.where] if fault is not None else ""
    hit = path == where[:-1] if where.endswith("$") else path.startswith(where)
    if fault is None or not hit or "server_error" in session.drift_logged:
        return None
    session.drift_logged.add("server_error")
    shop.truth.record("server_error", where=fault.where, session=session.id, honest=200, shown=500,
                      store_time=shop.clock.now())
    from starlette.responses import HTMLResponse

    return HTMLResponse("<html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server "
                        "Error</h1><p>database is locked</p></body></html>", status_code=500)


def build_app(shop: Shop) -> Starlette:
    """The ASGI app serving `shop`; PAGES.md lists every route and its hooks."""
    import jinja2
    from starlette.templating import Jinja2Templates

    from demo_store.mailer import Mailer

    routes = [
        Route("/", pages.listing),
        Route("/category/{slug}", pages.listing),
        Route("/product/{sku}", pages.product),
        Route("/basket", pages.basket),
        Route("/basket/add", pages.basket_add, methods=["POST"]),
        Route("/basket/update", pages.basket_update, methods=["POST"]),
        Route("/checkout/email", checkout.email, methods=["GET", "POST"]),
        Route("/checkout/address", checkout.address, methods=["GET", "POST"]),
        Route("/checkout/shipping", checkout.shipping, methods=["GET", "POST"]),
        Route("/checkout/payment", checkout.payment, methods=["GET", "POST"]),
        Route("/checkout/preview", checkout.preview),
        Route("/checkout/place", checkout.place, methods=["POST"]),
        Route("/order/{number}/confirmation", checkout.confirmation),
        Route("/order-status", checkout.order_status),
        Route("/robots.txt", feeds.robots),
        Route("/sitemap.xml", feeds.sitemap),
        Route("/feed.xml", feeds.feed_xml),
        Route("/feed.atom", feeds.feed_atom),
        Route("/feed.tsv", feeds.feed_tsv),
        Route("/api/price/{sku}", feeds.price_api),
        Route("/admin/faults", admin.faults, methods=["GET", "PUT"]),
        Route("/admin/clock", admin.clock, methods=["GET", "POST"]),
        Route("/store-time", admin.store_time),
        Route("/admin/stock", admin.stock, methods=["GET", "PUT"]),
        Route("/admin/orders/{number}", admin.order, methods=["GET", "PUT"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(feeds.Traffic, shop=shop), Middleware(_Sessions)])
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True)
    app.state.templates = Jinja2Templates(env=env)
    app.state.shop = shop
    app.state.mailer = Mailer(shop)
    app.state.admin_token = shop.config.admin_token
    return app
