"""The Typer app every command module registers on, and the options they share."""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from keepword.ledger import DEFAULT_LEDGER

__all__ = ["EXIT_CODES", "ExistingLedgerOption", "LedgerOption", "app", "console", "err_console", "existing_ledger", "tidy_help"]

# The one statement of the exit codes: `keepword --help` shows it, README's table says the same.
EXIT_CODES = """\b
Exit codes (every command):
  0    every promise checked was kept
  1    a promise was broken, or the store failed in front of the customer
       (a store error)
  2    bad input: a YAML file, a CSV, an option, a file that is not a keepword
       ledger, or an unsafe action refused (the message names the file, line
       and field)
  3    harness errors only: keepword could not observe the store (never a
       broken promise), the ledger stayed locked by another process, or
       keepword itself failed (an internal error)
  4    nothing broken and no harness error, but checkout was skipped: orders
       are not allowed on the store's host
  130  interrupted (Ctrl-C or SIGTERM); the run is marked interrupted in the
       ledger
Where a command differs:
  report               exits 3 for a run it covers that keepword could not
                       complete (failed, interrupted, incomplete), unless
                       the store is at fault (1); a run still going is not
                       one
  report --fail-under  exits 1 only when a gate is missed (or a store error);
                       harness errors alone then exit 0
  simulate             exits 0 whenever the model ran (predictions are not
                       findings)
  demo                 exits 1 when keepword missed a fault the demo store
                       injected, or blamed it for one it did not"""

app = typer.Typer(
    name="keepword",
    help=f"Checks whether an online store keeps its word: shop it, model it, score it.\n\n{EXIT_CODES}",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
# A line is one line in a log or a pipe too (rich wraps at 80 there); no emoji codes, so a path
# or store text with `:cat:` in it is printed as it is.
console = Console(soft_wrap=True, emoji=False)
err_console = Console(stderr=True, soft_wrap=True, emoji=False)


def _ledger_option(help_text: str) -> Any:
    """`--ledger` (or KEEPWORD_LEDGER) with the help its command needs."""
    return typer.Option("--ledger", envvar="KEEPWORD_LEDGER", metavar="FILE", help=help_text, show_default=True)


LedgerOption = Annotated[Path, _ledger_option("The ledger file (SQLite). Created if missing.")]
# `report`, `runs` and `follow-up` need the runs already in it: a missing file is bad input, never created.
ExistingLedgerOption = Annotated[Path, _ledger_option("The ledger file (SQLite) the runs are in; never created.")]
DEFAULT_LEDGER_PATH = Path(DEFAULT_LEDGER)


def existing_ledger(ledger: Path, first: str = "`keepword shop`, `keepword simulate` or `keepword demo`") -> Path:
    """The ledger a reading command was given, or bad input naming what writes one."""
    from keepword.errors import BadInput
    from keepword.ledger.files import folder_in_the_way

    if (problem := folder_in_the_way(ledger)) is not None:  # "run shop first" would not help there
        raise problem
    try:
        there = ledger.exists()
    except OSError as exc:  # a folder on the way keepword may not read (Python 3.11 raises here)
        raise BadInput(f"{ledger}: cannot look there: {exc.strerror or exc}; pick another --ledger path") from None
    if not there:
        raise BadInput(f"{ledger}: no ledger here yet; run {first} first")
    return ledger


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"keepword {version('keepword')}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", is_eager=True, callback=_version,
                                          help="Print keepword's version and exit.")] = False,
) -> None:
    """Checks whether an online store keeps its word: shop it, model it, score it."""


def tidy_help(text: str | None) -> str | None:
    """A docstring as help text: the lines of each paragraph joined into one, so that Rich wraps
    them to the terminal (Typer's rich mode keeps a docstring's line breaks, and help then breaks
    mid-sentence); a paragraph that starts with `\\b` keeps its lines (a table)."""
    if not text:
        return text
    out = []
    for paragraph in inspect.cleandoc(text).split("\n\n"):
        if paragraph.startswith("\b\n"):
            out.append(paragraph[2:])
        else:
            out.append(re.sub(r"\s*\n\s*", " ", paragraph.strip()))
    return "\n\n".join(out)


def _no_type_tags() -> None:
    """Typer 0.2x prints a type tag beside every parameter in help (`--help <bool>`,
    `SCENARIO <path>`, fastapi/typer#1410); keepword's options say what they take with their
    metavar (`--ledger FILE`), and flags and arguments need no tag."""
    from typer.core import TyperArgument, TyperOption

    def option_tag(self: Any, ctx: Any) -> str | None:
        if getattr(self, "is_flag", False):
            return None
        return str(self.metavar or self.display_type(ctx).strip("<>").upper())

    TyperOption.display_type_rich = option_tag  # type: ignore[method-assign]
    TyperArgument.display_type_rich = lambda self, ctx: None  # type: ignore[method-assign]


def tidy() -> None:
    """Tidy every registered command's help (called once the commands are registered)."""
    _no_type_tags()
    app.info.help = tidy_help(app.info.help if isinstance(app.info.help, str) else None)
    for command in app.registered_commands:
        if command.callback is not None and command.help is None:
            command.help = tidy_help(command.callback.__doc__)
