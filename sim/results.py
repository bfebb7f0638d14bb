"""From replications' counts to ledger records: Figures with 95% intervals, and daily Tallies.

Each figure is computed per replication, then reported as the mean over replications with a
Student-t 95% interval (`keepword.stats.mean_interval`): replications are the independent
samples, orders within one replication are not. Daily tallies are summed over replications.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from keepword.records import Figure, Tally
from keepword.stats import mean_interval
from sim.tallies import KINDS, ReplicationResult

__all__ = ["FIGURES", "figures_for", "honest_promise", "per_replication", "percentile", "smallest_meeting",
           "tallies_for"]

FIGURES = (
    "on_time_rate", "late_dispatch_rate", "stock_claim_accuracy", "email_on_time_rate",
    "support_wait_mean_min", "support_wait_p90_min", "support_hangup_rate", "support_wait_share",
    "support_answered_wait_mean_min", "utilisation_packers", "orders_per_day", "orders_per_day_peak",
    "honest_promise_days", "warehouse_wait_mean_min", "warehouse_wait_share", "warehouse_queue_mean",
    "warehouse_arrivals_per_min",
)


def _rate(r: ReplicationResult, kind: str, good: str = "kept") -> float | None:
    kept, broken = sum(r.daily[f"{kind}.kept"]), sum(r.daily[f"{kind}.broken"])
    total = kept + broken
    if not total:
        return None
    return float(kept if good == "kept" else broken) / float(total)


def percentile(histogram: dict[float, int], share: float) -> float | None:
    """The smallest value with at least `share` of the weight at or below it."""
    total = sum(histogram.values())
    if not total:
        return None
    need, seen = share * total, 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= need - 1e-9:
            return float(value)
    return max(histogram)


def honest_promise(lead_days: dict[int, int], target: float) -> float | None:
    """The shortest "delivered within N working days of the order" that held for `target`."""
    return percentile({float(k): v for k, v in lead_days.items()}, target)


def per_replication(r: ReplicationResult, target: float) -> dict[str, float | None]:
    """Every figure for one replication (None where it has no denominator)."""
    t, d = r.totals, r.daily
    calls = sum(d["calls"])
    answered = calls - sum(d["hangups"])
    entries = t["queue_entries"]
    return {
        "on_time_rate": _rate(r, "delivery_date"),
        "late_dispatch_rate": _rate(r, "dispatch_date", "broken"),
        "stock_claim_accuracy": _rate(r, "availability"),
        "email_on_time_rate": _rate(r, "email"),
        "support_wait_mean_min": sum(d["wait_sum"]) / calls if calls else None,
        "support_wait_p90_min": percentile(r.waits, 0.9),
        "support_hangup_rate": sum(d["hangups"]) / calls if calls else None,
        "support_wait_share": sum(d["calls_waited"]) / calls if calls else None,
        "support_answered_wait_mean_min": sum(d["answered_wait_sum"]) / answered if answered else None,
        "utilisation_packers": t["busy_min"] / t["on_duty_min"] if t["on_duty_min"] else None,
        "orders_per_day": sum(d["orders"]) / r.days,
        "orders_per_day_peak": float(max(d["orders"])),
        "honest_promise_days": honest_promise(r.lead_days, target),
        "warehouse_wait_mean_min": t["queue_wait_sum"] / entries if entries else None,
        "warehouse_wait_share": t["queue_waited"] / entries if entries else None,
        "warehouse_queue_mean": t["queue_area"] / t["end_min"],
        "warehouse_arrivals_per_min": entries / t["end_min"],
    }


def _figure(name: str, values: Sequence[float | None], labels: dict[str, Any]) -> Figure | None:
    present = [v for v in values if v is not None and math.isfinite(v)]
    if not present:
        return None
    mean, lo, hi = mean_interval(present)
    return Figure(name, mean, lo, hi, {**labels, "replications": len(present)})


def figures_for(results: Sequence[ReplicationResult], point: dict[str, Any], group: str,
                target: float) -> list[Figure]:
    """Whole-run figures, then per-day ones (labelled with "day") for one group."""
    labels: dict[str, Any] = {**point, "group": group}
    rows = [per_replication(r, target) for r in results]
    out: list[Figure] = []
    for name in FIGURES:
        extra = {"target": target} if name == "honest_promise_days" else {}
        fig = _figure(name, [row[name] for row in rows], {**labels, **extra})
        if fig is not None:
            out.append(fig)
    first = results[0]
    daily: dict[str, Callable[[ReplicationResult, int], float | None]] = {
        "orders_per_day": lambda r, i: float(r.daily["orders"][i]),
        "support_wait_mean_min": lambda r, i: (r.daily["wait_sum"][i] / r.daily["calls"][i]
                                               if r.daily["calls"][i] else None),
        "on_time_rate": lambda r, i: _day_rate(r, "delivery_date", i),
    }
    for i in range(first.days):
        day = (first.start + timedelta(days=i)).isoformat()
        for name, get in daily.items():
            fig = _figure(name, [get(r, i) for r in results], {**labels, "day": day})
            if fig is not None:
                out.append(fig)
    return out


def _day_rate(r: ReplicationResult, kind: str, i: int) -> float | None:
    kept, broken = r.daily[f"{kind}.kept"][i], r.daily[f"{kind}.broken"][i]
    return kept / (kept + broken) if kept + broken else None


def tallies_for(results: Sequence[ReplicationResult], group: str) -> list[Tally]:
    """Kept/broken/open per kind and day, summed over replications. A delivery or dispatch claim
    still undecided when the model stopped (drain days included) counts as open."""
    first = results[0]
    out: list[Tally] = []
    for kind in KINDS:
        for i in range(first.days):
            kept = sum(r.daily[f"{kind}.kept"][i] for r in results)
            broken = sum(r.daily[f"{kind}.broken"][i] for r in results)
            opened = 0
            if kind == "delivery_date" or (kind == "dispatch_date" and kept + broken):
                opened = sum(r.daily["orders"][i] for r in results) - kept - broken
            if kept or broken or opened:
                out.append(Tally(kind, first.start + timedelta(days=i), group, kept, broken, max(0, opened)))
    return out


def smallest_meeting(figures: Sequence[Figure], param: str, *, figure: str = "on_time_rate",
                     target: float = 0.95) -> dict[str, Any]:
    """For each setting of the other swept parameters, the smallest value of `param` whose
    `figure` (whole-run mean) reaches `target`; None where no swept value does."""
    best: dict[str, Any] = {}
    for fig in figures:
        if fig.name != figure or "day" in fig.labels or param not in fig.labels:
            continue
        others = " ".join(f"{k}={v}" for k, v in fig.labels.items()
                          if k not in (param, "group", "replications", "target"))
        best.setdefault(others, None)
        if fig.value >= target and (best[others] is None or fig.labels[param] < best[others]):
            best[others] = fig.labels[param]
    return best
