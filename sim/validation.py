"""The model reduced to queues with exact answers, and the table that compares them.

    python -m sim.validation            # the slow tier's table (minutes on two cores)
    python -m sim.validation --quick    # the default tier's (seconds), with wider intervals

Two reductions, each the whole model (`sim.model.run_model`) with a configuration that leaves
one queue:

* the warehouse as M/M/c: Poisson orders at a flat rate, exponential pick-and-pack, the same
  packers on duty 00:00-24:00 every day, stock unlimited, no support calls; checked against
  Erlang C (probability an order waits for a packer, mean wait);
* the support line as M/M/c+M: no orders, calls from `support.calls_per_day` only, open
  00:00-24:00, exponential handling and patience; checked against Erlang A (probability a caller
  waits, probability a caller hangs up, mean wait of the callers an agent answered).

Each figure is the mean over independent replications with its Student-t 95% interval, computed
exactly as the planner's figures are (`sim.results.per_replication`). Each row of the table has
a seed of its own. Why it matters: replication r of one seed draws the same uniforms at every
load, so rows that share a seed are correlated (0.63 between the per-replication shares waiting
at 62% and 89% load, measured), and a run of rows all below the exact value is then one unlucky
sample seen several times, not a bias. The model starts empty, which does bias a finite horizon
low: at 80% load on 3 packers by 0.2% over 4 days, 0.004% over 200 (the chain's transient,
computed); the slow tier's horizon makes that negligible beside its 0.5% intervals.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass

from keepword.stats import mean_interval
from sim.config import SimConfig
from sim.erlang import erlang_a, erlang_c
from sim.results import per_replication
from sim.runner import Job, run_jobs

__all__ = ["Check", "Reduction", "run_checks", "support_mmcm", "table", "warehouse_mmc"]

ALL_DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


@dataclass(frozen=True)
class Check:
    """One measure of one reduction: the exact value and what the model gave."""

    queue: str
    load: float  # offered load per server (may exceed 1 with abandonment)
    measure: str
    exact: float
    mean: float
    lo: float
    hi: float
    replications: int
    days: int

    def __repr__(self) -> str:
        return f"<Check {self.queue} load {self.load:.2f} {self.measure}: {self.exact:.4f} vs {self.mean:.4f}>"

    @property
    def inside(self) -> bool:
        return self.lo <= self.exact <= self.hi

    @property
    def half_width(self) -> float:
        """Half the interval, as a share of the exact value."""
        return (self.hi - self.lo) / 2 / self.exact


@dataclass(frozen=True)
class Reduction:
    """A configuration of the whole model that is one queue, with its exact measures."""

    queue: str
    load: float
    config: SimConfig
    exact: dict[str, float]  # figure name -> exact value

    def __repr__(self) -> str:
        return f"<Reduction {self.queue} load {self.load:.2f}>"


def warehouse_mmc(servers: int, load: float, *, service_mean: float = 3.0, days: int = 200,
                  seed: int = 0) -> Reduction:
    """The warehouse as M/M/c at `load` (orders per minute x service mean / servers)."""
    rate = load * servers / service_mean
    config = SimConfig.model_validate({
        "calendar": {"days": days, "working_days": ALL_DAYS},
        "traffic": {"sessions_per_day": rate * 1440, "conversion": 1},
        "stock": {"unlimited": True},
        "warehouse": {"shifts": [{"start": "00:00", "end": "24:00", "packers": servers}], "days": "all",
                      "pick_pack_min": {"exp": service_mean}},
        "support": {"agents": 0, "calls_per_order": 0, "call_share_late": 0, "call_share_delayed": 0},
        "run": {"drain_days": 1, "seed": seed},
    })
    p_wait, mean_wait = erlang_c(rate, service_mean, servers)
    return Reduction(f"warehouse M/M/{servers}", load, config,
                     {"warehouse_wait_share": p_wait, "warehouse_wait_mean_min": mean_wait})


def support_mmcm(agents: int, load: float, *, handle_mean: float = 8.0, patience_mean: float = 10.0,
                 days: int = 200, seed: int = 0) -> Reduction:
    """The support line as M/M/c+M at `load` (calls per minute x handle mean / agents)."""
    rate = load * agents / handle_mean
    config = SimConfig.model_validate({
        "calendar": {"days": days, "working_days": ALL_DAYS},
        "traffic": {"sessions_per_day": 0},
        "stock": {"unlimited": True},
        "support": {"agents": agents, "hours": ["00:00", "24:00"], "days": "all",
                    "handle_min": {"exp": handle_mean}, "patience_min": {"exp": patience_mean},
                    "calls_per_order": 0, "call_share_late": 0, "call_share_delayed": 0,
                    "calls_per_day": rate * 1440},
        "run": {"drain_days": 1, "seed": seed},
    })
    exact = erlang_a(rate, handle_mean, patience_mean, agents)
    return Reduction(f"support M/M/{agents}+M", load, config,
                     {"support_wait_share": exact.p_wait, "support_hangup_rate": exact.p_abandon,
                      "support_answered_wait_mean_min": exact.mean_wait_served})


def run_checks(reductions: Sequence[Reduction], replications: int, *, processes: int | None = None,
               cluster: str | None = None) -> list[Check]:
    """Run every reduction's replications (in one pool) and compare each measure."""
    jobs = [Job(r.config, rep) for r in reductions for rep in range(replications)]
    results = run_jobs(jobs, processes=processes, cluster=cluster)
    checks = []
    for i, reduction in enumerate(reductions):
        rows = [per_replication(r, 0.95) for r in results[i * replications:(i + 1) * replications]]
        for name, exact in reduction.exact.items():
            values = [row[name] for row in rows]
            mean, lo, hi = mean_interval([v for v in values if v is not None])
            checks.append(Check(reduction.queue, reduction.load, _MEASURES[name], exact, mean, lo, hi,
                                replications, reduction.config.calendar.days))
    return checks


_MEASURES = {
    "warehouse_wait_share": "P(wait)",
    "warehouse_wait_mean_min": "mean wait (min)",
    "support_wait_share": "P(wait)",
    "support_hangup_rate": "P(hang up)",
    "support_answered_wait_mean_min": "mean wait, answered (min)",
}


def table(checks: Sequence[Check]) -> str:
    """A Markdown table: queue, load, measure, exact, simulated ± half interval, inside or not."""
    lines = ["| queue | load | measure | exact | simulated ± 95% | half-width | inside |",
             "| --- | ---: | --- | ---: | ---: | ---: | --- |"]
    for c in checks:
        lines.append(f"| {c.queue} | {c.load:.0%} | {c.measure} | {c.exact:.4f} | "
                     f"{c.mean:.4f} ± {(c.hi - c.lo) / 2:.4f} | {c.half_width:.2%} | {'yes' if c.inside else 'NO'} |")
    return "\n".join(lines)


def slow_tier() -> tuple[list[Reduction], int]:
    """The slow tier's reductions: 3 packers at 62%, 80% and 90%; 3 agents at 90% and 110%;
    each row with a seed of its own."""
    return ([warehouse_mmc(3, load, days=150, seed=seed) for load, seed in ((0.62, 101), (0.80, 102), (0.90, 103))]
            + [support_mmcm(3, load, days=200, seed=seed) for load, seed in ((0.90, 201), (1.10, 202))], 30)


def quick_tier() -> tuple[list[Reduction], int]:
    """The default tier's: one load of each queue, short horizons, wide intervals."""
    return [warehouse_mmc(3, 0.85, days=10, seed=11), support_mmcm(3, 0.9, days=20, seed=21)], 8


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="The model against Erlang C and Erlang A.")
    parser.add_argument("--quick", action="store_true", help="the default tier's short runs")
    parser.add_argument("--processes", type=int, default=None, help="worker processes (default: one per core)")
    args = parser.parse_args(argv)
    reductions, replications = quick_tier() if args.quick else slow_tier()
    print(table(run_checks(reductions, replications, processes=args.processes)))


if __name__ == "__main__":
    main()
