"""`keepword catalogue SCENARIO`: every product of the store, on every surface, into the ledger."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from keepword.cli.app import DEFAULT_LEDGER_PATH, LedgerOption, app, console, err_console

if TYPE_CHECKING:
    from keepword.scenario import Scenario


def _scenario(path: Path) -> Scenario:
    """A scenario, or a store profile given directly (it has `product:` and no `store:`)."""
    from keepword.loading import load_document
    from keepword.scenario import load_scenario, scenario_for_profile

    data = load_document(path).data
    if isinstance(data, dict) and "store" not in data and "product" in data:
        from keepword.profile import load_profile

        load_profile(path)  # its own errors, with its own lines
        return scenario_for_profile(path)
    return load_scenario(path, taker="`keepword catalogue`")


@contextmanager
def _bar(enabled: bool) -> Iterator[Any]:
    if not enabled:
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TextColumn,
        TimeElapsedColumn,
    )
    from rich.text import Text

    class PagesPerSecond(ProgressColumn):
        def render(self, task: Any) -> Text:
            speed = task.finished_speed or task.speed
            return Text("" if speed is None else f"{speed:.1f} pages/s")

    with Progress(TextColumn("[bold]checking"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  PagesPerSecond(), TextColumn("{task.description}"), console=err_console) as bar:
        task = bar.add_task("", total=None)

        def advance(done: int, total: int, result: Any) -> None:
            bar.update(task, completed=done, total=total, description=(
                f"kept {result.kept}  broken {result.broken}  store errors {result.store_error_count}  "
                f"harness errors {result.harness_error_count}"))

        yield advance


@app.command("catalogue")
def catalogue_command(
    scenario: Annotated[Path, typer.Argument(help="A scenario (or a store profile) whose profile has a "
                                                  "`catalogue:` section (e.g. scenarios/catalogue.yaml).")],
    base_url: Annotated[str | None, typer.Option("--base-url", help="Check the store at this URL instead of the profile's.")] = None,
    source: Annotated[str | None, typer.Option("--source", help="feed, sitemap or listing (default: the feed if "
                                                                "the profile names one, else the sitemap, else the listing).")] = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Check only the first N products.")] = None,
    rate: Annotated[float | None, typer.Option("--rate", min=0.01, help="Requests per second per host (default: the profile's).")] = None,
    concurrency: Annotated[int | None, typer.Option("--concurrency", min=1, max=64, help="Pages in flight at once.")] = None,
    sample: Annotated[int | None, typer.Option("--sample", min=0, help="Products also rendered in Chromium.")] = None,
    render: Annotated[bool | None, typer.Option("--render/--no-render", help="Render pages in Chromium (the "
                                                                             "sample, and pages whose HTML lacks a value).")] = None,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Show a progress bar.")] = True,
    ledger: LedgerOption = DEFAULT_LEDGER_PATH,
) -> int:
    """Check every product the store lists: its feed against the landing page as sent, the page's
    structured data, and the rendered page. Ctrl-C keeps what was checked.

    Exit codes: 0 all kept, 1 some broken (or a page the store failed to serve), 2 bad input
    (a bad feed row, named), 3 harness errors only, 130 interrupted.
    """
    from journeys.catalogue import check_catalogue
    from journeys.catalogue.check import catalogue_options
    from keepword.ledger import open_ledger

    loaded = _scenario(scenario)
    # Every option is checked before the ledger is opened: bad input never creates one.
    catalogue_options(loaded, base_url=base_url, source=source, rate=rate, concurrency=concurrency,
                      render_sample=sample, render=render)
    with open_ledger(ledger) as book, _bar(progress) as advance:
        result = check_catalogue(loaded, ledger=book, base_url=base_url, source=source, limit=limit,
                                 progress=advance, rate=rate, concurrency=concurrency, render_sample=sample,
                                 render=render)

    def say(text: str) -> None:
        console.print(text, markup=False, highlight=False, soft_wrap=True)

    for finding in result.findings[:10]:
        say(str(finding))
    if result.broken > 10:
        say(f"... and {result.broken - 10} more broken promises (see `keepword report`)")
    for message in result.store_errors[:5]:
        say(message)
    for message in result.harness_errors[:5]:
        say(f"harness error: {message}")
    say(f"{'kind':<16} {'claimed on':<10} {'seen on':<10} {'kept':>6} {'broken':>6} {'inconcl.':>8}")
    for kind, said, seen, kept, broken, inconclusive in result.surfaces():
        say(f"{kind:<16} {said:<10} {seen:<10} {kept:>6} {broken:>6} {inconclusive:>8}")
    skipped = f", {result.skipped_robots} skipped (robots.txt)" if result.skipped_robots else ""
    ended = " (interrupted: what was checked is kept)" if result.interrupted else ""
    say(
        f"run {result.run_id}: {result.checked} of {result.total} products from the {result.source}{ended} "
        f"in {result.seconds:.1f} s ({result.pages_per_second:.1f} pages/s, {result.requests} requests, "
        f"{result.rendered} rendered){skipped}: {result.kept} kept, {result.broken} broken, "
        f"{result.inconclusive} inconclusive, {result.store_error_count} store errors, "
        f"{result.harness_error_count} harness errors -> {ledger}")
    return result.exit_code
