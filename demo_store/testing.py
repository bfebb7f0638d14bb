"""The store for tests and demos: `running_store(config)` serves it from a thread on a free port.

    with running_store({"clock": {"speed": 0}}) as store:
        httpx.get(store.url)
        store.set_faults({"price_drift": {"rate": 1, "step": "basket"}})
        store.advance_clock(48)
        store.ground_truth()
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from demo_store.config import StoreConfig
from demo_store.shop import Shop

__all__ = ["Hook", "HttpShopper", "Page", "StoreHandle", "running_store"]


@dataclass
class StoreHandle:
    """A running store: its URL, admin token and ground-truth log, and the admin calls tests need."""

    url: str
    admin_token: str
    ground_truth_path: Path
    shop: Shop = field(repr=False)

    def __repr__(self) -> str:
        return f"<StoreHandle {self.url}>"

    def _admin(self, method: str, path: str, body: Any = None) -> Any:
        import httpx

        from keepword.errors import HarnessError

        response = httpx.request(method, self.url + path.lstrip("/"), json=body, timeout=10,
                                 headers={"Authorization": f"Bearer {self.admin_token}"})
        if response.status_code != 200:
            raise HarnessError(f"{method} {path} answered {response.status_code}: {response.text}",
                               url=self.url + path.lstrip("/"))
        return response.json()

    def set_faults(self, faults: dict[str, Any] | None = None, **kinds: Any) -> dict[str, Any]:
        """Replace the fault mix (`{}` or no arguments: an honest store); returns the new mix."""
        return dict(self._admin("PUT", "admin/faults", {**(faults or {}), **kinds}))

    def faults(self) -> dict[str, Any]:
        return dict(self._admin("GET", "admin/faults"))

    def advance_clock(self, hours: float) -> datetime:
        """Move the store clock forward; returns the new store time."""
        return datetime.fromisoformat(self._admin("POST", "admin/clock", {"hours": hours})["now"])

    def now(self) -> datetime:
        return datetime.fromisoformat(self._admin("GET", "admin/clock")["now"])

    def edit_order(self, number: str, total: str) -> dict[str, Any]:
        """Change an order's total after it was placed (a back-office edit)."""
        return dict(self._admin("PUT", f"admin/orders/{number}", {"total": total}))

    def stock(self) -> dict[str, int]:
        return dict(self._admin("GET", "admin/stock"))

    def set_stock(self, **counts: int) -> dict[str, int]:
        return dict(self._admin("PUT", "admin/stock", counts))

    def requests(self) -> list[tuple[float, str]]:
        """(monotonic time, path) of every request the store answered lately (the last 100,000)."""
        return list(self.shop.requests)

    def ground_truth(self) -> list[dict[str, Any]]:
        """Every fault occurrence logged so far (one dict per JSON line)."""
        return self.shop.truth.read()


@contextmanager
def running_store(config: StoreConfig | dict[str, Any] | str | Path | None = None) -> Iterator[StoreHandle]:
    """Serve a demo store on 127.0.0.1 on a free port for the `with` block, then stop it. A
    config with no `ground_truth` gets a temporary log, removed with the store (read it with
    `StoreHandle.ground_truth()` before the block ends): every run left one in /tmp."""
    import shutil

    from demo_store.app import build_shop
    from demo_store.server import ServerThread, config_from

    settings = config_from(config)
    shop = build_shop(settings)
    server = ServerThread(shop)
    server.start()
    try:
        assert shop.config.admin_token is not None
        yield StoreHandle(server.url, shop.config.admin_token, shop.truth.path, shop)
    finally:
        server.stop()
        if settings.ground_truth is None:
            shutil.rmtree(shop.truth.path.parent, ignore_errors=True)


# --- a plain-HTTP shopper: reads pages by their data-testid hooks (see PAGES.md) ------------

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Hook:
    """One element with a `data-testid`: its tag, attributes and whitespace-normalised text."""

    testid: str
    tag: str
    attrs: dict[str, str]
    parts: list[str] = field(default_factory=list, repr=False)
    ancestors: tuple[int, ...] = field(default=(), repr=False)
    index: int = 0
    time: str | None = None  # the `datetime` of the first <time> inside, if any

    @property
    def text(self) -> str:
        return " ".join("".join(self.parts).split())

    def __repr__(self) -> str:
        return f"Hook({self.testid!r}, {self.text[:40]!r})"


class Page:
    """An HTML answer with its hooks; `get("product-price", within=card)` finds one."""

    def __init__(self, status: int, url: str, html: str) -> None:
        from html.parser import HTMLParser

        self.status, self.url, self.html = status, url, html
        self._hooks: list[Hook] = []
        self._scripts: list[str] = []
        stack: list[tuple[str, Hook | None, list[str] | None]] = []
        page = self

        class _Parser(HTMLParser):
            def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
                a = {k: v or "" for k, v in attrs}
                hook = None
                if "data-testid" in a:
                    ancestors = tuple(h.index for _, h, _ in stack if h is not None)
                    hook = Hook(a["data-testid"], tag, a, ancestors=ancestors, index=len(page._hooks))
                    page._hooks.append(hook)
                if tag == "time" and "datetime" in a:
                    for _, outer, _ in stack:
                        if outer is not None and outer.time is None:
                            outer.time = a["datetime"]
                script: list[str] | None = [] if tag == "script" and a.get("type") == "application/ld+json" else None
                if tag not in _VOID:
                    stack.append((tag, hook, script))

            def handle_endtag(self, tag: str) -> None:
                while stack:
                    name, _, script = stack.pop()
                    if script is not None:
                        page._scripts.append("".join(script))
                    if name == tag:
                        break

            def handle_data(self, data: str) -> None:
                for _, hook, script in stack:
                    if hook is not None:
                        hook.parts.append(data)
                    if script is not None:
                        script.append(data)

        parser = _Parser(convert_charrefs=True)
        parser.feed(html)
        parser.close()

    def __repr__(self) -> str:
        return f"<Page {self.status} {self.url}>"

    def all(self, testid: str, *, within: Hook | None = None) -> list[Hook]:
        return [h for h in self._hooks if h.testid == testid
                and (within is None or within.index in h.ancestors)]

    def get(self, testid: str, *, within: Hook | None = None) -> Hook:
        found = self.all(testid, within=within)
        if not found:
            from keepword.errors import HarnessError

            raise HarnessError(f"no [data-testid={testid}] on {self.url} (status {self.status})", url=self.url)
        return found[0]

    def text(self, testid: str, *, within: Hook | None = None) -> str:
        return self.get(testid, within=within).text

    def jsonld(self) -> list[Any]:
        import json
        from decimal import Decimal

        return [json.loads(s, parse_float=Decimal) for s in self._scripts]


class HttpShopper:
    """A shopper without a browser (httpx, no JS): for store tests and load, not for journeys."""

    def __init__(self, url: str) -> None:
        import httpx

        self.url = url
        self.client = httpx.Client(base_url=url, follow_redirects=True, timeout=30)

    def __repr__(self) -> str:
        return f"<HttpShopper {self.url} session={self.session_id}>"

    def close(self) -> None:
        self.client.close()

    @property
    def session_id(self) -> str | None:
        from demo_store.app import COOKIE

        return self.client.cookies.get(COOKIE)

    def _page(self, response: Any) -> Page:
        return Page(response.status_code, str(response.url), response.text)

    def get(self, path: str, **params: Any) -> Page:
        return self._page(self.client.get(path, params=params or None))

    def post(self, path: str, data: dict[str, Any] | None = None) -> Page:
        return self._page(self.client.post(path, data=data or {}))

    def add(self, sku: str, quantity: int = 1) -> Page:
        return self.post("/basket/add", {"sku": sku, "quantity": str(quantity)})

    def checkout(self, *, email: str, method: str | None = "standard", card: str = "4242 4242 4242 4242",
                 address: dict[str, str] | None = None) -> Page:
        """Walk the checkout steps up to the preview page (the shipping step only if shown)."""
        self.post("/checkout/email", {"email": email})
        page = self.post("/checkout/address", address or {
            "name": "Ann Example", "address1": "1 High Street", "city": "London",
            "postcode": "SW1A 1AA", "phone": "+44 20 7946 0000"})
        if page.url.endswith("/checkout/shipping"):
            page = self.post("/checkout/shipping", {"shipping_method": method or ""})
        return self.post("/checkout/payment", {"card_number": card, "card_expiry": "12/30",
                                               "card_cvc": "123", "card_name": "Ann Example"})

    def place(self) -> Page:
        return self.post("/checkout/place")
