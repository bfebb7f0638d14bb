"""Not loading what says nothing about a promise: images, fonts, media (and, if asked, other
hosts), per the scenario's `block:` settings. A blocked request is aborted in the browser, so the
page renders without it: the words and numbers keepword reads are all there, and Chromium, the
bottleneck of parallel shoppers, does less work."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from keepword.scenario import BlockSettings, host_allowed

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Request, Route

__all__ = ["Blocker"]

# The usual file extensions of each resource type a scenario may block.
_EXTENSIONS = {
    "image": "png|jpe?g|gif|webp|avif|svg|ico|bmp|tiff?",
    "font": "woff2?|ttf|otf|eot",
    "media": "mp4|webm|ogg|ogv|mp3|wav|m4a|mov|m3u8",
    "stylesheet": "css",
    "script": "m?js",
    "texttrack": "vtt",
    "manifest": "webmanifest",
}


def _by_extension(types: frozenset[str]) -> re.Pattern[str] | None:
    """One pattern for the files of these types; None when a type has no usual extension."""
    if "other" in types:
        return None
    endings = "|".join(_EXTENSIONS[t] for t in sorted(types))
    return re.compile(rf"\.({endings})([?#].*)?$", re.IGNORECASE)


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
        """Routes only what may be blocked: a request Playwright routes waits for Python to
        answer it, so resource types are caught by their usual file extensions (matched in the
        browser); blocking every third-party host needs every request routed, and costs so."""
        if not self.active:
            return
        pattern = None if self.third_party else _by_extension(self.types)
        context.route(pattern if pattern is not None else "**/*", self._route)

    def _route(self, route: Route, request: Request) -> Any:
        if request.resource_type in self.types or (
                self.third_party and not host_allowed(urlsplit(request.url).hostname or "", self.allow)):
            self.blocked += 1
            return route.abort("blockedbyclient")
        return route.fallback()
