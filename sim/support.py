"""The support line: agents in opening hours, callers who hang up when their patience runs out.

Calls come from three places, all decided by the model (`sim.model`): any order, with chance
`calls_per_order`; customers told their order will ship late; customers whose promised
delivery day passed without a parcel. A caller rings at a uniformly random moment of the line's
next open period, waits for the first free agent (first come, first served) for at most their
patience, and either talks for `handle_min` or hangs up. Each call's wait is counted on the
day it was made (`Tallies.call`).
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
                 tally: Tallies) -> None:
        self.env = env
        self.config = config
        self.calendar = calendar
        self.tally = tally
        self.agents = simpy.Resource(env, capacity=config.agents) if config.agents > 0 else None
        self._handle = config.handle_min.sampler(streams["support_handle"])
        self._patience = config.patience_min.sampler(streams["support_patience"])
        self.rng = streams["support_calls"]

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

    def _call(self, at: float) -> Generator[Any, Any, None]:
        env = self.env
        yield env.timeout(at - env.now)
        day = int(at // DAY)
        patience = self._patience()
        if self.agents is None:
            yield env.timeout(patience)
            self.tally.call(day, patience, True)
            return
        request = self.agents.request()
        if not request.triggered:  # every agent busy: wait, but only as long as patience lasts
            yield request | env.timeout(patience)
        if request.triggered:
            self.tally.call(day, env.now - at, False)
            yield env.timeout(self._handle())
            self.agents.release(request)
        else:
            request.cancel()
            self.tally.call(day, patience, True)
