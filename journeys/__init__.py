"""keepword's mystery shopper: Playwright journeys driven by a store profile.

A journey is a plain function of a `Shopper` (see `journeys.bundled`); the same function runs
under pytest (`pytest journeys/ --store PROFILE`, via `journeys.plugin`) and under
`keepword shop SCENARIO` (`journeys.runner.shop`). Each page of a store has its module in `journeys.pages` (reading it
through `journeys.roles`, acting through `journeys.actions`, judging through `journeys.checks`);
the notebook records (`journeys.notebook`), `journeys.watch` tells the store's failures from
keepword's own, the guard keeps orders and cards off hosts the scenario does not allow
(`journeys.guard`). Heavy imports (Playwright, Faker) happen
inside functions, so importing this package is cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = [
    "JOURNEYS",
    "ShopResult",
    "Shopper",
    "Stopped",
    "StoreFailed",
    "StoreHooks",
    "follow_up",
    "guest_checkout",
    "shop",
]

_WHERE = {
    "JOURNEYS": "journeys.bundled",
    "ShopResult": "journeys.result",
    "Shopper": "journeys.shopper",
    "Stopped": "journeys.stops",
    "StoreFailed": "journeys.stops",
    "StoreHooks": "journeys.base",
    "follow_up": "journeys.followup",
    "guest_checkout": "journeys.bundled",
    "shop": "journeys.runner",
}

if TYPE_CHECKING:
    from journeys.base import StoreHooks
    from journeys.bundled import JOURNEYS, guest_checkout
    from journeys.followup import follow_up
    from journeys.result import ShopResult
    from journeys.runner import shop
    from journeys.shopper import Shopper
    from journeys.stops import Stopped, StoreFailed


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'journeys' has no attribute {name!r}")
