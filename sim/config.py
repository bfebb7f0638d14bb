"""The `simulation:` section of a scenario: parameters filled with defaults, validated, then built.

Every key has a default, so `simulation: {}` is a valid (baseline-like) model; unknown keys are
errors, so a misspelt `pakcers` cannot silently leave the default in place. The documented list
of keys, with units, is in README.md ("The `simulation:` section"). Times of day are "HH:MM" strings (YAML reads
an unquoted 14:00 as the number 840, minutes since midnight, which is accepted too). Durations
are minutes unless the key says `_days`.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from sim.distributions import Dist, DistSpec

__all__ = [
    "Calendar",
    "Campaign",
    "Carrier",
    "Emails",
    "PromiseRule",
    "Region",
    "RunOptions",
    "Shift",
    "SimConfig",
    "Stock",
    "Support",
    "Traffic",
    "Warehouse",
]

Weekday = Literal["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
WEEKDAYS: tuple[Weekday, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _clock(value: Any) -> int:
    """ "14:00" -> 840 minutes after midnight; "24:00" is the end of the day."""
    if isinstance(value, bool):
        raise ValueError("write a time of day as \"HH:MM\"")
    if isinstance(value, int):
        minutes = value
    elif isinstance(value, str) and (m := re.fullmatch(r"(\d{1,2}):(\d{2})", value.strip())):
        minutes = int(m.group(1)) * 60 + int(m.group(2))
        if int(m.group(2)) >= 60:
            raise ValueError(f"not a time of day: {value!r}")
    else:
        raise ValueError(f"write a time of day as \"HH:MM\" (got {value!r})")
    if not 0 <= minutes <= 1440:
        raise ValueError(f"a time of day runs from 00:00 to 24:00 (got {value!r})")
    return minutes


ClockTime = Annotated[int, BeforeValidator(_clock)]

# Upper bounds a real store never reaches, so that a typo (an extra three zeros, `.inf`) is
# refused by `keepword check` with its line instead of exhausting memory or time in the model:
# every one of these sizes a list, a loop or a SimPy queue. README "Limits" lists them.
MAX_STAFF = 10_000
"""Packers per shift, support agents: each off-duty packer is a held request in the model."""
MAX_SKUS = 100_000
"""SKUs (a number or a list): the model keeps a weight per SKU."""
MAX_POPULARITY = 10.0
"""The Zipf exponent of SKU sales; above about 10 every order is the first SKU anyway."""
MAX_DAYS_AWAY = 365
"""Working days of a delivery promise or a transit: the model counts them one by one."""
MAX_DRAIN_DAYS = 365
"""Days the model runs on after the last order: each is a row of every daily tally."""
MAX_ORDERS = 1_000_000
"""Expected orders in one replication (sessions x conversion x days, with each campaign's
extra over its days): each waiting order is a SimPy process of about 1.3 kB (200,000 orders
queued for 6 packers peaked at 312 MB), and a 28-day month of 500 a day is 14,000."""
MAX_WEIGHT = 1e6
"""A weight of `daily_curve` or `weekly`: relative, so 1e6 already says "all of it"."""
MAX_CALENDAR_DAYS = 3660
"""`calendar.days`, and the days a replayed log may span: ten years."""
FIRST_YEAR, LAST_YEAR = 1900, 2999
"""Years `calendar.start` may be in: the model adds the horizon, the drain days and its
promises' working days to it, and Python's dates end in 9999."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Calendar(_Strict):
    """Which days the model covers and which of them are working days (dispatch and transit)."""

    start: date = date(2026, 11, 2)
    days: int = Field(default=28, ge=1, le=MAX_CALENDAR_DAYS)
    working_days: list[Weekday] = Field(default_factory=lambda: list(WEEKDAYS[:5]), min_length=1)
    holidays: list[date] = Field(default_factory=list)

    @field_validator("start")
    @classmethod
    def _year(cls, value: date) -> date:
        if not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise ValueError(f"give a start date in the years {FIRST_YEAR} to {LAST_YEAR} (got {value})")
        return value


class Campaign(_Strict):
    """An ad campaign multiplies sessions from `start` until `end` (exclusive). Either a date or
    datetime, or a whole number of days after `calendar.start` (day 0 is the first day)."""

    name: str = "campaign"
    start: int | datetime | date
    end: int | datetime | date
    multiplier: float = Field(gt=0, le=1000)

    def days_in(self, start: date, days: int) -> float:
        """How many of the model's `days` from `start` it covers (a datetime counts its hours)."""
        def day(when: int | datetime | date) -> float:
            if isinstance(when, int):
                return float(when)
            if isinstance(when, datetime):
                return (when.date() - start).days + (when.hour * 60 + when.minute) / 1440
            return float((when - start).days)

        return max(0.0, min(day(self.end), days) - max(day(self.start), 0.0))


class Traffic(_Strict):
    """Non-homogeneous Poisson arrivals: orders per hour = sessions_per_day x conversion
    x daily_curve[hour] / mean(daily_curve) x weekly[weekday] / mean(weekly) / 24 x campaigns."""

    sessions_per_day: float = Field(default=12500, ge=0, le=1e9, allow_inf_nan=False)
    conversion: float = Field(default=0.04, ge=0, le=1)
    daily_curve: list[Annotated[float, Field(le=MAX_WEIGHT)]] = Field(default_factory=lambda: [1.0] * 24)
    weekly: list[Annotated[float, Field(le=MAX_WEIGHT)]] = Field(default_factory=lambda: [1.0] * 7)
    campaigns: list[Campaign] = Field(default_factory=list)
    quantity: DistSpec = Field(default_factory=lambda: Dist("fixed", (1.0,)))

    @field_validator("daily_curve")
    @classmethod
    def _hours(cls, value: list[float]) -> list[float]:
        if len(value) != 24 or min(value) < 0 or sum(value) <= 0:
            raise ValueError("daily_curve needs 24 weights (00:00 to 23:00), >= 0, not all 0")
        return value

    @field_validator("weekly")
    @classmethod
    def _days(cls, value: list[float]) -> list[float]:
        if len(value) != 7 or min(value) < 0 or sum(value) <= 0:
            raise ValueError("weekly needs 7 weights (Mon to Sun), >= 0, not all 0")
        return value


class Stock(_Strict):
    """Stock per SKU with an (s, Q) policy: when stock on hand plus on order minus back-orders
    falls to `reorder_point`, order `reorder_qty`, which arrives after `lead_time_days`. The
    shop page shows stock as of its last refresh (every `display_refresh_min`; 0 = live)."""

    unlimited: bool = False
    skus: int | list[str] = 20
    popularity: float = Field(default=1.0, ge=0, le=MAX_POPULARITY)
    initial: int = Field(default=1000, ge=0)
    reorder_point: int = Field(default=600, ge=0)
    reorder_qty: int = Field(default=1500, ge=1)
    lead_time_days: DistSpec = Field(default_factory=lambda: Dist("between", (2.0, 4.0)))
    display_refresh_min: float = Field(default=60, ge=0)

    @field_validator("skus")
    @classmethod
    def _some_skus(cls, value: int | list[str]) -> int | list[str]:
        count = value if isinstance(value, int) else len(value)
        if not 1 <= count <= MAX_SKUS:
            raise ValueError(f"give 1 to {MAX_SKUS:,} SKUs, as a number or a list of names (got {count:,})")
        return value

    def sku_names(self) -> list[str]:
        if isinstance(self.skus, int):
            return [f"SKU-{i:03d}" for i in range(1, self.skus + 1)]
        return list(self.skus)


class Shift(_Strict):
    start: ClockTime
    end: ClockTime
    packers: int = Field(ge=0, le=MAX_STAFF)

    @model_validator(mode="after")
    def _ordered(self) -> Shift:
        if self.end <= self.start:
            raise ValueError("a shift ends after it starts (split a night shift at 24:00)")
        return self


class Warehouse(_Strict):
    """Pick and pack staff on shifts; each order takes `pick_pack_min` of one packer."""

    shifts: list[Shift] = Field(
        default_factory=lambda: [Shift(start=360, end=840, packers=3), Shift(start=840, end=1320, packers=3)],
        min_length=1,
    )
    days: Literal["working", "all"] = "all"
    pick_pack_min: DistSpec = Field(default_factory=lambda: Dist("lognormal", (4.0, 2.0)))


class Region(_Strict):
    share: float = Field(gt=0, allow_inf_nan=False)
    transit_days: DistSpec  # working days after dispatch, whole numbers

    @field_validator("transit_days")
    @classmethod
    def _near(cls, value: Dist) -> Dist:
        if value.mean > MAX_DAYS_AWAY or (value.high != math.inf and value.high > MAX_DAYS_AWAY):
            raise ValueError(f"transit takes at most {MAX_DAYS_AWAY} working days in keepword's model")
        return value


class Carrier(_Strict):
    """Pick-ups on working days at fixed times; transit in working days per region."""

    pickups: list[ClockTime] = Field(default_factory=lambda: [1020], min_length=1)
    regions: dict[str, Region] = Field(
        default_factory=lambda: {
            "near": Region(share=0.6, transit_days=Dist("choice", (1.0, 2.0, 3.0), (0.75, 0.2, 0.05))),
            "far": Region(share=0.4, transit_days=Dist("choice", (2.0, 3.0, 4.0), (0.6, 0.3, 0.1))),
        },
        min_length=1,
    )


class Support(_Strict):
    """The support line: agents answer calls in opening hours; callers hang up after `patience_min`.
    Calls come from any order (`calls_per_order`), from customers told of a delay, from
    customers whose delivery date passed, and from people with no order at all (`calls_per_day`,
    a Poisson stream spread evenly over the opening hours: questions before buying, returns)."""

    agents: int = Field(default=2, ge=0, le=MAX_STAFF)
    hours: tuple[ClockTime, ClockTime] = (540, 1080)
    days: Literal["working", "all"] = "all"
    handle_min: DistSpec = Field(default_factory=lambda: Dist("exp", (8.0,)))
    patience_min: DistSpec = Field(default_factory=lambda: Dist("exp", (10.0,)))
    calls_per_order: float = Field(default=0.08, ge=0, le=1)
    calls_per_day: float = Field(default=0, ge=0)
    call_share_delayed: float = Field(default=0.2, ge=0, le=1)
    call_share_late: float = Field(default=0.5, ge=0, le=1)

    @field_validator("hours")
    @classmethod
    def _open(cls, value: tuple[int, int]) -> tuple[int, int]:
        if value[1] <= value[0]:
            raise ValueError("support hours close after they open")
        return value


class Emails(_Strict):
    """Notification e-mails (confirmation, dispatch, delay): usually quick, sometimes stuck."""

    send_delay_min: DistSpec = Field(default_factory=lambda: Dist("exp", (1.0,)))
    late_share: float = Field(default=0.01, ge=0, le=1)
    late_delay_min: DistSpec = Field(default_factory=lambda: Dist("exp", (240.0,)))


class PromiseRule(_Strict):
    """What the store shows at checkout.

    cutoff:        "order by {cutoff}, ships today" (else the next working day), delivery
                   `delivery_working_days[1]` working days after the promised dispatch;
    working_days:  "delivery in {lo}-{hi} working days" from the order day, no dispatch claim;
    queue:         like cutoff, but pushes the dispatch day back one working day per
                   `queue_orders_per_day` orders already waiting in the warehouse.
    """

    rule: Literal["cutoff", "working_days", "queue"] = "cutoff"
    cutoff: ClockTime = 840
    delivery_working_days: tuple[int, int] = (1, 3)
    queue_orders_per_day: float = Field(default=600, gt=0)
    confirmation_within_min: float = Field(default=15, ge=0)
    dispatch_within_min: float = Field(default=60, ge=0)
    delay_within_min: float = Field(default=60, ge=0)

    @field_validator("delivery_working_days")
    @classmethod
    def _window(cls, value: tuple[int, int]) -> tuple[int, int]:
        if not 0 <= value[0] <= value[1]:
            raise ValueError("delivery_working_days is [min, max] with 0 <= min <= max")
        if value[1] > MAX_DAYS_AWAY:
            raise ValueError(f"at most {MAX_DAYS_AWAY} working days (got {value[1]})")
        return value


class RunOptions(_Strict):
    """Replications and seeds; `drain_days` keeps the model running without new orders so late
    orders still get a verdict; `target` is the share an honest promise must hold for."""

    replications: int = Field(default=10, ge=1, le=10000)
    seed: int = 0
    drain_days: int = Field(default=14, ge=0, le=MAX_DRAIN_DAYS)
    target: float = Field(default=0.95, gt=0, lt=1)


class SimConfig(_Strict):
    """The whole model. `SimConfig()` is a valid baseline of 500 orders a day."""

    calendar: Calendar = Field(default_factory=lambda: Calendar())
    traffic: Traffic = Field(default_factory=lambda: Traffic())
    stock: Stock = Field(default_factory=lambda: Stock())
    warehouse: Warehouse = Field(default_factory=lambda: Warehouse())
    carrier: Carrier = Field(default_factory=lambda: Carrier())
    support: Support = Field(default_factory=lambda: Support())
    emails: Emails = Field(default_factory=lambda: Emails())
    promise: PromiseRule = Field(default_factory=lambda: PromiseRule())
    run: RunOptions = Field(default_factory=lambda: RunOptions())

    @model_validator(mode="after")
    def _bounded(self) -> SimConfig:
        """Refuse a model whose expected orders would exhaust memory (see MAX_ORDERS): each
        field may be sane while their product (a campaign of x1000 over a year) is not."""
        t, cal = self.traffic, self.calendar
        days = float(cal.days) + sum((c.multiplier - 1) * c.days_in(cal.start, cal.days)
                                     for c in t.campaigns if c.multiplier > 1)
        expected = t.sessions_per_day * t.conversion * days
        if expected > MAX_ORDERS:
            raise ValueError(f"traffic: about {expected:,.0f} orders in one replication (sessions_per_day x "
                             f"conversion x calendar.days, campaigns included), over keepword's limit of "
                             f"{MAX_ORDERS:,}; model fewer days or less traffic")
        return self

    def __repr__(self) -> str:
        t = self.traffic
        return (f"<SimConfig {self.calendar.days}d from {self.calendar.start}, "
                f"{t.sessions_per_day * t.conversion:g} orders/day, {len(t.campaigns)} campaigns>")

    def replace(self, path: str, value: Any) -> SimConfig:
        """A copy with one dotted key changed (`warehouse.pick_pack_min`), validated again."""
        data = self.model_dump()
        parts = path.split(".")
        node = data
        for part in parts[:-1]:
            if not isinstance(node, dict) or part not in node:
                raise KeyError(path)
            node = node[part]
        if not isinstance(node, dict) or parts[-1] not in node:
            raise KeyError(path)
        node[parts[-1]] = value
        return SimConfig.model_validate(data)
