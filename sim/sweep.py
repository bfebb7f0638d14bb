"""`--sweep NAME=VALUES`: parameters a planner varies, and the grid of groups they make.

VALUES is `3..8` (whole numbers, both ends included), `1..2:0.5` (a step), or a list `1,1.5,2`.
NAME is a short name below or any dotted key of the `simulation:` section
(`support.agents`, `traffic.conversion`, `promise.cutoff`).

    packers          every warehouse shift's packers
    agents           support agents
    ad_multiplier    every campaign's multiplier (one over the whole horizon if there is none)
    sessions_per_day traffic.sessions_per_day
    conversion       traffic.conversion
    cutoff           promise.cutoff (minutes after midnight, or "HH:MM" in the list form)
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from keepword.errors import BadInput
from sim.config import SimConfig

__all__ = ["MAX_POINTS", "Sweep", "apply_point", "grid", "group_label", "parse_sweep"]

MAX_POINTS = 1_000
"""Sweep points in all (the product of every sweep's values): each is a model config and a
group of replications; 1,000 groups of 10 replications is hours of work already."""

SHORT = {
    "sessions_per_day": "traffic.sessions_per_day",
    "conversion": "traffic.conversion",
    "cutoff": "promise.cutoff",
    "agents": "support.agents",
}
SPECIAL = ("packers", "ad_multiplier")


@dataclass(frozen=True)
class Sweep:
    """One swept parameter and its values, in the order given."""

    name: str
    values: tuple[Any, ...]

    def __repr__(self) -> str:
        return f"<Sweep {self.name}={','.join(map(str, self.values))}>"


def parse_sweep(text: str) -> Sweep:
    """Parse one `--sweep` option; BadInput names the option and the accepted forms."""
    def bad(why: str) -> BadInput:
        return BadInput(f"--sweep {text!r}: {why}; write NAME=LOW..HIGH, NAME=LOW..HIGH:STEP or NAME=A,B,C "
                        f"(e.g. --sweep packers=3..8 --sweep ad_multiplier=1,1.5,2)")

    name, sep, spec = text.partition("=")
    name, spec = name.strip(), spec.strip()
    if not sep or not name or not spec:
        raise bad("missing NAME=VALUES")
    if not re.fullmatch(r"[a-z_][a-z0-9_.]*", name):
        raise bad(f"{name!r} is not a parameter name")
    if name not in SPECIAL and name not in SHORT and "." not in name:
        raise bad(f"unknown parameter {name!r}; use one of {', '.join(sorted([*SPECIAL, *SHORT]))} "
                  "or a dotted key of the simulation section such as support.agents")
    if m := re.fullmatch(r"(-?[\d.]+)\.\.(-?[\d.]+)(?::([\d.]+))?", spec):
        try:
            low, high = Decimal(m.group(1)), Decimal(m.group(2))
            step = Decimal(m.group(3) or "1")
        except InvalidOperation:
            raise bad(f"{spec!r} is not a range of numbers") from None
        if step <= 0 or high < low:
            raise bad("a range needs LOW <= HIGH and a positive STEP")
        count = int((high - low) / step) + 1
        if count > 1000:
            raise bad(f"{count} values is too many for one sweep")
        values = tuple(_number(low + i * step) for i in range(count))
    else:
        if ".." in spec:
            raise bad(f"{spec!r} is not a range")
        items = [v.strip() for v in spec.split(",")]
        if any(not v for v in items):
            raise bad("an empty value in the list")
        values = tuple(_value(v) for v in items)
    if len(set(values)) != len(values):
        raise bad("a value is repeated")
    return Sweep(name, values)


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _value(text: str) -> Any:
    """A number if the text is a finite one; else the text, for the model to judge (`inf`,
    `nan` and `1e400` reach it as text, so it refuses them with its own message)."""
    try:
        number = Decimal(text)
    except InvalidOperation:
        return text
    if not number.is_finite() or abs(number.adjusted()) > 30:
        return text
    return _number(number)


def grid(sweeps: list[Sweep]) -> list[dict[str, Any]]:
    """Every combination, the first sweep varying slowest; [{}] with no sweeps. Counted before
    any is built: a grid over MAX_POINTS is BadInput, not a million dicts."""
    names = [s.name for s in sweeps]
    if len(set(names)) != len(names):
        raise BadInput(f"--sweep: {', '.join(names)}: a parameter is swept twice; give it once with all its values")
    count = 1
    for s in sweeps:
        count *= len(s.values)
    if count > MAX_POINTS:
        sizes = " x ".join(f"{len(s.values):,} {s.name}" for s in sweeps)
        raise BadInput(f"--sweep: {sizes} make {count:,} sweep points, over keepword's limit of {MAX_POINTS:,}; "
                       "sweep fewer values (a step, e.g. packers=2..20:2) or fewer parameters")
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*(s.values for s in sweeps))]


def group_label(point: dict[str, Any]) -> str:
    """"packers=5 ad_multiplier=2", or "all" for a run with no sweep."""
    return " ".join(f"{k}={v}" for k, v in point.items()) or "all"


def apply_point(config: SimConfig, point: dict[str, Any]) -> SimConfig:
    """The config with one grid point's values set; a value the model refuses is BadInput."""
    for name, value in point.items():
        try:
            config = _apply(config, name, value)
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            message = str(first["msg"]).removeprefix("Value error, ")  # pydantic's prefix, not the user's
            raise BadInput(f"--sweep {name}={value}: {message}; sweep values the scenario would accept") from None
        except KeyError:
            raise BadInput(f"--sweep {name}: no such key in the simulation section; see the section 'The `simulation:` section' of README.md") from None
    return config


def _apply(config: SimConfig, name: str, value: Any) -> SimConfig:
    if name == "packers":
        shifts = [{**s.model_dump(), "packers": value} for s in config.warehouse.shifts]
        return config.replace("warehouse.shifts", shifts)
    if name == "ad_multiplier":
        campaigns = [{**c.model_dump(), "multiplier": value} for c in config.traffic.campaigns]
        if not campaigns:
            campaigns = [{"name": "sweep", "start": 0, "end": config.calendar.days, "multiplier": value}]
        return config.replace("traffic.campaigns", campaigns)
    return config.replace(SHORT.get(name, name), value)
