"""Safety: no order on a host the scenario does not allow, no card but a documented test card.

Two layers, because step code can be wrong: the shopper refuses before it clicks, and a
Playwright route on the browser context aborts every non-GET request to the profile's
order-placing and card URLs on hosts not on the scenario's allow-list. Contexts block service
workers (`service_workers="block"`), since requests a service worker handles bypass routes.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from keepword.errors import UnsafeAction
from keepword.profile import StoreProfile
from keepword.scenario import Scenario, host_allowed, is_test_card

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Request, Route

__all__ = ["Guard", "check_typed"]

_CARDLIKE = re.compile(r"^[\d\s-]{12,23}$")


def _luhn(digits: str) -> bool:
    total = 0
    for index, ch in enumerate(reversed(digits)):
        n = int(ch)
        if index % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def check_typed(value: str) -> None:
    """Refuse to type anything that looks like a real card number (13-19 digits, Luhn-valid)."""
    if _CARDLIKE.match(value):
        digits = re.sub(r"\D", "", value)
        if 13 <= len(digits) <= 19 and _luhn(digits) and not is_test_card(digits):
            raise UnsafeAction(
                "refusing to type a card number that is not a documented test card; "
                "use {card.number} with a test card in the scenario's `card:` section"
            )


class Guard:
    """The allow-list check and the network route, for one scenario and profile."""

    def __init__(self, scenario: Scenario, profile: StoreProfile) -> None:
        self.allowed = list(scenario.allow_orders_on)
        self.globs = [*profile.safety.order_urls, *profile.safety.card_urls]
        self.scenario_path = scenario.path
        self.blocked: list[str] = []

    def __repr__(self) -> str:
        return f"<Guard allow={self.allowed} blocked={len(self.blocked)}>"

    def orders_allowed(self, url: str) -> bool:
        return host_allowed(urlsplit(url).hostname or "", self.allowed)

    def not_allowed(self, url: str) -> str:
        """Why no order may be placed at `url`, in words."""
        return (f"orders are not allowed on {urlsplit(url).hostname}: it is not in allow_orders_on of "
                f"{self.scenario_path or 'the scenario'}")

    def refuse_unless_allowed(self, url: str) -> None:
        """Raise UnsafeAction unless orders may be placed on `url`'s host."""
        if not self.orders_allowed(url):
            raise UnsafeAction(
                f"refusing to place an order: {self.not_allowed(url)}; "
                "add it only if it is a staging store whose orders are not real"
            )

    def refusal(self) -> UnsafeAction | None:
        """The guard's own one-line error once it has aborted a request, so that the wait that
        then times out (`wait_for_url: Timeout`) is not what the user is told."""
        if not self.blocked:
            return None
        return UnsafeAction(
            f"blocked: {self.blocked[0]} is not on allow_orders_on of {self.scenario_path or 'the scenario'}; "
            "keepword's network guard aborted it, as it aborts every order or card request to a host "
            "not on the list. Add the host only if it is a staging store whose orders are not real"
        )

    def raise_if_blocked(self) -> None:
        """Raise the guard's refusal if it aborted a request since the last call."""
        if (refusal := self.refusal()) is not None:
            self.blocked.clear()
            raise refusal

    def install(self, context: BrowserContext) -> None:
        """Abort order-placing and card requests to hosts that are not allowed."""
        for glob in self.globs:
            context.route(glob, self._route)

    def _route(self, route: Route, request: Request) -> Any:
        if request.method != "GET" and not self.orders_allowed(request.url):
            self.blocked.append(f"{request.method} {request.url}")
            return route.abort("blockedbyclient")
        return route.fallback()
