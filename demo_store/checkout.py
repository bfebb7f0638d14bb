"""Guest checkout, one page per step, then confirmation and the order-status page.

Steps: e-mail, address, shipping (skipped when one method applies), payment (test cards
only), preview, place. A step reached before the ones it needs redirects to the first one
missing, so a shopper can never place an order with a gap in it.
"""

from __future__ import annotations

from email.utils import parseaddr
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from demo_store.localise import TEST_CARDS, check_address, check_card
from demo_store.pages import promise_view, render, session_of, shop_of, sorry
from demo_store.shop import Order, Session, Shop, SoldOut

__all__ = ["address", "confirmation", "email", "order_status", "payment", "place", "preview", "shipping"]

_STEPS = ("email", "address", "shipping", "payment", "preview")
_CARDS = [{"number": " ".join(n[i:i + 4] for i in range(0, 16, 4)), "brand": brand, "ok": ok}
          for n, (brand, ok) in TEST_CARDS.items()]


def _missing(session: Session, step: str) -> str | None:
    """Where to send a shopper who reached `step` too early, or None."""
    if not session.basket:
        return "/basket"
    done = {"email": bool(session.email), "address": bool(session.address),
            "shipping": bool(session.shipping), "payment": bool(session.card)}
    for earlier in _STEPS[: _STEPS.index(step)]:
        if not done[earlier]:
            return f"/checkout/{earlier}"
    return None


def _step(request: Request, step: str, status: int = 200, **context: Any) -> Response:
    context.setdefault("errors", {})
    context.setdefault("values", {})
    return render(request, f"checkout_{step}.html", status, step=step, **context)


def _go(path: str) -> Response:
    return RedirectResponse(path, 303)


async def email(request: Request) -> Response:
    session = session_of(request)
    if (gap := _missing(session, "email")) is not None:
        return _go(gap)
    if request.method == "GET":
        return _step(request, "email", values={"email": session.email or ""})
    form = {k: str(v) for k, v in (await request.form()).items()}
    value = form.get("email", "").strip()
    _, addr = parseaddr(value)
    if not value:
        return _step(request, "email", 422, errors={"email": "This field is required."}, values=form)
    if addr != value or "@" not in value or "." not in value.rpartition("@")[2]:
        return _step(request, "email", 422, errors={"email": "Enter an e-mail address like name@example.com."},
                     values=form)
    session.email = value
    return _go("/checkout/address")


async def address(request: Request) -> Response:
    shop, session = shop_of(request), session_of(request)
    if (gap := _missing(session, "address")) is not None:
        return _go(gap)
    if request.method == "GET":
        return _step(request, "address", values=session.address or {})
    form = {k: str(v).strip() for k, v in (await request.form()).items()}
    errors = check_address(form, shop.config.locale)
    if errors:
        return _step(request, "address", 422, errors=errors, values=form)
    session.address = {k: form.get(k, "") for k in ("name", "address1", "address2", "city", "postcode", "phone")}
    return _go("/checkout/shipping")


async def shipping(request: Request) -> Response:
    shop, session = shop_of(request), session_of(request)
    if (gap := _missing(session, "shipping")) is not None:
        return _go(gap)
    methods = shop.shipping_methods(session)
    if len(methods) == 1:
        session.shipping, session.promise = methods[0].code, shop.promise(methods[0])
        return _go("/checkout/payment")
    options = [{"code": m.code, "name": m.name,
                "charge": shop.locale.format(shop.shipping_charge(session, m, "shipping")),
                "promise": promise_view(shop, shop.promise(m))} for m in methods]
    if request.method == "GET":
        return _step(request, "shipping", options=options, values={"shipping_method": session.shipping or ""})
    form = await request.form()
    chosen = next((m for m in methods if m.code == form.get("shipping_method")), None)
    if chosen is None:
        return _step(request, "shipping", 422, options=options,
                     errors={"shipping_method": "Choose a shipping method."})
    session.shipping, session.promise = chosen.code, shop.promise(chosen)
    session.card = None
    return _go("/checkout/payment")


async def payment(request: Request) -> Response:
    shop, session = shop_of(request), session_of(request)
    if (gap := _missing(session, "payment")) is not None:
        return _go(gap)
    if request.method == "GET":
        return _step(request, "payment", cards=_CARDS)
    form = {k: str(v) for k, v in (await request.form()).items()}
    errors = check_card(form, shop.clock.now().date())
    if errors:
        kept = {k: v for k, v in form.items() if k in ("card_name", "card_expiry")}
        return _step(request, "payment", 422, cards=_CARDS, errors=errors, values=kept)
    digits = "".join(ch for ch in form["card_number"] if ch.isdigit())
    session.card = f"{TEST_CARDS[digits][0]} ending {digits[-4:]}"
    return _go("/checkout/preview")


def _lines(shop: Shop, lines: Any) -> list[dict[str, Any]]:
    fmt = shop.locale.format
    return [{"sku": ln.product.sku, "name": ln.product.name, "quantity": ln.quantity,
             "unit_price": fmt(ln.unit), "line_total": fmt(ln.total)} for ln in lines]


async def preview(request: Request) -> Response:
    shop, session = shop_of(request), session_of(request)
    if (gap := _missing(session, "preview")) is not None:
        return _go(gap)
    quote = shop.quote(session, "checkout")
    assert quote.method is not None and quote.shipping is not None and session.promise is not None
    fmt = shop.locale.format
    return _step(request, "preview", lines=_lines(shop, quote.lines), subtotal=fmt(quote.subtotal),
                 shipping=fmt(quote.shipping), method=quote.method, total=fmt(quote.total),
                 delivery=promise_view(shop, session.promise), email=session.email,
                 address=session.address, card=session.card)


async def place(request: Request) -> Response:
    shop, session = shop_of(request), session_of(request)
    if (gap := _missing(session, "preview")) is not None:
        return _go(gap)
    try:
        order = await shop.place(session, str(request.base_url))
    except SoldOut as exc:
        return sorry(request, exc.product)
    request.app.state.mailer.confirm(order)
    return _go(f"/order/{order.number}/confirmation")


def _order_view(shop: Shop, order: Order) -> dict[str, Any]:
    fmt = shop.locale.format
    return {"number": order.number, "lines": _lines(shop, order.lines), "subtotal": fmt(order.subtotal),
            "shipping": fmt(order.shipping), "method": order.method, "total": fmt(order.total),
            "promise": promise_view(shop, order.promise), "email": order.email,
            "status_url": order.status_url}


async def confirmation(request: Request) -> Response:
    shop, session = shop_of(request), session_of(request)
    number = request.path_params["number"]
    order = shop.orders.get(number)
    if order is None or order.session_id != session.id:
        return render(request, "notfound.html", 404, what=f"order {number} in this browser session")
    return render(request, "confirmation.html", order=_order_view(shop, order))


async def order_status(request: Request) -> Response:
    shop = shop_of(request)
    number = request.query_params.get("order", "").strip()
    address_ = request.query_params.get("email", "").strip()
    if not number and not address_:
        return render(request, "status.html", values={})
    order = shop.find_order(number, address_)
    if order is None:
        return render(request, "status.html", 404, values={"order": number, "email": address_},
                      error="No order found with that number and e-mail.")
    now = shop.clock.now()
    status = order.status(now)
    moments = [("placed", order.placed_at)]
    if status in ("dispatched", "delivered"):
        moments.append(("dispatched", order.schedule.dispatch_at))
    if status == "delivered":
        moments.append(("delivered", order.schedule.delivered_at))
    view = _order_view(shop, order)
    view.update(status=status, moments=[{"name": n, "iso": t.isoformat(), "text": shop.locale.instant(t)}
                                        for n, t in moments])
    return render(request, "status.html", values={"order": number, "email": address_}, order=view,
                  now=shop.locale.instant(now))
