"""`keepword runs`: what the ledger holds, one line per run."""

from __future__ import annotations

from keepword.cli.app import (
    DEFAULT_LEDGER_PATH,
    ExistingLedgerOption,
    app,
    console,
    existing_ledger,
)


@app.command("runs")
def runs_command(ledger: ExistingLedgerOption = DEFAULT_LEDGER_PATH) -> int:
    """List the runs in the ledger: kind, scenario, status (and why a run was interrupted or
    failed, or why one has no end: still going, killed, or on another machine) and how many
    records each wrote. Reads the ledger only; never changes it.

    Exit codes: 0; 2 when there is no ledger (or the file is not one); 3 when another process
    keeps it locked (an open `sqlite3` shell).
    """
    from rich.table import Table

    from keepword.ledger import open_ledger
    from keepword.ledger.owner import run_reason

    with open_ledger(existing_ledger(ledger), read_only=True) as book:
        counts = {t: book.counts(t) for t in ("claims", "verdicts", "harness_failures", "tallies")}
        header = ("run", "kind", "scenario", "started (UTC)", "status", "claims", "verdicts",
                  "harness errors", "tallies", "reason")
        rows = [
            (str(run.id), run.kind, run.scenario or "", run.started_at.strftime("%Y-%m-%d %H:%M:%S"),
             run.status, *(str(counts[t].get(run.id, 0)) for t in counts),
             run_reason(run) or "")
            for run in book.runs()
        ]
    if not console.is_terminal:  # piped: tab-separated lines that scripts can cut, never truncated
        for row in (header, *rows):
            print("\t".join(row))
        return 0
    table = Table(*header)
    for row in rows:
        table.add_row(*row)
    console.print(table)
    return 0
