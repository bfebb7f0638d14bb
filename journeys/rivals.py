"""keepword's own shoppers as each other's rivals: who took which units, and when.

Parallel shoppers of one run buy from the same stock. When shopper A buys the last kettle,
the store is right to refuse shopper B, who saw "Only 1 left" a moment before: that refusal is
keepword's doing, not a broken promise. Each shopper says here what it is about to take (before
it clicks "add" or "place order": a store may decrement stock before the answer reaches the
browser) and when the answer came. `journeys.checks.availability` then decides: if the run's
own other journeys took, while a claim stood, at least as many units as the claim said were left
(or any, where the store gave no count), a refusal is `inconclusive`, with that reason.

One `Takes` is shared by all shoppers of a run in one process (`Target.takes`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime

from keepword.records import now

__all__ = ["Take", "Takes"]


@dataclass
class Take:
    """One journey taking `units` of `sku` (into its basket, or in an order); `done` is None
    while the store has not answered yet."""

    journey_id: str
    shopper: str
    sku: str
    units: int
    started: datetime
    done: datetime | None = None

    def __repr__(self) -> str:
        return f"<Take {self.units} x {self.sku} by {self.shopper}>"


@dataclass
class Takes:
    """Every take of a run; thread-safe."""

    _takes: list[Take] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __repr__(self) -> str:
        return f"<Takes {len(self._takes)}>"

    def begin(self, journey_id: str, shopper: str, sku: str, units: int) -> Take:
        """Say, before the click, that this journey is about to take `units` of `sku`."""
        take = Take(journey_id, shopper, sku, units, now())
        with self._lock:
            self._takes.append(take)
        return take

    def end(self, take: Take) -> None:
        """The store answered (whatever it said): the take is no longer in flight."""
        with self._lock:
            take.done = now()

    def by_others(self, sku: str, journey_id: str, since: datetime) -> tuple[int, list[str]]:
        """Units of `sku` other journeys took since `since` (or had in flight then), counting each
        journey once at its largest take (adding two, then ordering two, is two), and who."""
        units: dict[str, int] = {}
        who: dict[str, str] = {}
        with self._lock:
            for take in self._takes:
                if take.sku != sku or take.journey_id == journey_id:
                    continue
                if take.done is not None and take.done < since:
                    continue
                units[take.journey_id] = max(units.get(take.journey_id, 0), take.units)
                who[take.journey_id] = take.shopper
        return sum(units.values()), sorted(set(who.values()))
