"""How the store promises delivery and when placed orders really move: the fulfilment seam.

A new fulfilment is a subclass of `Fulfilment` that implements two methods:

* `promise(method, at) -> Promise`: the delivery promise shown for a shipping method at store
  time `at` (the shipping step, the product page, the preview and the confirmation show it);
* `schedule(order) -> Schedule`: the dispatch and delivery times of a placed order.

Its options sit beside `kind` in the store YAML (`fulfilment: {kind: simple, seed: 7}`) and
are validated by the class's `Options` model (which must keep the `kind` field). Register it
with `register("model", ModelFulfilment)`; `fulfilment: {kind: model, ...}` then selects it.
Nothing else in the store changes. Faults (late deliveries) are applied by the store on top
of `schedule`, so a fulfilment only ever says what it honestly expects.
"""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Fulfilment",
    "PlacedOrder",
    "Promise",
    "Schedule",
    "ShippingMethod",
    "SimpleFulfilment",
    "add_working_days",
    "build_fulfilment",
    "fulfilment_class",
    "register",
]


@dataclass(frozen=True, slots=True)
class ShippingMethod:
    """A shipping method as fulfilment sees it (charges are the store's business)."""

    code: str
    name: str
    transit_days: tuple[int, int]
    style: Literal["date", "window"] = "date"
    digital: bool = False


@dataclass(frozen=True, slots=True)
class Promise:
    """Delivery on or before `latest` (and not before `earliest`), as shown to the shopper."""

    earliest: date
    latest: date
    style: Literal["date", "window"] = "date"
    working_days: tuple[int, int] | None = None

    def __repr__(self) -> str:
        return f"Promise({self.earliest}..{self.latest})"


@dataclass(frozen=True, slots=True)
class PlacedOrder:
    """What fulfilment is told about an order: enough to schedule it, nothing about money."""

    number: str
    placed_at: datetime
    method: ShippingMethod
    promise: Promise
    lines: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class Schedule:
    dispatch_at: datetime
    delivered_at: datetime

    def __repr__(self) -> str:
        return f"Schedule(dispatch={self.dispatch_at:%a %d %b %H:%M}, delivered={self.delivered_at:%a %d %b %H:%M})"


class FulfilmentOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str


class Fulfilment(ABC):
    """Base class; see the module docstring for the two methods a new fulfilment implements."""

    Options: ClassVar[type[FulfilmentOptions]] = FulfilmentOptions

    def __init__(self, options: FulfilmentOptions, *, base_dir: Path | None = None) -> None:
        self.options = options
        self.base_dir = base_dir  # the store YAML's folder, for relative paths in the options

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.options.model_dump(exclude={'kind'})}>"

    @abstractmethod
    def promise(self, method: ShippingMethod, at: datetime) -> Promise:
        """The delivery promise for `method` if the shopper ordered at store time `at`."""

    @abstractmethod
    def schedule(self, order: PlacedOrder) -> Schedule:
        """When `order` is dispatched and delivered (aware store times)."""

    def close(self) -> None:  # noqa: B027 - optional hook, most fulfilments hold nothing
        """Release anything the fulfilment holds (a model process, files) when the store stops."""


def add_working_days(day: date, n: int) -> date:
    """`day` plus `n` working days (Monday to Friday); 0 keeps the day."""
    while n > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


class SimpleOptions(FulfilmentOptions):
    kind: Literal["simple"] = "simple"
    seed: int = 0
    cutoff_hour: int = Field(14, ge=0, le=23)


class SimpleFulfilment(Fulfilment):
    """Orders before the cut-off on a working day leave that day, later ones the next working
    day; transit is a seeded random number of working days within the method's range, so the
    honest store always delivers within its promise."""

    Options = SimpleOptions
    options: SimpleOptions

    def dispatch_day(self, at: datetime) -> date:
        day = at.date()
        if day.weekday() < 5 and at.hour < self.options.cutoff_hour:
            return day
        return add_working_days(day, 1)

    def promise(self, method: ShippingMethod, at: datetime) -> Promise:
        if method.digital:
            return Promise(at.date(), at.date(), "date", (0, 0))
        day = self.dispatch_day(at)
        low, high = method.transit_days
        return Promise(add_working_days(day, low), add_working_days(day, high), method.style, (low, high))

    def schedule(self, order: PlacedOrder) -> Schedule:
        placed = order.placed_at
        if order.method.digital:
            return Schedule(placed, placed)
        rng = random.Random(f"{self.options.seed}:{order.number}")
        day = self.dispatch_day(placed)
        dispatch = datetime.combine(day, time(self.options.cutoff_hour), placed.tzinfo)
        dispatch += timedelta(minutes=rng.randint(30, 240))
        low, high = order.method.transit_days
        arrive = add_working_days(day, rng.randint(low, high))
        # Keep the promise made when the method was chosen, even if the order came later.
        if arrive > order.promise.latest >= day:
            arrive = order.promise.latest
        delivered = datetime.combine(arrive, time(8), placed.tzinfo) + timedelta(minutes=rng.randint(0, 600))
        if delivered <= dispatch:
            delivered = dispatch + timedelta(hours=2)
        return Schedule(dispatch, delivered)


# A kind maps to a class, or to "module:Class" imported only when a store asks for it.
_KINDS: dict[str, type[Fulfilment] | str] = {
    "simple": SimpleFulfilment,
    "model": "sim.store_fulfilment:ModelFulfilment",
}


def register(kind: str, cls: type[Fulfilment] | str) -> None:
    """Make `fulfilment: {kind: <kind>}` select `cls` (a class or "module:Class")."""
    _KINDS[kind] = cls


def fulfilment_class(kind: str) -> type[Fulfilment]:
    """The class for `kind`; raises KeyError with the known kinds if there is none."""
    import importlib

    target = _KINDS.get(kind)
    if target is None:
        raise KeyError(f"unknown fulfilment kind {kind!r}; known: {', '.join(sorted(_KINDS))}")
    if isinstance(target, str):
        module, _, name = target.partition(":")
        try:
            target = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError) as exc:
            raise KeyError(f"fulfilment kind {kind!r} needs {target}, which is not available: {exc}") from None
        _KINDS[kind] = target
    assert isinstance(target, type)
    return target


def build_fulfilment(config: dict[str, Any], *, base_dir: Path | None = None) -> Fulfilment:
    """The fulfilment for a store config's `fulfilment:` mapping."""
    cls = fulfilment_class(str(config.get("kind", "simple")))
    return cls(cls.Options.model_validate({"kind": "simple", **config}), base_dir=base_dir)
