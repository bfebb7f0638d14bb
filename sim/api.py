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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from keepword.errors import BadInput
from keepword.ledger import Ledger
from keepword.loading import deepest_folder, replaceable
from keepword.records import Figure
from sim.config import SimConfig
from sim.model import ORDER_COLUMNS
from sim.results import atomic_csv, figures_for, is_results_header, tallies_for, write_results_csv
from sim.runner import Job, check_cluster, run_jobs
from sim.sweep import Sweep, apply_point, grid, group_label, parse_sweep

__all__ = ["MAX_JOBS", "MAX_SCALE", "SimPlan", "SimResult", "load_sim_config", "plan_simulation", "simulate"]

MAX_JOBS = 10_000
"""Replications in one run, over every sweep point: each is a job whose result (about 2.5 kB)
stays in memory until the run is written."""
MAX_SCALE = 100.0
"""`--scale`: a replayed log's orders may count up to this many times (and the orders that
makes stay under sim.config.MAX_ORDERS)."""


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
    ledger_path: str | Path | None = None,
) -> SimPlan:
    """Read and check everything a run needs; raises BadInput (one line) on the first problem.

    `keepword simulate` calls this before it opens the ledger, so bad input never creates or
    changes one (issue 13). `ledger_path` is the ledger the run will write: an output path that
    is it (or the scenario, or the log) is refused, never overwritten."""
    if isinstance(scenario, SimConfig):
        config, label = scenario, "(config)"
    else:
        config, label = load_sim_config(scenario), str(scenario)
    if replications is not None:
        if not 1 <= replications <= MAX_JOBS:
            raise BadInput(f"--replications {replications}: give 1 to {MAX_JOBS:,}")
        config = config.replace("run.replications", replications)
    if seed is not None:
        config = config.replace("run.seed", seed)
    cores = os.cpu_count() or 1
    machine = f"this machine has {cores} core{'s' if cores != 1 else ''}"
    if processes is not None and processes < 1:
        raise BadInput(f"--processes {processes}: give 1 or more ({machine})")
    if processes is not None and processes > cores:
        # More workers than cores only share the cores, each with its own copy of the model; the
        # same command must work on a CI runner with fewer cores, so it is capped, not refused.
        import sys

        print(f"note: --processes {processes}: {machine}; using {cores} (--cluster uses more machines)",
              file=sys.stderr)
        processes = cores
    if not 0 < scale <= MAX_SCALE:  # also refuses inf and nan
        raise BadInput(f"--scale {scale:g}: give a factor above 0 and at most {MAX_SCALE:g}, such as 2 or 0.5")
    # the options first, the log last: a sweep typo is said before a big log is read
    parsed = [s if isinstance(s, Sweep) else parse_sweep(s) for s in sweeps or []]
    for sweep in parsed:
        if replay is not None and sweep.name.startswith("calendar."):
            raise BadInput(f"--sweep {sweep.name}: with --replay the log's own days are the calendar; "
                           "sweep another parameter, or drop --replay")
    points = grid(parsed)
    if len(points) * config.run.replications > MAX_JOBS:
        raise BadInput(f"--replications {config.run.replications:,} x {len(points):,} sweep points make "
                       f"{len(points) * config.run.replications:,} replications, over keepword's limit of "
                       f"{MAX_JOBS:,}; give fewer --replications or sweep fewer values")
    inputs = {"the ledger": ledger_path, "the scenario": None if isinstance(scenario, SimConfig) else scenario,
              "the --replay log": replay}
    out_paths: list[Path | None] = []
    for option, out, header in (("--orders-out", orders_out, _is_orders_header), ("--csv", csv_out, is_results_header)):
        out_paths.append(_writable(option, out, header, inputs))
        if out is not None:
            inputs[f"the {option} file"] = out
    rows = None
    labels: dict[str, Any] = {}
    if replay is not None:
        for point in points:  # a swept value the model refuses is said before the log is read
            apply_point(config, point)
        from sim.config import MAX_ORDERS
        from sim.replay import read_orders

        log = read_orders(replay, list(config.carrier.regions), day_first=day_first)
        if len(log.rows) * scale > MAX_ORDERS:
            raise BadInput(f"--scale {scale:g}: {len(log.rows):,} orders of {replay} x {scale:g} is over "
                           f"keepword's limit of {MAX_ORDERS:,} orders in one replication; give a smaller --scale")
        # A replay's orders are the log's: the traffic model makes none, so its sessions must not
        # count against the order limit over the log's span (a 2,000-day log of a 500-a-day store
        # was refused, a wide one crashed), and the run records that no traffic was modelled.
        config = config.replace("traffic.sessions_per_day", 0).replace("traffic.campaigns", [])
        config = config.replace("calendar.start", log.start).replace("calendar.days", log.days)
        rows = log.rows
        # a label, so the report and the table name the log (a group label splits on spaces)
        labels = {"replay": "_".join(Path(replay).name.split())}
        if scale != 1:
            labels["scale"] = int(scale) if float(scale).is_integer() else scale
    configs = [apply_point(config, point) for point in points]
    if cluster:
        check_cluster(cluster)
    n = config.run.replications
    jobs = [Job(c, rep, rows, scale, collect_orders=orders_out is not None and rep == 0)
            for c in configs for rep in range(n)]
    params: dict[str, Any] = {
        "replications": n, "seed": config.run.seed, "sweeps": [f"{s.name}={','.join(map(str, s.values))}" for s in parsed],
        "replay": str(replay) if replay else None, "scale": scale, "days": config.calendar.days,
        "start": config.calendar.start.isoformat(), "processes": processes, "cluster": cluster,
    }
    return SimPlan(config, label, points, labels, jobs, params, *out_paths)


def _writable(option: str, path: str | Path | None, keepwords: Callable[[str], bool],
              inputs: dict[str, str | Path | None]) -> Path | None:
    """`path` as a Path if keepword may write its output there (its folder is made when it is
    written); BadInput if not. It may replace only a file it wrote itself for `option`
    (`keepwords` tells its header line), never one of the run's `inputs`: a mistyped --csv once
    replaced the ledger."""
    if path is None:
        return None
    p = Path(path)
    for role, other in inputs.items():
        if other is not None and _same_file(p, Path(other)):
            if role.endswith(" file"):  # the other output: two outputs, one path
                raise BadInput(f"{option} {p}: is also {role} of this run; give each output its own path")
            raise BadInput(f"{option} {p}: is {role} of this run; keepword leaves it as it is: "
                           "pick another path for the output")
    try:
        is_dir = p.is_dir()
        ours = is_dir or replaceable(p, keepwords)  # an --orders-out of no orders by an older keepword is empty
    except OSError as exc:  # a folder on the way keepword may not read (Python 3.11 raises here)
        raise BadInput(f"{option} {p}: cannot look there: {exc.strerror or exc}; pick another path") from None
    if is_dir:
        raise BadInput(f"{option} {p}: is a folder; give a file name such as {p / 'results.csv'}")
    if not ours:
        raise BadInput(f"{option} {p}: the file exists and is not one keepword wrote for {option} (its first "
                       "line is not keepword's header); keepword leaves it as it is: pick another path")
    # Checked, not made: a later check may still refuse the run, and a refused run leaves no
    # folder behind. The folder is made when the output is written (`atomic_csv`).
    try:
        folder = deepest_folder(p.parent)
    except ValueError as exc:
        raise BadInput(f"{option} {p}: {exc}; pick another path") from None
    if not os.access(folder, os.W_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise BadInput(f"{option} {p}: not writable; choose another path")
    return p


def _same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file (also through a link, or with different spellings)."""
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
        return a.resolve() == b.resolve()
    except (OSError, RuntimeError):
        return False


def _is_orders_header(line: str) -> bool:
    """Whether `line` is the header `--orders-out` writes (`_write_orders`)."""
    return line == ",".join(("group", *ORDER_COLUMNS))


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
        replay=replay, scale=scale, day_first=day_first, orders_out=orders_out, csv_out=csv_out,
        ledger_path=None if ledger.path == ":memory:" else ledger.path)
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
    """Every order of replication 0 of each group, for `--orders-out`; the header is written even
    with no orders, so that the next run knows the file as keepword's."""
    with atomic_csv("--orders-out", path) as handle:
        writer = csv.DictWriter(handle, ["group", *ORDER_COLUMNS])
        writer.writeheader()
        for group, result in chunks:
            for row in result.orders_rows or []:
                writer.writerow({"group": group, **row})
