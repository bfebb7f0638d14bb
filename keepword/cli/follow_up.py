"""`keepword follow-up`: close open delivery and e-mail claims from status pages and the mail."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from keepword.cli.app import (
    DEFAULT_LEDGER_PATH,
    ExistingLedgerOption,
    app,
    console,
    existing_ledger,
)


@app.command("follow-up")
def follow_up_command(
    scenario: Annotated[Path | None, typer.Argument(help="The scenario (optional: each claim's own run says).")] = None,
    mail_dir: Annotated[Path | None, typer.Option("--mail-dir", metavar="DIR", help="Where the store's e-mails arrive.")] = None,
    progress: Annotated[bool, typer.Option("--progress/--no-progress")] = True,
    ledger: ExistingLedgerOption = DEFAULT_LEDGER_PATH,
) -> int:
    """Read order-status pages and the mail folder to close promises that were still open.

    Exit codes as `keepword shop`: 0 every promise kept, 1 a promise broken or a store error, 2 bad
    input, 3 harness errors only.
    """
    from journeys.followup import follow_up
    from keepword.errors import BadInput
    from keepword.ledger import open_ledger
    from keepword.scenario import load_scenario

    existing_ledger(ledger, first="`keepword shop`")
    if mail_dir is not None and not mail_dir.is_dir():
        raise BadInput(f"--mail-dir {mail_dir}: no such folder; give the folder the store's e-mails arrive in")
    loaded = load_scenario(scenario, taker="`keepword follow-up`") if scenario is not None else None
    with open_ledger(ledger) as book:
        result = follow_up(book, scenario=loaded, mail_dir=mail_dir, progress=progress)
    for message in result.store_messages[:5]:
        console.print(f"store error: {message}", markup=False, highlight=False, soft_wrap=True)
    for message in result.harness_messages[:5]:
        console.print(f"harness error: {message}", markup=False, highlight=False, soft_wrap=True)
    for finding in result.findings[:10]:
        console.print(str(finding), markup=False, highlight=False, soft_wrap=True)
    console.print(
        f"run {result.run_id}: {result.kept} kept, {result.broken} broken, {result.open} still open, "
        f"{result.store_errors} store errors, {result.harness_errors} harness errors",
        markup=False, highlight=False, soft_wrap=True,
    )
    return result.exit_code
