"""Reading a real order log for `--replay orders.csv`.

Columns (a header row, any order, extra columns ignored):

    timestamp       ISO 8601, e.g. 2026-11-02T09:14:00 (a time zone is allowed; its wall time is used)
    sku             any text
    quantity        whole number >= 1
    region          one of the scenario's carrier regions
    promised_date   optional, YYYY-MM-DD: the delivery date the store promised at the time

Every problem is a BadInput naming the file, the row number (the header is row 1, as a
spreadsheet shows it) and the column, so the user can open the file at that line.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from keepword.errors import BadInput
from sim.model import ReplayOrder

__all__ = ["OrderLog", "read_orders"]

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


def read_orders(path: str | Path, regions: list[str]) -> OrderLog:
    """Read and check the whole log (a bad row is found before any replication starts)."""
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
            parsed.append(_row(p, number, row, regions))
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


def _row(path: Path, number: int, row: dict[str, str | None], regions: list[str]
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
        when = datetime.fromisoformat(text)
    except ValueError:
        raise fail("timestamp", f"{text!r} is not an ISO 8601 time such as 2026-11-02T09:14:00") from None
    when = when.replace(tzinfo=None)  # the store's wall time is what the model runs on
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
