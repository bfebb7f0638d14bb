"""Whose fault is it? Watching the store's answers, so that its failures never read as ours.

A step that cannot go on is either the store failing the customer (a page or an AJAX call
answered HTTP 5xx; a page the profile declares an error page, "Fatal error", "database is
locked") or keepword's own trouble (a selector that matches nothing on a page that is fine).
`StoreWatch` listens to every response of the store's own origin (documents and XHR/fetch, the
things a customer's page waits on) and, when a step fails, says whether the store failed in it;
`describe_page` gives a harness error the URL, HTTP status and title it names.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from keepword.locators import PageSays

if TYPE_CHECKING:
    from playwright.sync_api import Frame, Page, Response

__all__ = ["Answer", "Mark", "StoreWatch", "page_says"]

_WATCHED = {"document", "xhr", "fetch"}


@dataclass(frozen=True, slots=True)
class Answer:
    """One response of the store: its HTTP status, URL, method and kind of request."""

    status: int
    url: str
    method: str
    kind: str

    def __str__(self) -> str:
        return f"HTTP {self.status} for {self.method} {self.url}"


@dataclass(frozen=True, slots=True)
class Mark:
    """Where the watch stood when a step or an action began: the answers seen so far and the
    times the page has moved to another URL (a document loaded, or the history API)."""

    answers: int
    navigations: int


class StoreWatch:
    """The store's answers on one page, numbered so a step can ask "since I began"."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.origin = _origin(base_url)
        self.answers: list[Answer] = []
        self.navigations = 0
        self._main = page.main_frame
        self._lock = threading.Lock()
        page.on("response", self._seen)
        page.on("framenavigated", self._navigated)

    def __repr__(self) -> str:
        return f"<StoreWatch {self.origin} {len(self.answers)} answers>"

    def _seen(self, response: Response) -> None:
        request = response.request
        if request.resource_type not in _WATCHED or _origin(response.url) != self.origin:
            return
        with self._lock:
            self.answers.append(Answer(response.status, response.url, request.method, request.resource_type))

    def _navigated(self, frame: Frame) -> None:
        if frame == self._main:
            with self._lock:
                self.navigations += 1

    def mark(self) -> Mark:
        """Where the watch stands now (give it back to `failure` or `navigated_since`)."""
        with self._lock:
            return Mark(len(self.answers), self.navigations)

    def failure(self, since: Mark) -> Answer | None:
        """The first answer since `since` that was the store failing (HTTP 5xx), if any."""
        with self._lock:
            return next((a for a in self.answers[since.answers:] if a.status >= 500), None)

    def navigated_since(self, since: Mark) -> bool:
        """Whether the page has gone to a URL since `since`: until then, its URL is the one the
        action began on, and says nothing about what the action did."""
        with self._lock:
            return self.navigations > since.navigations

    def failing_page(self, url: str) -> Answer | None:
        """The page now shown, if the store served it with HTTP 5xx."""
        last = self.last_document()
        return last if last is not None and last.status >= 500 and last.url == url else None

    def last_document(self) -> Answer | None:
        """The last page the store served (its status is what a harness error names)."""
        with self._lock:
            return next((a for a in reversed(self.answers) if a.kind == "document"), None)


def page_says(page: Page, says: PageSays, *, body: str | None = None, present: Any = None) -> bool:
    """Whether the page shows the outcome `says` describes (every part given must hold).
    `present(find)` tells whether an element is there (the shopper's roles); `body` is the
    page's text if already read."""
    if says.url is not None:
        from journeys.urls import url_matches

        if not url_matches(page.url, says.url):
            return False
    if says.find is not None:
        if present is None or not present(says.find):
            return False
    if says.text is not None:
        if says.find is not None:
            from journeys.roles import Roles

            read = Roles(page, 1000).read_optional("says", says.find)
            text = read[0] if read else ""
        else:
            text = body if body is not None else _body(page)
        if not re.search(says.text, text, re.IGNORECASE):
            return False
    return True


def _body(page: Page) -> str:
    from playwright.sync_api import Error as PlaywrightError

    try:
        return str(page.evaluate("() => document.body ? document.body.innerText : ''"))
    except PlaywrightError:
        return ""


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()
