"""What shoppers do not load (issue 15): images, fonts and media by default, matched in the
browser by file extension, so the requests keepword lets through are never held up by Python."""

from __future__ import annotations

from journeys.blocking import Blocker
from keepword.scenario import BlockSettings


def _routed(settings: BlockSettings) -> list[object]:
    routes: list[object] = []

    class Context:
        def route(self, pattern: object, handler: object) -> None:
            routes.append(pattern)

    Blocker(settings, "http://127.0.0.1:8000/").install(Context())  # type: ignore[arg-type]
    return routes


def test_resource_types_are_routed_by_extension_only():
    (pattern,) = _routed(BlockSettings())
    assert pattern.search("http://127.0.0.1:8000/static/kettle.JPG?v=3")  # type: ignore[attr-defined]
    assert pattern.search("https://cdn.example.test/fonts/x.woff2")  # type: ignore[attr-defined]
    assert not pattern.search("http://127.0.0.1:8000/static/app.js")  # type: ignore[attr-defined]
    assert not pattern.search("http://127.0.0.1:8000/basket")  # type: ignore[attr-defined]


def test_blocking_other_hosts_routes_everything_and_nothing_is_routed_when_off():
    assert _routed(BlockSettings(third_party=True)) == ["**/*"]
    assert _routed(BlockSettings(types=[])) == []


def test_a_shopper_loads_no_image(tmp_path, store, sink):
    """A real page with an image: with the default settings Chromium never fetches it."""
    from playwright.sync_api import sync_playwright

    from keepword.browser import launch_args

    (tmp_path / "page.html").write_text('<img src="/static/kettle.png">')
    fetched: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(**launch_args())
        for settings in (BlockSettings(), BlockSettings(types=[])):
            context = browser.new_context()
            Blocker(settings, store.url).install(context)
            page = context.new_page()
            page.on("requestfailed", lambda request: fetched.append(f"{request.url} {request.failure}"))
            page.on("requestfinished", lambda request: fetched.append(f"{request.url} loaded"))
            page.route(store.url + "page", lambda route: route.fulfill(
                body='<html><body><img src="/static/kettle.png"><p>£9.99</p></body></html>',
                content_type="text/html"))
            page.goto(store.url + "page")
            page.wait_for_load_state("load")
            context.close()
        browser.close()
    blocked, loaded = [f for f in fetched if "kettle.png" in f]
    assert "ERR_BLOCKED_BY_CLIENT" in blocked and loaded.endswith("loaded")
