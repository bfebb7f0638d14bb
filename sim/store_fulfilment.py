"""The demo store's fulfilment, driven by the order-flow model on the store clock.

    # scenarios/stores/demo-store.yaml
    fulfilment: {kind: model, scenario: scenarios/ad-spike.yaml}

The store's warehouse *is* one replication of the scenario's model. The model runs the
scenario's background traffic (ad campaigns included) and the shoppers' real orders join the
same packing queue, so an ad spike configured in the scenario really delays the orders
shoppers place. The model is advanced lazily to the store time of each call, and an order is
simulated until it is dispatched, so `schedule` can answer at once.

Time: the store's first moment falls on model day `store_day` (by default the middle of the
scenario's first campaign, so the store opens with the spike's backlog already built). The
scenario's calendar is moved so that day lands on the store's date; absolute dates in it
(campaigns, holidays) move with it. Store orders are queued by the time they were placed, so
one handed in after the model ran ahead (to finish an earlier order) still takes its place in
line ahead of later background orders.

`predict_on_time` runs the same model, on the same clock, for one shipping method: the share
of orders placed in a window that arrive by their promised date, with its 95% interval, which
a test compares with what shoppers measured.
"""

from __future__ import annotations

import random
import threading
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal, cast

from pydantic import Field

from demo_store.fulfilment import (
    Fulfilment,
    FulfilmentOptions,
    PlacedOrder,
    Promise,
    Schedule,
    ShippingMethod,
)
from keepword.errors import BadInput
from keepword.records import Figure
from sim.calendar import DAY
from sim.config import SimConfig
from sim.model import Model

__all__ = ["ModelFulfilment", "ModelOptions", "predict_on_time", "store_config"]

_ROOT = Path(__file__).resolve().parent.parent


class ModelOptions(FulfilmentOptions):
    """`fulfilment: {kind: model, scenario: ..., seed: 0, store_day: null}`."""

    kind: Literal["model"] = "model"
    scenario: str
    seed: int | None = None  # default: the scenario's run.seed
    store_day: int | None = Field(default=None, ge=0)


def _resolve(scenario: str, base_dir: Path | None) -> Path:
    tried = []
    for folder in (base_dir, Path.cwd(), _ROOT):
        if folder is None:
            continue
        candidate = (folder / scenario).resolve()
        tried.append(str(candidate))
        if candidate.is_file():
            return candidate
    raise BadInput(f"fulfilment.scenario: {scenario}: no such file (tried {', '.join(tried)}); "
                   "give a path relative to the store YAML or the project folder")


def default_store_day(config: SimConfig) -> int:
    """The middle of the first campaign, or day 7 when there is none."""
    for campaign in config.traffic.campaigns:
        start, end = (_day(config, x) for x in (campaign.start, campaign.end))
        return max(0, (start + end) // 2)
    return 7


def _day(config: SimConfig, when: Any) -> int:
    if isinstance(when, int):
        return when
    d = when.date() if isinstance(when, datetime) else when
    return (d - config.calendar.start).days


def store_config(config: SimConfig, store_date: date, store_day: int, *,
                 transit_days: tuple[int, int] | None = None, seed: int | None = None) -> SimConfig:
    """The scenario moved so that model day `store_day` is `store_date`, open-ended, and (for a
    prediction) with every order on one shipping method's transit time and promise."""
    start = store_date - timedelta(days=store_day)
    delta = start - config.calendar.start
    data = config.model_dump()
    data["calendar"]["start"] = start
    data["calendar"]["days"] = store_day + 60
    data["calendar"]["holidays"] = [h + delta for h in config.calendar.holidays]
    for campaign in data["traffic"]["campaigns"]:
        for key in ("start", "end"):
            if not isinstance(campaign[key], int):
                campaign[key] = campaign[key] + delta
    if transit_days is not None:
        low, high = transit_days
        data["carrier"]["regions"] = {
            "store": {"share": 1, "transit_days": {"choice": {d: 1 for d in range(low, high + 1)}}}}
        data["promise"]["delivery_working_days"] = (low, high)
    if seed is not None:
        data["run"]["seed"] = seed
    return SimConfig.model_validate(data)


class ModelFulfilment(Fulfilment):
    """Fulfilment by the order-flow model (see the module docstring)."""

    Options = ModelOptions
    options: ModelOptions

    def __init__(self, options: FulfilmentOptions, *, base_dir: Path | None = None) -> None:
        super().__init__(options, base_dir=base_dir)
        from sim.api import load_sim_config

        self.scenario = _resolve(self.options.scenario, base_dir)
        self.config = load_sim_config(self.scenario)
        self.store_day = self.options.store_day
        if self.store_day is None:
            self.store_day = default_store_day(self.config)
        self._lock = threading.Lock()
        self.model: Model | None = None
        self._origin: datetime | None = None

    def _model_at(self, at: datetime) -> tuple[Model, float]:
        """The model (built at the first call, which fixes the clock) and `at` in model minutes."""
        wall = at.replace(tzinfo=None)
        if self.model is None:
            config = store_config(self.config, wall.date(), self.store_day, seed=self.options.seed)  # type: ignore[arg-type]
            self.model = Model(config, open_ended=True)
            self._origin = datetime.combine(config.calendar.start, time())
        assert self._origin is not None
        minute = (wall - self._origin).total_seconds() / 60
        self.model.advance(minute)
        return self.model, minute

    def _dispatch_day(self, model: Model, minute: float) -> int:
        day = model.promise(minute)[0]
        if day is None:  # the "working_days" rule promises no dispatch day; ship by the cut-off
            day = int(minute // DAY)
            day = day if model.calendar.is_working(day) and minute - day * DAY < model.config.promise.cutoff \
                else model.calendar.next_working(day + 1)
        return day

    def promise(self, method: ShippingMethod, at: datetime) -> Promise:
        if method.digital:
            return Promise(at.date(), at.date(), "date", (0, 0))
        low, high = method.transit_days
        with self._lock:
            model, minute = self._model_at(at)
            day = self._dispatch_day(model, minute)
            cal = model.calendar
            return Promise(cal.date(cal.add_working_days(day, low)), cal.date(cal.add_working_days(day, high)),
                           method.style, (low, high))

    def schedule(self, order: PlacedOrder) -> Schedule:
        placed = order.placed_at
        if order.method.digital:
            return Schedule(placed, placed)
        rng = random.Random(f"{self.options.seed}:{order.number}")
        low, high = order.method.transit_days
        with self._lock:
            model, minute = self._model_at(placed)
            cal = model.calendar
            promised = (self._dispatch_day(model, minute), cal.day_of(order.promise.latest))
            process = model.place(minute, rng.randint(low, high), promised)
            limit = model.env.timeout(60 * DAY)
            model.env.run(until=model.env.any_of([process, limit]))
            if not process.processed:
                raise BadInput(f"{self.scenario}: the model did not dispatch order {order.number} within 60 days; "
                               "check that the warehouse shifts have packers")
            pickup, delivered = cast(tuple[float, int], process.value)
            assert self._origin is not None
        zone = placed.tzinfo
        dispatch = (self._origin + timedelta(minutes=pickup)).replace(tzinfo=zone)
        arrive = datetime.combine(cal.date(delivered), time(8), zone) + timedelta(minutes=rng.randint(0, 600))
        return Schedule(dispatch, max(arrive, dispatch + timedelta(hours=2)))


def predict_on_time(
    scenario: str | Path | SimConfig,
    *,
    store_start: datetime,
    hours: float = 24.0,
    transit_days: tuple[int, int] = (2, 3),
    store_day: int | None = None,
    replications: int = 10,
    seed: int | None = None,
) -> Figure:
    """The model's on-time rate for orders placed in the `hours` after `store_start` on a shipping
    method with `transit_days`, for a store whose fulfilment is `{kind: model, scenario: ...}`:
    mean and 95% interval over replications, as a Figure named "on_time_rate"."""
    from keepword.stats import mean_interval
    from sim.api import load_sim_config

    config = scenario if isinstance(scenario, SimConfig) else load_sim_config(scenario)
    day = default_store_day(config) if store_day is None else store_day
    wall = store_start.replace(tzinfo=None)
    moved = store_config(config, wall.date(), day, transit_days=transit_days, seed=seed)
    origin = datetime.combine(moved.calendar.start, time())
    low = (wall - origin).total_seconds() / 60
    high = low + hours * 60
    rates = []
    for replication in range(replications):
        model = Model(moved, replication=replication, open_ended=True)
        model.window = (low, high)
        model.advance(high)
        while model.window_pending and model.env.now < high + 60 * DAY:
            model.advance(model.env.now + DAY)
        kept, broken = model.window_counts
        if kept + broken:
            rates.append(kept / (kept + broken))
    if not rates:
        raise BadInput(f"predict_on_time: no orders were placed in the {hours} hours after {store_start}")
    mean, lo, hi = mean_interval(rates)
    return Figure("on_time_rate", mean, lo, hi, {"transit_days": list(transit_days), "store_day": day,
                                                  "hours": hours, "replications": len(rates),
                                                  "store_start": store_start.isoformat()})
