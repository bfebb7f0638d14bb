"""`simulate`: the one library function behind `keepword simulate`.

`plan_simulation` loads the scenario's `simulation:` section, applies the options, reads a
replayed log and builds one job per replication and sweep point, refusing bad input before
anything is written; `simulate` runs the jobs (here, a process pool or a Dask cluster) and writes
the tallies and figures into the ledger in one transaction. Only this, the parent, writes;
workers return data.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from keepword.errors import BadInput
from keepword.ledger import Ledger
from keepword.records import Figure
from sim.config import SimConfig
from sim.results import figures_for, tallies_for, write_results_csv
from sim.runner import Job, check_cluster, run_jobs
from sim.sweep import Sweep, apply_point, grid, group_label, parse_sweep

__all__ = ["SimPlan", "SimResult", "load_sim_config", "plan_simulation", "simulate"]


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


@dataclass(frozen=True)
class SimPlan:
    """A simulate run with every input read and checked, before the ledger is touched: the
    scenario, the options, the replayed log, the output paths, the cluster's address."""

    config: SimConfig
    label: str
    points: list[dict[str, Any]]
    labels: dict[str, Any]  # labels every figure of the run carries besides its sweep point
    jobs: list[Job]
    params: dict[str, Any]
    orders_out: Path | None = None
    csv_out: Path | None = None

    def __repr__(self) -> str:
        return f"<SimPlan {self.label}: {len(self.points)} groups, {len(self.jobs)} jobs>"


def plan_simulation(
    scenario: str | Path | SimConfig,
    *,
    replications: int | None = None,
    sweeps: Sequence[str | Sweep] | None = None,
    seed: int | None = None,
    processes: int | None = None,
    cluster: str | None = None,
    replay: str | Path | None = None,
    scale: float = 1.0,
    day_first: bool | None = None,
    orders_out: str | Path | None = None,
    csv_out: str | Path | None = None,
) -> SimPlan:
    """Read and check everything a run needs; raises BadInput (one line) on the first problem.

    `keepword simulate` calls this before it opens the ledger, so bad input never creates or
    changes one (issue 13)."""
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
    if processes is not None and processes < 1:
        raise BadInput(f"--processes {processes}: give at least 1")
    if not scale > 0:
        raise BadInput(f"--scale {scale}: give a positive factor such as 2 or 0.5")
    rows = None
    labels: dict[str, Any] = {}
    if replay is not None:
        from sim.replay import read_orders

        log = read_orders(replay, list(config.carrier.regions), day_first=day_first)
        config = config.replace("calendar.start", log.start).replace("calendar.days", log.days)
        rows = log.rows
        # a label, so the report and the table name the log (a group label splits on spaces)
        labels = {"replay": "_".join(Path(replay).name.split())}
        if scale != 1:
            labels["scale"] = int(scale) if float(scale).is_integer() else scale
    parsed = [s if isinstance(s, Sweep) else parse_sweep(s) for s in sweeps or []]
    points = grid(parsed)
    configs = [apply_point(config, point) for point in points]
    if cluster:
        check_cluster(cluster)
    out_paths = [_writable(option, p) for option, p in (("--orders-out", orders_out), ("--csv", csv_out))]
    n = config.run.replications
    jobs = [Job(c, rep, rows, scale, collect_orders=orders_out is not None and rep == 0)
            for c in configs for rep in range(n)]
    params: dict[str, Any] = {
        "replications": n, "seed": config.run.seed, "sweeps": [f"{s.name}={','.join(map(str, s.values))}" for s in parsed],
        "replay": str(replay) if replay else None, "scale": scale, "days": config.calendar.days,
        "start": config.calendar.start.isoformat(), "processes": processes, "cluster": cluster,
    }
    return SimPlan(config, label, points, labels, jobs, params, *out_paths)


def _writable(option: str, path: str | Path | None) -> Path | None:
    """`path` as a Path if a file can be written there (its folder is made); BadInput if not."""
    if path is None:
        return None
    p = Path(path)
    if p.is_dir():
        raise BadInput(f"{option} {p}: is a folder; give a file name such as {p / 'results.csv'}")
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInput(f"{option} {p}: cannot make its folder: {exc}") from None
    if not os.access(p.parent, os.W_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise BadInput(f"{option} {p}: not writable; choose another path")
    return p


def simulate(
    scenario: str | Path | SimConfig | SimPlan,
    *,
    ledger: Ledger,
    replications: int | None = None,
    sweeps: Sequence[str | Sweep] | None = None,
    seed: int | None = None,
    processes: int | None = None,
    cluster: str | None = None,
    replay: str | Path | None = None,
    scale: float = 1.0,
    day_first: bool | None = None,
    orders_out: str | Path | None = None,
    csv_out: str | Path | None = None,
    progress: bool = True,
) -> SimResult:
    """Run the model's replications (and sweep grid) and write tallies and figures to `ledger`.

    `scenario` may be a plan from `plan_simulation` (then the other options are its own)."""
    plan = scenario if isinstance(scenario, SimPlan) else plan_simulation(
        scenario, replications=replications, sweeps=sweeps, seed=seed, processes=processes, cluster=cluster,
        replay=replay, scale=scale, day_first=day_first, orders_out=orders_out, csv_out=csv_out)
    n = plan.config.run.replications
    with ledger.running("simulate", scenario=plan.label, params=plan.params) as run:
        results = _run_with_progress(plan.jobs, plan.params["processes"], plan.params["cluster"], progress)
        records: list[Any] = []
        groups = []
        for g, point in enumerate(plan.points):
            labels = {**point, **plan.labels}
            group = group_label(labels)
            groups.append(group)
            chunk = results[g * n:(g + 1) * n]
            records += tallies_for(chunk, group)
            records += figures_for(chunk, labels, group, plan.config.run.target)
        figures = [r for r in records if isinstance(r, Figure)]
        ledger.write(run.id, *records)
        if plan.orders_out is not None:
            _write_orders(plan.orders_out, [(groups[g], results[g * n]) for g in range(len(plan.points))])
        if plan.csv_out is not None:
            write_results_csv(plan.csv_out, figures, groups)
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
