"""pytest fixtures for the two third-party platforms, registered in tests/conftest.py.

    def test_price_change_is_seen(opencart):          # the store, restored after the test
        iphone = opencart.product("iPhone")
        opencart.set_price(iphone.id, Decimal("99.00"))

Each platform starts once per session (per xdist worker) on free ports on 127.0.0.1, with a
keepword mail sink of its own (`store.mail`, `store.emails()`), and stops at the end of the
session, leaving no process behind. Not installed: the tests that use it are skipped with one
line naming the install command.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from keepword.mail import running_mail_sink

from .evershop import EverShop, evershop_home, running_evershop
from .opencart import OpenCart, opencart_home, running_opencart
from .store import NotInstalled

__all__ = ["evershop", "evershop_server", "opencart", "opencart_server", "platform_browser", "platform_page"]


@pytest.fixture(scope="session")
def opencart_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenCart]:
    """OpenCart 4.1.0.4 for the whole session: MariaDB and `php -S` on free ports, guest checkout,
    cash on delivery, flat-rate shipping (5.00), e-mail to a mail sink of its own."""
    try:
        opencart_home()
    except NotInstalled as missing:
        pytest.skip(str(missing))
    with running_mail_sink(tmp_path_factory.mktemp("opencart-mail")) as sink, running_opencart(sink) as shop:
        yield shop


@pytest.fixture
def opencart(opencart_server: OpenCart) -> Iterator[OpenCart]:
    """The session's OpenCart; every change a test makes through it is undone after the test."""
    yield opencart_server
    opencart_server.restore()


@pytest.fixture(scope="session")
def evershop_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EverShop]:
    """EverShop 2.2.1 for the whole session: PostgreSQL and `evershop start` on free ports, guest
    checkout, cash on delivery, one flat-rate shipping method (6.00), e-mail to a mail sink of its own."""
    try:
        evershop_home()
    except NotInstalled as missing:
        pytest.skip(str(missing))
    with running_mail_sink(tmp_path_factory.mktemp("evershop-mail")) as sink, running_evershop(sink) as shop:
        yield shop


@pytest.fixture
def evershop(evershop_server: EverShop) -> Iterator[EverShop]:
    """The session's EverShop; every change a test makes through it is undone after the test."""
    yield evershop_server
    evershop_server.restore()


@pytest.fixture(scope="module")
def platform_browser() -> Iterator[Any]:
    """Chromium (keepword's launch flags) for one test module. Not pytest-playwright's `browser`:
    that one keeps a sync Playwright running for the whole session, and every later test on the
    same worker that starts its own (`sync_playwright()`) then fails with "using Playwright Sync
    API inside the asyncio loop"."""
    from playwright.sync_api import sync_playwright

    from keepword.browser import launch_args

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**launch_args())
        yield browser
        browser.close()


@pytest.fixture
def platform_page(platform_browser: Any) -> Iterator[Any]:
    """A page in a fresh browser context (no cookies) for one test."""
    context = platform_browser.new_context()
    yield context.new_page()
    context.close()
