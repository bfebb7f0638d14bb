"""`keepword simulate SCENARIO`: run the order-flow model and write its figures to the ledger."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from keepword.cli.app import DEFAULT_LEDGER_PATH, LedgerOption, app, console
from keepword.errors import BadInput

if TYPE_CHECKING:
    from keepword.records import Figure

_SHOWN = (  # figure, column, scale, format (the ledger holds all of them; these fit a terminal)
    ("orders_per_day", "orders/day", 1, "{:,.0f}"),
    ("orders_per_day_peak", "busiest day", 1, "{:,.0f}"),
    ("on_time_rate", "on time %", 100, "{:.1f}"),
    ("late_dispatch_rate", "late dispatch %", 100, "{:.1f}"),
    ("stock_claim_accuracy", "stock claims %", 100, "{:.1f}"),
    ("support_wait_mean_min", "support wait min", 1, "{:.1f}"),
    ("support_wait_p90_min", "wait p90 min", 1, "{:.1f}"),
    ("support_hangup_rate", "hang-ups %", 100, "{:.1f}"),
    ("utilisation_packers", "packers busy %", 100, "{:.0f}"),
    ("honest_promise_days", "honest promise days", 1, "{:.0f}"),
)

# swept staff -> (figure, it must be at least the target (else at most 1 - target), who, the goal)
_STAFF = {
    "packers": ("on_time_rate", True, "packers per shift", "an on-time rate of at least {:.0%}"),
    "agents": ("support_hangup_rate", False, "support agents", "at most {:.0%} of callers hanging up"),
    "support.agents": ("support_hangup_rate", False, "support agents", "at most {:.0%} of callers hanging up"),
}


@app.command("simulate")
def simulate_command(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML with a `simulation:` section.")],
    replications: Annotated[int | None, typer.Option(metavar="N", help="Independent replications (default: the scenario's run.replications).")] = None,
    sweep: Annotated[list[str] | None, typer.Option(metavar="NAME=VALUES", help="Vary a parameter: packers=3..8, ad_multiplier=1,1.5,2, support.agents=2..4. Repeat for a grid.")] = None,
    seed: Annotated[int | None, typer.Option(metavar="N", help="Seed of every random stream (same seed, same numbers).")] = None,
    processes: Annotated[int | None, typer.Option(metavar="N", help="Worker processes (default: one per core; 1 runs in this process).")] = None,
    cluster: Annotated[str | None, typer.Option(metavar="ADDRESS", help="Dask scheduler, e.g. tcp://HOST:8786 (needs the extra: pip install 'keepword\\[cluster]').")] = None,
    replay: Annotated[Path | None, typer.Option(metavar="FILE.csv", help="Replay an order log (CSV: timestamp, sku, quantity, region[, promised_date]).")] = None,
    day_first: Annotated[bool | None, typer.Option("--day-first/--month-first", help="With --replay: read 04/11/2026 as 4 November (--day-first) or April 11 (--month-first); a log with such dates needs one.", show_default=False)] = None,
    scale: Annotated[float | None, typer.Option(metavar="X", help="With --replay: each logged order counts this many times (2 doubles traffic; at most 100).", show_default=False)] = None,
    orders_out: Annotated[Path | None, typer.Option(metavar="FILE.csv", help="Also write every order of replication 0 to this CSV.")] = None,
    csv: Annotated[Path | None, typer.Option("--csv", metavar="FILE.csv", help="Also write the table (every whole-run figure with its interval, one row per group) to this CSV.")] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    ledger: LedgerOption = DEFAULT_LEDGER_PATH,
) -> int:
    """Model the store's order flow: on-time rate, late dispatch, support wait, honest promise.

    Exit codes: 0 the model ran, however few promises it predicts kept (predictions are not
    findings about the store; the report charts them), 2 bad input.
    """
    from keepword.ledger import open_ledger
    from sim.api import plan_simulation, simulate

    # every input is read and checked first: bad input never creates or changes a ledger
    if replay is None:  # they only change how a log is read: said, not silently ignored
        for given, option in ((scale is not None, "--scale"), (day_first is not None, "--day-first/--month-first")):
            if given:
                raise BadInput(f"{option}: only means something with --replay FILE.csv; drop it, or replay a log")
    scale = 1.0 if scale is None else scale
    plan = plan_simulation(scenario, replications=replications, sweeps=sweep, seed=seed, processes=processes,
                           cluster=cluster, replay=replay, scale=scale, day_first=day_first,
                           orders_out=orders_out, csv_out=csv, ledger_path=ledger)
    with open_ledger(ledger) as book:
        result = simulate(plan, ledger=book, progress=progress)
    about = "" if replay is None else f" of {replay}" + (f" (x{scale:g})" if scale != 1 else "")
    _print_table(f"simulate run #{result.run_id}{about}: mean ± half the 95% interval over replications",
                 result.groups, result.figure)
    target = plan.config.run.target
    for line in _staffing(result.figures, [s.partition("=")[0].strip() for s in sweep or []], target):
        console.print(line, soft_wrap=True)
    if csv is not None:
        console.print(f"The table is also in {csv} (rates as shares, with _low and _high columns).", soft_wrap=True)
    console.print(f"Written to {ledger} as run #{result.run_id}; `keepword report` charts it.")
    return result.exit_code


def _print_table(title: str, groups: list[str], figure: Any) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, title_justify="left", title=title)
    table.add_column("group", no_wrap=True)
    for _, heading, _, _ in _SHOWN:
        table.add_column(heading)
    for group in groups:
        cells = []
        for name, _, scale, fmt in _SHOWN:
            try:
                fig = figure(name, group)
            except KeyError:
                cells.append("-")
                continue
            half = max(fig.value - (fig.lo if fig.lo is not None else fig.value), 0.0)
            cells.append(f"{fmt.format(fig.value * scale)} ± {fmt.format(half * scale)}")
        table.add_row(group, *cells)
    # A pipe or a file gets Rich's 80 columns by default, which wraps every cell; give it room.
    wide = console if console.is_terminal else Console(width=190)
    wide.print(table)


def _staffing(figures: list[Figure], swept: list[str], target: float) -> list[str]:
    """"Fewest packers / agents" lines for the swept staff, decided on the 95% interval."""
    from sim.results import staff_needed

    lines = []
    for param in swept:
        if param not in _STAFF:
            continue
        name, at_least, who, goal_text = _STAFF[param]
        goal = target if at_least else round(1 - target, 6)
        bound = "low" if at_least else "high"
        lines.append(f"Fewest {who} for {goal_text.format(goal)}, decided on the {bound} end of the 95% "
                     "interval (not the mean):")
        for answer in staff_needed(figures, param, figure=name, target=goal, at_least=at_least):
            where = f"with {answer.others}: " if answer.others else ""
            if answer.best_figure is None:
                text = f"  {where}none of the swept levels"
            else:
                text = f"  {where}{answer.best} ({_bounds(answer.best_figure, bound)})"
            if answer.near is not None:
                end = answer.near.lo if at_least else answer.near.hi
                text += (f"; {answer.near.labels[param]} reach {answer.near.value:.1%} on average, "
                         f"but the {bound} end is {(answer.near.value if end is None else end):.1%}")
            lines.append(text)
    return lines


def _bounds(fig: Figure, bound: str) -> str:
    end = fig.lo if bound == "low" else fig.hi
    return f"{fig.value:.1%}, {bound} end {(fig.value if end is None else end):.1%}"
