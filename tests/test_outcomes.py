"""After "Place Order", a refusal the page says after the store's HTTP 500 is a refusal.

EverShop refuses an order whose stock ran out with HTTP 500 from its API, then a toast. Under
load the toast came after keepword had looked, and a refused order (the store keeping its word:
"not to be had") was recorded as a store error. A real stdlib server and real Chromium: the
server answers the order request with 500, the page shows its refusal `delay_ms` later.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest

from journeys.actions import wait_for_outcome
from journeys.roles import Roles
from journeys.watch import StoreWatch
from keepword.locators import PageSays

PAGE = """<!doctype html><title>Preview</title>
<button id=place onclick="fetch('/api/place', {method: 'POST'}).then(() => setTimeout(() => {
  document.body.insertAdjacentHTML('beforeend', '<p class=toast>Not enough stock</p>') }, DELAY))">Place</button>
"""


class _Store(BaseHTTPRequestHandler):
    delay_ms = 0

    def do_GET(self) -> None:
        body = PAGE.replace("DELAY", str(self.delay_ms)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        self.send_response(500)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def browser_page() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    from keepword.browser import launch_args

    with sync_playwright() as pw:
        browser = pw.chromium.launch(**launch_args())
        yield browser.new_page()
        browser.close()


@pytest.mark.parametrize("delay_ms, outcome", [(0, "refused"), (1200, "refused"), (None, "store_failed")])
def test_a_refusal_said_after_a_500_is_a_refusal_and_a_bare_500_a_store_failure(browser_page, delay_ms, outcome):
    _Store.delay_ms = delay_ms if delay_ms is not None else 60_000  # None: the page never says it
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Store)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    page = browser_page
    try:
        url = f"http://127.0.0.1:{server.server_port}/"
        page.goto(url)
        watch = StoreWatch(page, url)
        roles = Roles(page, 10_000)
        shopper = SimpleNamespace(page=page, watch=watch, roles=roles, load_state="load",
                                  profile=SimpleNamespace(timeout_ms=10_000), error_page=lambda: None)
        mark = watch.mark()
        page.click("#place")
        said = wait_for_outcome(shopper, [("refused", PageSays.model_validate({"find": ".toast"})),
                                          ("placed", PageSays.model_validate({"url": "**/done"}))], mark)
        assert said == outcome
    finally:
        server.shutdown()
        server.server_close()
