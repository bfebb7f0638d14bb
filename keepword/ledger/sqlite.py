"""The SQLite ledger: one file per project, WAL, `synchronous=FULL`, `BEGIN IMMEDIATE` writes.

Why these settings: WAL lets a report read while a run writes; FULL makes a committed check
survive a power cut or SIGKILL; BEGIN IMMEDIATE takes the write lock up front, because a deferred
transaction that reads and then writes fails at once with SQLITE_BUSY whatever the timeout.

A ledger another process keeps locked is waited for with backoff (10 ms doubling to 1 s, in
Python, so Ctrl-C still works while waiting) for up to `wait` seconds (KEEPWORD_LEDGER_WAIT,
default 30), then LedgerBusy: one line and exit 3. keepword opens only its own ledgers
(`keepword.ledger.files`); `read_only=True` (report, runs) never creates, converts or writes.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from keepword.errors import BadInput, LedgerBusy
from keepword.ledger.base import Ledger
from keepword.ledger.files import APPLICATION_ID, create_ledger_file, damaged, ledger_file_state
from keepword.ledger.migrations import MIGRATIONS
from keepword.ledger.owner import this_process
from keepword.records import Claim, Record, Run, RunOwner, now

__all__ = ["DEFAULT_WAIT", "SqliteLedger", "ledger_wait"]

T = TypeVar("T")

DEFAULT_WAIT = 30.0
"""Seconds keepword waits for a ledger another process keeps locked (KEEPWORD_LEDGER_WAIT)."""

_REASON_SINCE = 4  # the migration that added run_ends.reason
_OWNER_SINCE = 5  # the migration that added runs.owner_* (keepword.ledger.owner)
_OWNER_COLUMNS = ("owner_pid", "owner_started", "owner_boot_id", "owner_host")

_TABLES = {"journeys", "claims", "observations", "verdicts", "harness_failures", "store_errors", "evidence", "tallies",
           "figures"}

# Columns holding tagged values or JSON, per table; the rest are stored as they are.
_JSON_COLUMNS = {
    "claims": {"value"},
    "observations": {"value"},
    "verdicts": {"expected", "actual"},
    "figures": {"labels"},
}


def ledger_wait() -> float:
    """The wait for a locked ledger: KEEPWORD_LEDGER_WAIT seconds, or DEFAULT_WAIT."""
    text = os.environ.get("KEEPWORD_LEDGER_WAIT", "").strip()
    if not text:
        return DEFAULT_WAIT
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 86_400:
        raise BadInput(f"KEEPWORD_LEDGER_WAIT={text!r}: give seconds to wait for a locked ledger, e.g. 30")
    return seconds


def _busy(exc: sqlite3.OperationalError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "locked" in str(exc) or "busy" in str(exc)


def _damaged_code(exc: sqlite3.DatabaseError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
    return "malformed" in str(exc) or "not a database" in str(exc)


def _cannot_open(exc: sqlite3.DatabaseError) -> bool:
    """SQLITE_READONLY or SQLITE_CANTOPEN: a file (or its folder) keepword may not write."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN)
    return "readonly" in str(exc) or "unable to open" in str(exc)


def _read_only(path: str) -> BadInput:
    return BadInput(
        f"{path}: the ledger is read-only (the file, its folder or the file system); this command "
        "writes a run to it: make it writable, or copy it somewhere writable and pass that as --ledger "
        "(`keepword report` and `keepword runs` read it as it is)"
    )


def _json(path: str, table: str, row: sqlite3.Row, column: str) -> Any:
    try:
        return json.loads(row[column])
    except (TypeError, ValueError):
        where = f"row {row['id']}" if "id" in row.keys() else "a row"
        raise damaged(path, f"{table} {where}: {column} is not valid JSON") from None


def _script(sql: str) -> Callable[[sqlite3.Connection], sqlite3.Cursor]:
    return lambda db: db.executescript(sql)


class SqliteLedger(Ledger):
    """The default ledger. Safe to share between threads of one process (one lock)."""

    def __init__(self, path: str | Path, *, read_only: bool = False, wait: float | None = None) -> None:
        self.path = str(path)
        self.read_only = read_only
        self.wait = ledger_wait() if wait is None else wait
        self._lock = threading.RLock()
        if self.path == ":memory:":
            self._db = self._connect(self.path, uri=False)
        else:
            file = Path(self.path)
            state = ledger_file_state(file)
            if state == "missing":
                if read_only:
                    raise BadInput(f"{file}: no ledger here yet; run `keepword shop` or `keepword simulate` first")
                create_ledger_file(file, MIGRATIONS)
                state = ledger_file_state(file)  # another process may have made it first
            writable = os.access(file, os.W_OK) and os.access(file.resolve().parent, os.W_OK)
            if not read_only and not writable:
                raise _read_only(self.path)
            mode = "ro" if read_only and not writable else "rw"
            self._db = self._connect(file.resolve().as_uri() + f"?mode={mode}", uri=True)
        try:
            if read_only:
                self._db.execute("PRAGMA query_only=ON")  # SQLite itself refuses every write
            self._version = self._patiently(self._read_version)
            # The schema version first: a ledger from a newer keepword is refused below before
            # anything is written to it (not even the switch to WAL).
            if not read_only and self._version <= len(MIGRATIONS):
                self._patiently(lambda: self._db.execute("PRAGMA journal_mode=WAL"))
                self._db.execute("PRAGMA synchronous=FULL")
                self._db.execute("PRAGMA foreign_keys=ON")
        except BadInput:
            self._db.close()
            raise
        except sqlite3.DatabaseError as exc:
            self._db.close()
            if read_only and self.path != ":memory:" and _cannot_open(exc):
                # A WAL ledger on a read-only file system (or in a folder keepword cannot write
                # to) cannot have its -shm made beside it; nothing can write it there either, so
                # it is read as an immutable file. Immutable reads ignore a -wal file, so one that
                # holds writes not yet folded into the ledger (its writer was killed, or it was
                # copied along) would make those runs vanish: refused, never read as less.
                wal = Path(f"{self.path}-wal")
                if wal.exists() and wal.stat().st_size > 0:
                    raise BadInput(f"{self.path}: the ledger is read-only here and {wal.name} beside it holds writes "
                                   "not yet in it, which a read-only reader cannot see; copy both files somewhere "
                                   "writable and pass the copy as --ledger") from None
                self._db = self._connect(Path(self.path).resolve().as_uri() + "?mode=ro&immutable=1", uri=True)
                try:
                    self._version = self._read_version()
                except sqlite3.DatabaseError as again:
                    self._db.close()
                    if _damaged_code(again):
                        raise damaged(self.path, str(again)) from None
                    raise BadInput(f"{self.path}: cannot read the ledger ({again}); check its permissions, "
                                   "or pick another --ledger path") from None
            elif _cannot_open(exc):
                raise _read_only(self.path) from None
            else:
                raise BadInput(f"{self.path}: not a keepword ledger ({exc}); pick another --ledger path") from exc
        if self._version > len(MIGRATIONS):
            self._db.close()
            raise BadInput(
                f"{self.path}: ledger schema v{self._version} is newer than this keepword "
                f"(v{len(MIGRATIONS)}); upgrade keepword"
            )
        if not read_only:
            self._migrate()

    def _connect(self, target: str, *, uri: bool) -> sqlite3.Connection:
        # SQLite's own busy handler only bridges short contention; longer waits are _patiently's.
        db = sqlite3.connect(target, uri=uri, timeout=0.05, isolation_level=None, check_same_thread=False)
        db.row_factory = sqlite3.Row
        return db

    def __repr__(self) -> str:
        return f"<SqliteLedger {self.path}{' read-only' if self.read_only else ''}>"

    def _patiently(self, action: Callable[[], T]) -> T:
        """Run `action`, retrying with backoff while another process holds the lock, up to
        `self.wait` seconds; then LedgerBusy."""
        deadline = time.monotonic() + self.wait
        delay = 0.01
        while True:
            try:
                return action()
            except sqlite3.DatabaseError as exc:
                if _damaged_code(exc):
                    raise damaged(self.path, str(exc)) from None
                if not isinstance(exc, sqlite3.OperationalError) or not _busy(exc):
                    raise
                left = deadline - time.monotonic()
                if left <= 0:
                    raise LedgerBusy(
                        f"the ledger {self.path} is locked by another process; waited {self.wait:g} s "
                        "(KEEPWORD_LEDGER_WAIT). Let that process finish (another keepword run, an "
                        "open `sqlite3` shell) and try again, or use another --ledger"
                    ) from None
                time.sleep(min(delay, left))
                delay = min(delay * 2, 1.0)

    def _run(self, action: Callable[[sqlite3.Connection], T]) -> T:
        """Do `action` on the connection under the lock, rolled back whole if it fails, and
        retried while another process holds the ledger (the lock is not held while waiting)."""

        def attempt() -> T:
            with self._lock:
                try:
                    return action(self._db)
                except BaseException:
                    if self._db.in_transaction:
                        self._db.execute("ROLLBACK")
                    raise

        return self._patiently(attempt)

    def _rows(self, sql: str, args: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return self._run(lambda db: db.execute(sql, tuple(args)).fetchall())

    # -- schema ------------------------------------------------------------------------------
    @property
    def schema_version(self) -> int:
        return self._version

    def _read_version(self) -> int:
        with self._lock:
            return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        for number, script in enumerate(MIGRATIONS[self._version:], start=self._version + 1):
            # executescript commits first, so the version bump (and keepword's mark) ride in the
            # same script; if another process migrated meanwhile, its version says so.
            sql = (f"BEGIN IMMEDIATE;\n{script}\nPRAGMA application_id={APPLICATION_ID};\n"
                   f"PRAGMA user_version={number};\nCOMMIT;")
            try:
                self._run(_script(sql))
            except sqlite3.OperationalError:
                if self._patiently(self._read_version) < number:
                    raise
            self._version = number

    # -- writing -----------------------------------------------------------------------------
    def _transaction(self, statements: list[tuple[str, tuple[Any, ...]]]) -> int:
        """Run the statements in one transaction; the last one's row id."""

        def transaction(db: sqlite3.Connection) -> int:
            db.execute("BEGIN IMMEDIATE")
            row_id = 0
            for sql, args in statements:
                row_id = int(db.execute(sql, args).lastrowid or 0)
            db.execute("COMMIT")
            return row_id

        return self._run(transaction)

    def start_run(
        self, kind: str, scenario: str | None = None, params: dict[str, Any] | None = None
    ) -> Run:
        started = now()
        params = dict(params or {})
        owner = this_process()
        run_id = self._transaction([(
            f"INSERT INTO runs (kind, scenario, params, started_at, {', '.join(_OWNER_COLUMNS)}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (kind, scenario, json.dumps(params, default=str), started.isoformat(),
             owner.pid, owner.started, owner.boot_id, owner.host),
        )])
        return Run(run_id, kind, scenario, params, started, owner=owner, alive=True)

    def end_run(self, run_id: int, outcome: str, reason: str | None = None) -> None:
        self._transaction([(
            "INSERT OR IGNORE INTO run_ends (run_id, ended_at, outcome, reason) VALUES (?, ?, ?, ?)",
            (run_id, now().isoformat(), outcome, reason),
        )])

    def write(self, run_id: int, *records: Record) -> None:
        statements = []
        for record in records:
            row = record.to_dict()
            del row["type"]
            row["run_id"] = run_id
            columns = list(row)
            as_json = _JSON_COLUMNS.get(record.table, set())
            values = tuple(json.dumps(row[c]) if c in as_json else row[c] for c in columns)
            quoted = ", ".join(f'"{c}"' for c in columns)
            marks = ", ".join("?" for _ in columns)
            statements.append((f"INSERT INTO {record.table} ({quoted}) VALUES ({marks})", values))
        if statements:
            self._transaction(statements)

    # -- reading -----------------------------------------------------------------------------
    def runs(self, run_ids: Sequence[int] | None = None) -> list[Run]:
        # A ledger from before a column is read as it is, never migrated: the column reads NULL.
        reason = "e.reason" if self._version >= _REASON_SINCE else "NULL AS reason"
        owner = ", ".join(f"r.{c}" if self._version >= _OWNER_SINCE else f"NULL AS {c}" for c in _OWNER_COLUMNS)
        sql = (
            f"SELECT r.id, r.kind, r.scenario, r.params, r.started_at, e.ended_at, e.outcome, {reason}, {owner} "
            "FROM runs r LEFT JOIN run_ends e ON e.run_id = r.id"
        )
        args: tuple[Any, ...] = ()
        if run_ids is not None:
            sql += f" WHERE r.id IN ({', '.join('?' for _ in run_ids)})"
            args = tuple(run_ids)
        return [self._run_of(row) for row in self._rows(sql + " ORDER BY r.id", args)]

    def _run_of(self, row: sqlite3.Row) -> Run:
        params = _json(self.path, "runs", row, "params")
        try:
            owner = None
            if any(row[c] is not None for c in _OWNER_COLUMNS):
                owner = RunOwner(
                    pid=int(row["owner_pid"]) if row["owner_pid"] is not None else None,
                    started=int(row["owner_started"]) if row["owner_started"] is not None else None,
                    boot_id=str(row["owner_boot_id"]) if row["owner_boot_id"] is not None else None,
                    host=str(row["owner_host"]) if row["owner_host"] is not None else None,
                )
            ended = datetime.fromisoformat(row["ended_at"]) if row["ended_at"] else None
            return Run(
                id=row["id"],
                kind=row["kind"],
                scenario=row["scenario"],
                params=params,
                started_at=datetime.fromisoformat(row["started_at"]),
                ended_at=ended,
                outcome=row["outcome"],
                reason=row["reason"],
                owner=owner,
                alive=None if ended else self._alive(int(row["id"]), owner),
            )
        except (TypeError, ValueError) as exc:
            raise damaged(self.path, f"runs row {row['id']}: {exc}") from None

    def _select(
        self, table: str, run_ids: Sequence[int] | None, where: str = "", args: tuple[Any, ...] = ()
    ) -> Iterable[dict[str, Any]]:
        clauses = [where] if where else []
        if run_ids is not None:
            clauses.append(f"run_id IN ({', '.join('?' for _ in run_ids)})")
            args = (*args, *run_ids)
        sql = f"SELECT * FROM {table}" + (f" WHERE {' AND '.join(clauses)}" if clauses else "")
        rows = self._rows(sql + " ORDER BY rowid", args)
        as_json = _JSON_COLUMNS.get(table, set())
        return [{k: (_json(self.path, table, row, k) if k in as_json else row[k]) for k in row.keys()}
                for row in rows]

    # Indexed versions of queries the base class answers by scanning, for ledgers of many runs.
    def open_claims(self, kinds: Iterable[str] | None = None) -> list[Claim]:
        where = "id NOT IN (SELECT claim_id FROM verdicts)"
        args: tuple[Any, ...] = ()
        if kinds is not None:
            wanted = tuple(kinds)
            where += f" AND kind IN ({', '.join('?' for _ in wanted)})"
            args = wanted
        return [self._record(Claim, row) for row in self._select("claims", None, where, args)]

    def record_run_of(self, record_id: str) -> int | None:
        for table in ("claims", "observations", "verdicts", "journeys", "harness_failures", "store_errors"):
            rows = self._rows(f"SELECT run_id FROM {table} WHERE id = ?", (record_id,))
            if rows:
                return int(rows[0][0])
        return None

    def counts(self, table: str) -> dict[int, int]:
        if table not in _TABLES:
            raise BadInput(f"no ledger table {table!r}; one of {', '.join(sorted(_TABLES))}")
        rows = self._rows(f"SELECT run_id, COUNT(*) FROM {table} GROUP BY run_id")
        return {int(run_id): int(n) for run_id, n in rows}

    def evidence(self, of_id: str) -> list[Any]:
        from keepword.records import Evidence

        rows = self._rows("SELECT id, of_id, kind, text, path FROM evidence WHERE of_id = ? ORDER BY rowid", (of_id,))
        return [Evidence(of_id=r["of_id"], kind=r["kind"], text=r["text"], path=r["path"], id=r["id"]) for r in rows]

    def query(self, sql: str, args: Sequence[Any] = ()) -> list[sqlite3.Row]:
        """Raw SQL on a read-only connection, for tests and checks against the stored rows.

        Read-only is enforced by SQLite itself (`mode=ro`), not by inspecting the SQL.
        """
        if self.path == ":memory:":
            raise BadInput("Ledger.query needs a ledger file, not :memory:")
        uri = Path(self.path).resolve().as_uri() + "?mode=ro"
        reader = sqlite3.connect(uri, uri=True, timeout=30.0)
        reader.row_factory = sqlite3.Row
        try:
            return list(reader.execute(sql, tuple(args)).fetchall())
        except sqlite3.Error as exc:
            raise BadInput(f"{self.path}: query failed: {exc}") from exc
        finally:
            reader.close()

    def close(self) -> None:
        with self._lock:
            self._db.close()
