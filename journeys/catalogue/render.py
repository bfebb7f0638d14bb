"""The rendered page: a landing page in headless Chromium, after its scripts ran.

Used for a sample of products and for every page whose HTML as sent lacks a price or an
availability: what shows only after JavaScript runs is a finding of its own (a crawler that runs
no scripts, and many do not, sees no price). Chromium lives in one thread of its own, because
Playwright's sync API belongs to the thread that started it; the async check hands it URLs and
awaits the surfaces. The page is read with the same roles as the shopper's (`journeys.roles`).
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from journeys.catalogue.page import Surface, surface_from_values
from journeys.roles import Roles, plain_css
from journeys.session import visitor_options
from keepword.errors import HarnessError, harness_line
from keepword.profile import StoreProfile

__all__ = ["Renderer"]

_FILLED = """css => { const e = document.querySelector(css); return !!e && e.textContent.trim().length > 0; }"""


class Renderer:
    """Render landing pages in one Chromium; `await renderer.render(url)` from the event loop."""

    def __init__(self, profile: StoreProfile, *, agent: str, language: str, settle_ms: int = 3000) -> None:
        self.profile = profile
        self.agent = agent
        self.language = language
        self.settle_ms = settle_ms
        self.pages = 0
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="catalogue-chromium")
        self._local = threading.local()

    def __repr__(self) -> str:
        return f"<Renderer {self.pages} pages>"

    async def render(self, url: str) -> Surface:
        return await asyncio.get_running_loop().run_in_executor(self._pool, self._render, url)

    def _context(self) -> Any:
        if getattr(self._local, "context", None) is None:
            from playwright.sync_api import sync_playwright

            from keepword.browser import launch_args

            self._local.playwright = sync_playwright().start()
            self._local.browser = self._local.playwright.chromium.launch(**launch_args())
            self._local.context = self._local.browser.new_context(
                user_agent=self.agent, **visitor_options(self.profile, self.language))
        return self._local.context

    def _render(self, url: str) -> Surface:
        from playwright.sync_api import Error as PlaywrightError

        spec, ship = self.profile.product, self.profile.product_shipping
        page = self._context().new_page()
        try:
            response = page.goto(url, wait_until="load", timeout=self.profile.timeout_ms)
            if response is not None and response.status >= 400:
                return Surface("rendered", gaps={"page": f"HTTP {response.status}"})
            if spec.price.css and plain_css(spec.price):  # a price a script fills in: give it time
                try:
                    page.wait_for_function(_FILLED, arg=spec.price.css, timeout=self.settle_ms)
                except PlaywrightError:
                    pass  # no price even after waiting: a gap, judged by the caller
            roles = Roles(page, self.profile.timeout_ms, str(self.profile.path or self.profile.name))
            rows, singles, _ = roles.snapshot(
                "catalogue", row=ship.option if ship else None,
                inner={"code": ship.code, "name": ship.name, "charge": ship.charge} if ship else None,
                singles={"price": spec.price, "availability": spec.availability},
                scope=spec.root, rows_required=False)
            self.pages += 1
            return surface_from_values("rendered", singles, rows, self.profile)
        except PlaywrightError as exc:
            raise HarnessError(f"rendering {url}: {harness_line(exc)}", url=url) from None
        finally:
            page.close()

    def close(self) -> None:
        """Close Chromium in its own thread, then the thread."""
        def stop() -> None:
            if getattr(self._local, "context", None) is not None:
                self._local.context.close()
                self._local.browser.close()
                self._local.playwright.stop()
                self._local.context = None

        try:
            self._pool.submit(stop).result(timeout=30)
        finally:
            self._pool.shutdown(wait=False, cancel_futures=True)
