"""What one replication counts while it runs, and the plain result it hands back.

Memory is flat in the simulated horizon on purpose: counts per day and kind, a histogram of
support waits and a counter of delivery lead times, never a list of orders (unless
`--orders-out` asks for one). A replication's result is plain data (ints, floats, dicts) so it
crosses a process pool or a Dask cluster cheaply; only the parent writes to the ledger.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

__all__ = ["KINDS", "ReplicationResult", "Tallies"]

KINDS = ("delivery_date", "dispatch_date", "availability", "email")
WAIT_BIN = 0.1  # minutes: support waits are kept as a histogram with this resolution


class Tallies:
    """Counters one model fills. Lists are indexed by model day and grow as needed."""

    def __init__(self, days: int) -> None:
        n = days + 1
        self.orders = [0] * n
        self.kept = {k: [0] * n for k in KINDS}
        self.broken = {k: [0] * n for k in KINDS}
        self.calls = [0] * n
        self.hangups = [0] * n
        self.wait_sum = [0.0] * n
        self.calls_waited = [0] * n  # calls that found every agent busy
        self.answered_wait_sum = [0.0] * n  # waits of the calls an agent answered
        self.waits: Counter[int] = Counter()  # support wait in WAIT_BIN units -> calls
        self.lead_days: Counter[int] = Counter()  # working days from order to delivery -> orders
        self.busy_min = 0.0  # packer minutes spent on orders (service started in the horizon)
        self.on_duty_min = 0.0  # packer minutes on shift within the horizon
        self.queue_area = 0.0  # integral of orders waiting for a packer, over time
        self.queue_len = 0
        self.queue_since = 0.0
        self.queue_entries = 0
        self.queue_wait_sum = 0.0
        self.queue_waited = 0  # orders that found every packer busy
        self.orders_rows: list[dict[str, Any]] | None = None

    def __repr__(self) -> str:
        return f"<Tallies {sum(self.orders)} orders>"

    def grow(self, day: int) -> None:
        extra = day + 1 - len(self.orders)
        if extra > 0:
            for lst in (self.orders, self.calls, self.hangups, self.calls_waited, *self.kept.values(),
                        *self.broken.values()):
                lst.extend([0] * extra)
            self.wait_sum.extend([0.0] * extra)
            self.answered_wait_sum.extend([0.0] * extra)

    def call(self, day: int, wait: float, hung_up: bool, waited: bool = True) -> None:
        """One call made on `day` that waited `wait` minutes; `waited`: it found every agent busy."""
        if day >= len(self.calls):
            self.grow(day)
        self.calls[day] += 1
        self.wait_sum[day] += wait
        self.waits[int(wait / WAIT_BIN)] += 1
        if waited:
            self.calls_waited[day] += 1
        if hung_up:
            self.hangups[day] += 1
        else:
            self.answered_wait_sum[day] += wait

    def result(self, replication: int, start: date, days: int, end_min: float) -> ReplicationResult:
        """Freeze the counts for the first `days` days (claims are tallied by the order's day)."""
        self.grow(days)
        self.queue_area += self.queue_len * (end_min - self.queue_since)
        daily: dict[str, list[Any]] = {
            "orders": self.orders[:days],
            "calls": self.calls[:days],
            "hangups": self.hangups[:days],
            "wait_sum": self.wait_sum[:days],
            "calls_waited": self.calls_waited[:days],
            "answered_wait_sum": self.answered_wait_sum[:days],
        }
        for k in KINDS:
            daily[f"{k}.kept"] = self.kept[k][:days]
            daily[f"{k}.broken"] = self.broken[k][:days]
        totals = {
            "busy_min": self.busy_min,
            "on_duty_min": self.on_duty_min,
            "queue_area": self.queue_area,
            "queue_entries": float(self.queue_entries),
            "queue_wait_sum": self.queue_wait_sum,
            "queue_waited": float(self.queue_waited),
            "end_min": end_min,
        }
        return ReplicationResult(
            replication=replication,
            start=start,
            days=days,
            daily=daily,
            totals=totals,
            lead_days=dict(self.lead_days),
            waits={k * WAIT_BIN: v for k, v in self.waits.items()},
            orders_rows=self.orders_rows,
        )


@dataclass(frozen=True)
class ReplicationResult:
    """One replication's counts: plain data, immutable, cheap to pickle."""

    replication: int
    start: date
    days: int
    daily: dict[str, list[Any]]
    totals: dict[str, float]
    lead_days: dict[int, int]
    waits: dict[float, int]
    orders_rows: list[dict[str, Any]] | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        return f"<ReplicationResult #{self.replication} {sum(self.daily['orders'])} orders over {self.days}d>"
