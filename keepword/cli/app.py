"""The Typer app every command module registers on, and the options they share."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from keepword.ledger import DEFAULT_LEDGER

__all__ = ["LedgerOption", "app", "console", "err_console"]

app = typer.Typer(
    name="keepword",
    help="Checks whether an online store keeps its word: shop it, model it, score it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
console = Console()
err_console = Console(stderr=True)

LedgerOption = Annotated[
    Path,
    typer.Option(
        "--ledger",
        envvar="KEEPWORD_LEDGER",
        help="The ledger file (SQLite). Created if missing.",
        show_default=True,
    ),
]
DEFAULT_LEDGER_PATH = Path(DEFAULT_LEDGER)


@app.callback()
def _root() -> None:
    """Checks whether an online store keeps its word: shop it, model it, score it.

    Exit codes: 0 every promise kept, 1 some broken, 2 bad input, 3 harness errors only
    (or the ledger locked by another process), 4 nothing broken but checkout skipped (orders are
    not allowed on the store's host), 130 interrupted.
    """
