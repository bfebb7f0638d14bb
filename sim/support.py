"""The support line: agents in opening hours, callers who hang up when their patience runs out.

Calls come from four places. Three are decided by the model (`sim.model`): any order, with
chance `calls_per_order`; customers told their order will ship late; customers whose promised
delivery day passed without a parcel. Such a caller rings at a uniformly random moment of the
line's next open period. The fourth is people with no order (`calls_per_day`): a Poisson stream
over the opening hours of the horizon's days, which is also what makes the line an M/M/c+M
queue when nothing else calls (`sim.validation` checks it against Erlang A). A caller waits for
the first free agent (first come, first served) for at most their patience, and either talks
for `handle_min` or hangs up. Each call is counted on the day it was made (`Tallies.call`):
whether it found every agent busy, how long it waited, whether it hung up.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

from sim.calendar import DAY, ModelCalendar
from sim.config import Support
from sim.streams import Streams
from sim.tallies import Tallies

__all__ = ["SupportLine"]


class SupportLine:
    """Agents as one `simpy.Resource` (none at all when `agents: 0`: every caller hangs up)."""

    def __init__(self, env: simpy.Environment, config: Support, calendar: ModelCalendar, streams: Streams,
                 tally: Tallies, days: int | None = None) -> None:
        self.env = env
        self.config = config
        self.calendar = calendar
        self.tally = tally
        self.agents = simpy.Resource(env, capacity=config.agents) if config.agents > 0 else None
        self._handle = config.handle_min.sampler(streams["support_handle"])
        self._patience = config.patience_min.sampler(streams["support_patience"])
        self.rng = streams["support_calls"]
        if config.calls_per_day > 0:
            env.process(self._background(streams["support_background"].expovariate, days))

    def __repr__(self) -> str:
        return f"<SupportLine agents={self.config.agents}>"

    def calls(self, customers: int, share: float) -> None:
        """Each of `customers` calls with chance `share`."""
        rnd = self.rng.random
        for _ in range(customers):
            if rnd() < share:
                self.start_call(self.env.now)

    def start_call(self, after: float) -> None:
        """A call at a uniformly random time in the line's next open period after `after`."""
        day = int(after // DAY)
        opens, closes = self.config.hours
        while True:
            if self.config.days == "all" or self.calendar.is_working(day):
                low = max(after, day * DAY + opens)
                high = day * DAY + closes
                if low < high:
                    break
            day += 1
        self.env.process(self._call(self.rng.uniform(low, high)))

    def _background(self, expo: Any, days: int | None) -> Generator[Any, Any, None]:
        """Calls from people with no order: Poisson at `calls_per_day` spread over each open
        period (exact: the exponential is memoryless, so a gap crossing closing time is redrawn
        at the next opening), on the line's days before `days` (all days if None)."""
        env, config = self.env, self.config
        opens, closes = config.hours
        rate = config.calls_per_day / (closes - opens)  # calls per open minute
        day = 0
        while days is None or day < days:
            if config.days == "all" or self.calendar.is_working(day):
                t, end = day * DAY + opens, day * DAY + closes
                t += expo(rate)
                while t < end:
                    yield env.timeout(t - env.now)
                    env.process(self._call(t))
                    t += expo(rate)
            day += 1

    def _call(self, at: float) -> Generator[Any, Any, None]:
        env = self.env
        if at > env.now:
            yield env.timeout(at - env.now)
        day = int(at // DAY)
        patience = self._patience()
        if self.agents is None:
            yield env.timeout(patience)
            self.tally.call(day, patience, True, waited=True)
            return
        request = self.agents.request()
        waited = not request.triggered
        if waited:  # every agent busy: wait, but only as long as patience lasts
            yield request | env.timeout(patience)
        if request.triggered:
            self.tally.call(day, env.now - at, False, waited=waited)
            yield env.timeout(self._handle())
            self.agents.release(request)
        else:
            request.cancel()
            self.tally.call(day, patience, True, waited=True)
