"""The store clock: store time runs `speed` times faster than real time, and can be advanced.

Deliveries take days; a demo takes minutes. With `speed: 3600` one real second is one store
hour, so orders placed during a demo are dispatched and delivered while it runs. Tests use
speed 0, a `start` of their own and `advance()`, which makes every status change deterministic
on any date. With no `start`, the clock starts today at 09:00 in the store's time zone, so a
store started next month looks current then too (and its promises are judged on its clock).
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from datetime import time as time_of_day
from zoneinfo import ZoneInfo

__all__ = ["StoreClock"]


class StoreClock:
    """Aware store time in the store's time zone."""

    def __init__(self, *, start: datetime | None, speed: float, timezone: str) -> None:
        self.zone = ZoneInfo(timezone)
        if start is None:  # today, 09:00 store time: the machine's date is the point here
            start = datetime.combine(datetime.now(self.zone).date(), time_of_day(9), self.zone)
        self.start = start.astimezone(self.zone)
        self.speed = speed
        self._real_start = time.monotonic()
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<StoreClock {self.now().isoformat(timespec='seconds')} x{self.speed:g}>"

    def now(self) -> datetime:
        elapsed = (time.monotonic() - self._real_start) * self.speed
        with self._lock:
            offset = self._offset
        return self.start + timedelta(seconds=elapsed) + offset

    def advance(self, hours: float) -> datetime:
        """Move store time forward (never back: orders already placed keep their order)."""
        if hours < 0:
            raise ValueError("the store clock only moves forward; give hours >= 0")
        with self._lock:
            self._offset += timedelta(hours=hours)
        return self.now()
