"""The ledger interface: what every storage backend implements.

A new backend (PostgreSQL, say) subclasses `Ledger` and implements the methods marked abstract:
`start_run` (which also records the process that owns the run: `keepword.ledger.owner`),
`end_run`, `write` (all given records in one transaction) and `_select` (rows of one table,
filtered by run ids). Everything else, including the typed queries, is built on those.
The ledger is append-only: verdicts are added, never edited; a run's end is its own record.
"""

from __future__ import annotations

import abc
import os
import signal
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from keepword.ledger.owner import leave_unended, left_unended, owner_alive
from keepword.records import (
    Claim,
    Evidence,
    Figure,
    HarnessFailure,
    Journey,
    Observation,
    Record,
    Run,
    RunOwner,
    StoreError,
    Tally,
    Verdict,
)

__all__ = ["Ledger", "failure_reason"]


class Ledger(abc.ABC):
    """Append-only store of runs, claims, observations, verdicts, failures, evidence, tallies."""

    path: str

    @property
    def folder(self) -> Path:
        """Where runs keep their files (evidence, the demo store's mail and work): beside the
        ledger, so that the paths it records stay with it; an in-memory ledger's in ./keepword-data."""
        return Path(self.path).parent if self.path != ":memory:" else Path("keepword-data")

    @property
    def _where(self) -> str:
        """This ledger, as the same file reads under any path (in memory, this very ledger)."""
        return f":memory:{id(self)}" if self.path == ":memory:" else os.path.realpath(self.path)

    def _alive(self, run_id: int, owner: RunOwner | None) -> bool | None:
        """For a run with no end: is its owner alive (`keepword.ledger.owner.owner_alive`)? A run
        this process gave up on is not, though the process is."""
        return False if left_unended(self._where, run_id) else owner_alive(owner)

    # -- writing ---------------------------------------------------------------------------
    @abc.abstractmethod
    def start_run(
        self, kind: str, scenario: str | None = None, params: dict[str, Any] | None = None
    ) -> Run:
        """Record that a run began, and which process owns it (`keepword.ledger.owner.this_process`):
        until `end_run` it reads as "running" while that process lives, "incomplete" once it is gone."""

    @abc.abstractmethod
    def end_run(self, run_id: int, outcome: str, reason: str | None = None) -> None:
        """Record how a run ended: complete, failed or interrupted, and why (one line)."""

    @abc.abstractmethod
    def write(self, run_id: int, *records: Record) -> None:
        """Write the records in ONE transaction: a check and its evidence land together or not at all."""

    @contextmanager
    def running(
        self, kind: str, scenario: str | None = None, params: dict[str, Any] | None = None
    ) -> Iterator[Run]:
        """A run that ends "complete", "interrupted" (Ctrl-C, SIGTERM, a ledger locked by another
        process) or "failed" (an exception), with the reason in one line.

        SIGTERM is turned into KeyboardInterrupt for the duration so that a CI job being
        cancelled still marks its run; SIGKILL cannot be caught, and leaves it "incomplete" (read
        as killed once its process is gone). A run cut off by a locked ledger is marked once the
        lock is free again, within one more wait; if it is still locked, the run stays
        "incomplete" (never "running", though this process goes on) and the error says so.
        """
        from keepword.errors import LedgerBusy

        run = self.start_run(kind, scenario, params)
        previous = None
        try:
            previous = signal.signal(signal.SIGTERM, _raise_interrupt)
        except ValueError:  # not the main thread: leave signals alone
            previous = None
        try:
            yield run
        except KeyboardInterrupt as exc:
            self._end_if_free(run.id, "interrupted", str(exc) or "Ctrl-C")
            raise
        except LedgerBusy as exc:
            if not self._end_if_free(run.id, "interrupted", "the ledger was locked by another process"):
                leave_unended(self._where, run.id)
                raise LedgerBusy(f"{exc}; run {run.id} is left incomplete") from None
            raise
        except BaseException as exc:
            self._end_if_free(run.id, "failed", failure_reason(exc))
            raise
        else:
            self.end_run(run.id, "complete")
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)

    def _end_if_free(self, run_id: int, outcome: str, reason: str) -> bool:
        """End a run that is being cut off; False if the ledger stayed locked (the error that
        cut the run off is the one the user needs to see, not a second one)."""
        from keepword.errors import LedgerBusy

        try:
            self.end_run(run_id, outcome, reason)
        except LedgerBusy:
            return False
        return True

    # -- reading ---------------------------------------------------------------------------
    @abc.abstractmethod
    def runs(self, run_ids: Sequence[int] | None = None) -> list[Run]:
        """Runs, oldest first."""

    @abc.abstractmethod
    def _select(self, table: str, run_ids: Sequence[int] | None) -> Iterable[dict[str, Any]]:
        """Rows of one record table as `Record.to_dict`-shaped dicts, with a `run_id` key."""

    @staticmethod
    def _record(cls: type[Record], row: dict[str, Any]) -> Any:
        data = dict(row)
        data.pop("run_id", None)
        data["type"] = cls.__name__
        return Record.from_dict(data)

    def _records(self, cls: type[Record], run_ids: Sequence[int] | None) -> list[Any]:
        records = []
        for row in self._select(cls.table, run_ids):
            try:
                records.append(self._record(cls, row))
            except (TypeError, ValueError, KeyError, AttributeError) as exc:
                from keepword.ledger.files import damaged

                raise damaged(self.path, f"{cls.table} row {row.get('id')}: {exc}") from None
        return records

    def journeys(self, run_ids: Sequence[int] | None = None) -> list[Journey]:
        return self._records(Journey, run_ids)

    def claims(self, run_ids: Sequence[int] | None = None, kind: str | None = None) -> list[Claim]:
        claims: list[Claim] = self._records(Claim, run_ids)
        return [c for c in claims if kind is None or c.kind == kind]

    def observations(self, run_ids: Sequence[int] | None = None) -> list[Observation]:
        return self._records(Observation, run_ids)

    def verdicts(self, run_ids: Sequence[int] | None = None) -> list[Verdict]:
        return self._records(Verdict, run_ids)

    def harness_failures(self, run_ids: Sequence[int] | None = None) -> list[HarnessFailure]:
        return self._records(HarnessFailure, run_ids)

    def store_errors(self, run_ids: Sequence[int] | None = None) -> list[StoreError]:
        return self._records(StoreError, run_ids)

    def tallies(self, run_ids: Sequence[int] | None = None) -> list[Tally]:
        return self._records(Tally, run_ids)

    def figures(self, run_ids: Sequence[int] | None = None) -> list[Figure]:
        return self._records(Figure, run_ids)

    @abc.abstractmethod
    def evidence(self, of_id: str) -> list[Evidence]:
        """Evidence attached to one record."""

    def open_claims(self, kinds: Iterable[str] | None = None) -> list[Claim]:
        """Claims with no verdict yet, across all runs: what `follow-up` has left to close."""
        wanted = set(kinds) if kinds is not None else None
        decided = {v.claim_id for v in self.verdicts()}
        return [
            c
            for c in self.claims()
            if c.id not in decided and (wanted is None or c.kind in wanted)
        ]

    def counts(self, table: str) -> dict[int, int]:
        """Rows per run in one record table ("claims", "verdicts", ...), for summaries."""
        out: dict[int, int] = {}
        for row in self._select(table, None):
            out[int(row["run_id"])] = out.get(int(row["run_id"]), 0) + 1
        return out

    def record_run_of(self, record_id: str) -> int | None:
        """The run a record was written in (claims are closed by later runs' verdicts)."""
        for table in ("claims", "observations", "verdicts", "journeys", "harness_failures", "store_errors"):
            for row in self._select(table, None):
                if row["id"] == record_id:
                    return int(row["run_id"])
        return None

    @abc.abstractmethod
    def close(self) -> None:
        """Release the connection."""

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def failure_reason(exc: BaseException) -> str:
    """Why a run failed, as the ledger keeps it: the exception's type and first line."""
    text = str(exc).strip()
    first = text.splitlines()[0] if text else ""
    return f"{type(exc).__name__}: {first}"[:300] if first else type(exc).__name__
