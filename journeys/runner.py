"""`keepword shop`: run a scenario's journeys with N parallel shoppers into the ledger.

Each shopper is a thread with its own Playwright instance and browser (Playwright's sync API
must not be shared across threads), and each journey a browser context of its own, so each
journey is a new visitor: no cookies, storage or cache from the journey before. Shoppers never
touch the ledger: they put each finished step's records on a queue, and the calling thread is
the one writer (one transaction per step), which also drives the caller's progress display
(`progress(total)` gives a context whose value is called with the running totals after each
journey; the CLI passes a Rich bar, tests pass nothing).
"""

from __future__ import annotations

import queue
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from journeys.bundled import resolve
from journeys.notebook import Finding
from journeys.result import ShopResult
from journeys.target import Target, open_target
from keepword.browser import describe
from keepword.errors import HarnessError, KeepwordError, UnsafeAction
from keepword.ledger import Ledger
from keepword.recorded import shop_params
from keepword.records import Record
from keepword.scenario import Scenario

__all__ = ["Progress", "shop"]

# progress(total) -> a context manager whose value is called with the totals after each journey
Progress = Callable[[int], AbstractContextManager[Callable[[dict[str, int]], None]]]


@dataclass(frozen=True, slots=True)
class _Done:
    """A journey finished: its verdict counts, findings, and whether it hit a harness error or
    a store error."""

    counts: dict[str, int]
    findings: list[Finding]
    harness: str | None
    store_errors: list[str]
    skipped: str | None = None


def shop(
    scenario: Scenario,
    *,
    ledger: Ledger,
    shoppers: int | None = None,
    journeys_per_shopper: int | None = None,
    base_url: str | None = None,
    progress: Progress | bool | None = None,
    browser_ws: str | None = None,
) -> ShopResult:
    """Run every journey of the scenario; returns the counts and the CLI's exit code. With
    `browser_ws`, every shopper's browser is on a Playwright browser server (another machine);
    the records still come back to this process, the one ledger writer."""
    names = list(scenario.journeys)
    folder = Path(scenario.path).resolve().parent if scenario.path else None
    fns = {name: resolve(name, folder) for name in names}  # bad names fail before anything starts
    shoppers = shoppers or scenario.shoppers
    per = journeys_per_shopper or scenario.journeys_per_shopper
    profile = scenario.profile()
    data = ledger.folder
    token = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"
    mail_dir = scenario.mail.dir or (data / "mail" / token if profile.demo_store and not (base_url or profile.base_url) else None)
    with ExitStack() as stack:
        target = stack.enter_context(open_target(profile, base_url=base_url or scenario.base_url,
                                                 mail_dir=mail_dir, work_dir=data))
        params = shop_params(scenario, profile, base_url=target.base_url, shoppers=shoppers,
                             journeys_per_shopper=per, journeys=names,
                             mail_dir=str(mail_dir.resolve()) if mail_dir else None,
                             browser="remote" if browser_ws else describe())
        run = stack.enter_context(ledger.running("shop", scenario=str(scenario.path) if scenario.path else None,
                                                 params=params))
        evidence = data / "evidence" / str(run.id)
        plan = [(name, k, i) for k in range(shoppers) for i in range(per) for name in names]
        inbox: queue.Queue[tuple[str, Any]] = queue.Queue()
        stop = threading.Event()
        workers = [
            threading.Thread(target=_worker, name=f"shopper-{k}", daemon=True,
                             args=(k, [p for p in plan if p[1] == k], fns, target, scenario, evidence, inbox, stop,
                                   browser_ws))
            for k in range(shoppers)
        ]
        totals = {"kept": 0, "broken": 0, "inconclusive": 0, "open": 0, "harness": 0, "store_errors": 0,
                  "journeys": 0, "skipped": 0}
        findings: list[Finding] = []
        problems: list[str] = []
        failures: list[str] = []
        skips: list[str] = []
        fatal: BaseException | None = None
        with _progress(progress, len(plan)) as advance:
            for worker in workers:
                worker.start()
            running = len(workers)
            try:
                while running:
                    kind, item = inbox.get()
                    if kind == "records":
                        ledger.write(run.id, *item)
                    elif kind == "done":
                        for key, value in item.counts.items():
                            totals[key] += value
                        totals["harness"] += item.harness is not None
                        totals["journeys"] += 1
                        findings.extend(item.findings)
                        if item.harness is not None:
                            problems.append(item.harness)
                        totals["store_errors"] += len(item.store_errors)
                        failures.extend(item.store_errors)
                        if item.skipped is not None:
                            totals["skipped"] += 1
                            if item.skipped not in skips:
                                skips.append(item.skipped)
                        advance(totals)
                    elif kind == "fatal":
                        fatal = fatal or item
                        stop.set()
                    elif kind == "exit":
                        running -= 1
            except BaseException:
                stop.set()
                raise
            finally:
                for worker in workers:
                    worker.join(timeout=30)
        if fatal is not None:
            if _driver_gone(fatal):
                _grace_for_ctrl_c()
            raise fatal
    return ShopResult(run.id, totals["kept"], totals["broken"], totals["harness"], open=totals["open"],
                      inconclusive=totals["inconclusive"], store_errors=totals["store_errors"],
                      journeys=totals["journeys"], findings=findings, harness_messages=problems,
                      store_messages=failures, store_stopped=target.store is not None,
                      skipped=totals["skipped"], skipped_reasons=skips)


def _worker(
    k: int,
    plan: list[tuple[str, int, int]],
    fns: dict[str, Any],
    target: Target,
    scenario: Scenario,
    evidence: Path,
    inbox: queue.Queue[tuple[str, Any]],
    stop: threading.Event,
    browser_ws: str | None = None,
) -> None:
    """One shopper thread: its own Playwright and browser (or a remote one), a new context per journey."""
    try:
        from playwright.sync_api import sync_playwright

        from journeys.session import new_context, new_shopper
        from journeys.stops import Stopped
        from keepword.browser import open_browser

        def sink(records: list[Record]) -> None:
            inbox.put(("records", records))

        with sync_playwright() as playwright:
            browser = open_browser(playwright, browser_ws)
            try:
                for name, _, index in plan:
                    if stop.is_set():
                        break
                    # A context per journey: each journey is a new visitor, with no cookies,
                    # localStorage, IndexedDB or HTTP cache from the one before (a basket kept in
                    # localStorage would otherwise carry over). Against clearing cookies in one
                    # context it costs 2 % more CPU and 0.5 % more time per demo-store journey.
                    context, guard = new_context(browser, target, scenario)
                    try:
                        shopper = new_shopper(context.new_page(), guard, target=target, scenario=scenario,
                                              journey=name, shopper=f"shopper-{k}", index=index,
                                              evidence_dir=evidence, sink=sink)
                        harness = None
                        try:
                            fns[name](shopper)
                        except Stopped as stopped:
                            shopper.ended_early(stopped)
                        except Exception as exc:
                            if (refusal := guard.refusal()) is not None:  # not the timeout after it
                                raise refusal from None
                            if not isinstance(exc, HarnessError):
                                raise
                            harness = str(exc)
                        shopper.notebook.flush()
                        inbox.put(("done", _Done(dict(shopper.notebook.counts), list(shopper.notebook.findings),
                                                 harness, [e.message for e in shopper.notebook.store_errors],
                                                 shopper.notebook.skipped)))
                    finally:
                        context.close()
            finally:
                browser.close()
    except (UnsafeAction, KeepwordError) as exc:
        inbox.put(("fatal", exc))
    except Exception as exc:
        inbox.put(("fatal", HarnessError(f"shopper-{k}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")))
    finally:
        inbox.put(("exit", None))


def _driver_gone(error: BaseException) -> bool:
    """Playwright's driver (a node process in keepword's process group) exited under a shopper."""
    return "Connection closed while reading from the driver" in str(error) or "Target page, context or browser has been closed" in str(error)


def _grace_for_ctrl_c() -> None:
    """Ctrl-C reaches the whole process group: the driver may die of it before Python's own
    handler runs in this thread (a signal caught by another thread waits for this one to run).
    Sleeping is where the KeyboardInterrupt then lands, so the run ends "interrupted" (exit 130),
    not with the driver's death as a harness error; a driver that died for another reason still
    raises its error after the second."""
    import time

    time.sleep(1.0)


@contextmanager
def _progress(progress: Progress | bool | None, total: int) -> Iterator[Callable[[dict[str, int]], None]]:
    if not callable(progress):
        yield lambda totals: None
        return
    with progress(total) as advance:
        yield advance
