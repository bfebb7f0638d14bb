"""From replications' counts to ledger records: Figures with 95% intervals, and daily Tallies.

Each figure is computed per replication, then reported as the mean over replications with a
Student-t 95% interval (`keepword.stats.mean_interval`): replications are the independent
samples, orders within one replication are not. Daily tallies are summed over replications.
"""

from __future__ import annotations

import csv
import math
import os
import stat
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, TextIO

from keepword.errors import BadInput
from keepword.records import Figure, Tally
from keepword.stats import mean_interval
from sim.tallies import KINDS, ReplicationResult

__all__ = [
    "FIGURES",
    "StaffAnswer",
    "atomic_csv",
    "figures_for",
    "honest_promise",
    "is_results_header",
    "per_replication",
    "percentile",
    "smallest_meeting",
    "staff_needed",
    "tallies_for",
    "write_results_csv",
]

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


@dataclass(frozen=True)
class StaffAnswer:
    """The fewest of a staff level that meets a target, for one setting of the other swept
    parameters (`others`, "" when nothing else was swept). `best` is None when no swept level
    meets it; `near` is a smaller level whose mean meets the target but whose interval does not."""

    param: str
    others: str
    best: Any
    best_figure: Figure | None
    near: Figure | None

    def __repr__(self) -> str:
        return f"<StaffAnswer {self.param}={self.best} {self.others}>"


def staff_needed(figures: Sequence[Figure], param: str, *, figure: str = "on_time_rate",
                 target: float = 0.95, at_least: bool = True) -> list[StaffAnswer]:
    """For each setting of the other swept parameters, the smallest value of `param` whose
    `figure` meets `target` over its whole 95% interval: the interval's low end at or above
    `target` (`at_least`), or its high end at or below it.

    On the interval, not the mean: 5 packers at 95.8% ± 1.1% may well be under 95%, and a
    planner who staffs to the mean is short whenever the model is right at the margin."""
    groups: dict[str, list[Figure]] = {}
    for fig in figures:
        if fig.name == figure and "day" not in fig.labels and param in fig.labels:
            others = " ".join(f"{k}={v}" for k, v in fig.labels.items()
                              if k not in (param, "group", "replications", "target"))
            groups.setdefault(others, []).append(fig)
    answers = []
    for others, figs in groups.items():
        figs = sorted(figs, key=lambda f: f.labels[param])
        best = next((f for f in figs if _meets(f, target, at_least, interval=True)), None)
        near = next((f for f in figs if _meets(f, target, at_least, interval=False)
                     and (best is None or f.labels[param] < best.labels[param])), None)
        answers.append(StaffAnswer(param, others, best.labels[param] if best else None, best, near))
    return answers


def _meets(fig: Figure, target: float, at_least: bool, *, interval: bool) -> bool:
    bound = (fig.lo if at_least else fig.hi) if interval else None
    value = fig.value if bound is None else bound
    return value >= target if at_least else value <= target


def smallest_meeting(figures: Sequence[Figure], param: str, *, figure: str = "on_time_rate",
                     target: float = 0.95, at_least: bool = True) -> dict[str, Any]:
    """`staff_needed` as {others: smallest value or None}."""
    return {a.others: a.best for a in staff_needed(figures, param, figure=figure, target=target, at_least=at_least)}


def write_results_csv(path: Path, figures: Sequence[Figure], groups: Sequence[str]) -> None:
    """`--csv`: one row per group, for a spreadsheet. Columns: group, the group's labels (sweep
    parameters, replay), replications, then each whole-run figure as NAME, NAME_low, NAME_high
    (the 95% interval); rates are shares (0.953), not percentages."""
    whole = [f for f in figures if "day" not in f.labels]
    label_names: list[str] = []
    for f in whole:
        for k in f.labels:
            if k not in ("group", "replications", "target") and k not in label_names:
                label_names.append(k)
    names = [n for n in FIGURES if any(f.name == n for f in whole)]
    columns = ["group", *label_names, "replications"]
    for n in names:
        columns += [n, f"{n}_low", f"{n}_high"]
    rows: dict[str, dict[str, Any]] = {g: {"group": g} for g in groups}
    for f in whole:
        row = rows.setdefault(str(f.labels.get("group")), {"group": f.labels.get("group")})
        for k in label_names:
            if k in f.labels:
                row[k] = f.labels[k]
        row["replications"] = max(row.get("replications", 0), f.labels.get("replications", 0))
        row[f.name], row[f"{f.name}_low"], row[f"{f.name}_high"] = f.value, f.lo, f.hi
    with atomic_csv("--csv", path) as handle:
        writer = csv.DictWriter(handle, columns, restval="")
        writer.writeheader()
        for group in rows:
            writer.writerow({k: _cell(v) for k, v in rows[group].items()})


def is_results_header(line: str) -> bool:
    """Whether `line` is a header `write_results_csv` writes: group, the labels, replications,
    then NAME, NAME_low, NAME_high for figures keepword computes. `--csv` overwrites only such a
    file, so a mistyped path never replaces a user's spreadsheet (or the ledger)."""
    columns = line.split(",")
    if columns[:1] != ["group"] or "replications" not in columns:
        return False
    rest = columns[columns.index("replications") + 1:]
    if not rest or len(rest) % 3:
        return False
    triples = [rest[i:i + 3] for i in range(0, len(rest), 3)]
    return all(t[0] in FIGURES and t[1:] == [f"{t[0]}_low", f"{t[0]}_high"] for t in triples)


def _mode(path: Path) -> int:
    """The permissions of the file `path` replaces, or a new file's (0666 less the umask)."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return 0o666 & ~_umask()


def _umask() -> int:
    """The process's umask, read where Linux shows it: setting it to read it back (os.umask)
    would, for a moment, change it for every thread creating files."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    umask = os.umask(0)
    os.umask(umask)
    return umask


@contextmanager
def atomic_csv(option: str, path: Path) -> Iterator[TextIO]:
    """A CSV handle whose text replaces `path` only once it is all written (a temporary file
    beside it, then a rename): an interrupted run leaves the old file or none, never half. A
    link is written through: the file it names is replaced, and the link stays."""
    tmp: Path | None = None
    target = Path(os.path.realpath(path))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        tmp = Path(name)
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
            yield handle
        os.chmod(tmp, _mode(target))  # mkstemp's 0600: give it what a plain open() would have
        os.replace(tmp, target)
        tmp = None
    except OSError as exc:
        raise BadInput(f"{option} {path}: cannot write: {exc.strerror or exc}; choose another path") from None
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def _cell(value: Any) -> Any:
    return f"{value:.6g}" if isinstance(value, float) else value
