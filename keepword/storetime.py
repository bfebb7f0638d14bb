"""Store time: the clock a store's promises are judged on, never the machine's date.

"Delivered by Thursday" is the store's Thursday. For a real store that is real time in the
store's time zone (`ZoneTime`); for a store that runs its own clock (keepword's demo store, a
staging store with a test clock) it is what the store says its time is (`ReadTime`, which asks
the store over plain HTTP each time, because such a clock can be stopped or moved on at will).
The profile's `clock:` section says which:

    clock:
      timezone: Europe/London     # real time in this zone (default UTC)
      url: /store-time            # a store with its own clock: GET this, read `key` (ISO 8601)
      key: now
      token_env: STAGING_TOKEN    # optional: sent as `Authorization: Bearer <value of $STAGING_TOKEN>`

Everything here is aware datetimes in the store's zone; `now` (UTC) stays the real time at which
keepword recorded something, kept beside store time so that both can be shown where they differ.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from keepword.errors import HarnessError
from keepword.records import now

__all__ = ["FixedTime", "ReadTime", "StoreTime", "ZoneTime", "known_zone", "store_time"]


def known_zone(name: str) -> str:
    """An IANA time zone name (Europe/London); a pydantic validator for profile fields."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}; use an IANA name such as Europe/London or UTC") from None
    return name


class StoreTime(Protocol):
    """Anything that tells the store's current time (aware, in the store's zone)."""

    @property
    def zone(self) -> str: ...

    def now(self) -> datetime: ...


@dataclass(frozen=True)
class ZoneTime:
    """A real store: real time in its time zone. `clock` is the real clock (injectable)."""

    zone: str = "UTC"
    clock: Callable[[], datetime] = field(default=now, repr=False)

    def now(self) -> datetime:
        return self.clock().astimezone(ZoneInfo(self.zone))


@dataclass(frozen=True)
class FixedTime:
    """A store time read once and held (follow-up reads a store's clock once per run)."""

    moment: datetime
    zone: str = "UTC"

    def now(self) -> datetime:
        return self.moment.astimezone(ZoneInfo(self.zone))


@dataclass(frozen=True)
class ReadTime:
    """A store that runs its own clock: its time is read from `url` (JSON `key`) on each call,
    over one pooled connection (a shopper asks at every step)."""

    url: str
    key: str = "now"
    zone: str = "UTC"
    token_env: str | None = None
    _client: Any = field(default=None, init=False, repr=False, compare=False)

    def now(self) -> datetime:
        import httpx

        if self._client is None:
            object.__setattr__(self, "_client", httpx.Client(timeout=10))

        headers = {}
        if self.token_env:
            token = os.environ.get(self.token_env)
            if not token:
                raise HarnessError(f"store clock: ${self.token_env} is not set; the profile's clock.token_env "
                                   f"names it as the token for {self.url}")
            headers["Authorization"] = f"Bearer {token}"
        try:
            response = self._client.get(self.url, headers=headers)
        except httpx.ConnectError:
            raise HarnessError(f"store clock: {self.url}: connection refused", url=self.url) from None
        except httpx.HTTPError as exc:
            raise HarnessError(f"store clock: GET {self.url} failed ({type(exc).__name__}: {exc}); is the store "
                               "running, and is the profile's clock.url right?", url=self.url) from None
        if response.status_code != 200:
            raise HarnessError(f"store clock: GET {self.url} answered HTTP {response.status_code}; check the "
                               "profile's clock.url (and clock.token_env)", url=self.url)
        try:
            value: Any = response.json()
            for part in self.key.split("."):
                value = value[part]
            moment = datetime.fromisoformat(str(value))
        except (ValueError, KeyError, TypeError) as exc:
            raise HarnessError(f"store clock: {self.url} has no ISO 8601 time at key {self.key!r} ({exc}); "
                               "check the profile's clock.key", url=self.url) from None
        if moment.tzinfo is None:
            raise HarnessError(f"store clock: {self.url} gave {moment.isoformat()} with no offset; a store "
                               "clock must say its time zone", url=self.url)
        return moment.astimezone(ZoneInfo(self.zone))


def store_time(spec: Any, base_url: str | None) -> StoreTime:
    """The store clock a profile's `clock:` section describes (None: real time in UTC)."""
    if spec is None:
        return ZoneTime()
    if spec.url is None:
        return ZoneTime(spec.timezone)
    from urllib.parse import urljoin

    url = urljoin(base_url or "", spec.url)
    return ReadTime(url, spec.key, spec.timezone, spec.token_env)
