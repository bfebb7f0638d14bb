"""`keepword demo`: the demo store, a few shoppers, a follow-up, the ad-spike model, a report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from keepword.cli.app import app, console, err_console

DEFAULT_DEMO_DIR = Path("keepword-data/demo")


@app.command("demo")
def demo_command(
    out: Annotated[
        Path, typer.Option("--out", "-o", metavar="DIR", help="Folder for the demo's ledger, evidence and report.")
    ] = DEFAULT_DEMO_DIR,
    shoppers: Annotated[
        int | None,
        typer.Option("--shoppers", min=1, max=16, metavar="N", help="Parallel shoppers, each a browser (default 3, or 2 with --quick).",
                     show_default=False),
    ] = None,
    quick: Annotated[
        bool, typer.Option("--quick", help="One checkout per shopper, two replications, no sweep.")
    ] = False,
) -> int:
    """Start the demo store (with faults) and a mail sink, shop, follow up, simulate the ad
    spike, write the report and print its path.

    The demo checks itself against the store's log of the faults it injected. Exit code 0 when
    keepword found every one and invented none (the store breaks promises on purpose, so broken
    verdicts are the point), 1 when it missed one or blamed the store for something it did not
    do, 3 when it could not observe the store (harness errors).
    """
    from keepword.cli.demo_run import run_demo

    try:
        result = run_demo(out, shoppers=shoppers, quick=quick, progress=True, console=err_console)
    except KeyboardInterrupt:
        # Typer (non-standalone) would turn this into a silent exit code 130; say what happened.
        err_console.print("keepword: interrupted; the demo store and mail sink are stopped and the "
                          "run is marked interrupted in the ledger", markup=False, highlight=False)
        return 130
    observed = result.summary.get("observed", {}).get("overall", {})
    rate = observed.get("rate")
    if rate is not None:
        err_console.print(
            f"shoppers saw {observed['kept']} promises kept and {observed['broken']} broken "
            f"({rate:.0%} kept), {observed['open']} still open, "
            f"{result.summary['observed']['harness_errors']} harness errors",
            highlight=False, soft_wrap=True,
        )
    harness = result.summary.get("observed", {}).get("harness_errors", 0)
    if result.truth is not None:
        err_console.print(f"{result.truth.line()} (the store's log: {result.ground_truth_path})",
                          markup=False, highlight=False, soft_wrap=True)
        for fault, where in result.truth.missed[:5]:
            err_console.print(f"  missed: {fault} (journey {where})", markup=False, highlight=False)
        for journey, kinds in result.truth.invented[:5]:
            err_console.print(f"  invented: {', '.join(sorted(kinds))} broken in journey {journey}, "
                              "with no fault behind it", markup=False, highlight=False)
    console.print(f"report: {result.html_path}", markup=False, highlight=False, soft_wrap=True)
    if result.truth is not None and (result.truth.missed or result.truth.invented):
        return 1
    return 3 if harness else 0
