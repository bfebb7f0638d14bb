"""Progress bars for long commands, on stderr (stdout carries only results).

`shopping(total)` is the `progress` a shop run takes (`journeys.runner.Progress`): a context whose
value the runner calls with its running totals after each journey.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["shopping"]


@contextmanager
def shopping(total: int) -> Iterator[Callable[[dict[str, int]], None]]:
    """A bar for `total` journeys, with the verdicts so far beside it."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from keepword.cli.app import err_console

    with Progress(TextColumn("[bold]shopping"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.description}"), console=err_console, transient=False) as bar:
        task = bar.add_task("", total=total)

        def advance(totals: dict[str, int]) -> None:
            stores = f"  store errors {totals['store_errors']}" if totals.get("store_errors") else ""
            bar.update(task, advance=1, description=(
                f"kept {totals['kept']}  broken {totals['broken']}  harness errors {totals['harness']}{stores}"))

        yield advance
