"""The admin JSON API: faults, clock and stock, behind `Authorization: Bearer <token>`."""

from __future__ import annotations

import hmac
import json
from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from demo_store.faults import FaultPlan, FaultsConfig
from demo_store.shop import Shop

__all__ = ["clock", "faults", "order", "stock", "store_time"]


def _shop(request: Request) -> Shop:
    return request.app.state.shop  # type: ignore[no-any-return]


def _refused(request: Request) -> Response | None:
    token = request.app.state.admin_token
    given = request.headers.get("authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return JSONResponse({"error": "send the admin token: Authorization: Bearer <token>"}, 401,
                            headers={"WWW-Authenticate": "Bearer"})
    return None


async def _body(request: Request) -> Any:
    try:
        return json.loads(await request.body() or b"null")
    except json.JSONDecodeError as exc:
        raise ValueError(f"the body is not JSON: {exc}") from None


def _problem(message: str) -> Response:
    return JSONResponse({"error": message}, 400)


def faults_json(config: FaultsConfig) -> dict[str, Any]:
    return config.model_dump(mode="json", exclude_none=True)


async def faults(request: Request) -> Response:
    """GET the fault mix; PUT a new one (the whole `faults:` mapping; {} makes the store honest)."""
    if (refusal := _refused(request)) is not None:
        return refusal
    shop = _shop(request)
    if request.method == "PUT":
        try:
            config = FaultsConfig.model_validate(await _body(request) or {})
        except (ValueError, ValidationError) as exc:
            return _problem(str(exc))
        if shop.locale.whole_units:
            for kind, fault in config:
                amount = getattr(fault, "amount", None)
                if amount is not None and amount != amount.to_integral_value():
                    return _problem(f"{kind}.amount: {amount} has a fraction; this store shows whole units")
        shop.faults = FaultPlan(config)
    return JSONResponse(faults_json(shop.faults.config))


async def clock(request: Request) -> Response:
    """GET store time; POST {"hours": N} moves it forward N hours."""
    if (refusal := _refused(request)) is not None:
        return refusal
    shop = _shop(request)
    if request.method == "POST":
        try:
            body = await _body(request)
            hours = float(body["hours"])
            shop.clock.advance(hours)
        except (ValueError, KeyError, TypeError) as exc:
            return _problem(f'send {{"hours": N}} with N >= 0 ({exc})')
    return JSONResponse({"now": shop.clock.now().isoformat(), "speed": shop.clock.speed})


async def store_time(request: Request) -> Response:
    """GET the store's time, for anyone: keepword judges "overdue" on it (a profile's
    `clock: {url: /store-time}`), as a staging store with a test clock would publish its own."""
    shop = _shop(request)
    return JSONResponse({"now": shop.clock.now().isoformat(), "timezone": shop.config.timezone},
                        headers={"Cache-Control": "no-store"})


async def order(request: Request) -> Response:
    """GET an order; PUT {"total": "12.34"} edits its total, as a back office would after the
    customer was told another (logged in the ground truth as `order_edited`)."""
    if (refusal := _refused(request)) is not None:
        return refusal
    shop = _shop(request)
    number = request.path_params["number"]
    found = shop.orders.get(number)
    if found is None:
        return JSONResponse({"error": f"no order {number}"}, 404)
    if request.method == "PUT":
        from decimal import Decimal, InvalidOperation

        try:
            total = shop.locale.money(Decimal(str((await _body(request))["total"])))
        except (ValueError, KeyError, TypeError, InvalidOperation) as exc:
            return _problem(f'send {{"total": "12.34"}} ({exc})')
        shop.truth.record("order_edited", where="status", session=found.session_id, order=number,
                          honest=found.total, shown=total, store_time=shop.clock.now())
        found.total = total
    return JSONResponse({"number": found.number, "email": found.email, "total": str(found.total.amount),
                         "status_url": found.status_url})


async def stock(request: Request) -> Response:
    """GET stock per SKU; PUT {sku: n} sets it (tests use it to stage the last unit)."""
    if (refusal := _refused(request)) is not None:
        return refusal
    shop = _shop(request)
    if request.method == "PUT":
        try:
            body = await _body(request)
            updates = {str(k): int(v) for k, v in dict(body).items()}
        except (ValueError, TypeError) as exc:
            return _problem(f"send {{sku: count}} ({exc})")
        unknown = sorted(set(updates) - set(shop.stock))
        if unknown or any(v < 0 for v in updates.values()):
            return _problem(f"unknown SKUs {unknown} or negative counts")
        async with shop.lock:
            shop.stock.update(updates)
    return JSONResponse(dict(shop.stock))
