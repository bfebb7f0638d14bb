"""Which files are keepword ledgers, decided before SQLite opens them.

keepword writes only to its own ledgers. A ledger carries keepword's mark in the SQLite header:
`PRAGMA application_id` = APPLICATION_ID (0x6B707764, "kpwd") beside the schema version in
`PRAGMA user_version`. The header (the file's first 100 bytes) is read as plain bytes, so a file
that is not ours, an empty file, a text file, another application's database, is refused without
SQLite ever opening it: no tables added, no switch to WAL, no `-wal` or `-shm` files beside it.

Ledgers made before the mark (user_version >= 1, application_id 0, keepword's tables) are still
ours: they are recognised by their tables, read as they are, and marked by the next migration a
writing command runs. A new ledger is built under a temporary name and linked into place, so
another process never sees it half made (an empty file at the ledger's path is not ours).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
import stat
from pathlib import Path

from keepword.errors import BadInput

__all__ = ["APPLICATION_ID", "LEDGER_TABLES", "create_ledger_file", "damaged", "folder_in_the_way", "ledger_file_state"]

APPLICATION_ID = 0x6B707764  # "kpwd"
LEDGER_TABLES = frozenset({"runs", "run_ends", "claims", "verdicts", "journeys", "evidence"})
_MAGIC = b"SQLite format 3\x00"
_ANOTHER = "pick another --ledger path (or KEEPWORD_LEDGER)"


def ledger_file_state(path: Path, instead: str = _ANOTHER) -> str:
    """"missing", "ours" (marked) or "unmarked" (a keepword ledger from before the mark);
    raises BadInput with one line for anything else, having changed nothing. `instead` is what
    the line tells the user to do (a command with no --ledger says its own option)."""
    leave = f"keepword leaves it as it is: {instead}"
    try:
        info = path.stat()
    except FileNotFoundError:
        return "missing"
    except OSError as exc:
        raise folder_in_the_way(path) or BadInput(f"{path}: cannot read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        raise BadInput(f"{path}: not a file, so not a keepword ledger; {leave}")
    if info.st_size == 0:
        raise BadInput(f"{path}: an empty file, not a keepword ledger; {leave}")
    try:
        with path.open("rb") as handle:
            header = handle.read(100)
    except OSError as exc:
        raise BadInput(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(header) == 100 and header.startswith(_MAGIC):
        application_id = int.from_bytes(header[68:72], "big")
        if application_id == APPLICATION_ID:
            return "ours"
        if application_id != 0:
            raise BadInput(f"{path}: an SQLite database of another application (application_id "
                           f"{application_id:#010x}), not a keepword ledger; {leave}")
        user_version = int.from_bytes(header[60:64], "big", signed=True)
        if user_version >= 1 and _has_ledger_tables(path):
            return "unmarked"
        raise BadInput(f"{path}: an SQLite database without keepword's tables, not a keepword ledger; {leave}")
    raise BadInput(f"{path}: not an SQLite database, so not a keepword ledger; {leave}")


def folder_in_the_way(path: Path) -> BadInput | None:
    """What stands between keepword and the ledger `path`'s folder, in one line (`deepest_folder`),
    if anything: a file where a folder should be, a folder it may not look in."""
    from keepword.loading import deepest_folder

    try:
        deepest_folder(path.parent)
    except ValueError as exc:
        return BadInput(f"{path}: {exc}; {_ANOTHER}")
    return None


def _has_ledger_tables(path: Path) -> bool:
    # `immutable=1`: read without locks and without creating or touching `-wal`/`-shm` files,
    # whoever's they are (a ledger killed before its first checkpoint is not recognised: open it
    # once with the sqlite3 shell to fold its WAL in).
    uri = path.resolve().as_uri() + "?mode=ro&immutable=1"
    try:
        probe = sqlite3.connect(uri, uri=True)
    except sqlite3.Error:
        return False
    try:
        names = {row[0] for row in probe.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.Error:
        return False
    finally:
        probe.close()
    return LEDGER_TABLES <= names


def create_ledger_file(path: Path, schema: list[str]) -> None:
    """Make a new, marked ledger at `path` with every migration in `schema` applied; if another
    process made one there first, theirs is kept (and is ours too)."""
    if (problem := folder_in_the_way(path)) is not None:
        raise problem
    try:
        _create(path, schema)
    except (OSError, sqlite3.Error) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise BadInput(f"{path}: cannot create a ledger here ({reason}); pick a --ledger path in a folder "
                       "you can write to (or KEEPWORD_LEDGER)") from None


def _create(path: Path, schema: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.new")
    try:
        db = sqlite3.connect(temporary, isolation_level=None)
        try:
            script = "\n".join(schema)
            db.executescript(f"BEGIN IMMEDIATE;\nPRAGMA application_id={APPLICATION_ID};\n{script}\n"
                             f"PRAGMA user_version={len(schema)};\nCOMMIT;")
            db.execute("PRAGMA journal_mode=WAL")
        finally:
            db.close()
        try:
            os.link(temporary, path)  # fails if the path exists: never replaces anything
        except FileExistsError:
            pass
        except OSError:  # a file system without hard links
            if not path.exists():
                temporary.rename(path)
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)


def damaged(path: str, detail: str) -> BadInput:
    """The one line for a ledger whose header is keepword's but whose contents are not readable
    (pages overwritten, a row that is not what keepword wrote). Never repaired: it is left as it is."""
    return BadInput(
        f"{path}: the ledger is damaged ({detail}); keepword leaves it as it is: restore it from a "
        "copy (or try `sqlite3 FILE .recover` on a copy), or pick another --ledger path"
    )
