"""keepword's command line: `keepword --help`.

Each command lives in its own module here (`store.py`, `shop.py`, ...), registers itself on
`keepword.cli.app.app`, parses its options and calls one library function. `main` imports the
command modules that exist, runs the app, and turns keepword's errors into one line on stderr and
the documented exit code (`keepword.cli.app.EXIT_CODES`).
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys

from keepword.errors import KeepwordError

__all__ = ["main"]


def _register_commands() -> None:
    import keepword.cli as package

    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name not in ("app",) and not info.name.startswith("_"):
            importlib.import_module(f"keepword.cli.{info.name}")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `keepword` console script; returns (and exits with) the exit code."""
    import typer

    from keepword.cli.app import app, err_console, tidy

    _register_commands()
    tidy()
    try:
        result = app(args=argv, standalone_mode=False, prog_name="keepword")
    except KeepwordError as exc:
        err_console.print(f"keepword: error: {exc}", markup=False, highlight=False, soft_wrap=True)
        code = exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        err_console.print("keepword: interrupted", markup=False)
        code = 130
    except typer.Exit as exc:
        code = exc.exit_code
    except typer.TyperException as exc:  # a usage error: one line, as every other bad input
        if line := _usage_line(exc):  # (none after the help that `keepword` alone prints)
            err_console.print(f"keepword: error: {line}", markup=False, highlight=False, soft_wrap=True)
        code = int(getattr(exc, "exit_code", 2))
    except Exception as exc:  # keepword's own bug: never exit 1, which says the store broke a promise
        if os.environ.get("KEEPWORD_DEBUG"):
            raise
        said = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        err_console.print(f"keepword: internal error: {type(exc).__name__}{': ' + said if said else ''}; this is "
                          "keepword's fault, not the store's: run again with KEEPWORD_DEBUG=1 for the traceback "
                          "and report it", markup=False, highlight=False, soft_wrap=True)
        code = 3
    else:
        code = result if isinstance(result, int) else 0
        if code == 130:  # Typer turns Ctrl-C inside a command into a plain return of 130
            err_console.print("keepword: interrupted", markup=False)
    if code == 130:
        _quiet_after_interrupt()
    if argv is None:
        sys.exit(code)
    return code


def _usage_line(exc: Exception) -> str:
    """Click's usage error ("Invalid value for '--shoppers' / '-n': ...") as one line that says
    where to look, instead of its four-line Usage/Try/Error block."""
    format_message = getattr(exc, "format_message", None)
    said = (format_message() if callable(format_message) else str(exc)).strip()
    if not said:
        return ""
    ctx = getattr(exc, "ctx", None)
    where = ctx.command_path if ctx is not None else "keepword"
    return f"{said.rstrip('.')}; see `{where} --help`"


def _quiet_after_interrupt() -> None:
    """After Ctrl-C the browser driver dies with the rest of the process group, and the shopper
    threads' event loops log its lost connection at exit ("Future exception was never
    retrieved"); the run is over and marked interrupted, so that is noise, not news."""
    import logging

    logging.getLogger("asyncio").disabled = True
