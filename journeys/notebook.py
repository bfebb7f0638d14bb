"""A journey's notebook: claims, observations and verdicts with their evidence, written per step.

The shopper writes everything it reads here; the notebook turns a pair of readings into a
claim, an observation and a verdict (the check decides which) with evidence (the URL, an HTML
snippet, and a screenshot when broken), and hands each step's records to a sink in one batch:
the ledger (one transaction per step, so a kill loses at most the step in flight) or, under
pytest-xdist, the test report that carries them to the controller.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from journeys.checks import Judgement
from keepword.records import (
    Claim,
    Evidence,
    HarnessFailure,
    Journey,
    Observation,
    Record,
    StoreError,
    Value,
    Verdict,
    now,
)

__all__ = ["Finding", "Notebook", "Reading"]

Sink = Callable[[list[Record]], None]
_SNIPPET = 1500


@dataclass(frozen=True, slots=True)
class Reading:
    """One value read from a page, an e-mail or the JSON-LD, and where and when it was read.

    `at` is the real time the step that read it began (no later than the request for the page it
    read, which is what tells keepword's own shoppers' doings apart from the store's), and
    `store_at` the store's time then; a claim made from this reading carries both."""

    value: Value
    step: str
    url: str | None = None
    html: str | None = None
    source: str = "page"
    at: datetime = field(default_factory=now)
    store_at: datetime | None = None

    def __repr__(self) -> str:
        return f"Reading({self.value!r} at {self.step})"


@dataclass(frozen=True, slots=True)
class Finding:
    """A broken verdict as a person reads it (pytest's failure message, the CLI's summary)."""

    kind: str
    subject: str
    expected: Value
    actual: Value
    difference: str
    said_step: str
    seen_step: str
    url: str | None
    screenshot: str | None

    def __str__(self) -> str:
        lines = [
            f"broken promise: {self.kind} of {self.subject}",
            f"  claimed at {self.said_step}: {self.expected}",
            f"  seen at {self.seen_step}: {self.actual} ({self.difference})",
            f"  step: {self.seen_step}  url: {self.url}",
        ]
        if self.screenshot:
            lines.append(f"  screenshot: {self.screenshot}")
        return "\n".join(lines)


@dataclass
class Notebook:
    """Collects one journey's records; `flush()` hands a step's records to the sink.

    `store_at` is the store's time for the step in progress (set by whoever runs the steps): it
    goes on every claim made and verdict decided, beside the real time."""

    journey: Journey
    sink: Sink | None = None
    screenshot: Callable[[str], str | None] | None = None
    store_at: datetime | None = None
    record_journey: bool = True  # False: the journey is in the ledger already (follow-up adds to it)
    records: list[Record] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    failures: list[HarnessFailure] = field(default_factory=list)
    store_errors: list[StoreError] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: {"kept": 0, "broken": 0, "inconclusive": 0, "open": 0})
    skipped: str | None = None  # why the journey stopped short on purpose, if it did
    _pending: list[Record] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.record_journey:
            self._add(self.journey)

    def __repr__(self) -> str:
        return f"<Notebook {self.journey.name} {self.counts}>"

    def _add(self, *records: Record) -> None:
        self.records.extend(records)
        self._pending.extend(records)

    def _evidence(self, of_id: str, reading: Reading) -> None:
        if reading.url:
            self._add(Evidence(of_id, "url", text=reading.url))
        if reading.html:
            kind = "email" if reading.source == "email" else "html"
            self._add(Evidence(of_id, kind, text=reading.html[:_SNIPPET]))

    def claim(self, kind: str, subject: str, said: Reading) -> Claim:
        """Record a claim that stays open (a delivery date, an e-mail to come)."""
        claim = Claim(str(kind), str(subject), said.value, source=said.source, step=said.step,
                      journey_id=self.journey.id, url=said.url, made_at=said.at,
                      store_at=said.store_at or self.store_at)
        self._add(claim)
        self._evidence(claim.id, said)
        self.counts["open"] += 1
        return claim

    def judge(
        self,
        kind: str,
        subject: str,
        said: Reading,
        seen: Reading,
        check: Callable[..., Judgement],
        *args: Any,
    ) -> Verdict:
        """Claim `said`, observe `seen`, and let `check(said.value, seen.value, *args)` decide."""
        claim = Claim(str(kind), str(subject), said.value, source=said.source, step=said.step,
                      journey_id=self.journey.id, url=said.url, made_at=said.at,
                      store_at=said.store_at or self.store_at)
        self._add(claim)
        self._evidence(claim.id, said)
        return self.close(claim, seen, check(said.value, seen.value, *args), opened=False)

    def close(self, claim: Claim, seen: Reading, judgement: Judgement, *, opened: bool = True) -> Verdict:
        """Observe `seen` for an existing claim and record the judgement as its verdict."""
        observation = Observation(claim.id, seen.value, source=seen.source, step=seen.step, url=seen.url)
        verdict = Verdict(claim.id, judgement.outcome, expected=claim.value, actual=seen.value,
                          difference=judgement.difference, observation_id=observation.id, store_at=self.store_at)
        self._add(observation, verdict)
        self._evidence(observation.id, seen)
        if opened:
            self.counts["open"] -= 1
        self.counts[judgement.outcome] += 1
        if judgement.outcome == "broken":
            shot = self.screenshot(f"broken-{claim.kind}-{seen.step}") if self.screenshot else None
            if shot:
                self._add(Evidence(verdict.id, "screenshot", path=shot))
            self.findings.append(Finding(claim.kind, claim.subject, claim.value, seen.value,
                                         judgement.difference, claim.step, seen.step, seen.url, shot))
        return verdict

    def note(self, of_id: str, text: str) -> None:
        self._add(Evidence(of_id, "note", text=text))

    def stopped(self, step: str, reason: str) -> None:
        """The store would not let the journey go on (sold out): a note on the journey, so a
        journey that ended early says why. A store failure has its own record instead."""
        self.note(self.journey.id, f"stopped at {step}: {reason}")

    def skip(self, step: str, reason: str) -> None:
        """The journey stops short on purpose at `step` (checkout on a host where orders are not
        allowed): recorded on the journey, counted as skipped by the CLI and the report."""
        self.skipped = f"{step} skipped: {reason}"
        self._add(Evidence(self.journey.id, "skipped", text=self.skipped))

    def harness(self, step: str, message: str, *, url: str | None = None, html: str | None = None,
                screenshot: str | None = None) -> HarnessFailure:
        """keepword could not go on: a failure of its own, never a verdict about the store."""
        failure = HarnessFailure(self.journey.id, step, message, url=url)
        self._add(failure)
        if url:
            self._add(Evidence(failure.id, "url", text=url))
        if html:
            self._add(Evidence(failure.id, "html", text=html[:_SNIPPET]))
        if screenshot:
            self._add(Evidence(failure.id, "screenshot", path=screenshot))
        self.failures.append(failure)
        return failure

    def store_error(self, step: str, message: str, *, url: str | None = None, status: int | None = None,
                    title: str | None = None, html: str | None = None, screenshot: str | None = None) -> StoreError:
        """The customer saw the store fail: a finding about the store, neither a verdict on a
        promise nor keepword's own trouble."""
        error = StoreError(self.journey.id, step, message, url=url, status=status, title=title,
                           store_at=self.store_at)
        self._add(error)
        if url:
            self._add(Evidence(error.id, "url", text=url))
        if html:
            self._add(Evidence(error.id, "html", text=html[:_SNIPPET]))
        if screenshot:
            self._add(Evidence(error.id, "screenshot", path=screenshot))
        self.store_errors.append(error)
        return error

    def flush(self) -> None:
        """Hand the records of the step just finished to the sink, as one batch."""
        if self.sink is not None and self._pending:
            self.sink(list(self._pending))
        self._pending.clear()
