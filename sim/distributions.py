"""Random quantities written as small YAML factories, as Locust writes `wait_time = between(3, 10)`.

    pick_pack_min: {exp: 4}                   exponential with mean 4
    pick_pack_min: {between: [2, 6]}          uniform on [2, 6]
    pick_pack_min: {lognormal: {mean: 4, sd: 2}}
    pick_pack_min: {triangular: [2, 3, 9]}    low, mode, high
    transit_days: {choice: {1: 0.7, 2: 0.25, 3: 0.05}}   a value with its weight
    pick_pack_min: 4                          always 4

A `Dist` is plain data (it crosses process boundaries); `Dist.sampler(rng)` builds the fast
callable a model draws from, bound to one named random stream (see `sim.streams`).
"""

from __future__ import annotations

import math
import random
from bisect import bisect
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Annotated, Any, TypeVar

from pydantic import BeforeValidator, PlainSerializer

__all__ = ["Dist", "DistSpec", "parse_dist", "weighted_choice"]

T = TypeVar("T")

MAX_NUMBER = 1e9
"""The largest number in a distribution (minutes, days, weights): a billion minutes is 1,900
years; finite, so means and sums of weights never overflow."""

_KINDS = ("exp", "between", "lognormal", "triangular", "choice", "fixed")
_HELP = "write a number or one of {exp: MEAN}, {between: [LOW, HIGH]}, {lognormal: {mean: M, sd: S}}, {triangular: [LOW, MODE, HIGH]}, {choice: {VALUE: WEIGHT, ...}}"


@dataclass(frozen=True, slots=True)
class Dist:
    """A distribution: its kind and numbers. Immutable, picklable, with a known mean."""

    kind: str
    params: tuple[float, ...]
    weights: tuple[float, ...] = ()

    def __repr__(self) -> str:
        return f"Dist({self.kind} {self.params})"

    @property
    def mean(self) -> float:
        p = self.params
        if self.kind in ("exp", "fixed", "lognormal"):
            return p[0]
        if self.kind == "between":
            return (p[0] + p[1]) / 2
        if self.kind == "triangular":
            return sum(p) / 3
        total = sum(self.weights)
        return sum(v * w for v, w in zip(p, self.weights, strict=True)) / total

    @property
    def high(self) -> float:
        """The largest value it can take (inf for unbounded kinds)."""
        if self.kind in ("exp", "lognormal"):
            return math.inf
        return max(self.params)

    def sampler(self, rng: random.Random) -> Callable[[], float]:
        """A no-argument callable drawing from this distribution with `rng`."""
        p = self.params
        if self.kind == "fixed":
            value = p[0]
            return lambda: value
        if self.kind == "exp":
            rate = 1.0 / p[0] if p[0] > 0 else math.inf
            if rate == math.inf:
                return lambda: 0.0
            return lambda: rng.expovariate(rate)
        if self.kind == "between":
            low, high = p
            return lambda: rng.uniform(low, high)
        if self.kind == "triangular":
            low, mode, high = p
            return lambda: rng.triangular(low, high, mode)
        if self.kind == "lognormal":
            mean, sd = p
            sigma2 = math.log(1 + (sd / mean) ** 2)
            mu, sigma = math.log(mean) - sigma2 / 2, math.sqrt(sigma2)
            gauss, exp = rng.gauss, math.exp  # gauss: about twice as fast as lognormvariate's normalvariate
            return lambda: exp(mu + sigma * gauss())
        if len(p) == 1:
            only = p[0]
            return lambda: only
        return weighted_choice(p, self.weights, rng.random)


def weighted_choice(values: Sequence[T], weights: Iterable[float], rnd: Callable[[], float]) -> Callable[[], T]:
    """A draw of one of `values`, each with chance proportional to its weight: one `rnd()` and
    one `bisect` per draw. The last running total is made infinite so the search never runs off
    the end when `rnd() * total` rounds up to `total`; a `min(..., last)` per draw did that job
    at the cost of a call on the model's hot path."""
    cum = list(accumulate(weights))
    if len(cum) != len(values) or not cum:
        raise ValueError("weighted_choice needs one weight per value")
    total, cum[-1] = cum[-1], math.inf
    options = list(values)
    return lambda: options[bisect(cum, rnd() * total)]


def parse_dist(value: Any) -> Dist:
    """Turn the YAML form into a Dist; raises ValueError with the accepted forms."""
    if isinstance(value, Dist):
        return value
    if isinstance(value, bool):
        raise ValueError(_HELP)
    if isinstance(value, int | float):
        return Dist("fixed", (_number(value),))
    if not isinstance(value, dict) or len(value) != 1:
        raise ValueError(_HELP)
    ((kind, arg),) = value.items()
    if kind not in _KINDS:
        raise ValueError(f"unknown distribution {kind!r}; {_HELP}")
    try:
        if kind in ("exp", "fixed"):
            dist = Dist(kind, (_number(arg),))
        elif kind == "between":
            low, high = (_number(x) for x in arg)
            if low > high:
                raise ValueError(f"between: LOW must not exceed HIGH (got [{low}, {high}])")
            dist = Dist(kind, (low, high))
        elif kind == "triangular":
            low, mode, high = (_number(x) for x in arg)
            if not low <= mode <= high:
                raise ValueError("triangular: need LOW <= MODE <= HIGH")
            dist = Dist(kind, (low, mode, high))
        elif kind == "lognormal":
            if not isinstance(arg, dict) or set(arg) != {"mean", "sd"}:
                raise ValueError("lognormal: write {lognormal: {mean: M, sd: S}}")
            mean, sd = _number(arg["mean"]), _number(arg["sd"])
            if mean <= 0:
                raise ValueError("lognormal: mean must be positive")
            dist = Dist(kind, (mean, sd))
        else:
            if not isinstance(arg, dict) or not arg:
                raise ValueError("choice: write {choice: {VALUE: WEIGHT, ...}}")
            items = sorted((_number(k), _number(w)) for k, w in arg.items())
            if sum(w for _, w in items) <= 0:
                raise ValueError("choice: the weights must add up to more than 0")
            dist = Dist(kind, tuple(v for v, _ in items), tuple(w for _, w in items))
    except (TypeError, ValueError) as exc:
        if isinstance(exc, ValueError) and str(exc).startswith(kind):
            raise
        raise ValueError(f"{kind}: {exc}; {_HELP}") from None
    return dist


def _number(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {value!r}")
    if isinstance(value, str):
        value = float(value)  # choice keys written as strings ("1": 0.7)
    if not isinstance(value, int | float) or value < 0 or math.isnan(value):
        raise ValueError(f"expected a number >= 0, got {value!r}")
    if not value <= MAX_NUMBER:  # .inf, 1e308: a mean no store has, and sums that overflow
        raise ValueError(f"expected a number up to {MAX_NUMBER:g}, got {value!r}")
    return float(value)


def _dump(dist: Dist) -> Any:
    if dist.kind == "fixed":
        return dist.params[0]
    if dist.kind == "exp":
        return {"exp": dist.params[0]}
    if dist.kind == "lognormal":
        return {"lognormal": {"mean": dist.params[0], "sd": dist.params[1]}}
    if dist.kind == "choice":
        return {"choice": dict(zip(dist.params, dist.weights, strict=True))}
    return {dist.kind: list(dist.params)}


DistSpec = Annotated[Dist, BeforeValidator(parse_dist), PlainSerializer(_dump)]
"""A pydantic field type: accepts the YAML forms above, validates them, dumps them back."""
