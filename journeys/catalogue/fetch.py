"""Reading a store politely over HTTP: httpx, robots.txt, a per-host pace, retries.

One `httpx.AsyncClient` for the whole run: pooled keep-alive connections (at most
`concurrency` of them) and HTTP/2 where the store offers it (negotiated by TLS ALPN; a plain
`http://` store such as the demo store speaks HTTP/1.1). The User-Agent says what is asking and
where to read about it: `keepword-catalogue/0.1.0 (+https://...)`.

Politeness, in the order a request meets it:

1. robots.txt, read once per host with protego (the standard library's parser ignores
   wildcards) for the agent `keepword`: a disallowed page is never fetched. A missing robots.txt
   (4xx) allows everything; one the store fails to serve (5xx) allows nothing, as RFC 9309 says.
2. The pace: requests to one host start at least 1/`rate` seconds apart (slower if robots.txt
   has a Crawl-delay), however many are in flight.
3. Retries: 429 and 503 (and 502, 504) are tried again up to `retries` times, after the
   Retry-After the store sent (seconds or an HTTP date) or else an exponential backoff; the whole
   host waits, not only that request. A wait longer than `max_wait_s` is not waited for.

What comes back is a `Fetched` (the status and text) or a `StoreFailure` (the store answered,
but with an error: a finding about the store). A store that cannot be reached at all raises
HarnessError: keepword cannot observe it.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from keepword.errors import HarnessError

__all__ = ["AGENT", "Fetched", "Fetcher", "StoreFailure", "user_agent"]

AGENT = "keepword"
RETRY_STATUSES = frozenset({429, 502, 503, 504})


def user_agent(contact: str) -> str:
    """An honest User-Agent: what is asking, its version, and where to read about it."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        mine = version("keepword")
    except PackageNotFoundError:  # running from a source tree
        mine = "dev"
    return f"{AGENT}-catalogue/{mine} (+{contact})"


@dataclass(frozen=True, slots=True)
class Fetched:
    url: str
    status: int
    text: str
    tries: int = 1

    def __repr__(self) -> str:
        return f"<Fetched {self.status} {self.url}>"


@dataclass(frozen=True, slots=True)
class StoreFailure:
    """The store answered with an error (HTTP 4xx/5xx after retries): the customer would see it."""

    url: str
    status: int
    message: str

    def __repr__(self) -> str:
        return f"<StoreFailure {self.status} {self.url}>"


class _Pace:
    """Start times for one host: each request takes the next slot, 1/rate apart."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.next = 0.0

    def slot(self) -> float:
        """Seconds to wait before starting (the slot is taken at once, so no lock is needed:
        the event loop runs this without interruption)."""
        now = time.monotonic()
        start = max(now, self.next)
        self.next = start + self.interval
        return start - now

    def hold(self, seconds: float) -> None:
        """The store asked for a pause: nothing to this host before `seconds` from now."""
        self.next = max(self.next, time.monotonic() + seconds)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    from datetime import UTC, datetime

    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class Fetcher:
    """GET pages of a store politely, asking in `language` (Accept-Language) as keepword's
    shoppers do; `async with Fetcher(...) as fetcher`."""

    def __init__(self, *, agent: str, concurrency: int, rate: float, retries: int, timeout: float,
                 max_wait: float, backoff: float = 0.5, language: str | None = None) -> None:
        self.agent = agent
        self.language = language
        self.concurrency = concurrency
        self.rate = rate
        self.retries = retries
        self.timeout = timeout
        self.max_wait = max_wait
        self.backoff = backoff
        self.requests = 0
        self.waited = 0.0
        self._paces: dict[str, _Pace] = {}
        self._robots: dict[str, Any] = {}
        self._robot_locks: dict[str, asyncio.Lock] = {}
        self._client: Any = None

    def __repr__(self) -> str:
        return f"<Fetcher {self.requests} requests, {self.rate:g}/s per host>"

    async def __aenter__(self) -> Fetcher:
        import httpx

        limits = httpx.Limits(max_connections=self.concurrency, max_keepalive_connections=self.concurrency)
        self._client = httpx.AsyncClient(http2=True, limits=limits, timeout=self.timeout, follow_redirects=True,
                                         headers={"User-Agent": self.agent,
                                                  **({"Accept-Language": self.language} if self.language else {})})
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._client is not None:
            await self._client.aclose()

    # -- robots.txt --------------------------------------------------------------------------
    async def allowed(self, url: str) -> bool:
        """Whether robots.txt lets `keepword` fetch `url` (read once per origin)."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            lock = self._robot_locks.setdefault(origin, asyncio.Lock())
            async with lock:
                if origin not in self._robots:
                    self._robots[origin] = await self._read_robots(origin)
        robots = self._robots[origin]
        if robots is None:
            return True
        if robots is False:
            return False
        return bool(robots.can_fetch(url, AGENT))

    async def _read_robots(self, origin: str) -> Any:
        from protego import Protego

        answer = await self._get(f"{origin}/robots.txt", check_robots=False)
        if isinstance(answer, StoreFailure):
            return None if 400 <= answer.status < 500 else False  # RFC 9309: 4xx allow, 5xx disallow
        robots = Protego.parse(answer.text)
        delay = robots.crawl_delay(AGENT)
        rate = robots.request_rate(AGENT)
        interval = max(1.0 / self.rate, float(delay or 0),
                       rate.seconds / rate.requests if rate is not None and rate.requests else 0.0)
        self._pace(origin).interval = interval
        return robots

    def robots_interval(self, url: str) -> float:
        """Seconds between requests to the host of `url` (after robots.txt has had its say)."""
        return self._pace(url).interval

    # -- fetching ----------------------------------------------------------------------------
    def _pace(self, url: str) -> _Pace:
        host = urlsplit(url).netloc
        if host not in self._paces:
            self._paces[host] = _Pace(1.0 / self.rate)
        return self._paces[host]

    async def get(self, url: str) -> Fetched | StoreFailure | None:
        """The page, a StoreFailure, or None when robots.txt disallows it (not fetched)."""
        if not await self.allowed(url):
            return None
        return await self._get(url, check_robots=False)

    async def download(self, url: str, into: Path, *, limit: int) -> Fetched | StoreFailure | None:
        """Stream a large file (a feed, a sitemap) to disk, up to `limit` bytes; text is "".
        None when robots.txt disallows it."""
        if not await self.allowed(url):
            return None
        return await self._get(url, check_robots=False, into=into, limit=limit)

    async def _get(self, url: str, *, check_robots: bool, into: Path | None = None, limit: int = 0
                   ) -> Fetched | StoreFailure:
        import httpx

        pace = self._pace(url)
        tries = 0
        while True:
            tries += 1
            wait = pace.slot()
            if wait > 0:
                await asyncio.sleep(wait)
            self.requests += 1
            try:
                if into is None:
                    response = await self._client.get(url)
                    status, text, headers = response.status_code, response.text, response.headers
                else:
                    status, headers = await self._stream(url, into, limit)
                    text = ""
            except httpx.ConnectError as exc:
                raise HarnessError(f"{url}: cannot connect ({exc or type(exc).__name__}): the store is not "
                                   "running or not reachable from here; start it or check --base-url", url=url) from None
            except httpx.TimeoutException:
                if tries <= self.retries:
                    await asyncio.sleep(self._backoff(tries))
                    continue
                return StoreFailure(url, 0, f"no answer within {self.timeout:g} s, {tries} tries")
            except httpx.HTTPError as exc:
                if tries <= self.retries:
                    await asyncio.sleep(self._backoff(tries))
                    continue
                raise HarnessError(f"{url}: {type(exc).__name__}: {exc}", url=url) from None
            if status < 400:
                return Fetched(url, status, text, tries)
            if status in RETRY_STATUSES and tries <= self.retries:
                asked = _retry_after(headers.get("retry-after"))
                pause = asked if asked is not None else self._backoff(tries)
                if pause <= self.max_wait:
                    self.waited += pause
                    pace.hold(pause)
                    continue
                return StoreFailure(url, status, f"answered {status} and asked to wait {pause:.0f} s "
                                                 f"(more than max_wait_s {self.max_wait:g})")
            again = f" after {tries} tries" if tries > 1 else ""
            return StoreFailure(url, status, f"answered HTTP {status}{again}")

    def _backoff(self, tries: int) -> float:
        return float(self.backoff * 2 ** (tries - 1) * (1 + random.random() / 2))

    async def _stream(self, url: str, into: Path, limit: int) -> tuple[int, Any]:
        from keepword.errors import BadInput

        async with self._client.stream("GET", url) as response:
            if response.status_code >= 400:
                return response.status_code, response.headers
            size = 0
            with into.open("wb") as out:
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > limit:
                        raise BadInput(f"{url}: larger than {limit // 2**20} MB (max_feed_mb); raise "
                                       "catalogue.max_feed_mb in the profile if the feed really is that big")
                    out.write(chunk)
            return response.status_code, response.headers
