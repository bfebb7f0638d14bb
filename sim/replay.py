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
from typing import TextIO

from keepword.errors import BadInput
from keepword.loading import first_bad_utf8_line, regular_file
from sim.config import FIRST_YEAR, LAST_YEAR
from sim.config import MAX_CALENDAR_DAYS as MAX_DAYS
from sim.model import ReplayOrder

__all__ = ["MAX_PROMISE_DAYS", "MAX_REPLAY_BYTES", "MAX_REPLAY_ROWS", "OrderLog", "parse_timestamp", "read_orders"]

REQUIRED = ("timestamp", "sku", "quantity", "region")
MAX_REPLAY_ROWS = 500_000
"""Orders in a replayed log: every row is held in memory (about 0.5 kB while it is read) and
sent to every replication; a month of 10,000 orders a day is 300,000."""
MAX_REPLAY_BYTES = 100_000_000
"""The largest log read: 500,000 rows of about 60 bytes are 30 MB, so this leaves long SKUs room."""
MAX_PROMISE_DAYS = 366
"""The latest promised date, in days after its order: the model counts the working days between."""
MAX_CELL = 1_000
"""The longest cell: a timestamp, a SKU or a region name is a few dozen characters."""


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
    handle = _open(p)
    parsed: list[tuple[datetime, str, int, str, date | None]] = []
    with handle:
        reader = csv.DictReader(handle)
        try:
            header = [h.strip() for h in reader.fieldnames or []]
            missing = [c for c in REQUIRED if c not in header]
            if missing:
                raise BadInput(f"{p}:1: missing column(s) {', '.join(missing)}; the header must name "
                               f"{', '.join(REQUIRED)} (and optionally promised_date)")
            reader.fieldnames = header
            for number, row in enumerate(reader, start=2):
                if number > MAX_REPLAY_ROWS + 1:
                    raise BadInput(f"{p}:{number}: over {MAX_REPLAY_ROWS:,} orders, keepword's limit for a "
                                   "replayed log; replay a shorter period (split the log by month)")
                parsed.append(_row(p, number, row, regions, day_first))
        except UnicodeDecodeError:
            raise BadInput(f"{p}:{first_bad_utf8_line(p)}: not UTF-8 text; save the log as UTF-8 "
                           "(\"CSV UTF-8\" in a spreadsheet)") from None
        except csv.Error as exc:  # a NUL byte, a cell over csv's field limit
            raise BadInput(f"{p}:{reader.line_num + 1}: not a CSV keepword reads ({exc}); --replay takes a "
                           f"UTF-8 CSV with columns {', '.join(REQUIRED)}") from None
    if not parsed:
        raise BadInput(f"{p}:2: the log has no orders")
    parsed.sort(key=lambda r: r[0])
    start = parsed[0][0].date()
    days = (parsed[-1][0].date() - start).days + 1
    if days > MAX_DAYS:
        raise BadInput(f"{p}: the orders span {days:,} days ({start} to {parsed[-1][0].date()}), over the "
                       f"model's {MAX_DAYS:,}; replay a shorter period (split the log by year)")
    origin = datetime.combine(start, datetime.min.time())
    rows = tuple(
        ReplayOrder((when - origin).total_seconds() / 60, sku, qty, region,
                    (promised - start).days if promised is not None else None)
        for when, sku, qty, region, promised in parsed
    )
    return OrderLog(str(p), start, days, rows)


def _count_lines(p: Path) -> int:
    """Lines in the file (a last line without a newline counts), read in 1 MB blocks."""
    count, last = 0, b"\n"
    with p.open("rb") as handle:
        while block := handle.read(1 << 20):
            count += block.count(b"\n")
            last = block[-1:]
    return count + (last != b"\n")


def _open(p: Path) -> TextIO:
    """The log opened for reading, if it is a regular file keepword may read whole: a FIFO would
    block and /dev/zero never ends, as `keepword check` refuses them for YAML."""
    info = regular_file(p, missing=f"--replay needs a CSV with columns {', '.join(REQUIRED)}",
                        wanted="--replay needs the path of a CSV file")
    if info.st_size > MAX_REPLAY_BYTES:
        raise BadInput(f"{p}: {info.st_size:,} bytes, over keepword's limit of {MAX_REPLAY_BYTES:,} for a "
                       "replayed log; replay a shorter period (split the log by month)")
    try:
        lines = _count_lines(p)
        if lines > MAX_REPLAY_ROWS + 1:  # counted in a blink, before a row is parsed
            raise BadInput(f"{p}: {lines:,} lines, over keepword's limit of {MAX_REPLAY_ROWS:,} orders for a "
                           "replayed log; replay a shorter period (split the log by month)")
        return p.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise BadInput(f"{p}: cannot read: {exc.strerror or exc}") from None


def _row(path: Path, number: int, row: dict[str, str | None], regions: list[str], day_first: bool | None
         ) -> tuple[datetime, str, int, str, date | None]:
    def fail(column: str, message: str) -> BadInput:
        return BadInput(f"{path}:{number}: {column}: {message}")

    def cell(column: str) -> str:
        value = row.get(column)
        if value is None or not value.strip():
            raise fail(column, "empty; every row needs a value here")
        if len(value) > MAX_CELL:
            raise fail(column, f"{len(value):,} characters, over keepword's limit of {MAX_CELL:,} for a cell; "
                               "check the column")
        return value.strip()

    text = cell("timestamp")
    try:
        when = parse_timestamp(text, day_first)
    except ValueError as exc:
        raise fail("timestamp", str(exc)) from None
    if not FIRST_YEAR <= when.year <= LAST_YEAR:
        raise fail("timestamp", f"{text!r}: give a time in the years {FIRST_YEAR} to {LAST_YEAR}")
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
    if len(text) > MAX_CELL:
        raise fail("promised_date", f"{len(text):,} characters, over keepword's limit of {MAX_CELL:,} for a cell")
    if text:
        try:
            promised = date.fromisoformat(text)
        except ValueError:
            raise fail("promised_date", f"{text!r} is not a date such as 2026-11-05") from None
        if promised < when.date():
            raise fail("promised_date", f"{promised} is before the order was placed ({when.date()})")
        if (promised - when.date()).days > MAX_PROMISE_DAYS:
            raise fail("promised_date", f"{promised} is over {MAX_PROMISE_DAYS} days after the order was placed "
                                        f"({when.date()}); check the column")
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
