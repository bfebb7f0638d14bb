"""Fault injection: which lies the store tells, to whom, and the ground truth of each one.

Each fault kind has a rate (0..1) and a seed. Whether a fault hits is decided from the seed,
the kind and a key: `random.Random(f"{seed}:{kind}:{key}").random() < rate`, where the key is
`session-N` for faults a shopper meets while browsing (the store's N-th session), `order-N`
for faults of a placed order (its N-th order) and `product-SKU` for catalogue faults (the
feed, the product page as sent), which every visitor meets alike. The same session therefore meets the same lies
on every page, no state is needed to remember a decision, and a run is reproducible: the same
seeds and the same sequence of visitors meet the same faults, whatever the random session ids
and order-number tag of this store process (a shopper running its journeys one after another
is such a sequence; shoppers in parallel are not, since who arrives N-th is up to the scheduler).

Every time a fault actually shows (a page, the JSON-LD, an e-mail, a delivery), the store
appends one JSON line to the ground-truth log, so keepword's detection can be scored: what
kind, which session and order, which SKU, where it showed, the honest value and the shown one.
"""

from __future__ import annotations

import json
import random
import threading
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["FAULT_KINDS", "FaultPlan", "FaultsConfig", "GroundTruth"]

# The steps where a price is shown, in the order a shopper meets them.
PRICE_STEPS = ("listing", "product", "basket", "checkout", "order")


class _Fault(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rate: float = Field(default=1.0, ge=0, le=1)
    seed: int = 0


class PriceDrift(_Fault):
    """The unit price changes by `amount` from `step` on (`listing`: only the listing is off)."""

    step: Literal["listing", "product", "basket", "checkout", "order"] = "basket"
    amount: Decimal = Decimal("1.00")


class StaleAvailability(_Fault):
    """Pages say in stock, but adding (`add`) or placing the order (`checkout`) is refused."""

    where: Literal["add", "checkout"] = "add"


class ShippingChange(_Fault):
    """The chosen shipping charge grows by `amount` on the preview (and order) or only on the order."""

    where: Literal["preview", "order"] = "preview"
    amount: Decimal = Decimal("1.50")


class TotalMismatch(_Fault):
    """The order's charged total is the preview total plus `amount`."""

    amount: Decimal = Decimal("2.00")


class LateDelivery(_Fault):
    """The delivery promise is optimistic: the order arrives `days` days after the promised date."""

    days: int = Field(default=2, ge=1)


class EmailMissing(_Fault):
    """No confirmation e-mail is sent."""


class EmailLate(_Fault):
    """The confirmation e-mail is sent `delay_seconds` real seconds after the order."""

    delay_seconds: float = Field(default=30.0, gt=0)


class EmailWrongTotal(_Fault):
    """The confirmation e-mail shows the charged total plus `amount`."""

    amount: Decimal = Decimal("3.00")


class JsonLdMismatch(_Fault):
    """The product page's JSON-LD disagrees with the visible page on `field`, for a share of
    sessions (`per: session`, what a shopper meets) or of products (`per: product`, what a
    catalogue check meets: the same products lie to every visitor)."""

    field: Literal["price", "availability"] = "price"
    amount: Decimal = Decimal("0.50")
    per: Literal["session", "product"] = "session"


class FeedStalePrice(_Fault):
    """Catalogue: the product feed still shows the price before the last change (`amount` below
    the page's price), for a share of products."""

    amount: Decimal = Decimal("1.00")


class FeedAvailability(_Fault):
    """Catalogue: the product feed says the opposite of the page (in stock <-> out of stock)."""


class JsOnlyPrice(_Fault):
    """Catalogue: the product page's HTML as sent has no price; a script fetches and shows it,
    so a crawler that runs no JavaScript sees none."""


class ServerError(_Fault):
    """The store fails: the page (or the form post) at `where` answers HTTP 500, once per
    session, as a crashed back end does ("database is locked")."""

    where: Literal["product", "basket", "checkout", "place"] = "basket"


class FaultsConfig(BaseModel):
    """The fault mix: each kind absent (honest) or configured with its rate, seed and size."""

    model_config = ConfigDict(extra="forbid")
    price_drift: PriceDrift | None = None
    stale_availability: StaleAvailability | None = None
    shipping_change: ShippingChange | None = None
    total_mismatch: TotalMismatch | None = None
    late_delivery: LateDelivery | None = None
    email_missing: EmailMissing | None = None
    email_late: EmailLate | None = None
    email_wrong_total: EmailWrongTotal | None = None
    jsonld_mismatch: JsonLdMismatch | None = None
    server_error: ServerError | None = None
    feed_stale_price: FeedStalePrice | None = None
    feed_availability: FeedAvailability | None = None
    js_only_price: JsOnlyPrice | None = None


FAULT_KINDS: tuple[str, ...] = tuple(FaultsConfig.model_fields)


class FaultPlan:
    """Answers "does fault X hit key K?" for the current mix; the admin endpoint swaps the mix."""

    def __init__(self, config: FaultsConfig) -> None:
        self.config = config

    def __repr__(self) -> str:
        active = [k for k in FAULT_KINDS if getattr(self.config, k) is not None]
        return f"<FaultPlan {', '.join(active) or 'honest'}>"

    def get(self, kind: str, key: str) -> Any:
        """The fault's settings if it hits `key` (`session-N`, `order-N`, `product-SKU`), else None."""
        fault = getattr(self.config, kind)
        if fault is None or fault.rate <= 0:
            return None
        if random.Random(f"{fault.seed}:{kind}:{key}").random() < fault.rate:
            return fault
        return None


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "amount") and hasattr(value, "currency"):
        return str(value.amount)
    return value


class GroundTruth:
    """JSON-lines log of injected faults, emptied when the store starts, then append-only;
    one line per occurrence, deduplicated."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._seen: set[tuple[Any, ...]] = set()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("", encoding="utf-8")  # one log per store run: old lines would score as misses

    def __repr__(self) -> str:
        return f"<GroundTruth {self.path}>"

    def record(
        self,
        fault: str,
        *,
        where: str,
        honest: Any,
        shown: Any,
        session: str | None = None,
        order: str | None = None,
        sku: str | None = None,
        store_time: datetime | None = None,
        dedupe: tuple[Any, ...] = (),
        **extra: Any,
    ) -> bool:
        """Log one occurrence unless this (fault, session, order, sku, where, *dedupe) is logged
        already (`dedupe` lets a session's second order count again)."""
        key = (fault, session, order, sku, where, *dedupe)
        line = {
            "fault": fault,
            "session": session,
            "order": order,
            "sku": sku,
            "where": where,
            "honest": _plain(honest),
            "shown": _plain(shown),
            "at": datetime.now(UTC).isoformat(),
            "store_time": _plain(store_time),
            **{k: _plain(v) for k, v in extra.items()},
        }
        with self._lock:
            if key in self._seen:
                return False
            self._seen.add(key)
            with self.path.open("a", encoding="utf-8") as out:
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
        return True

    def read(self) -> list[dict[str, Any]]:
        """Every line logged so far, as dicts (money and dates as strings)."""
        with self._lock:
            text = self.path.read_text(encoding="utf-8")
        return [json.loads(line) for line in text.splitlines() if line.strip()]
