"""`simulate`: the one library function behind `keepword simulate`.

Load the scenario's `simulation:` section, apply the options, build one job per replication
and sweep point, run them (here, a process pool or a Dask cluster), and write the tallies and
figures into the ledger in one transaction. Only this, the parent, writes; workers return data.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from keepword.errors import BadInput
from keepword.ledger import Ledger
from keepword.records import Figure
from sim.config import SimConfig
from sim.results import figures_for, tallies_for
from sim.runner import Job, run_jobs
from sim.sweep import Sweep, apply_point, grid, group_label, parse_sweep

__all__ = ["SimResult", "load_sim_config", "simulate"]


@dataclass(frozen=True)
class SimResult:
    """What a simulate run wrote: its ledger run id, its figures and its groups in order."""

    run_id: int
    figures: list[Figure]
    groups: list[str] = field(default_factory=list)
    tallies: int = 0
    exit_code: int = 0

    def __repr__(self) -> str:
        return f"<SimResult run #{self.run_id}: {len(self.groups)} groups, {len(self.figures)} figures>"

    def figure(self, name: str, group: str | None = None) -> Figure:
        """The whole-run figure `name` of `group` (the only group if None)."""
        group = group or self.groups[0]
        for fig in self.figures:
            if fig.name == name and fig.labels.get("group") == group and "day" not in fig.labels:
                return fig
        raise KeyError(f"no figure {name!r} for group {group!r}")


def load_sim_config(path: str | Path) -> SimConfig:
    """The `simulation:` section of a scenario file, validated with file:line errors."""
    from keepword.loading import load_document

    document = load_document(path)
    if not isinstance(document.data, dict) or "simulation" not in document.data:
        raise BadInput(f"{path}:1: simulation: the scenario has no `simulation:` section; "
                       "add one (`simulation: {}` runs the baseline model)")
    if document.data["simulation"] is None:
        return SimConfig()
    return document.validate(SimConfig, at=("simulation",))


def simulate(
    scenario: str | Path | SimConfig,
    *,
    ledger: Ledger,
    replications: int | None = None,
    sweeps: Sequence[str | Sweep] | None = None,
    seed: int | None = None,
    processes: int | None = None,
    cluster: str | None = None,
    replay: str | Path | None = None,
    scale: float = 1.0,
    orders_out: str | Path | None = None,
    progress: bool = True,
) -> SimResult:
    """Run the model's replications (and sweep grid) and write tallies and figures to `ledger`."""
    if isinstance(scenario, SimConfig):
        config, label = scenario, "(config)"
    else:
        config, label = load_sim_config(scenario), str(scenario)
    if replications is not None:
        if replications < 1:
            raise BadInput(f"--replications {replications}: give at least 1")
        config = config.replace("run.replications", replications)
    if seed is not None:
        config = config.replace("run.seed", seed)
    if not scale > 0:
        raise BadInput(f"--scale {scale}: give a positive factor such as 2 or 0.5")
    rows = None
    if replay is not None:
        from sim.replay import read_orders

        log = read_orders(replay, list(config.carrier.regions))
        config = config.replace("calendar.start", log.start).replace("calendar.days", log.days)
        rows = log.rows
    parsed = [s if isinstance(s, Sweep) else parse_sweep(s) for s in sweeps or []]
    points = grid(parsed)
    configs = [apply_point(config, point) for point in points]
    n = config.run.replications
    jobs = [Job(c, rep, rows, scale, collect_orders=orders_out is not None and rep == 0)
            for c in configs for rep in range(n)]
    params: dict[str, Any] = {
        "replications": n, "seed": config.run.seed, "sweeps": [f"{s.name}={','.join(map(str, s.values))}" for s in parsed],
        "replay": str(replay) if replay else None, "scale": scale, "days": config.calendar.days,
        "start": config.calendar.start.isoformat(), "processes": processes, "cluster": cluster,
    }
    with ledger.running("simulate", scenario=label, params=params) as run:
        results = _run_with_progress(jobs, processes, cluster, progress)
        records: list[Any] = []
        groups = []
        for g, point in enumerate(points):
            group = group_label(point)
            groups.append(group)
            chunk = results[g * n:(g + 1) * n]
            records += tallies_for(chunk, group)
            records += figures_for(chunk, point, group, config.run.target)
        figures = [r for r in records if isinstance(r, Figure)]
        ledger.write(run.id, *records)
        if orders_out is not None:
            _write_orders(Path(orders_out), [(groups[g], results[g * n]) for g in range(len(points))])
    return SimResult(run.id, figures, groups, len(records) - len(figures))


def _run_with_progress(jobs: list[Job], processes: int | None, cluster: str | None, progress: bool) -> list[Any]:
    if not progress:
        return run_jobs(jobs, processes=processes, cluster=cluster)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    # on stderr, as the shopper's bar: stdout carries only the figures, for pipes and files
    with Progress(TextColumn("simulating"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=False) as bar:
        task = bar.add_task("replications", total=len(jobs))
        return run_jobs(jobs, processes=processes, cluster=cluster, on_done=lambda: bar.advance(task))


def _write_orders(path: Path, chunks: list[tuple[str, Any]]) -> None:
    """Every order of replication 0 of each group, for `--orders-out`."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer: csv.DictWriter[str] | None = None
            for group, result in chunks:
                for row in result.orders_rows or []:
                    if writer is None:
                        writer = csv.DictWriter(handle, ["group", *row])
                        writer.writeheader()
                    writer.writerow({"group": group, **row})
    except OSError as exc:
        raise BadInput(f"--orders-out {path}: cannot write: {exc}") from None
