"""Browsing pages: listing, product, basket (HTML for people, JSON for the basket's fetch).

Views prepare plain values (formatted money, hook data) and the templates only lay them out.
"""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from demo_store.catalogue import Product
from demo_store.fulfilment import Promise
from demo_store.shop import Session, Shop, SoldOut

__all__ = ["basket", "basket_add", "basket_update", "listing", "product", "promise_words", "render"]

TITLE_LIMIT = 40


def shop_of(request: Request) -> Shop:
    return request.app.state.shop  # type: ignore[no-any-return]


def session_of(request: Request) -> Session:
    return request.state.session  # type: ignore[no-any-return]


def render(request: Request, template: str, status: int = 200, **context: Any) -> Response:
    """A page in the base layout; the layout's header data is added here."""
    shop = shop_of(request)
    session = session_of(request)
    context.setdefault("flash", None)
    context.update(
        store_name=shop.config.name,
        categories=shop.catalogue.categories,
        basket_count=sum(session.basket.values()),
        checkout_look=shop.config.checkout,
        request=request,
    )
    response: Response = request.app.state.templates.TemplateResponse(request, template, context, status_code=status)
    return response


def promise_words(shop: Shop, promise: Promise) -> str:
    """"Arrives by Thu 26 Nov" or "3-5 working days"."""
    if promise.style == "window" and promise.working_days:
        low, high = promise.working_days
        return f"{low}-{high} working days"
    return f"Arrives by {shop.locale.day(promise.latest)}"


def promise_view(shop: Shop, promise: Promise) -> dict[str, str]:
    """Template data for the `promise` macro; `day` is set for "Arrives by <day>" promises."""
    windowed = promise.style == "window" and promise.working_days
    return {"text": promise_words(shop, promise), "earliest": promise.earliest.isoformat(),
            "latest": promise.latest.isoformat(), "day": "" if windowed else shop.locale.day(promise.latest)}


def _card(shop: Shop, session: Session, product: Product) -> dict[str, Any]:
    text, _ = shop.availability(product)
    name = product.name
    short = name if len(name) <= TITLE_LIMIT else name[: TITLE_LIMIT - 1].rstrip() + "…"
    return {
        "sku": product.sku, "name": name, "short": short,
        "price": shop.locale.format(shop.unit_price(session, product, "listing")),
        "availability": text, "in_stock": shop.stock[product.sku] > 0,
    }


async def listing(request: Request) -> Response:
    shop = shop_of(request)
    slug = request.path_params.get("slug")
    category = shop.catalogue.category(slug) if slug else None
    if slug and category is None:
        return render(request, "notfound.html", 404, what=f"category {slug}")
    products = shop.catalogue.in_category(slug)
    size = shop.config.crawl.page_size
    try:
        number = max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        number = 1
    shown = products[(number - 1) * size: number * size]
    cards = [_card(shop, session_of(request), p) for p in shown]
    pages = {"next": f"?page={number + 1}" if number * size < len(products) else None,
             "previous": f"?page={number - 1}" if number > 1 else None, "number": number}
    return render(request, "listing.html", cards=cards, category=category, pages=pages)


def _shipping_options(shop: Shop, session: Session, methods: list[Any], step: str) -> list[dict[str, Any]]:
    return [
        {"code": m.code, "name": m.name,
         "charge": shop.locale.format(shop.shipping_charge(session, m, step)),
         "promise": promise_view(shop, shop.promise(m))}
        for m in methods
    ]


async def product(request: Request, *, status: int = 200, flash: str | None = None) -> Response:
    shop = shop_of(request)
    session = session_of(request)
    item = shop.catalogue.product(request.path_params["sku"])
    if item is None:
        return render(request, "notfound.html", 404, what=f"product {request.path_params['sku']}")
    price = shop.unit_price(session, item, "product")
    text, _ = shop.availability(item)
    ld_price, ld_availability = shop.jsonld_offer(session, item, price)
    methods = [shop.method("digital")] if item.category.digital else shop.methods
    options = _shipping_options(shop, session, methods, "shipping")
    data = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": item.name,
        "sku": item.sku,
        "description": item.description,
        "category": item.category.name,
        "offers": {
            "@type": "Offer",
            "url": str(request.url),
            "price": shop.locale.plain(ld_price),
            "priceCurrency": shop.config.currency,
            "availability": ld_availability,
            "shippingDetails": [_shipping_details(shop, m, session) for m in methods],
        },
    }
    jsonld = Markup(json.dumps(data, ensure_ascii=False, indent=1).replace("<", "\\u003c"))
    js_only = shop.js_only_price(item, price)
    return render(request, "product.html", status, flash=flash, item=item, price=shop.locale.format(price),
                  availability=text, stock=shop.stock[item.sku], options=options, jsonld=jsonld,
                  js_only=js_only)


def _shipping_details(shop: Shop, method: Any, session: Session) -> dict[str, Any]:
    low, high = method.transit_days
    promise = shop.promise(method)
    now = shop.clock.now().date()
    handling = max((promise.earliest - now).days - low, 0) if not method.digital else 0
    return {
        "@type": "OfferShippingDetails",
        "shippingLabel": method.name,
        "shippingRate": {"@type": "MonetaryAmount",
                         "value": shop.locale.plain(shop.shipping_charge(session, method, "shipping")),
                         "currency": shop.config.currency},
        "deliveryTime": {
            "@type": "ShippingDeliveryTime",
            "handlingTime": {"@type": "QuantitativeValue", "minValue": 0, "maxValue": handling, "unitCode": "DAY"},
            "transitTime": {"@type": "QuantitativeValue", "minValue": low, "maxValue": high, "unitCode": "DAY"},
        },
    }


def _quantity(value: Any, *, default: int) -> int:
    """The quantity a form sent; ValueError with the message the shopper sees."""
    text = str(value if value is not None else "").strip()
    if not text:
        return default
    try:
        return int(text)
    except ValueError:
        raise ValueError("Enter the quantity as a whole number.") from None


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def sorry(request: Request, item: Product) -> Response:
    if _wants_json(request):
        return JSONResponse({"ok": False, "error": f"Sorry, {item.name} is no longer in stock."}, 409)
    return render(request, "sorry.html", 409, item=item)


async def basket_add(request: Request) -> Response:
    shop = shop_of(request)
    form = await request.form()
    item = shop.catalogue.product(str(form.get("sku", "")))
    if item is None:
        return render(request, "notfound.html", 404, what=f"product {form.get('sku')}")
    try:
        shop.add(session_of(request), item, _quantity(form.get("quantity"), default=1))
    except SoldOut:
        return sorry(request, item)
    except ValueError as exc:
        message = str(exc)
        if _wants_json(request):
            return JSONResponse({"ok": False, "error": message}, 409)
        request.scope["path_params"] = {"sku": item.sku}
        return await product(request, status=409, flash=message)
    if _wants_json(request):
        return JSONResponse(_basket_json(shop, session_of(request)))
    return RedirectResponse("/basket", 303)


def _basket_view(shop: Shop, session: Session) -> dict[str, Any]:
    quote = shop.quote(session, "basket")
    fmt = shop.locale.format
    lines = [{"sku": line.product.sku, "name": line.product.name, "quantity": line.quantity,
              "unit_price": fmt(line.unit), "line_total": fmt(line.total),
              "max": shop.stock[line.product.sku]} for line in quote.lines]
    return {"lines": lines, "subtotal": fmt(quote.subtotal), "count": sum(session.basket.values())}


def _basket_json(shop: Shop, session: Session) -> dict[str, Any]:
    view = _basket_view(shop, session)
    return {"ok": True, "lines": [{k: line[k] for k in ("sku", "quantity", "unit_price", "line_total")}
                                  for line in view["lines"]],
            "subtotal": view["subtotal"], "count": view["count"]}


async def basket(request: Request, *, status: int = 200, flash: str | None = None) -> Response:
    return render(request, "basket.html", status, flash=flash, **_basket_view(shop_of(request), session_of(request)))


async def basket_update(request: Request) -> Response:
    shop = shop_of(request)
    session = session_of(request)
    form = await request.form()
    item = shop.catalogue.product(str(form.get("sku", "")))
    message = None
    if item is None:
        message = "That product is not in the catalogue."
    else:
        try:
            shop.update(session, item, _quantity(form.get("quantity"), default=0))
        except ValueError as exc:
            message = str(exc)
    if _wants_json(request):
        if message:
            return JSONResponse({"ok": False, "error": message}, 409)
        return JSONResponse(_basket_json(shop, session))
    if message:
        return await basket(request, status=409, flash=message)
    return RedirectResponse("/basket", 303)
