"""Versioned schema migrations for the SQLite ledger; `PRAGMA user_version` holds the version.

Append a new entry to MIGRATIONS to change the schema; never edit one that has shipped.
Money is stored as integer minor units plus currency inside each value's tagged JSON, never as a
float; times are ISO 8601 text with their offset.
"""

from __future__ import annotations

__all__ = ["MIGRATIONS"]

MIGRATIONS: list[str] = [
    # 1: the first schema
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        scenario TEXT,
        params TEXT NOT NULL DEFAULT '{}',
        started_at TEXT NOT NULL
    );
    CREATE TABLE run_ends (
        run_id INTEGER PRIMARY KEY REFERENCES runs(id),
        ended_at TEXT NOT NULL,
        outcome TEXT NOT NULL
    );
    CREATE TABLE journeys (
        id TEXT PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id),
        name TEXT NOT NULL,
        shopper TEXT NOT NULL,
        started_at TEXT NOT NULL
    );
    CREATE TABLE claims (
        id TEXT PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id),
        kind TEXT NOT NULL,
        subject TEXT NOT NULL,
        value TEXT NOT NULL,
        source TEXT NOT NULL,
        step TEXT NOT NULL,
        journey_id TEXT,
        url TEXT,
        made_at TEXT NOT NULL
    );
    CREATE INDEX claims_run ON claims(run_id);
    CREATE INDEX claims_kind ON claims(kind);
    CREATE TABLE observations (
        id TEXT PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id),
        claim_id TEXT NOT NULL,
        value TEXT NOT NULL,
        source TEXT NOT NULL,
        step TEXT NOT NULL,
        url TEXT,
        observed_at TEXT NOT NULL
    );
    CREATE TABLE verdicts (
        id TEXT PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id),
        claim_id TEXT NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('kept', 'broken', 'inconclusive')),
        expected TEXT NOT NULL,
        actual TEXT NOT NULL,
        difference TEXT NOT NULL,
        observation_id TEXT,
        decided_at TEXT NOT NULL
    );
    CREATE INDEX verdicts_claim ON verdicts(claim_id);
    CREATE INDEX verdicts_run ON verdicts(run_id);
    CREATE TABLE harness_failures (
        id TEXT PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id),
        journey_id TEXT,
        step TEXT NOT NULL,
        message TEXT NOT NULL,
        url TEXT,
        at TEXT NOT NULL
    );
    CREATE TABLE evidence (
        id TEXT PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id),
        of_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        text TEXT,
        path TEXT
    );
    CREATE INDEX evidence_of ON evidence(of_id);
    CREATE TABLE tallies (
        id TEXT PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id),
        kind TEXT NOT NULL,
        day TEXT NOT NULL,
        "group" TEXT NOT NULL,
        kept INTEGER NOT NULL,
        broken INTEGER NOT NULL,
        open INTEGER NOT NULL
    );
    CREATE INDEX tallies_run ON tallies(run_id);
    CREATE TABLE figures (
        id TEXT PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id),
        name TEXT NOT NULL,
        value REAL NOT NULL,
        lo REAL,
        hi REAL,
        labels TEXT NOT NULL
    );
    CREATE INDEX figures_run ON figures(run_id);
    -- append-only: the database itself refuses edits and deletes of what was written
    CREATE TRIGGER verdicts_no_update BEFORE UPDATE ON verdicts
        BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: verdicts are never edited'); END;
    CREATE TRIGGER verdicts_no_delete BEFORE DELETE ON verdicts
        BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: verdicts are never deleted'); END;
    CREATE TRIGGER claims_no_update BEFORE UPDATE ON claims
        BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: claims are never edited'); END;
    CREATE TRIGGER claims_no_delete BEFORE DELETE ON claims
        BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: claims are never deleted'); END;
    """,
    # 2: store time beside real time: when a claim was made and a verdict decided, on the
    #    store's clock (NULL in ledgers written before: shown as real time)
    """
    ALTER TABLE claims ADD COLUMN store_at TEXT;
    ALTER TABLE verdicts ADD COLUMN store_at TEXT;
    """,
    # 3: store errors, the customer saw the store fail: their own outcome, beside harness errors
    """
    CREATE TABLE store_errors (
        id TEXT PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id),
        journey_id TEXT,
        step TEXT NOT NULL,
        message TEXT NOT NULL,
        url TEXT,
        status INTEGER,
        title TEXT,
        at TEXT NOT NULL,
        store_at TEXT
    );
    CREATE INDEX store_errors_run ON store_errors(run_id);
    """,
    # 4: why a run ended as it did ("the ledger was locked by another process", "Ctrl-C").
    # Ledgers from here on also carry keepword's mark, PRAGMA application_id (ledger/files.py),
    # which the migrating code sets in the same transaction.
    """
    ALTER TABLE run_ends ADD COLUMN reason TEXT;
    """,
    # 5: the process that started a run (keepword/ledger/owner.py): its PID, its start time in
    # clock ticks after boot, the machine's boot id and host name, so that a reader can tell a
    # run still going from one that was killed. Columns, not `params`: params are what the run
    # was asked to do, and reports publish them. NULL in runs from before: "cannot tell".
    """
    ALTER TABLE runs ADD COLUMN owner_pid INTEGER;
    ALTER TABLE runs ADD COLUMN owner_started INTEGER;
    ALTER TABLE runs ADD COLUMN owner_boot_id TEXT;
    ALTER TABLE runs ADD COLUMN owner_host TEXT;
    """,
]
