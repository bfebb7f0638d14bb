"""`keepword simulate SCENARIO`: run the order-flow model and write its figures to the ledger."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from keepword.cli.app import DEFAULT_LEDGER_PATH, LedgerOption, app, console

_SHOWN = (  # figure, column, scale, format (the ledger holds all of them; these fit a terminal)
    ("orders_per_day", "orders/day", 1, "{:.0f}"),
    ("on_time_rate", "on time %", 100, "{:.1f}"),
    ("late_dispatch_rate", "late dispatch %", 100, "{:.1f}"),
    ("stock_claim_accuracy", "stock claims %", 100, "{:.1f}"),
    ("support_wait_mean_min", "support wait min", 1, "{:.1f}"),
    ("support_wait_p90_min", "wait p90 min", 1, "{:.1f}"),
    ("support_hangup_rate", "hang-ups %", 100, "{:.1f}"),
    ("utilisation_packers", "packers busy %", 100, "{:.0f}"),
    ("honest_promise_days", "honest promise days", 1, "{:.0f}"),
)


@app.command("simulate")
def simulate_command(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML with a `simulation:` section.")],
    replications: Annotated[int | None, typer.Option(metavar="N", help="Independent replications (default: the scenario's run.replications).")] = None,
    sweep: Annotated[list[str] | None, typer.Option(metavar="NAME=VALUES", help="Vary a parameter: packers=3..8, ad_multiplier=1,1.5,2, support.agents=2..4. Repeat for a grid.")] = None,
    seed: Annotated[int | None, typer.Option(metavar="N", help="Seed of every random stream (same seed, same numbers).")] = None,
    processes: Annotated[int | None, typer.Option(metavar="N", help="Worker processes (default: one per core; 1 runs in this process).")] = None,
    cluster: Annotated[str | None, typer.Option(metavar="ADDRESS", help="Dask scheduler, e.g. tcp://HOST:8786 (needs the extra: pip install 'keepword\\[cluster]').")] = None,
    replay: Annotated[Path | None, typer.Option(metavar="FILE.csv", help="Replay an order log (CSV: timestamp, sku, quantity, region[, promised_date]).")] = None,
    scale: Annotated[float, typer.Option(metavar="X", help="With --replay: each logged order counts this many times (2 doubles traffic).")] = 1.0,
    orders_out: Annotated[Path | None, typer.Option(metavar="FILE.csv", help="Also write every order of replication 0 to this CSV.")] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    ledger: LedgerOption = DEFAULT_LEDGER_PATH,
) -> int:
    """Model the store's order flow: on-time rate, late dispatch, support wait, honest promise.

    Exit codes: 0 the model ran, however few promises it predicts kept (predictions are not
    findings about the store; the report charts them), 2 bad input.
    """
    from rich import box
    from rich.console import Console
    from rich.table import Table

    from keepword.ledger import open_ledger
    from sim.api import load_sim_config, simulate
    from sim.results import smallest_meeting

    load_sim_config(scenario)  # bad input is refused before the ledger is opened, let alone created
    with open_ledger(ledger) as book:
        result = simulate(scenario, ledger=book, replications=replications, sweeps=sweep, seed=seed,
                          processes=processes, cluster=cluster, replay=replay, scale=scale,
                          orders_out=orders_out, progress=progress)
    table = Table(box=box.SIMPLE_HEAD, title_justify="left",
                  title=f"simulate run #{result.run_id}: mean ± half the 95% interval over replications")
    table.add_column("group", no_wrap=True)
    for _, title, _, _ in _SHOWN:
        table.add_column(title)
    for group in result.groups:
        cells = []
        for name, _, scale, fmt in _SHOWN:
            try:
                fig = result.figure(name, group)
            except KeyError:
                cells.append("-")
                continue
            half = max(fig.value - (fig.lo if fig.lo is not None else fig.value), 0.0)
            cells.append(f"{fmt.format(fig.value * scale)} ± {fmt.format(half * scale)}")
        table.add_row(group, *cells)
    # A pipe or a file gets Rich's 80 columns by default, which wraps every cell; give it room.
    wide = console if console.is_terminal else Console(width=170)
    wide.print(table)
    if any(s.startswith("packers=") for s in sweep or []):
        target = next((f.labels["target"] for f in result.figures if "target" in f.labels), 0.95)
        for others, best in smallest_meeting(result.figures, "packers", target=target).items():
            where = f" with {others}" if others else ""
            if best is None:
                console.print(f"No swept packer level keeps the on-time rate at {target:.0%}{where}.")
            else:
                console.print(f"Fewest packers per shift for an on-time rate of {target:.0%}{where}: {best}")
    console.print(f"Written to {ledger} as run #{result.run_id}; `keepword report` charts it.")
    return result.exit_code
