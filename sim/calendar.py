"""Model days as integers (day 0 is `calendar.start`), working days, and working-day arithmetic.

The model's clock is minutes since midnight of day 0, in the store's local wall time. Keeping
days as integers makes the hot path cheap; dates appear only at the edges (claims, tallies).
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

from sim.config import WEEKDAYS
from sim.config import Calendar as CalendarConfig

__all__ = ["DAY", "ModelCalendar"]

DAY = 1440.0


class ModelCalendar:
    """Working days and their arithmetic, extended lazily as the model runs past its horizon."""

    def __init__(self, config: CalendarConfig) -> None:
        self.start = config.start
        self._weekdays = {WEEKDAYS.index(d) for d in config.working_days}
        self._holidays = set(config.holidays)
        self._working: list[bool] = []
        self._count: list[int] = [0]  # working days in [0, i); grows in place
        self.working_count = self._count
        self._extend(config.days + 60)

    def __repr__(self) -> str:
        return f"<ModelCalendar from {self.start}>"

    def _extend(self, days: int) -> None:
        while len(self._working) < days:
            d = self.start + timedelta(days=len(self._working))
            ok = d.weekday() in self._weekdays and d not in self._holidays
            self._working.append(ok)
            self._count.append(self._count[-1] + ok)

    def date(self, day: int) -> dt.date:
        return self.start + timedelta(days=day)

    def day_of(self, moment: dt.date | dt.datetime) -> int:
        d = moment.date() if isinstance(moment, dt.datetime) else moment
        return (d - self.start).days

    def is_working(self, day: int) -> bool:
        if day >= len(self._working):
            self._extend(day + 60)
        return day >= 0 and self._working[day]

    def add_working_days(self, day: int, n: int) -> int:
        """`day` plus `n` working days; with n == 0, `day` itself."""
        while n > 0:
            day += 1
            if self.is_working(day):
                n -= 1
        return day

    def next_working(self, day: int) -> int:
        """`day` if it is a working day, else the next one."""
        while not self.is_working(day):
            day += 1
        return day

    def working_days_between(self, a: int, b: int) -> int:
        """Working days in (a, b]: how many working days after day `a` day `b` comes."""
        if b <= a:
            return 0
        if b + 1 >= len(self._count):
            self._extend(b + 60)
        return self._count[b + 1] - self._count[a + 1]
