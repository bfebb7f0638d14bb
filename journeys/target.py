"""The store a run shops in: a running store at a base URL, or the bundled demo store.

When the profile has no base URL and says `demo_store:`, keepword starts the demo store and a
mail sink on free ports for the run (through its `keepword.launchers` entry point, so journeys
never import the demo store), and `keepword shop scenarios/demo.yaml` and `pytest journeys/
--store scenarios/stores/demo.yaml` need nothing set up.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from journeys.rivals import Takes
from keepword.errors import BadInput
from keepword.profile import StoreProfile
from keepword.storetime import StoreTime, store_time

__all__ = ["Target", "open_target"]


@dataclass
class Target:
    """Where to shop: the base URL, the profile, the mail folder, and the demo store if ours;
    the store's clock (`keepword.storetime`), and what the run's own shoppers took from its stock
    (`journeys.rivals`), shared by every shopper of the run."""

    base_url: str
    profile: StoreProfile
    mail_dir: Path | None = None
    store: Any = field(default=None, repr=False)  # demo_store.testing.StoreHandle when we started it
    takes: Takes = field(default_factory=Takes, repr=False)
    clock: StoreTime = field(default=None, repr=False)  # type: ignore[assignment]  # set below when None

    def __post_init__(self) -> None:
        if self.clock is None:
            self.clock = store_time(self.profile.clock, self.base_url)

    def url(self, path: str) -> str:
        """`path` on this store; an address that is not http(s) is refused, never opened."""
        from urllib.parse import urljoin

        from keepword.patterns import check_http_url

        joined = urljoin(self.base_url, path)
        try:
            return check_http_url(joined)
        except ValueError as exc:
            raise BadInput(f"{self.profile.path or self.profile.name}: page {path!r}: {exc}") from None


@contextmanager
def open_target(
    profile: StoreProfile,
    *,
    base_url: str | None = None,
    mail_dir: Path | None = None,
    work_dir: Path = Path("keepword-data"),
) -> Iterator[Target]:
    """Yield the Target for `profile`, starting the demo store if the profile asks for it."""
    url = base_url or profile.base_url
    if url:
        from keepword.patterns import check_http_url

        try:
            url = check_http_url(url)
        except ValueError as exc:
            raise BadInput(f"--base-url {exc}" if base_url else f"{profile.path}: base_url: {exc}") from None
        yield Target(url if url.endswith("/") else url + "/", profile, mail_dir)
        return
    if profile.demo_store is None:
        where = profile.path or "the profile"
        raise BadInput(f"{where}: no base_url; give one in the profile, the scenario or --base-url")
    from keepword.launchers import launcher

    with launcher("demo_store")(profile.demo_store, mail_dir=mail_dir, work_dir=work_dir) as started:
        yield Target(started.base_url, profile, started.mail_dir, started.handle)
