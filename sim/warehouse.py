"""The warehouse's two shared things: packers on shifts, and stock per SKU.

Packers are one resource (`Packers`, a priority queue in a heap) sized for the busiest shift. Off-duty packers are
held by "blocker" requests at priority -1, placed when a shift ends (a packer finishes the
order in hand first, as people do) and withdrawn when the next shift starts. Orders request at
priority = the time they were placed, so the queue is first come, first served, and an order
the demo store hands in a little late still takes its rightful place.

Stock is counted, not queued through SimPy: an order that finds stock takes it at once with no
event at all; one that does not waits, first come first served, for a replenishment.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Generator
from heapq import heapify, heappop, heappush
from typing import TYPE_CHECKING, Any

import simpy
from simpy.events import NORMAL

from sim.calendar import DAY, ModelCalendar
from sim.config import Stock, Warehouse

__all__ = ["OrderRequest", "PackerRelease", "Packers", "Shifts", "SkuStock", "StockRoom"]


class OrderRequest(simpy.resources.resource.Request):
    """A packer request: lower `priority` first, then first come.

    Built by hand rather than through SimPy's `Put.__init__`: the same attributes and the same
    single event, scheduled at the same moment, without the generic queue scan (see `Packers`).
    """

    resource: Packers

    def __init__(self, resource: Packers, priority: float = 0) -> None:
        env = resource._env
        self.env = env
        self.callbacks = []  # SimPy adds `_trigger_get`, a no-op here: releases never queue
        self.resource = resource
        self.proc = env._active_proc
        self.priority = priority
        if not resource.waiting and len(resource.users) < resource._capacity:
            resource.grant(self)  # what queueing it and then granting the head would do
        else:
            heappush(resource.waiting, (priority, next(resource.sequence), self))
            resource._trigger_put(None)

    def cancel(self) -> None:
        if not self.triggered:
            self.resource.withdraw(self)


class PackerRelease(simpy.resources.resource.Release):
    """A packer handed back: triggered at once; when it is processed, the next order in line
    gets the packer (SimPy's `Release` without its get queue, which is always empty here)."""

    def __init__(self, resource: Packers, request: simpy.resources.resource.Request) -> None:
        env = resource._env
        self.env = env
        self.callbacks = [resource._trigger_put]
        self.request = request
        self.resource = resource
        self.proc = env._active_proc
        try:
            resource.users.remove(request)
        except ValueError:  # released twice: ignored, as SimPy does
            pass
        self._ok = True
        self._value = None
        heappush(env._queue, (env._now, NORMAL, next(env._eid), self))  # env.schedule(self), inlined


class Packers(simpy.Resource):
    """A resource whose requests carry a priority (lower first, then first come).

    Why not `simpy.PriorityResource`: its `SortedQueue` re-sorts the whole queue on every
    request, O(n) per order, so an ad spike that queues thousands of orders turned the model
    quadratic; and SimPy's generic `Put`/`Get` machinery (a queue scan and several Python calls
    per request and per release) sat on the model's hottest path. Here waiting requests
    sit in a heap of `(priority, sequence, request)`, compared in C, and requests and releases
    schedule exactly the events SimPy would, in the same order. This leans on SimPy 4's event
    internals (`_value`, `_ok`, the environment's `_queue` and `_eid`); `tests/test_sim_warehouse.py`
    replays random request, release and cancel sequences on this and on `simpy.PriorityResource`
    and compares every grant, so a SimPy release that changes them fails there first.
    """

    if TYPE_CHECKING:  # SimPy's own idiom: typed methods for the checker, bound classes at run time
        def request(self, priority: float = 0) -> OrderRequest: ...
        def release(self, request: simpy.resources.resource.Request) -> PackerRelease: ...
    else:
        request = simpy.core.BoundClass(OrderRequest)
        release = simpy.core.BoundClass(PackerRelease)

    def __init__(self, env: simpy.Environment, capacity: int = 1) -> None:
        super().__init__(env, capacity)
        self.sequence = itertools.count()
        self.waiting: list[tuple[float, int, OrderRequest]] = []  # the line (SimPy's `queue` stays empty)

    def grant(self, request: OrderRequest) -> None:
        """Give `request` a packer: SimPy's `_do_put` and `succeed`, inlined."""
        self.users.append(request)
        env = self._env
        request.usage_since = env._now
        request._ok = True
        request._value = None
        heappush(env._queue, (env._now, NORMAL, next(env._eid), request))

    def _trigger_put(self, get_event: Any) -> None:
        """Grant the head of the line a packer if one is free (SimPy's `_trigger_put` for a
        queue whose `_do_put` stops after the head)."""
        waiting = self.waiting
        if waiting and len(self.users) < self._capacity:
            self.grant(heappop(waiting)[2])

    def withdraw(self, request: OrderRequest) -> None:
        self.waiting = [entry for entry in self.waiting if entry[2] is not request]
        heapify(self.waiting)


class Shifts:
    """Staff on duty over time, and the process that holds off-duty packers back."""

    def __init__(self, config: Warehouse, calendar: ModelCalendar) -> None:
        self.calendar = calendar
        self.all_days = config.days == "all"
        marks = sorted({0, 1440, *(s.start for s in config.shifts), *(s.end for s in config.shifts)})
        self.profile: list[tuple[int, int, int]] = []  # (from, to, staff) on an open day
        for a, b in itertools.pairwise(marks):
            staff = sum(s.packers for s in config.shifts if s.start <= a < s.end)
            self.profile.append((a, b, staff))
        self.capacity = max(1, max(staff for _, _, staff in self.profile))
        self.always_full = self.all_days and all(s == self.capacity for _, _, s in self.profile)

    def __repr__(self) -> str:
        return f"<Shifts capacity={self.capacity}>"

    def day_profile(self, day: int) -> list[tuple[int, int, int]]:
        if self.all_days or self.calendar.is_working(day):
            return self.profile
        return [(0, 1440, 0)]

    def on_duty_minutes(self, days: int) -> float:
        """Packer minutes on shift in days [0, days)."""
        return float(sum((b - a) * s for day in range(days) for a, b, s in self.day_profile(day)))

    def control(self, env: simpy.Environment, packers: simpy.Resource) -> Generator[Any, Any, None]:
        """Keep `capacity - on duty` blocker requests in place, day after day."""
        blockers: list[Any] = []
        day = 0
        while True:
            for start, _end, staff in self.day_profile(day):
                at = day * DAY + start
                if at > env.now:
                    yield env.timeout(at - env.now)
                want = self.capacity - staff
                while len(blockers) > want:
                    request = blockers.pop()
                    if request.triggered:
                        packers.release(request)
                    else:
                        request.cancel()
                while len(blockers) < want:
                    blockers.append(packers.request(priority=-1))  # type: ignore[call-arg]
            day += 1


class SkuStock:
    """One SKU: on hand, back-ordered, on order, and what the shop page last showed."""

    __slots__ = ("backlog", "name", "on_hand", "on_order", "shown", "waiting")

    def __init__(self, name: str, initial: int) -> None:
        self.name = name
        self.on_hand = initial
        self.backlog = 0
        self.on_order = 0
        self.shown = initial
        self.waiting: deque[tuple[int, simpy.Event]] = deque()

    def __repr__(self) -> str:
        return f"<SkuStock {self.name} on_hand={self.on_hand} backlog={self.backlog} on_order={self.on_order}>"

    @property
    def free(self) -> int:
        return self.on_hand - self.backlog


class StockRoom:
    """All SKUs and their (s, Q) replenishment. Unknown SKUs (from a replayed log) start with
    the configured defaults."""

    def __init__(self, env: simpy.Environment, config: Stock, lead_time: Callable[[], float]) -> None:
        self.env = env
        self.config = config
        self.lead_time = lead_time
        self.live = config.display_refresh_min == 0
        self.reorder_point, self.reorder_qty = config.reorder_point, config.reorder_qty
        self.skus: dict[str, SkuStock] = {}
        for name in config.sku_names():
            self.sku(name)

    def __repr__(self) -> str:
        return f"<StockRoom {len(self.skus)} SKUs>"

    def sku(self, name: str) -> SkuStock:
        found = self.skus.get(name)
        if found is None:
            found = self.skus[name] = SkuStock(name, self.config.initial)
        return found

    def take(self, sku: SkuStock, qty: int) -> tuple[bool, bool, simpy.Event | None]:
        """(shown in stock, really in stock, event to wait for or None) for an order of `qty`."""
        backlog = sku.backlog  # (plain arithmetic, not `free`: this runs once per order)
        shown = ((sku.on_hand - backlog) if self.live else sku.shown) >= qty
        wait: simpy.Event | None = None
        if backlog == 0 and sku.on_hand >= qty:
            sku.on_hand -= qty
            available = True
        else:
            available = False
            wait = self.env.event()
            sku.waiting.append((qty, wait))
            sku.backlog += qty
        position = sku.on_hand - sku.backlog + sku.on_order
        if position <= self.reorder_point:
            batches = (self.reorder_point - position) // self.reorder_qty + 1
            sku.on_order += batches * self.reorder_qty
            self.env.process(self._deliver(sku, batches * self.reorder_qty))
        return shown, available, wait

    def _deliver(self, sku: SkuStock, qty: int) -> Generator[Any, Any, None]:
        yield self.env.timeout(self.lead_time() * DAY)
        sku.on_order -= qty
        sku.on_hand += qty
        while sku.waiting and sku.waiting[0][0] <= sku.on_hand:
            need, event = sku.waiting.popleft()
            sku.on_hand -= need
            sku.backlog -= need
            event.succeed()

    def refresh(self) -> Generator[Any, Any, None]:
        """Copy the stock the shop page shows, every `display_refresh_min`."""
        every = self.config.display_refresh_min
        while True:
            for sku in self.skus.values():
                sku.shown = sku.free
            yield self.env.timeout(every)
