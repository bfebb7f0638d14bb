"""Reading a real order log for `--replay orders.csv`.

Columns (a header row, any order, extra columns ignored):

    timestamp       ISO 8601, e.g. 2026-11-02T09:14:00 (a time zone is allowed; its wall time is
                    used), 2026/11/02 09:14, or a spreadsheet's 02/11/2026 09:14 (also with . or -,
                    seconds, AM/PM): that one is day first in most of the world and month first
                    in the US, so it needs `day_first` (--day-first / --month-first); without it
                    the log is refused, never guessed, as a log whose days are all 12 or less
                    reads both ways without an error
    sku             any text
    quantity        whole number >= 1
    region          one of the scenario's carrier regions
    promised_date   optional, YYYY-MM-DD: the delivery date the store promised at the time

Every problem is a BadInput naming the file, the row number (the header is row 1, as a
spreadsheet shows it) and the column, so the user can open the file at that line.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from keepword.errors import BadInput
from sim.model import ReplayOrder

__all__ = ["OrderLog", "parse_timestamp", "read_orders"]

REQUIRED = ("timestamp", "sku", "quantity", "region")


@dataclass(frozen=True)
class OrderLog:
    """A parsed log: its first and last day and its rows in model minutes from the first day."""

    path: str
    start: date
    days: int
    rows: tuple[ReplayOrder, ...]

    def __repr__(self) -> str:
        return f"<OrderLog {self.path}: {len(self.rows)} orders over {self.days} days from {self.start}>"

    def orders_per_day(self) -> list[int]:
        counts = [0] * self.days
        for row in self.rows:
            counts[int(row.minute // 1440)] += 1
        return counts


def read_orders(path: str | Path, regions: list[str], day_first: bool | None = None) -> OrderLog:
    """Read and check the whole log (a bad row is found before any replication starts).
    `day_first`: how to read 02/11/2026 (True: 2 November; False: February 11; None: refuse)."""
    p = Path(path)
    try:
        handle = p.open(newline="", encoding="utf-8-sig")
    except FileNotFoundError:
        raise BadInput(f"{p}: no such file; --replay needs a CSV with columns {', '.join(REQUIRED)}") from None
    except OSError as exc:
        raise BadInput(f"{p}: cannot read: {exc}") from None
    parsed: list[tuple[datetime, str, int, str, date | None]] = []
    with handle:
        reader = csv.DictReader(handle)
        header = [h.strip() for h in reader.fieldnames or []]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise BadInput(f"{p}:1: missing column(s) {', '.join(missing)}; the header must name {', '.join(REQUIRED)}"
                           " (and optionally promised_date)")
        reader.fieldnames = header
        for number, row in enumerate(reader, start=2):
            parsed.append(_row(p, number, row, regions, day_first))
    if not parsed:
        raise BadInput(f"{p}:2: the log has no orders")
    parsed.sort(key=lambda r: r[0])
    start = parsed[0][0].date()
    days = (parsed[-1][0].date() - start).days + 1
    origin = datetime.combine(start, datetime.min.time())
    rows = tuple(
        ReplayOrder((when - origin).total_seconds() / 60, sku, qty, region,
                    (promised - start).days if promised is not None else None)
        for when, sku, qty, region, promised in parsed
    )
    return OrderLog(str(p), start, days, rows)


def _row(path: Path, number: int, row: dict[str, str | None], regions: list[str], day_first: bool | None
         ) -> tuple[datetime, str, int, str, date | None]:
    def fail(column: str, message: str) -> BadInput:
        return BadInput(f"{path}:{number}: {column}: {message}")

    def cell(column: str) -> str:
        value = row.get(column)
        if value is None or not value.strip():
            raise fail(column, "empty; every row needs a value here")
        return value.strip()

    text = cell("timestamp")
    try:
        when = parse_timestamp(text, day_first)
    except ValueError as exc:
        raise fail("timestamp", str(exc)) from None
    sku = cell("sku")
    text = cell("quantity")
    try:
        quantity = int(text)
    except ValueError:
        raise fail("quantity", f"{text!r} is not a whole number") from None
    if quantity < 1:
        raise fail("quantity", f"must be at least 1 (got {quantity})")
    region = cell("region")
    if region not in regions:
        raise fail("region", f"unknown region {region!r}; the scenario's carrier regions are {', '.join(regions)}")
    promised = None
    text = (row.get("promised_date") or "").strip()
    if text:
        try:
            promised = date.fromisoformat(text)
        except ValueError:
            raise fail("promised_date", f"{text!r} is not a date such as 2026-11-05") from None
        if promised < when.date():
            raise fail("promised_date", f"{promised} is before the order was placed ({when.date()})")
    return when, sku, quantity, region, promised


_NUMERIC_DATE = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})")
_YEAR_FIRST = re.compile(r"\d{4}/\d{1,2}/\d{1,2}")
_TIMES = ("", " %H:%M", " %H:%M:%S", " %I:%M %p", " %I:%M:%S %p")


def parse_timestamp(text: str, day_first: bool | None = None) -> datetime:
    """An order log's timestamp as a naive wall-clock datetime (a time zone is dropped: the
    store's wall time is what the model runs on). ValueError says what was wrong and what to do."""
    try:
        return datetime.fromisoformat(text).replace(tzinfo=None)
    except ValueError:
        pass
    text = " ".join(text.split())
    if _YEAR_FIRST.match(text):
        dates = ["%Y/%m/%d"]
    elif m := _NUMERIC_DATE.match(text):
        if day_first is None:
            a, b = int(m.group(1)), int(m.group(3))
            if a <= 12 and b <= 12:
                reading = f"could be day {a} of month {b} or month {a}, day {b}"
            else:
                reading = "is day first" if a > 12 else "is month first"
            raise ValueError(f"{text!r} {reading}; say how this log writes dates with --day-first or "
                             "--month-first (keepword reads a whole log one way and never guesses)")
        sep = m.group(2)
        dates = [f"%d{sep}%m{sep}%Y" if day_first else f"%m{sep}%d{sep}%Y"]
    else:
        raise ValueError(f"{text!r} is not a time keepword reads; write ISO 8601 (2026-11-02T09:14:00) "
                         "or DD/MM/YYYY HH:MM with --day-first (MM/DD/YYYY with --month-first)")
    for form in dates:
        for clock in _TIMES:
            try:
                return datetime.strptime(text, form + clock)
            except ValueError:
                continue
    form = "YYYY/MM/DD" if dates == ["%Y/%m/%d"] else ("DD/MM/YYYY" if day_first else "MM/DD/YYYY")
    raise ValueError(f"{text!r} is not a date and time read as {form} HH:MM (or HH:MM:SS, optionally AM/PM)")
