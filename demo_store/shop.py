"""The store itself, without HTTP: stock, sessions, prices as shown at each step (with the
faults applied and logged), orders and their status on the store clock.

Pages ask this object what to show; it alone decides where a lie is told, so the ground-truth
log is written in one place and always matches what a page or e-mail showed.
"""

from __future__ import annotations

import asyncio
import secrets
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from demo_store.catalogue import Catalogue, Product
from demo_store.clock import StoreClock
from demo_store.config import StoreConfig
from demo_store.faults import PRICE_STEPS, FaultPlan, GroundTruth
from demo_store.fulfilment import Fulfilment, PlacedOrder, Promise, Schedule, ShippingMethod
from demo_store.localise import Locale
from keepword.money import Money

__all__ = ["Line", "Order", "Quote", "Session", "Shop", "SoldOut"]

# Where each configured price step first shows on a page (ground-truth `where`).
_PAGE_OF_STEP = {"listing": "listing", "product": "product", "basket": "basket",
                 "checkout": "preview", "order": "confirmation"}
DIGITAL = ShippingMethod("digital", "E-mail delivery", (0, 0), "date", digital=True)


@dataclass
class Session:
    """One shopper's basket and checkout answers, keyed by the `kw_session` cookie."""

    id: str
    number: int = 0  # the n-th session this store made: what fault decisions key on
    basket: dict[str, int] = field(default_factory=dict)
    email: str | None = None
    address: dict[str, str] | None = None
    shipping: str | None = None
    promise: Promise | None = None
    card: str | None = None
    orders: list[str] = field(default_factory=list)
    drift_logged: set[str] = field(default_factory=set)

    def __repr__(self) -> str:
        return f"<Session {self.id} {len(self.basket)} lines>"

    @property
    def fault_key(self) -> str:
        return f"session-{self.number}"

    def reset_checkout(self) -> None:
        self.shipping = self.promise = self.card = None


@dataclass(frozen=True)
class Line:
    product: Product
    quantity: int
    unit: Money

    @property
    def total(self) -> Money:
        return self.unit * self.quantity


@dataclass(frozen=True)
class Quote:
    lines: tuple[Line, ...]
    subtotal: Money
    method: ShippingMethod | None
    shipping: Money | None
    total: Money


@dataclass
class Order:
    number: str
    session_id: str
    email: str
    address: dict[str, str]
    lines: tuple[Line, ...]
    method: ShippingMethod
    subtotal: Money
    shipping: Money
    total: Money
    promise: Promise
    placed_at: datetime
    schedule: Schedule
    status_url: str
    card: str
    sequence: int = 0  # the n-th order (the number's last part): what fault decisions key on

    def __repr__(self) -> str:
        return f"<Order {self.number} {self.total}>"

    @property
    def fault_key(self) -> str:
        return f"order-{self.sequence}"

    def status(self, now: datetime) -> str:
        if now >= self.schedule.delivered_at:
            return "delivered"
        if now >= self.schedule.dispatch_at:
            return "dispatched"
        return "placed"


class SoldOut(Exception):
    """Placing or adding was refused: `product` is (or is treated as) no longer in stock."""

    def __init__(self, product: Product) -> None:
        super().__init__(product.sku)
        self.product = product


class Shop:
    """All state of one running store; methods are called from the server's event loop."""

    def __init__(self, config: StoreConfig, catalogue: Catalogue, fulfilment: Fulfilment,
                 ground_truth: GroundTruth) -> None:
        self.config = config
        self.catalogue = catalogue
        self.fulfilment = fulfilment
        self.truth = ground_truth
        self.locale = Locale(config.currency, config.locale, config.currency_pattern())
        self.clock = StoreClock(start=config.clock.start, speed=config.clock.speed, timezone=config.timezone)
        self.faults = FaultPlan(config.faults)
        self.stock = {p.sku: config.stock.get(p.sku, p.initial_stock) for p in catalogue.products}
        self.sessions: dict[str, Session] = {}
        self.orders: dict[str, Order] = {}
        self.lock = asyncio.Lock()
        self.requests: deque[tuple[float, str]] = deque(maxlen=100_000)  # (monotonic time, path)
        self._tag = secrets.token_hex(2).upper()
        self._sequence = 1000
        self._sessions_made = 0
        self.methods = [
            ShippingMethod(m.code, m.name, m.transit_days, m.promise) for m in config.shipping
        ]
        self._charges = {m.code: m.charge[config.currency] for m in config.shipping}
        self._charges[DIGITAL.code] = Decimal(0)

    def __repr__(self) -> str:
        return f"<Shop {self.config.name!r} {len(self.orders)} orders>"

    # sessions -------------------------------------------------------------------------------
    def session(self, sid: str | None) -> tuple[Session, bool]:
        """The session for a cookie value, or a new one (True when new)."""
        if sid and sid in self.sessions:
            return self.sessions[sid], False
        self._sessions_made += 1
        fresh = Session(secrets.token_hex(12), number=self._sessions_made)
        self.sessions[fresh.id] = fresh
        return fresh, True

    # availability -----------------------------------------------------------------------------
    def availability(self, product: Product) -> tuple[str, str]:
        """(text, schema.org URL) for the product's current stock."""
        n = self.stock[product.sku]
        if n <= 0:
            return "Out of stock", "https://schema.org/OutOfStock"
        if n <= 2:
            return f"Only {n} left", "https://schema.org/LimitedAvailability"
        return f"In stock ({n} available)", "https://schema.org/InStock"

    def check_stale(self, session: Session, product: Product, where: str) -> None:
        """Raise SoldOut when the stale-availability fault refuses this action ("add"/"place")."""
        fault = self.faults.get("stale_availability", session.fault_key)
        if fault is None or self.stock[product.sku] <= 0:
            return
        if (fault.where == "add") == (where == "add"):
            self.truth.record("stale_availability", where=where, session=session.id, sku=product.sku,
                              honest="OutOfStock", shown=self.availability(product)[0],
                              store_time=self.clock.now(), dedupe=(len(session.orders),))
            raise SoldOut(product)

    # prices -----------------------------------------------------------------------------------
    def unit_price(self, session: Session, product: Product, step: str) -> Money:
        """The unit price shown at `step` (one of PRICE_STEPS) to this session."""
        honest = self.locale.money(product.price)
        fault = self.faults.get("price_drift", session.fault_key)
        if fault is None:
            return honest
        if fault.step == "listing":
            hit = step == "listing"
        else:
            hit = PRICE_STEPS.index(step) >= PRICE_STEPS.index(fault.step)
        if not hit:
            return honest
        shown = honest + self.locale.money(fault.amount)
        if step == "listing" or product.sku not in session.drift_logged:
            if step != "listing":
                session.drift_logged.add(product.sku)
            self.truth.record("price_drift", where=_PAGE_OF_STEP[step], session=session.id,
                              sku=product.sku, honest=honest, shown=shown, store_time=self.clock.now(),
                              dedupe=(len(session.orders),))
        return shown

    def jsonld_offer(self, session: Session, product: Product, shown_price: Money) -> tuple[Money, str]:
        """(price, availability URL) for the product page's JSON-LD, lying if the fault hits
        (keyed on the session, or on the product with `per: product`)."""
        text, schema = self.availability(product)
        config = self.faults.config.jsonld_mismatch
        per_product = config is not None and config.per == "product"
        key = f"product-{product.sku}" if per_product else session.fault_key
        fault = self.faults.get("jsonld_mismatch", key)
        if fault is None:
            return shown_price, schema
        who = None if per_product else session.id
        if fault.field == "price":
            lie = shown_price + self.locale.money(fault.amount)
            self.truth.record("jsonld_mismatch", where="json-ld", session=who, sku=product.sku,
                              honest=shown_price, shown=lie, field="price", store_time=self.clock.now())
            return lie, schema
        flipped = ("https://schema.org/InStock" if schema.endswith("OutOfStock")
                   else "https://schema.org/OutOfStock")
        self.truth.record("jsonld_mismatch", where="json-ld", session=who, sku=product.sku,
                          honest=schema, shown=flipped, field="availability", page_text=text,
                          store_time=self.clock.now())
        return shown_price, flipped

    # the catalogue as crawlers read it ----------------------------------------------------------
    def feed_offer(self, product: Product) -> tuple[Money, bool]:
        """(price, in stock) as the product feed states them, stale or wrong if a fault hits."""
        price = self.locale.money(product.price)
        in_stock = self.stock[product.sku] > 0
        key = f"product-{product.sku}"
        stale = self.faults.get("feed_stale_price", key)
        if stale is not None:
            shown = price - self.locale.money(stale.amount)
            self.truth.record("feed_stale_price", where="feed", sku=product.sku, honest=price, shown=shown,
                              store_time=self.clock.now())
            price = shown
        if self.faults.get("feed_availability", key) is not None:
            self.truth.record("feed_availability", where="feed", sku=product.sku,
                              honest="in_stock" if in_stock else "out_of_stock",
                              shown="out_of_stock" if in_stock else "in_stock", store_time=self.clock.now())
            in_stock = not in_stock
        return price, in_stock

    def js_only_price(self, product: Product, price: Money) -> bool:
        """True when the product page must leave its price to a script (the js_only_price fault)."""
        if self.faults.get("js_only_price", f"product-{product.sku}") is None:
            return False
        self.truth.record("js_only_price", where="product", sku=product.sku, honest=price, shown=None,
                          store_time=self.clock.now())
        return True

    # shipping ---------------------------------------------------------------------------------
    def shipping_methods(self, session: Session) -> list[ShippingMethod]:
        """The methods that apply to this basket; one means the shipping step is skipped."""
        products = [self.catalogue.product(sku) for sku in session.basket]
        if products and all(p is not None and p.category.digital for p in products):
            return [DIGITAL]
        if self.config.checkout.single_shipping_method:
            return self.methods[:1]
        return list(self.methods)

    def method(self, code: str | None) -> ShippingMethod | None:
        return next((m for m in [*self.methods, DIGITAL] if m.code == code), None)

    def shipping_charge(self, session: Session, method: ShippingMethod, step: str) -> Money:
        """The charge shown at `step`: "shipping", "checkout" (preview) or "order"."""
        honest = self.locale.money(self._charges[method.code])
        fault = self.faults.get("shipping_change", session.fault_key)
        if fault is None or method.digital or step == "shipping":
            return honest
        if fault.where == "order" and step != "order":
            return honest
        shown = honest + self.locale.money(fault.amount)
        self.truth.record("shipping_change", where="preview" if fault.where == "preview" else "confirmation",
                          session=session.id, sku=None, honest=honest, shown=shown,
                          method=method.code, store_time=self.clock.now(), dedupe=(len(session.orders),))
        return shown

    def promise(self, method: ShippingMethod) -> Promise:
        return self.fulfilment.promise(method, self.clock.now())

    # basket and checkout ----------------------------------------------------------------------
    def quote(self, session: Session, step: str) -> Quote:
        """Lines, subtotal, shipping and total as shown at `step` (basket, checkout, order)."""
        lines = []
        for sku, quantity in session.basket.items():
            product = self.catalogue.product(sku)
            if product is not None and quantity > 0:
                lines.append(Line(product, quantity, self.unit_price(session, product, step)))
        subtotal = sum((line.total for line in lines), self.locale.money(Decimal(0)))
        method = self.method(session.shipping) if step != "basket" else None
        shipping = self.shipping_charge(session, method, step) if method else None
        total = subtotal + shipping if shipping is not None else subtotal
        return Quote(tuple(lines), subtotal, method, shipping, total)

    def add(self, session: Session, product: Product, quantity: int) -> None:
        """Put `quantity` more of `product` in the basket; SoldOut or ValueError when refused."""
        if quantity < 1:
            raise ValueError("Choose a quantity of at least 1.")
        if self.stock[product.sku] <= 0:
            raise SoldOut(product)
        self.check_stale(session, product, "add")
        wanted = session.basket.get(product.sku, 0) + quantity
        if wanted > self.stock[product.sku]:
            raise ValueError(f"Only {self.stock[product.sku]} of {product.name} available.")
        session.basket[product.sku] = wanted
        session.reset_checkout()

    def update(self, session: Session, product: Product, quantity: int) -> None:
        if quantity <= 0:
            session.basket.pop(product.sku, None)
        elif quantity > self.stock[product.sku]:
            raise ValueError(f"Only {self.stock[product.sku]} of {product.name} available.")
        else:
            session.basket[product.sku] = quantity
        session.reset_checkout()

    async def place(self, session: Session, base_url: str) -> Order:
        """Take the stock and record the order, atomically; SoldOut if any line ran out."""
        async with self.lock:
            for sku, quantity in session.basket.items():
                product = self.catalogue.product(sku)
                assert product is not None
                if self.stock[sku] < quantity:
                    session.basket.pop(sku)
                    session.reset_checkout()
                    raise SoldOut(product)
                self.check_stale(session, product, "place")
            quote = self.quote(session, "order")
            method = quote.method
            assert method is not None and quote.shipping is not None and session.promise is not None
            for line in quote.lines:
                self.stock[line.product.sku] -= line.quantity
            self._sequence += 1
            number = f"{self.config.order_prefix}-{self._tag}-{self._sequence}"
            now = self.clock.now()
            placed = PlacedOrder(number, now, method, session.promise,
                                 tuple((line.product.sku, line.quantity) for line in quote.lines))
            schedule = self.fulfilment.schedule(placed)
            total = quote.total
            fault_key = f"order-{self._sequence}"
            mismatch = self.faults.get("total_mismatch", fault_key)
            if mismatch is not None:
                total = quote.total + self.locale.money(mismatch.amount)
                self.truth.record("total_mismatch", where="confirmation", session=session.id, order=number,
                                  honest=quote.total, shown=total, store_time=now)
            late = self.faults.get("late_delivery", fault_key)
            if late is not None and not method.digital:
                # N days after the promised day (not after the honest delivery, which may be early)
                day = session.promise.latest + timedelta(days=late.days)
                arrives = datetime.combine(day, schedule.delivered_at.timetz())
                schedule = Schedule(schedule.dispatch_at, max(arrives, schedule.dispatch_at + timedelta(hours=2)))
                self.truth.record("late_delivery", where="status", session=session.id, order=number,
                                  honest=schedule.delivered_at.date(), shown=session.promise.latest,
                                  store_time=now)
            order = Order(number, session.id, session.email or "", dict(session.address or {}),
                          quote.lines, method, quote.subtotal, quote.shipping, total, session.promise,
                          now, schedule,
                          f"{base_url}order-status?{urlencode({'order': number, 'email': session.email})}",
                          session.card or "", sequence=self._sequence)
            self.orders[number] = order
            session.orders.append(number)
            session.drift_logged.clear()
            session.basket.clear()
            session.reset_checkout()
            return order

    def find_order(self, number: str, email: str) -> Order | None:
        order = self.orders.get(number.strip())
        if order is None or order.email.casefold() != email.strip().casefold():
            return None
        return order
