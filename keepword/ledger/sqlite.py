"""The SQLite ledger: one file per project, WAL, `synchronous=FULL`, `BEGIN IMMEDIATE` writes.

Why these settings: WAL lets a report read while a run writes; FULL makes a committed check
survive a power cut or SIGKILL; BEGIN IMMEDIATE takes the write lock up front, because a deferred
transaction that reads and then writes fails at once with SQLITE_BUSY whatever the timeout.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from keepword.errors import BadInput
from keepword.ledger.base import Ledger
from keepword.ledger.migrations import MIGRATIONS
from keepword.records import Claim, Record, Run, now

__all__ = ["SqliteLedger"]

_TABLES = {"journeys", "claims", "observations", "verdicts", "harness_failures", "store_errors", "evidence", "tallies",
           "figures"}

# Columns holding tagged values or JSON, per table; the rest are stored as they are.
_JSON_COLUMNS = {
    "claims": {"value"},
    "observations": {"value"},
    "verdicts": {"expected", "actual"},
    "figures": {"labels"},
}


class SqliteLedger(Ledger):
    """The default ledger. Safe to share between threads of one process (one lock)."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(
                self.path, timeout=30.0, isolation_level=None, check_same_thread=False
            )
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA busy_timeout=30000")
            self._db.execute("PRAGMA foreign_keys=ON")
        except sqlite3.DatabaseError as exc:
            raise BadInput(f"{self.path}: not a keepword ledger ({exc}); pick another --ledger path") from exc
        self._lock = threading.RLock()
        self._migrate()

    def __repr__(self) -> str:
        return f"<SqliteLedger {self.path}>"

    # -- schema ------------------------------------------------------------------------------
    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        with self._lock:
            version = self.schema_version
            if version > len(MIGRATIONS):
                raise BadInput(
                    f"{self.path}: ledger schema v{version} is newer than this keepword "
                    f"(v{len(MIGRATIONS)}); upgrade keepword"
                )
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                # executescript commits first, so the version bump rides in the same script.
                self._db.executescript(f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version={number};\nCOMMIT;")

    # -- writing -----------------------------------------------------------------------------
    def _transaction(self, statements: list[tuple[str, tuple[Any, ...]]]) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for sql, args in statements:
                    self._db.execute(sql, args)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def start_run(
        self, kind: str, scenario: str | None = None, params: dict[str, Any] | None = None
    ) -> Run:
        started = now()
        params = dict(params or {})
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                cur = self._db.execute(
                    "INSERT INTO runs (kind, scenario, params, started_at) VALUES (?, ?, ?, ?)",
                    (kind, scenario, json.dumps(params, default=str), started.isoformat()),
                )
                run_id = int(cur.lastrowid or 0)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        return Run(run_id, kind, scenario, params, started)

    def end_run(self, run_id: int, outcome: str) -> None:
        self._transaction(
            [
                (
                    "INSERT OR IGNORE INTO run_ends (run_id, ended_at, outcome) VALUES (?, ?, ?)",
                    (run_id, now().isoformat(), outcome),
                )
            ]
        )

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
        sql = (
            "SELECT r.id, r.kind, r.scenario, r.params, r.started_at, e.ended_at, e.outcome "
            "FROM runs r LEFT JOIN run_ends e ON e.run_id = r.id"
        )
        args: tuple[Any, ...] = ()
        if run_ids is not None:
            sql += f" WHERE r.id IN ({', '.join('?' for _ in run_ids)})"
            args = tuple(run_ids)
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY r.id", args).fetchall()
        return [
            Run(
                id=row["id"],
                kind=row["kind"],
                scenario=row["scenario"],
                params=json.loads(row["params"]),
                started_at=datetime.fromisoformat(row["started_at"]),
                ended_at=datetime.fromisoformat(row["ended_at"]) if row["ended_at"] else None,
                outcome=row["outcome"],
            )
            for row in rows
        ]

    def _select(
        self, table: str, run_ids: Sequence[int] | None, where: str = "", args: tuple[Any, ...] = ()
    ) -> Iterable[dict[str, Any]]:
        clauses = [where] if where else []
        if run_ids is not None:
            clauses.append(f"run_id IN ({', '.join('?' for _ in run_ids)})")
            args = (*args, *run_ids)
        sql = f"SELECT * FROM {table}" + (f" WHERE {' AND '.join(clauses)}" if clauses else "")
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY rowid", args).fetchall()
        as_json = _JSON_COLUMNS.get(table, set())
        return [{k: (json.loads(row[k]) if k in as_json else row[k]) for k in row.keys()} for row in rows]

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
        with self._lock:
            for table in ("claims", "observations", "verdicts", "journeys", "harness_failures", "store_errors"):
                row = self._db.execute(f"SELECT run_id FROM {table} WHERE id = ?", (record_id,)).fetchone()
                if row is not None:
                    return int(row[0])
        return None

    def counts(self, table: str) -> dict[int, int]:
        if table not in _TABLES:
            raise BadInput(f"no ledger table {table!r}; one of {', '.join(sorted(_TABLES))}")
        with self._lock:
            rows = self._db.execute(f"SELECT run_id, COUNT(*) FROM {table} GROUP BY run_id").fetchall()
        return {int(run_id): int(n) for run_id, n in rows}

    def evidence(self, of_id: str) -> list[Any]:
        from keepword.records import Evidence

        with self._lock:
            rows = self._db.execute(
                "SELECT id, of_id, kind, text, path FROM evidence WHERE of_id = ? ORDER BY rowid",
                (of_id,),
            ).fetchall()
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
