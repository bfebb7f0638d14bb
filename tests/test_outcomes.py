"""What an action's outcome is, when the page is slow to say it.

- After "Place Order", a refusal the page says after the store's HTTP 500 is a refusal.
  EverShop refuses an order whose stock ran out with HTTP 500 from its API, then a toast. Under
  load the toast came after keepword had looked, and a refused order (the store keeping its
  word: "not to be had") was recorded as a store error.
- A success that is a URL alone counts only once the page has gone somewhere. With
  `added: {url: '**'}` the product page itself matched while the store's refusal was still on
  its way, and a refused add was judged kept (a CI run of `test_profile_language.py`).

A real stdlib server and real Chromium; the server takes its time as a loaded store does.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any

import pytest

from journeys.actions import no_outcome, outcomes_held, wait_for_outcome
from journeys.roles import Roles
from journeys.watch import StoreWatch
from keepword.locators import PageSays

PAGE = """<!doctype html><title>Preview</title>
<button id=place onclick="fetch('/api/place', {method: 'POST'}).then(() => setTimeout(() => {
  document.body.insertAdjacentHTML('beforeend', '<p class=toast>Not enough stock</p>') }, DELAY))">Place</button>
"""


class _Quiet(BaseHTTPRequestHandler):
    """A handler that answers in one call and logs nothing."""

    def _send(self, status: int, body: str = "", **headers: str) -> None:
        data = body.encode()
        self.send_response(status)
        for name, value in {"Content-Type": "text/html", "Content-Length": str(len(data)), **headers}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


class _Store(_Quiet):
    delay_ms = 0

    def do_GET(self) -> None:
        self._send(200, PAGE.replace("DELAY", str(self.delay_ms)))

    def do_POST(self) -> None:
        self._send(500)


@pytest.fixture(scope="module")
def browser_page() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    from keepword.browser import launch_args

    with sync_playwright() as pw:
        browser = pw.chromium.launch(**launch_args())
        yield browser.new_page()
        browser.close()


@contextmanager
def shopping(page: Any, handler: type[BaseHTTPRequestHandler], timeout_ms: int) -> Iterator[tuple[Any, str]]:
    """A real server with `handler` on a free port, `page` on its home page, and as much of a
    shopper as `wait_for_outcome` uses (a watch on the page, its roles, the profile's timeout)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/"
        page.goto(url)
        yield SimpleNamespace(page=page, watch=StoreWatch(page, url), roles=Roles(page, 10_000), load_state="load",
                              profile=SimpleNamespace(timeout_ms=timeout_ms), error_page=lambda: None), url
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("delay_ms, outcome", [(0, "refused"), (1200, "refused"), (None, "store_failed")])
def test_a_refusal_said_after_a_500_is_a_refusal_and_a_bare_500_a_store_failure(browser_page, delay_ms, outcome):
    _Store.delay_ms = delay_ms if delay_ms is not None else 60_000  # None: the page never says it
    with shopping(browser_page, _Store, 10_000) as (shopper, _):
        mark = shopper.watch.mark()
        browser_page.click("#place")
        said = wait_for_outcome(shopper, [("refused", PageSays.model_validate({"find": ".toast"})),
                                          ("placed", PageSays.model_validate({"url": "**/done"}))], mark)
    assert said == outcome


PRODUCT = """<!doctype html><title>Product</title>
<form method=post action=/add><button id=add type=button onclick="setTimeout(() => this.form.submit(), 200)">
  Add to basket</button></form>
<button id=ajax onclick="fetch('/api/add', {method: 'POST'})">Add (AJAX)</button>
"""


class _SlowStore(_Quiet):
    """A product page whose add form is answered after `answer_s`: a refusal on a page of its
    own (HTTP 409, as the demo store's), or a redirect to the basket. The button sends the form
    a moment after the click (as a page that checks its form first does), so Playwright's click
    returns before the navigation starts: what a loaded machine does to any form."""

    answer_s = 1.0
    refuse = True
    trickle_s = 0.0  # the refusal's page: its head at once, its text this much later

    def do_GET(self) -> None:
        self._send(200, PRODUCT if self.path == "/" else "<title>Basket</title><p>Your basket")

    def do_POST(self) -> None:
        time.sleep(self.answer_s)
        if self.path == "/api/add":
            self._send(200, "")
        elif self.refuse and self.trickle_s:
            head, text = b"<!doctype html><title>Sorry</title>", b"<p>Sorry, it is no longer in stock."
            self.send_response(409)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(head) + len(text)))
            self.end_headers()
            self.wfile.write(head)
            self.wfile.flush()
            time.sleep(self.trickle_s)
            self.wfile.write(text)
        elif self.refuse:
            self._send(409, "<title>Sorry</title><p>Sorry, it is no longer in stock.")
        else:
            self._send(303, "", Location="/basket")


@pytest.mark.parametrize("button, refuse, trickle_s, outcome", [
    ("#add", True, 0.0, "refused"), ("#add", True, 1.0, "refused"), ("#add", False, 0.0, "added"),
    ("#ajax", False, 0.0, None)])
def test_a_url_alone_is_a_success_only_once_the_page_has_gone_there(browser_page, button, refuse, trickle_s, outcome):
    """`added: {url: '**'}` matches the product page itself. Before, the outcome was "added" the
    moment the button was clicked, and the refusal that loaded a second later was never read; an
    add answered without leaving the page cannot be told by a URL at all (no outcome: the
    shopper's harness error, which names the URL). A refusal's page whose text comes after its
    URL (`trickle_s`) was taken for success too: its URL matched before the text was there."""
    _SlowStore.refuse, _SlowStore.trickle_s = refuse, trickle_s
    refused, added = PageSays.model_validate({"text": "sorry"}), PageSays.model_validate({"url": "**"})
    with shopping(browser_page, _SlowStore, 3_000) as (shopper, url):
        mark = shopper.watch.mark()
        browser_page.click(button)
        said = wait_for_outcome(shopper, [("refused", refused), ("added", added)], mark)
        assert said == outcome
        if said is None:
            shopper.profile_name = "profile.yaml"
            message = str(no_outcome(shopper, "product.added", "adding", ("added", added), refused))
            assert message.startswith(f"profile.yaml: product.added: after adding, {url} shows neither added "
                                      "(url **) nor refused (text /sorry/); the page never left"), message


HELD = """<!doctype html><title>Product</title><p class=alert>Added to basket: a mug</p>
<button id=add onclick="fetch('/api/add', {method: 'POST'}).then(r => r.ok ||
  document.body.insertAdjacentHTML('beforeend', '<p>Sorry, it is no longer in stock.</p>'))">Add</button>
"""


class _HeldStore(_Quiet):
    """A product page still showing the success message of an earlier add; adding this one is
    answered by AJAX after `answer_s` (409: refused, said on the page; 200: added, the page
    says nothing new)."""

    answer_s = 1.0
    status = 409

    def do_GET(self) -> None:
        self._send(200, HELD)

    def do_POST(self) -> None:
        time.sleep(self.answer_s)
        self._send(self.status)


@pytest.mark.parametrize("status, outcome", [(409, "refused"), (200, None)])
def test_an_outcome_the_page_showed_before_the_action_says_nothing_about_it(browser_page, status, outcome):
    """A success message still on the page from an earlier add was taken for this add's success
    the moment the button was clicked, and the refusal said a second later was never read. What
    held before counts only once the page has moved; an add the page says nothing new about is
    no outcome (the shopper's harness error, which says why)."""
    _HeldStore.status = status
    refused, added = PageSays.model_validate({"text": "sorry"}), PageSays.model_validate({"find": ".alert"})
    outcomes = [("refused", refused), ("added", added)]
    with shopping(browser_page, _HeldStore, 3_000) as (shopper, _):
        mark = shopper.watch.mark()
        held = outcomes_held(shopper, outcomes)
        assert held == {"added"}
        browser_page.click("#add")
        said = wait_for_outcome(shopper, outcomes, mark, held)
        assert said == outcome
        if said is None:
            shopper.profile_name = "profile.yaml"
            message = str(no_outcome(shopper, "product.added", "adding", ("added", added), refused, held))
            assert message.endswith("; the page never moved, and what product.added looks for showed already before "
                                    "adding, which says nothing about it: give it something that shows only after"), message
