"""`keepword report [RUN ...]`: the scorecard (HTML), summary.json and junit.xml, with CI gates."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from keepword.cli.app import (
    DEFAULT_LEDGER_PATH,
    ExistingLedgerOption,
    app,
    console,
    err_console,
    existing_ledger,
)

DEFAULT_REPORT_DIR = Path("keepword-data/report")


@app.command("report")
def report_command(
    runs: Annotated[
        list[int] | None,
        typer.Argument(help="Run ids to report on (see `keepword runs`); all runs when omitted.",
                       show_default=False),
    ] = None,
    ledger: ExistingLedgerOption = DEFAULT_LEDGER_PATH,
    out: Annotated[
        Path, typer.Option("--out", "-o", metavar="DIR", help="Folder for report.html, summary.json and junit.xml.")
    ] = DEFAULT_REPORT_DIR,
    fail_under: Annotated[
        list[str] | None,
        typer.Option(
            "--fail-under",
            metavar="KIND=RATE",
            help="Exit 1 unless KIND's keeping rate is at least RATE (0.95 or 95%). Repeatable; "
            "KIND is a claim kind (price, delivery_date, ...) or `all`.",
            show_default=False,
        ),
    ] = None,
) -> int:
    """Write the promise-keeping scorecard for the ledger's runs and print where it is.

    Exit codes, over the runs reported on: 0 every promise kept; 1 a promise broken or a store
    error (with --fail-under: a gate missed, or a store error); 2 bad input; 3 harness errors only
    (without --fail-under), or a run keepword could not complete (failed, interrupted,
    incomplete), gates or not, unless 1 applies. A run still going (its process alive on this
    machine) is counted so far and is no harness error.
    """
    from keepword.ledger import open_ledger
    from reports import build, parse_fail_under

    gates = parse_fail_under(fail_under or [])  # bad gates fail before any work
    with open_ledger(existing_ledger(ledger), read_only=True) as book:
        result = build(book, out, run_ids=runs or None, fail_under=[f"{g.kind}={g.threshold}" for g in gates])
    overall = (result.summary or {}).get("observed", {}).get("overall", {})
    if overall.get("rate") is not None:
        console.print(
            f"observed: {overall['rate']:.1%} kept ({overall['kept']} of {overall['decided']}, 95% interval "
            f"{overall['lo']:.1%}-{overall['hi']:.1%}), {overall['broken']} broken, {overall['open']} open, "
            f"{overall['inconclusive']} inconclusive, {overall['store_errors']} store errors, "
            f"{overall['harness_errors']} harness errors",
            markup=False, highlight=False, soft_wrap=True,
        )
    observed = (result.summary or {}).get("observed", {})
    for unfinished in observed.get("unfinished_runs", []):
        err_console.print(f"not completed: {unfinished['message']}; keepword could not check everything it set out to",
                          markup=False, highlight=False, soft_wrap=True)
    for running in observed.get("running_runs", []):
        err_console.print(running["message"], markup=False, highlight=False, soft_wrap=True)
    for gate in result.gates:
        (console if gate.met else err_console).print(
            f"{'ok' if gate.met else 'FAILED'}: {gate.message}", markup=False, highlight=False, soft_wrap=True
        )
    console.print(f"report: {result.html_path}", markup=False, highlight=False, soft_wrap=True)
    console.print(f"summary: {result.summary_path}", markup=False, highlight=False, soft_wrap=True)
    console.print(f"junit: {result.junit_path}", markup=False, highlight=False, soft_wrap=True)
    return result.exit_code
