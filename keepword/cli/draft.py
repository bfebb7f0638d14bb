"""`keepword draft URL`: a first store profile from what the store's pages show."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from keepword.cli.app import app, console, err_console


@app.command("draft")
def draft_command(
    url: Annotated[str, typer.Argument(help="The store's address: its home page or a category page.")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write the profile here (default: print it).")] = None,
    checkout: Annotated[bool | None, typer.Option("--checkout/--no-checkout", help="Go through the checkout with a "
                                                  "made-up customer, up to (never past) the place button. Default: on "
                                                  "loopback hosts (127.0.0.1, localhost) only.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the -o file even if it is not a draft keepword wrote "
                                        "(a profile you finished, say).")] = False,
) -> int:
    """Draft a store profile: product cards, the product page (JSON-LD, microdata, Open Graph),
    adding to the basket, the basket's lines and totals, and (where allowed) the checkout's
    fields and the place button's request, found with every request aborted. Every guess is
    commented; what could not be guessed is a TODO, listed at the end.

    -o replaces a file only if it is empty or a draft keepword wrote (its first line says so),
    unless --force: a profile finished by hand is not lost to a new draft.

    Exit codes: 0 drafted (it loads, or the keys left to fill are listed), 2 bad input (the URL,
    or an -o that is a folder or a file keepword did not write), 3 the store could not be read
    (not running, no product cards found).
    """
    from journeys.tooling.draft import draft

    if output is not None:  # said before the store is read, not after
        _check_output(output, force)
    result = draft(url, out=output, checkout=checkout)
    if output is None:
        console.print(result.text, markup=False, highlight=False, soft_wrap=True, end="")
    say = err_console.print
    if result.platform:
        say(f"recognised {result.platform}", highlight=False)
    say(f"read {len(result.pages)} pages: {', '.join(result.pages)}", markup=False, highlight=False, soft_wrap=True)
    for note in result.notes:
        say(f"note: {note}", markup=False, highlight=False, soft_wrap=True)
    where = str(output) if output else "the profile"
    if result.error is None:
        say(f"{where}: loads as it is (`keepword check`); now `keepword walk {where}` on the store", markup=False,
            highlight=False, soft_wrap=True)
    else:
        todo = f"{len(result.todo)} keys to fill (commented out, marked TODO): {', '.join(result.todo)}; " \
            if result.todo else ""
        say(f"{where}: {todo}until then `keepword check` says: {result.error}", markup=False, highlight=False,
            soft_wrap=True)
    return 0


def _check_output(output: Path, force: bool) -> None:
    """An -o keepword may write: not a folder, and not a file of someone else's (unless --force)."""
    from journeys.tooling.draft import DRAFT_HEADER
    from keepword.errors import BadInput
    from keepword.loading import deepest_folder, replaceable

    try:
        deepest_folder(output.parent)
    except ValueError as exc:  # a file where a folder should be: said now, not after the browsing
        raise BadInput(f"-o {output}: {exc}; pick another path") from None
    try:
        is_dir = output.is_dir()
        # a BOM is what some editors put before the first line of a file they saved
        ours = is_dir or force or replaceable(output, lambda line: line.lstrip("\ufeff").startswith(DRAFT_HEADER))
    except OSError as exc:  # a folder on the way keepword may not read (Python 3.11 raises here)
        raise BadInput(f"-o {output}: cannot look there: {exc.strerror or exc}; pick another path") from None
    if is_dir:
        raise BadInput(f"-o {output}: a folder; give the path of the profile to write, e.g. {output / 'store.yaml'}")
    if not ours:
        raise BadInput(f"-o {output}: the file exists and is not a draft keepword wrote (its first line is not "
                       f"'{DRAFT_HEADER}'); keepword leaves it as it is: pick another path, or add --force to "
                       "replace it")
