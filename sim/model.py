"""The order-flow model: one SimPy environment, one replication.

An order's life (`Model._order`, built by `_order_process`): it arrives (from the traffic
profile, a replayed log, or the demo store), the store promises a dispatch and a delivery date
by its promise rule and shows stock as of its last refresh; a confirmation e-mail goes out;
the order waits for stock if there is none, then for a packer; it is packed, waits for the
next carrier pick-up, and travels a region's transit time in working days. Each claim gets its
verdict on the spot (the dates are known once the order is packed) and only counts are kept
(`sim.tallies`).

Two deadlines a day (`Model._deadlines`) turn broken promises into support calls: at the last
pick-up, customers whose order missed its promised dispatch get a delay e-mail and some call;
at midnight, customers whose promised delivery day passed without a parcel call. Every random
draw comes from a named stream (`sim.streams`).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Generator, Sequence
from datetime import datetime, timedelta
from typing import Any, NamedTuple

import simpy

from sim.calendar import DAY, ModelCalendar
from sim.config import SimConfig
from sim.distributions import weighted_choice
from sim.emails import EmailTiming
from sim.streams import Streams
from sim.support import SupportLine
from sim.tallies import ReplicationResult, Tallies
from sim.warehouse import Packers, Shifts, StockRoom

__all__ = ["Model", "ReplayOrder", "run_model"]

ORDER_COLUMNS = ("placed_at", "sku", "quantity", "region", "promised_dispatch", "dispatched_at",
                 "promised_delivery", "delivered", "on_time", "shown_in_stock", "in_stock")
"""The columns of an order row (`Model._row`), as `--orders-out` writes them after `group`."""


class ReplayOrder(NamedTuple):
    """One row of a replayed order log, in model minutes."""

    minute: float
    sku: str
    quantity: int
    region: str
    promised_day: int | None = None


class Model:
    """One replication of the order flow. `run()` for a planner; `advance()`/`place()` for the
    demo store, which drives the same model on its own clock."""

    def __init__(
        self,
        config: SimConfig,
        *,
        replication: int = 0,
        replay: Sequence[ReplayOrder] | None = None,
        scale: float = 1.0,
        collect_orders: bool = False,
        open_ended: bool = False,
    ) -> None:
        self.config = config
        self.replication = replication
        self.env = env = simpy.Environment()
        self.calendar = cal = ModelCalendar(config.calendar)
        self.streams = streams = Streams(config.run.seed, replication)
        self.days = config.calendar.days
        self.horizon = self.days * DAY
        self.tally = Tallies(self.days + config.run.drain_days)
        if collect_orders:
            self.tally.orders_rows = []
        # samplers, each bound to its own stream
        self._pick = config.warehouse.pick_pack_min.sampler(streams["pick_pack"])
        self._qty = config.traffic.quantity.sampler(streams["quantity"])
        regions = config.carrier.regions
        self.region_names = list(regions)
        transit_rng = streams["transit"]
        self._transit = {name: r.transit_days.sampler(transit_rng) for name, r in regions.items()}
        self._region = weighted_choice(self.region_names, [r.share for r in regions.values()], streams["region"].random)
        # warehouse
        self.shifts = Shifts(config.warehouse, cal)
        self.packers = Packers(env, capacity=self.shifts.capacity)
        if not self.shifts.always_full:
            env.process(self.shifts.control(env, self.packers))
        self.stock: StockRoom | None = None
        if not config.stock.unlimited:
            self.stock = StockRoom(env, config.stock, config.stock.lead_time_days.sampler(streams["lead_time"]))
            if not self.stock.live:
                env.process(self.stock.refresh())
        self.sku_names = names = config.stock.sku_names()
        zipf = [1.0 / (i + 1) ** config.stock.popularity for i in range(len(names))]
        self._sku = weighted_choice(names, zipf, streams["sku"].random)
        self.support = SupportLine(env, config.support, cal, streams, self.tally, None if open_ended else self.days)
        # promises and their deadlines
        self.pickups = sorted(config.carrier.pickups)
        self.in_warehouse = 0
        self.due_dispatch: defaultdict[int, int] = defaultdict(int)  # orders promised for a day, not yet out
        self.due_delivery: defaultdict[int, int] = defaultdict(int)
        self.window: tuple[float, float] | None = None  # count orders placed in [from, to) minutes
        self.window_counts = [0, 0]  # on time, late
        self.window_pending = 0
        self._campaigns = [(self._minute(c.start), self._minute(c.end), c.multiplier)
                           for c in config.traffic.campaigns]
        self._bind()
        env.process(self._deadlines())
        if replay is not None:
            env.process(self._replay(replay, scale))
        else:
            env.process(self._arrivals(None if open_ended else self.horizon))

    def _bind(self) -> None:
        """The date caches, and the per-order process closed over them (`_order_process`)."""
        self._working_cache: dict[tuple[int, int], int] = {}
        self._pickup_cache: dict[int, tuple[tuple[float, ...], float]] = {}
        self._promise_cache: dict[tuple[int, bool], tuple[int | None, int]] = {}
        self._order = self._order_process()

    def __repr__(self) -> str:
        return f"<Model replication={self.replication} now={self.env.now:.0f}min orders={self.order_count}>"

    @property
    def order_count(self) -> int:
        """Orders placed so far (each counts once, on the day it was placed)."""
        return sum(self.tally.orders)

    # -- running ---------------------------------------------------------------------------
    def run(self) -> ReplicationResult:
        """Run the horizon plus the drain days and return the counts."""
        end = (self.days + self.config.run.drain_days) * DAY
        self.env.run(until=end)
        return self.result(end)

    def result(self, end: float) -> ReplicationResult:
        self.tally.on_duty_min = self.shifts.on_duty_minutes(self.days)
        return self.tally.result(self.replication, self.calendar.start, self.days, end)

    def advance(self, minute: float) -> None:
        """Run the model up to `minute` (no-op if it is already there)."""
        if minute > self.env.now:
            self.env.run(until=minute)

    def place(self, minute: float, transit_days: int, promised: tuple[int | None, int]) -> simpy.Process:
        """Hand in an order placed at `minute` (possibly a little in the past), with a fixed transit
        and the promise the store showed; the process's value is (dispatch minute, delivery day)."""
        return self.env.process(self._order(
            self.env.now, None, 1, None, placed=minute, transit=transit_days, promised=promised))

    # -- promises --------------------------------------------------------------------------
    def promise(self, minute: float) -> tuple[int | None, int]:
        """(promised dispatch day or None, promised delivery day) for an order at `minute`."""
        rule = self.config.promise
        day = int(minute // DAY)
        early = minute - day * DAY < rule.cutoff
        if rule.rule != "queue":  # the promise depends only on the day and the cut-off
            key = (day, early)
            cached = self._promise_cache.get(key)
            if cached is None:
                cached = self._promise_cache[key] = self._promise(day, early, 0)
            return cached
        return self._promise(day, early, int(self.in_warehouse // rule.queue_orders_per_day))

    def _promise(self, day: int, early: bool, backlog_days: int) -> tuple[int | None, int]:
        rule = self.config.promise
        cal = self.calendar
        hi = rule.delivery_working_days[1]
        if rule.rule == "working_days":
            return None, cal.add_working_days(day, hi)
        base = day if cal.is_working(day) and early else cal.next_working(day + 1)
        base = cal.add_working_days(base, backlog_days)
        return base, cal.add_working_days(base, hi)

    def next_pickup(self, minute: float) -> float:
        day = int(minute // DAY)
        found = self._pickup_cache.get(day)
        if found is None:  # (this day's pick-ups, the next working day's first), once per day
            today = tuple(day * DAY + p for p in self.pickups) if self.calendar.is_working(day) else ()
            found = self._pickup_cache[day] = (today, self.calendar.next_working(day + 1) * DAY + self.pickups[0])
        today, later = found
        if today and minute <= today[-1]:
            return today[bisect_left(today, minute)]
        return later

    # -- processes -------------------------------------------------------------------------
    def _rate_per_min(self, hour: int) -> float:
        t = self.config.traffic
        curve, weekly = t.daily_curve, t.weekly
        day = hour // 24
        rate = t.sessions_per_day * t.conversion / 1440.0
        rate *= curve[hour % 24] * 24 / sum(curve)
        rate *= weekly[self.calendar.date(day).weekday()] * 7 / sum(weekly)
        minute = hour * 60
        for start, end, multiplier in self._campaigns:
            if start <= minute < end:
                rate *= multiplier
        return rate

    def _minute(self, when: Any) -> float:
        if isinstance(when, int):
            return when * DAY
        if isinstance(when, datetime):
            return self.calendar.day_of(when) * DAY + when.hour * 60 + when.minute
        return self.calendar.day_of(when) * DAY

    def _arrivals(self, until: float | None) -> Generator[Any, Any, None]:
        """Non-homogeneous Poisson arrivals, exact for a rate that is constant within each hour
        (the exponential is memoryless, so a gap crossing an hour's end is redrawn there)."""
        env = self.env
        expo = self.streams["arrivals"].expovariate
        process, order = env.process, self._order
        timeout = env.timeout
        sku, region, qty = self._sku, self._region, self._qty
        hour = 0
        while until is None or hour * 60 < until:
            rate = self._rate_per_min(hour)
            end = (hour + 1) * 60.0
            t = hour * 60.0
            if rate > 0:
                t += expo(rate)
                while t < end:
                    yield timeout(t - env.now)
                    process(order(t, sku(), max(1, round(qty())), region()))
                    t += expo(rate)
            hour += 1

    def _replay(self, rows: Sequence[ReplayOrder], scale: float) -> Generator[Any, Any, None]:
        """A replayed log: each row `int(scale)` times, plus once more with chance `scale % 1`."""
        env = self.env
        rng = self.streams["replay"].random
        whole, frac = int(scale), scale - int(scale)
        for row in rows:
            copies = whole + (1 if frac and rng() < frac else 0)
            if not copies:
                continue
            if row.minute > env.now:
                yield env.timeout(row.minute - env.now)
            promised = None
            if row.promised_day is not None:
                promised = (self.promise(row.minute)[0], row.promised_day)
            for _ in range(copies):
                env.process(self._order(row.minute, row.sku, row.quantity, row.region, promised=promised))

    def _order_process(self) -> Callable[..., Generator[Any, Any, tuple[float, int]]]:
        """The per-order process, as a generator function closed over everything it reads.

        Why a closure: this runs once per order, and the model's speed is measured against a
        bare SimPy loop (`benchmarks/sim.py`). What it reads is bound once, as cells of the
        closure, instead of looked up on `self` at every step; tally lists are bound too (they
        grow in place). The random draws happen in the same order as ever, so a seed gives the
        same numbers.
        """
        env, tally, calendar = self.env, self.tally, self.calendar
        drain_days, horizon, cutoff = self.config.run.drain_days, self.horizon, self.config.promise.cutoff
        orders_per_day = tally.orders
        email_kept, email_broken = tally.kept["email"], tally.broken["email"]
        avail_kept, avail_broken = tally.kept["availability"], tally.broken["availability"]
        dispatch_kept, dispatch_broken = tally.kept["dispatch_date"], tally.broken["dispatch_date"]
        delivery_kept, delivery_broken = tally.kept["delivery_date"], tally.broken["delivery_date"]
        lead_days = tally.lead_days
        email_rnd = self.streams["email"].random
        emails, rule = EmailTiming(self.config.emails, self.streams["email"]), self.config.promise
        p_confirmation = emails.on_time_probability(rule.confirmation_within_min)
        p_dispatch_mail = emails.on_time_probability(rule.dispatch_within_min)
        p_delay_mail = emails.on_time_probability(rule.delay_within_min)
        calls_per_order, call_random = self.config.support.calls_per_order, self.support.rng.random
        start_call = self.support.start_call
        due_dispatch, due_delivery = self.due_dispatch, self.due_delivery
        promise_cache, pickup_cache, working_cache = self._promise_cache, self._pickup_cache, self._working_cache
        promise, next_pickup, add_working_days = self.promise, self.next_pickup, calendar.add_working_days
        working_count, working_days_between = calendar.working_count, calendar.working_days_between
        stock = self.stock
        request_packer = self.packers.request  # a BoundClass: bound once, not per order
        release_packer, timeout, pick = self.packers.release, env.timeout, self._pick
        transit_of = self._transit
        row = self._row
        model = self

        def order(
            t0: float,
            sku_name: str | None,
            qty: int,
            region: str | None,
            *,
            placed: float | None = None,
            transit: int | None = None,
            promised: tuple[int | None, int] | None = None,
        ) -> Generator[Any, Any, tuple[float, int]]:
            placed = t0 if placed is None else placed
            day = int(placed // DAY)
            if day >= len(orders_per_day):
                tally.grow(day + drain_days)
            orders_per_day[day] += 1
            window = model.window
            in_window = window is not None and window[0] <= placed < window[1]
            if in_window:
                model.window_pending += 1
            if promised is None:
                promised = promise_cache.get((day, placed - day * DAY < cutoff))
                if promised is None:
                    promised = promise(placed)
            p_dispatch, p_delivery = promised
            if p_dispatch is not None:
                due_dispatch[p_dispatch] += 1
            due_delivery[p_delivery] += 1
            if email_rnd() < p_confirmation:
                email_kept[day] += 1
            else:
                email_broken[day] += 1
            if calls_per_order and call_random() < calls_per_order:
                start_call(env._now)
            model.in_warehouse += 1
            shown = available = None
            if stock is not None and sku_name is not None:
                shown, available, wait = stock.take(stock.skus.get(sku_name) or stock.sku(sku_name), qty)
                if shown == available:
                    avail_kept[day] += 1
                else:
                    avail_broken[day] += 1
                if wait is not None:
                    yield wait
            # the pack queue
            entered = env._now
            tally.queue_area += tally.queue_len * (entered - tally.queue_since)
            tally.queue_since = entered
            tally.queue_len += 1
            tally.queue_entries += 1
            request = request_packer(priority=placed)
            if not request.triggered:  # a free packer takes it at once: no need to suspend
                yield request
            now = env._now
            tally.queue_area += tally.queue_len * (now - tally.queue_since)
            tally.queue_since = now
            tally.queue_len -= 1
            if now > entered:
                tally.queue_waited += 1
                tally.queue_wait_sum += now - entered
            service = pick()
            if now < horizon:
                tally.busy_min += service
            yield timeout(service)
            release_packer(request)
            model.in_warehouse -= 1
            # carrier
            now = env._now
            found = pickup_cache.get(int(now // DAY))
            if found is None:
                pickup = next_pickup(now)
            else:  # next_pickup's answer from its cache: today's next pick-up, else the next day's first
                today = found[0]
                pickup = today[bisect_left(today, now)] if today and now <= today[-1] else found[1]
            d_day = int(pickup // DAY)
            if transit is None:
                transit = int(transit_of[region]())  # type: ignore[index]
            key = (d_day, transit)
            delivered = working_cache.get(key)
            if delivered is None:
                delivered = working_cache[key] = add_working_days(d_day, transit)
            if p_dispatch is not None:
                if d_day > p_dispatch:
                    dispatch_broken[day] += 1
                    if email_rnd() < p_delay_mail:  # the delay e-mail
                        email_kept[day] += 1
                    else:
                        email_broken[day] += 1
                else:
                    dispatch_kept[day] += 1
                    if p_dispatch in due_dispatch:
                        due_dispatch[p_dispatch] -= 1
            if email_rnd() < p_dispatch_mail:  # the dispatch e-mail
                email_kept[day] += 1
            else:
                email_broken[day] += 1
            on_time = delivered <= p_delivery
            if on_time:
                delivery_kept[day] += 1
                if p_delivery in due_delivery:
                    due_delivery[p_delivery] -= 1
            else:
                delivery_broken[day] += 1
            if in_window:
                model.window_counts[0 if on_time else 1] += 1
                model.window_pending -= 1
            # working days in [0, i), so (day, delivered] is a difference
            if delivered + 1 < len(working_count):
                lead_days[working_count[delivered + 1] - working_count[day + 1]] += 1
            else:
                lead_days[working_days_between(day, delivered)] += 1
            if tally.orders_rows is not None:
                row(placed, sku_name, qty, region, p_dispatch, pickup, p_delivery, delivered, shown, available)
            return pickup, delivered

        return order

    def _deadlines(self) -> Generator[Any, Any, None]:
        """At the last pick-up: orders that missed their dispatch day; at midnight: orders that
        missed their delivery day. Some of those customers call support."""
        env = self.env
        sup = self.config.support
        last_pickup = self.pickups[-1]
        day = 0
        while True:
            if self.calendar.is_working(day):
                yield env.timeout(day * DAY + last_pickup - env.now)
                yield env.timeout(0)  # after orders packed exactly at the pick-up time have left
                self.support.calls(self.due_dispatch.pop(day, 0), sup.call_share_delayed)
            yield env.timeout((day + 1) * DAY - env.now)
            self.due_dispatch.pop(day, None)
            # memory stays flat in the horizon: forget the past days' cached dates
            self._pickup_cache.pop(day, None)
            self._promise_cache.pop((day, True), None)
            self._promise_cache.pop((day, False), None)
            if day % 7 == 6:
                self._working_cache.clear()
            self.support.calls(self.due_delivery.pop(day, 0), sup.call_share_late)
            day += 1

    def _row(self, placed: float, sku: str | None, qty: int, region: str | None, p_dispatch: int | None,
             pickup: float, p_delivery: int, delivered: int, shown: bool | None, available: bool | None) -> None:
        cal = self.calendar
        start = datetime.combine(cal.start, datetime.min.time())
        self.tally.orders_rows.append({  # type: ignore[union-attr]
            "placed_at": (start + timedelta(minutes=placed)).isoformat(timespec="seconds"),
            "sku": sku or "", "quantity": qty, "region": region or "",
            "promised_dispatch": cal.date(p_dispatch).isoformat() if p_dispatch is not None else "",
            "dispatched_at": (start + timedelta(minutes=pickup)).isoformat(timespec="seconds"),
            "promised_delivery": cal.date(p_delivery).isoformat(),
            "delivered": cal.date(delivered).isoformat(),
            "on_time": delivered <= p_delivery,
            "shown_in_stock": "" if shown is None else shown,
            "in_stock": "" if available is None else available,
        })


def run_model(
    config: SimConfig,
    replication: int,
    replay: Sequence[ReplayOrder] | None = None,
    scale: float = 1.0,
    collect_orders: bool = False,
) -> ReplicationResult:
    """One replication, start to finish: what a worker process runs."""
    return Model(config, replication=replication, replay=replay, scale=scale, collect_orders=collect_orders).run()
