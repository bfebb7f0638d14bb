"""`check_catalogue`: every product of a store, on every surface, into the ledger.

1. Read the product source (feed, sitemap or listing) into a spool on disk, checking every row;
   a bad row stops here with one line naming it, before the ledger is touched.
2. Start a run of kind `catalogue` with one journey record (the claims and the store errors,
   pages the store failed to serve, point to it; robots.txt skips are notes on it).
3. Stream the spool to `concurrency` workers. Each fetches its landing page politely
   (`fetch.Fetcher`), reads the surfaces (`page`), renders it in Chromium when it is in the
   sample or its HTML lacks a value (`render`), and lets `compare` judge. The records of
   finished products are written in batches (one transaction each), so a kill loses at most
   the batch in flight and Ctrl-C keeps everything checked so far: the run ends `interrupted`.
"""

from __future__ import annotations

import asyncio
import random
import signal
import tempfile
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from journeys.catalogue.compare import ProductCheck, compare_product
from journeys.catalogue.fetch import Fetcher, StoreFailure, user_agent
from journeys.catalogue.items import Item, Spool
from journeys.catalogue.page import read_server_page
from journeys.catalogue.result import CatalogueResult
from journeys.catalogue.sources import SOURCES, fill_spool
from journeys.session import customer_language
from journeys.target import open_target
from keepword.errors import BadInput, HarnessError
from keepword.ledger import Ledger
from keepword.ledger.base import failure_reason
from keepword.profile import CatalogueSpec, StoreProfile
from keepword.records import Evidence, Journey, Record, StoreError
from keepword.scenario import Scenario

__all__ = ["Progress", "catalogue_options", "check_catalogue"]

Progress = Callable[[int, int, CatalogueResult], None]
_BATCH_RECORDS = 2000
_BATCH_SECONDS = 1.0
_GIVE_UP_AFTER = 20  # products in a row keepword cannot read at all: the profile does not fit


def check_catalogue(
    scenario: Scenario,
    *,
    ledger: Ledger,
    base_url: str | None = None,
    source: str | None = None,
    limit: int | None = None,
    progress: Progress | None = None,
    **settings: Any,
) -> CatalogueResult:
    """Check every product the scenario's store lists; `settings` override the profile's
    `catalogue:` section (rate, concurrency, render, render_sample, ...)."""
    profile, spec, chosen = catalogue_options(scenario, base_url=base_url, source=source, **settings)
    with open_target(profile, base_url=base_url or scenario.base_url, work_dir=ledger.folder) as target, \
            tempfile.TemporaryDirectory(prefix="keepword-catalogue-") as work:
        job = _Job(scenario, profile, spec, ledger, target.base_url, chosen, limit, progress, Path(work))
        return asyncio.run(job.run())


def catalogue_options(
    scenario: Scenario, *, base_url: str | None = None, source: str | None = None, **settings: Any
) -> tuple[StoreProfile, CatalogueSpec, str]:
    """The profile, its `catalogue:` section with the options applied, and the source, each
    option checked (BadInput naming it): what the CLI checks before it opens or creates a ledger."""
    profile = scenario.profile()
    spec = (profile.catalogue or CatalogueSpec()).model_copy(
        update={k: v for k, v in settings.items() if v is not None})
    try:  # option values meet the same bounds as the profile's
        CatalogueSpec.model_validate(spec.model_dump())
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        raise BadInput(f"--{str(first['loc'][0]).replace('_', '-')}: {first['msg']} "
                       f"(got {first.get('input')!r})") from None
    chosen = source or ("feed" if spec.feed else "sitemap" if spec.sitemap else "listing")
    if chosen not in SOURCES:
        raise BadInput(f"--source {chosen!r}: one of {', '.join(SOURCES)}")
    if base_url is not None:
        from keepword.patterns import check_http_url

        try:
            check_http_url(base_url)
        except ValueError as exc:
            raise BadInput(f"--base-url {exc}") from None
    return profile, spec, chosen


class _Job:
    """One catalogue run: the state its workers share (all on one event loop)."""

    def __init__(self, scenario: Scenario, profile: StoreProfile, spec: CatalogueSpec, ledger: Ledger,
                 base: str, source: str, limit: int | None, progress: Progress | None, work: Path) -> None:
        self.scenario, self.profile, self.spec, self.ledger = scenario, profile, spec, ledger
        self.base, self.source, self.limit, self.progress, self.work = base, source, limit, progress, work
        self.result = CatalogueResult(source=source)
        self.pending: list[Record] = []
        self.flushed_at = time.monotonic()
        self.unreadable_in_a_row = 0
        self.journey = Journey("catalogue", shopper=source)
        self.renderer: Any = None
        self.sample: set[int] = set()

    def __repr__(self) -> str:
        return f"<catalogue job {self.source} {self.result!r}>"

    async def run(self) -> CatalogueResult:
        agent = user_agent(self.spec.contact)
        language = customer_language(self.scenario, self.profile)
        spool = Spool(self.work / "items.jsonl")
        async with Fetcher(agent=agent, concurrency=self.spec.concurrency, rate=self.spec.rate,
                           retries=self.spec.retries, timeout=self.spec.timeout_s,
                           max_wait=self.spec.max_wait_s, language=language) as fetcher:
            await fill_spool(self.source, self.spec, self.profile, self.base, fetcher, spool, self.work)
            total = spool.count if self.limit is None else min(spool.count, self.limit)
            self.result.total, self.result.duplicates = total, spool.duplicates
            picks = random.Random(self.scenario.seed).sample(range(total), min(self.spec.render_sample, total))
            self.sample = set(picks) if self.spec.render else set()
            if self.spec.render:
                from journeys.catalogue.render import Renderer

                self.renderer = Renderer(self.profile, agent=agent, language=language)
            params = {"source": self.source, "base_url": self.base, "products": total,
                      "profile": str(Path(self.profile.path).resolve()) if self.profile.path else None,
                      "rate": self.spec.rate, "concurrency": self.spec.concurrency,
                      "render_sample": len(self.sample), "user_agent": agent, "language": language}
            run = self.ledger.start_run("catalogue", scenario=str(self.scenario.path) if self.scenario.path else None,
                                        params=params)
            self.result.run_id = run.id
            self.ledger.write(run.id, self.journey)
            main = asyncio.current_task()
            loop = asyncio.get_running_loop()
            with suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signal.SIGTERM, main.cancel)  # type: ignore[union-attr]
            started = time.monotonic()
            outcome, reason = "failed", None
            try:
                await self._check_all(spool, fetcher, run.id, total)
                outcome = "complete"
            except asyncio.CancelledError:
                outcome, reason = "interrupted", "Ctrl-C or SIGTERM"
                self.result.interrupted = True
            except BaseException as exc:  # the run says why it failed, as every other run does
                reason = failure_reason(exc)
                raise
            finally:
                self.result.seconds = time.monotonic() - started
                self.result.requests = fetcher.requests
                self._flush(run.id, closing=True)
                if self.renderer is not None:
                    self.result.rendered = self.renderer.pages
                    await asyncio.to_thread(self.renderer.close)
                self.ledger.end_run(run.id, outcome, reason)
                with suppress(NotImplementedError, RuntimeError, ValueError):
                    loop.remove_signal_handler(signal.SIGTERM)
        return self.result

    async def _check_all(self, spool: Spool, fetcher: Fetcher, run_id: int, total: int) -> None:
        queue: asyncio.Queue[tuple[int, Item] | None] = asyncio.Queue(maxsize=self.spec.concurrency * 2)

        async def feed() -> None:
            for index, item in enumerate(spool):
                if index >= total:
                    break
                await queue.put((index, item))
            for _ in range(self.spec.concurrency):
                await queue.put(None)

        async def work() -> None:
            while (job := await queue.get()) is not None:
                index, item = job
                check = await self._one(index, item, fetcher)
                self._done(run_id, check, total, item)
                if self._due():  # written by a thread: SQLite's C code and fsync run beside the fetching
                    batch, self.pending = self.pending, []
                    self.flushed_at = time.monotonic()
                    await asyncio.to_thread(self.ledger.write, run_id, *batch)

        tasks = [asyncio.create_task(feed())] + [asyncio.create_task(work()) for _ in range(self.spec.concurrency)]
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _one(self, index: int, item: Item, fetcher: Fetcher) -> ProductCheck | StoreFailure | str:
        """One product: its check, the store's failure to serve its page, or "robots"."""
        answer = await fetcher.get(item.link)
        if answer is None:
            return "robots"
        check = ProductCheck(item, item.link, self.journey.id, self.scenario.tolerances)
        if isinstance(answer, StoreFailure):
            return answer
        html, structured, _ = read_server_page(answer.text, self.profile)
        wanted = ["price"] + (["availability"] if self.profile.product.availability is not None else [])
        rendered = None
        if self.renderer is not None and (index in self.sample or any(k in html.gaps for k in wanted)):
            rendered = await self.renderer.render(item.link)
        return compare_product(check, html, structured, rendered, country=self.spec.country)

    def _done(self, run_id: int, check: ProductCheck | StoreFailure | str, total: int, item: Item) -> None:
        result = self.result
        result.checked += 1
        if isinstance(check, str):
            result.skipped_robots += 1
            self.pending.append(Evidence(self.journey.id, "note", text=f"robots.txt disallows {item.link}"))
        elif isinstance(check, StoreFailure):
            message = f"{check.message} (product {item.sku}, {item.where or item.source})"
            result.add_store_error(f"store error: {check.url} {message}")
            self.pending.append(StoreError(self.journey.id, "catalogue", message, url=check.url,
                                           status=check.status or None))
        else:
            self.pending += check.records
            result.verdicts.update(check.counts)
            for finding in check.findings:
                result.add_finding(finding)
            for message in check.harness:
                result.add_harness_error(message)
            self.unreadable_in_a_row = self.unreadable_in_a_row + 1 if check.harness and not check.counts else 0
            if self.unreadable_in_a_row >= _GIVE_UP_AFTER:
                self._flush(run_id, closing=True)
                raise HarnessError(f"{_GIVE_UP_AFTER} products in a row could not be read ({check.harness[0]}); "
                                   "the profile's product roles do not fit these landing pages", url=check.url)
        if self.progress is not None:
            self.progress(result.checked, total, result)

    def _due(self) -> bool:
        return bool(self.pending) and (len(self.pending) >= _BATCH_RECORDS
                                       or time.monotonic() - self.flushed_at >= _BATCH_SECONDS)

    def _flush(self, run_id: int, *, closing: bool = False) -> None:
        """Write what is pending now (at the end, and before giving up on a run)."""
        if self.pending and (closing or self._due()):
            batch, self.pending = self.pending, []
            self.ledger.write(run_id, *batch)
            self.flushed_at = time.monotonic()
