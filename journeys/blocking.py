"""Not loading what says nothing about a promise: images, fonts, media (and, if asked, other
hosts), per the scenario's `block:` settings. A blocked request is aborted in the browser, so the
page renders without it: the words and numbers keepword reads are all there, and Chromium, the
bottleneck of parallel shoppers, does less work."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from keepword.scenario import BlockSettings, host_allowed

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Request, Route

__all__ = ["Blocker"]


class Blocker:
    """The route that aborts what the scenario's `block:` settings name, on one store."""

    def __init__(self, settings: BlockSettings, base_url: str) -> None:
        self.types = frozenset(settings.types)
        self.third_party = settings.third_party
        self.store_host = (urlsplit(base_url).hostname or "").lower()
        self.allow = [self.store_host, *settings.allow_hosts]
        self.blocked = 0

    def __repr__(self) -> str:
        return f"<Blocker {sorted(self.types)} third_party={self.third_party} blocked={self.blocked}>"

    @property
    def active(self) -> bool:
        return bool(self.types) or self.third_party

    def install(self, context: BrowserContext) -> None:
        if self.active:
            context.route("**/*", self._route)

    def _route(self, route: Route, request: Request) -> Any:
        if request.resource_type in self.types or (
                self.third_party and not host_allowed(urlsplit(request.url).hostname or "", self.allow)):
            self.blocked += 1
            return route.abort("blockedbyclient")
        return route.fallback()
