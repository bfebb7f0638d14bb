"""Reading what the model predicted: tallies and figures of simulate and sweep runs.

The model writes `Tally(kind, day, group, kept, broken, open)` per day, kind and group (a group
is a short label such as "replication=3 packers=5") and `Figure(name, value, lo, hi, labels)`.
A figure whose labels hold "day" is one point of a daily series; other labels are the sweep's
parameters ({"packers": 5, "ad_multiplier": 2}); `target` qualifies the honest-promise figure.
Labels "group" and "replications" (how many replications the interval is over) are
bookkeeping, not parameters. Figures labelled with a "replication" are per-replication detail and are left out: the model
also writes the figure across replications, with its interval.

Any figure may be missing; the report shows what is there. A configuration is the set of
parameter labels (everything but day, target and replication), so a plain simulate run has one
configuration, {} and a sweep has one per point of its grid.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from keepword.ledger import Ledger
from keepword.records import Figure, Run, Tally
from reports.scoring import Rate

__all__ = [  # noqa: RUF022 - plain sorted(), as the public-API tests check
    "Config",
    "FIGURE_NAMES",
    "ModelRun",
    "config_label",
    "read_model_runs",
]

# Known figures, in the order the report lists them, with how to show them.
FIGURE_NAMES: dict[str, tuple[str, str]] = {
    "on_time_rate": ("on-time delivery rate", "pct"),
    "late_dispatch_rate": ("late dispatch rate", "pct"),
    "stock_claim_accuracy": ("stock claims accurate", "pct"),
    "email_on_time_rate": ("e-mails on time", "pct"),
    "support_wait_mean_min": ("support wait, mean (min)", "num"),
    "support_wait_p90_min": ("support wait, 90th percentile (min)", "num"),
    "support_hangup_rate": ("support callers who hang up", "pct"),
    "utilisation_packers": ("packer utilisation", "pct"),
    "orders_per_day": ("orders per day", "num"),
    "honest_promise_days": ("honest delivery promise (days)", "num"),
}

# Labels that qualify a figure rather than name a point of the parameter grid.
_NOT_PARAMS = frozenset({"day", "target", "replication", "replications", "group"})

ConfigKey = tuple[tuple[str, str], ...]

_STAFF = re.compile(r"packers|pickers|agents|staff|workers|servers")


def _key(params: dict[str, Any]) -> ConfigKey:
    return tuple(sorted((str(k), str(v)) for k, v in params.items()))


def config_label(params: dict[str, Any]) -> str:
    """"packers=5 ad_multiplier=2", or "baseline" for a run with no parameters."""
    return " ".join(f"{k}={v}" for k, v in params.items()) or "baseline"


def _parse_group(group: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for part in group.split():
        name, sep, value = part.partition("=")
        if sep and name not in _NOT_PARAMS:
            params[name] = value
    return params


@dataclass(slots=True)
class Config:
    """One point of the model's parameter grid, with what the model said for it."""

    params: dict[str, Any]
    figures: dict[str, Figure] = field(default_factory=dict)
    daily: dict[str, dict[date, Figure]] = field(default_factory=lambda: defaultdict(dict))
    tallies: dict[str, list[Tally]] = field(default_factory=lambda: defaultdict(list))
    honest: list[Figure] = field(default_factory=list)

    @property
    def label(self) -> str:
        return config_label(self.params)

    def tally_rates(self) -> dict[str, Rate]:
        """Kept/broken/open per kind, summed over days and replications."""
        out = {}
        for kind in sorted(self.tallies):
            rows = self.tallies[kind]
            out[kind] = Rate(
                kept=sum(t.kept for t in rows),
                broken=sum(t.broken for t in rows),
                open=sum(t.open for t in rows),
            )
        return out

    def daily_tally_rate(self, kind: str) -> dict[date, Rate]:
        per_day: dict[date, list[Tally]] = defaultdict(list)
        for t in self.tallies.get(kind, []):
            per_day[t.day].append(t)
        return {
            day: Rate(
                kept=sum(t.kept for t in rows),
                broken=sum(t.broken for t in rows),
                open=sum(t.open for t in rows),
            )
            for day, rows in sorted(per_day.items())
        }

    def __repr__(self) -> str:
        return f"<Config {self.label} figures={len(self.figures)}>"


@dataclass(slots=True)
class ModelRun:
    """A simulate or sweep run: its configurations and the parameters its sweep varied."""

    run: Run
    configs: list[Config]

    @property
    def swept(self) -> list[str]:
        """Parameter names that take more than one value across configurations, in order seen."""
        names: dict[str, set[str]] = {}
        for c in self.configs:
            for k, v in c.params.items():
                names.setdefault(k, set()).add(str(v))
        return [k for k, values in names.items() if len(values) > 1]

    @property
    def is_sweep(self) -> bool:
        return self.run.kind == "sweep" or len(self.configs) > 1

    def smallest_meeting(self, figure: str = "on_time_rate", target: float = 0.95) -> list[dict[str, Any]]:
        """For each swept staffing parameter (packers, agents, ...) and each setting of the
        others, the smallest value whose `figure` reaches `target` (None when none does): "the
        staff needed". Only staffing: for traffic, "the smallest multiplier that keeps the
        promise" would read as advice to spend less on ads."""
        out = []
        for param in [p for p in self.swept if _STAFF.search(p)]:
            best: dict[ConfigKey, Any] = {}
            others_of: dict[ConfigKey, dict[str, Any]] = {}
            for c in self.configs:
                fig = c.figures.get(figure)
                if fig is None or param not in c.params:
                    continue
                others = {k: v for k, v in c.params.items() if k != param}
                key = _key(others)
                others_of[key] = others
                best.setdefault(key, None)
                value = c.params[param]
                if fig.value >= target and (best[key] is None or _sortable(value) < _sortable(best[key])):
                    best[key] = value
            for key, value in best.items():
                out.append({"param": param, "others": others_of[key], "smallest": value,
                            "figure": figure, "target": target})
        return out

    def __repr__(self) -> str:
        return f"<ModelRun #{self.run.id} configs={len(self.configs)}>"


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def read_model_runs(ledger: Ledger, runs: list[Run]) -> list[ModelRun]:
    """Group each model run's tallies and figures by configuration."""
    from reports.scoring import MODEL_RUN_KINDS

    out = []
    for run in runs:
        if run.kind not in MODEL_RUN_KINDS:
            continue
        configs: dict[ConfigKey, Config] = {}

        def config_for(params: dict[str, Any], configs: dict[ConfigKey, Config] = configs) -> Config:
            key = _key(params)
            if key not in configs:
                configs[key] = Config(params=dict(params))
            return configs[key]

        for fig in ledger.figures([run.id]):
            labels = fig.labels if isinstance(fig.labels, dict) else {}
            if "replication" in labels:
                continue
            config = config_for({k: v for k, v in labels.items() if k not in _NOT_PARAMS})
            if "day" in labels:
                day = _day(labels["day"])
                if day is not None:
                    config.daily[fig.name][day] = fig
            elif fig.name == "honest_promise_days":
                config.honest.append(fig)
            else:
                config.figures[fig.name] = fig
        for tally in ledger.tallies([run.id]):
            config_for(_parse_group(tally.group)).tallies[tally.kind].append(tally)
        order: list[str] = []
        for c in configs.values():
            order += [k for k in c.params if k not in order]
        ordered = sorted(configs.values(), key=lambda c: [_sortable(c.params.get(k, "")) for k in order])
        out.append(ModelRun(run, ordered))
    return out


def _sortable(value: Any) -> tuple[int, float, str]:
    try:
        return (0, float(value), "")
    except (TypeError, ValueError):
        return (1, 0.0, str(value))
