"""The ledger's records: immutable, with ids made at construction.

Ids are made here rather than by the database so that a claim, its observation, its verdict and
their evidence can reference each other before anything is written, be written in one
transaction, and cross a process boundary (pytest-xdist workers, the sim's process pool) as
plain dicts. Values round-trip through `encode_value`/`decode_value`: Money as integer minor
units plus currency, dates as ISO text, datetimes timezone-aware.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, ClassVar, TypeAlias

from keepword.kinds import ClaimKind, Outcome
from keepword.money import Money

__all__ = [
    "Claim",
    "Evidence",
    "Figure",
    "HarnessFailure",
    "Journey",
    "Observation",
    "Record",
    "Run",
    "RunOwner",
    "StoreError",
    "Tally",
    "Value",
    "Verdict",
    "decode_value",
    "encode_value",
    "new_id",
    "now",
]

Value: TypeAlias = Money | datetime | date | Decimal | int | str | bool | None


def new_id() -> str:
    """A record id: 16 hex characters of a random UUID (collisions are not a practical risk)."""
    return uuid.uuid4().hex[:16]


def now() -> datetime:
    """The current time, timezone-aware in UTC: naive datetimes never enter the ledger."""
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment.isoformat()} given; the ledger needs a timezone")
    return moment


def encode_value(value: Value) -> dict[str, Any]:
    """Encode a value as tagged JSON-able data, never a float."""
    if value is None:
        return {"t": "none"}
    if isinstance(value, Money):
        return {"t": "money", "minor": value.minor, "cur": value.currency}
    if isinstance(value, bool):
        return {"t": "bool", "v": value}
    if isinstance(value, datetime):
        return {"t": "datetime", "v": _aware(value).isoformat()}
    if isinstance(value, date):
        return {"t": "date", "v": value.isoformat()}
    if isinstance(value, Decimal):
        return {"t": "decimal", "v": str(value)}
    if isinstance(value, int):
        return {"t": "int", "v": value}
    if isinstance(value, str):
        return {"t": "str", "v": value}
    if isinstance(value, float):
        raise TypeError("floats are not ledger values; use Decimal")
    raise TypeError(f"cannot store a {type(value).__name__} in the ledger")


def decode_value(data: dict[str, Any]) -> Value:
    """Inverse of `encode_value`."""
    tag = data["t"]
    if tag == "none":
        return None
    if tag == "money":
        return Money.from_minor(int(data["minor"]), str(data["cur"]))
    if tag == "datetime":
        return datetime.fromisoformat(data["v"])
    if tag == "date":
        return date.fromisoformat(data["v"])
    if tag == "decimal":
        return Decimal(data["v"])
    if tag in ("int", "bool", "str"):
        return data["v"]  # type: ignore[no-any-return]
    raise ValueError(f"unknown value tag {tag!r} in the ledger")


def _short(value: Value) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


class Record:
    """Behaviour every record shares: a dict form for crossing processes."""

    table: ClassVar[str] = ""
    _value_fields: ClassVar[tuple[str, ...]] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict, tagged with the record type, for pytest-xdist and process pools."""
        out: dict[str, Any] = {"type": type(self).__name__}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            v = getattr(self, f.name)
            if f.name in self._value_fields:
                out[f.name] = encode_value(v)
            elif isinstance(v, datetime):
                out[f.name] = _aware(v).isoformat()
            elif isinstance(v, date):
                out[f.name] = v.isoformat()
            else:
                out[f.name] = v
        return out

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Record:
        """Rebuild any record from `to_dict` output."""
        cls = _RECORD_TYPES[data["type"]]
        kwargs: dict[str, Any] = {}
        types = {f.name: f.type for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        for name, v in data.items():
            if name == "type":
                continue
            if name in cls._value_fields:
                kwargs[name] = decode_value(v)
            elif "datetime" in str(types[name]) and isinstance(v, str):
                kwargs[name] = datetime.fromisoformat(v)
            elif str(types[name]) == "date" and isinstance(v, str):
                kwargs[name] = date.fromisoformat(v)
            else:
                kwargs[name] = v
        return cls(**kwargs)


@dataclass(frozen=True, slots=True)
class RunOwner:
    """The process that started a run (`keepword.ledger.owner`), so that a reader on the same
    machine can tell a run still going from one that was killed. A field that could not be read
    (no /proc: not Linux) is None, and then nobody can tell."""

    pid: int | None = None
    started: int | None = None  # field 22 of /proc/<pid>/stat: clock ticks after boot, so a reused PID is not it
    boot_id: str | None = None  # /proc/sys/kernel/random/boot_id: which machine, and which boot of it
    host: str | None = None

    def __repr__(self) -> str:
        return f"<RunOwner pid={self.pid} on {self.host}>"


@dataclass(frozen=True, slots=True)
class Run:
    """One execution (shop, follow-up, simulate, sweep, demo). `outcome` is None while open.

    `owner` is the process that started it (None in ledgers from before keepword kept it);
    `alive`, for a run with no end, is whether that process was alive when the ledger was read,
    decided once then so that every part of a report agrees (None: it cannot be told here).
    """

    id: int
    kind: str
    scenario: str | None
    params: dict[str, Any]
    started_at: datetime
    ended_at: datetime | None = None
    outcome: str | None = None
    reason: str | None = None  # why it was interrupted or failed, in one line
    owner: RunOwner | None = None
    alive: bool | None = None

    @property
    def status(self) -> str:
        """complete / failed / interrupted once the run ended; with no end, "running" while its
        process was alive when the ledger was read, else "incomplete" (killed, or that cannot
        be told: another machine, no /proc, a ledger from before owners were kept)."""
        if self.outcome:
            return self.outcome
        return "running" if self.alive else "incomplete"

    def __repr__(self) -> str:
        return f"<Run #{self.id} {self.kind} {self.status}>"


@dataclass(frozen=True, slots=True)
class Journey(Record):
    """One shopper's path through a store; claims and failures point to it."""

    table: ClassVar[str] = "journeys"
    name: str
    shopper: str = ""
    started_at: datetime = field(default_factory=now)
    id: str = field(default_factory=new_id)

    def __repr__(self) -> str:
        return f"<Journey {self.name} shopper={self.shopper} {self.id}>"


@dataclass(frozen=True, slots=True)
class Claim(Record):
    """What the store said about a subject (a SKU, an order), where and when."""

    table: ClassVar[str] = "claims"
    _value_fields: ClassVar[tuple[str, ...]] = ("value",)
    kind: str
    subject: str
    value: Value
    source: str = "page"
    step: str = ""
    journey_id: str | None = None
    url: str | None = None
    made_at: datetime = field(default_factory=now)
    id: str = field(default_factory=new_id)
    store_at: datetime | None = None  # the store's time when it was made (keepword.storetime)

    def __post_init__(self) -> None:
        ClaimKind(self.kind)  # fail early on a kind that is not in the one list

    def __repr__(self) -> str:
        return f"<Claim {self.kind} {self.subject}={_short(self.value)} at {self.step or self.source}>"


@dataclass(frozen=True, slots=True)
class Observation(Record):
    """What was later seen for the same subject as a claim."""

    table: ClassVar[str] = "observations"
    _value_fields: ClassVar[tuple[str, ...]] = ("value",)
    claim_id: str
    value: Value
    source: str = "page"
    step: str = ""
    url: str | None = None
    observed_at: datetime = field(default_factory=now)
    id: str = field(default_factory=new_id)

    def __repr__(self) -> str:
        return f"<Observation {self.claim_id}={_short(self.value)} at {self.step or self.source}>"


@dataclass(frozen=True, slots=True)
class Verdict(Record):
    """Kept, broken or inconclusive, with what was expected and what was seen. Never edited."""

    table: ClassVar[str] = "verdicts"
    _value_fields: ClassVar[tuple[str, ...]] = ("expected", "actual")
    claim_id: str
    outcome: str
    expected: Value = None
    actual: Value = None
    difference: str = ""
    observation_id: str | None = None
    decided_at: datetime = field(default_factory=now)
    id: str = field(default_factory=new_id)
    store_at: datetime | None = None  # the store's time when it was decided (keepword.storetime)

    def __post_init__(self) -> None:
        Outcome(self.outcome)

    def __repr__(self) -> str:
        diff = f" ({self.difference})" if self.difference else ""
        return f"<Verdict {self.outcome} {self.claim_id}{diff}>"


@dataclass(frozen=True, slots=True)
class HarnessFailure(Record):
    """keepword could not go on (selector, timeout, store down). Its own outcome, never a verdict."""

    table: ClassVar[str] = "harness_failures"
    journey_id: str | None
    step: str
    message: str
    url: str | None = None
    at: datetime = field(default_factory=now)
    id: str = field(default_factory=new_id)

    def __repr__(self) -> str:
        return f"<HarnessFailure at {self.step}: {self.message[:40]}>"


@dataclass(frozen=True, slots=True)
class StoreError(Record):
    """The customer saw the store fail (an HTTP 5xx, an error page, "a problem occurred placing
    your order"): a finding about the store, counted apart from broken promises (the store did
    not say something and then do otherwise) and from harness errors (keepword's own trouble)."""

    table: ClassVar[str] = "store_errors"
    journey_id: str | None
    step: str
    message: str
    url: str | None = None
    status: int | None = None  # the HTTP status the store answered with, where there was one
    title: str | None = None   # the page's title, as the customer saw it
    at: datetime = field(default_factory=now)
    store_at: datetime | None = None
    id: str = field(default_factory=new_id)

    def __repr__(self) -> str:
        return f"<StoreError at {self.step}: {self.status or ''} {self.message[:40]}>"


@dataclass(frozen=True, slots=True)
class Evidence(Record):
    """Something that backs a record up: a URL, an HTML snippet, a screenshot path, an e-mail."""

    table: ClassVar[str] = "evidence"
    of_id: str
    kind: str
    text: str | None = None
    path: str | None = None
    id: str = field(default_factory=new_id)

    def __post_init__(self) -> None:
        # "skipped": a journey stopped short on purpose (checkout where orders are not allowed)
        if self.kind not in {"url", "html", "screenshot", "email", "note", "skipped"}:
            raise ValueError(f"unknown evidence kind {self.kind!r}")

    def __repr__(self) -> str:
        return f"<Evidence {self.kind} of {self.of_id}>"


@dataclass(frozen=True, slots=True)
class Tally(Record):
    """Verdict counts for one day, kind and group: the model's output, too many orders to list."""

    table: ClassVar[str] = "tallies"
    kind: str
    day: date
    group: str
    kept: int
    broken: int
    open: int = 0
    id: str = field(default_factory=new_id)

    def __repr__(self) -> str:
        return f"<Tally {self.kind} {self.day} [{self.group}] kept={self.kept} broken={self.broken}>"


@dataclass(frozen=True, slots=True)
class Figure(Record):
    """A model output (on-time rate, support wait p90...) with its 95% interval and labels."""

    table: ClassVar[str] = "figures"
    name: str
    value: float
    lo: float | None = None
    hi: float | None = None
    labels: dict[str, Any] = field(default_factory=dict)
    id: str = field(default_factory=new_id)

    def __repr__(self) -> str:
        return f"<Figure {self.name}={self.value:.4g} {self.labels}>"


_RECORD_TYPES: dict[str, type[Record]] = {
    cls.__name__: cls
    for cls in (Journey, Claim, Observation, Verdict, HarnessFailure, StoreError, Evidence, Tally, Figure)
}
