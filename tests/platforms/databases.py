"""Private database servers for the platform fixtures: a MariaDB and a PostgreSQL cluster, each
started from a copy of the template data folder that the install script left in the cache, on a
free port on 127.0.0.1, as its own service user, and queried through its own command-line client.

The clients (`mariadb`, `psql`) are what the platforms' packages bring, so the tests need no
database driver in Python. Queries return rows of text; callers turn them into numbers. Values
are put into SQL through `literal`, never by pasting text.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from .processes import PlatformError, Service, chown_tree, free_port, service_user, start

__all__ = ["PG_BIN", "MariaDB", "PostgreSQL", "literal"]

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def literal(value: str | int | Decimal | None) -> str:
    """`value` as an SQL literal (standard quoting, valid in MariaDB and PostgreSQL)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        raise TypeError("booleans differ between the two databases: pass 0 or 1")
    if isinstance(value, int | Decimal):
        return str(value)
    if "\\" in value or "\0" in value:
        raise ValueError(f"{value!r}: backslashes and NULs quote differently in MariaDB and PostgreSQL")
    return "'" + value.replace("'", "''") + "'"


def _wait_until_ready(db: MariaDB | PostgreSQL, service: Service, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            db.query("SELECT 1")
            return
        except PlatformError:
            if time.monotonic() > deadline or not service.alive:
                raise PlatformError(f"{service.name} on port {db.port} did not answer SELECT 1 within "
                                    f"{timeout:g} s; its log {service.log}:\n{service.log_tail()}") from None
            time.sleep(0.1)


def _rows(output: str) -> list[list[str]]:
    return [line.split("\t") for line in output.splitlines() if line]


@dataclass
class MariaDB:
    """A running private MariaDB; `query` runs SQL as the platform's own database user."""

    port: int
    socket: Path
    database: str
    user: str
    password: str
    service: Service

    def __repr__(self) -> str:
        return f"<MariaDB 127.0.0.1:{self.port}/{self.database}>"

    @classmethod
    def start(cls, template: Path, root: Path, *, database: str, user: str, password: str) -> MariaDB:
        """Copy `template` into `root`/data and serve it on a free port."""
        owner = service_user("mysql")
        data = root / "data"
        shutil.copytree(template, data, symlinks=True)
        chown_tree(data, owner)
        port = free_port()
        argv = ["/usr/sbin/mariadbd", "--no-defaults", f"--datadir={data}", f"--socket={root / 'mysql.sock'}",
                f"--port={port}", "--bind-address=127.0.0.1", "--skip-log-bin", "--skip-name-resolve",
                f"--pid-file={root / 'mysql.pid'}", "--innodb-buffer-pool-size=64M",
                "--max-connections=200"]
        if owner:
            argv.append(f"--user={owner}")
            chown_tree(root, owner)  # socket and pid file are written by the service user
            chown_tree(data, owner)
        service = start("MariaDB", argv, log=root / "mariadb.log")
        service.wait_for_port(port, 60)
        db = cls(port, root / "mysql.sock", database, user, password, service)
        _wait_until_ready(db, service)
        return db

    def query(self, sql: str) -> list[list[str]]:
        """Run `sql` (one or more statements); the rows they print, as text."""
        result = subprocess.run(
            ["mariadb", "--no-defaults", "--batch", "--skip-column-names", "--raw",
             "-h", "127.0.0.1", "-P", str(self.port), "-u", self.user, f"-p{self.password}", self.database],
            input=sql, capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            raise PlatformError(f"MariaDB on port {self.port}: {result.stderr.strip()} (SQL: {sql.strip()[:200]})")
        return _rows(result.stdout)

    def stop(self) -> None:
        self.service.stop(signal.SIGTERM, timeout=60)  # SIGTERM is MariaDB's clean shutdown


@dataclass
class PostgreSQL:
    """A running private PostgreSQL cluster; `query` runs SQL as the cluster's superuser."""

    port: int
    socket_dir: Path
    database: str
    user: str
    service: Service

    def __repr__(self) -> str:
        return f"<PostgreSQL 127.0.0.1:{self.port}/{self.database}>"

    @classmethod
    def start(cls, template: Path, root: Path, *, database: str, user: str) -> PostgreSQL:
        """Copy `template` into `root`/data and serve it on a free port (trust on loopback only)."""
        owner = service_user("postgres")
        data = root / "data"
        shutil.copytree(template, data, symlinks=True)
        data.chmod(0o700)  # PostgreSQL refuses a data folder others can read
        chown_tree(root, owner)
        port = free_port()
        argv = [str(PG_BIN / "postgres"), "-D", str(data), "-p", str(port), "-h", "127.0.0.1",
                "-k", str(root), "-c", "fsync=off", "-c", "full_page_writes=off",
                "-c", "synchronous_commit=off", "-c", "TimeZone=UTC", "-c", "log_timezone=UTC"]
        service = start("PostgreSQL", argv, log=root / "postgres.log", user=owner)
        service.wait_for_port(port, 60)
        db = cls(port, root, database, user, service)
        _wait_until_ready(db, service)  # it listens before it has finished starting up
        return db

    def query(self, sql: str) -> list[list[str]]:
        """Run `sql` (one or more statements); the rows they print, as text."""
        result = subprocess.run(
            [str(PG_BIN / "psql"), "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1",
             "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user, "-d", self.database],
            input=sql, capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            raise PlatformError(f"PostgreSQL on port {self.port}: {result.stderr.strip()} (SQL: {sql.strip()[:200]})")
        return _rows(result.stdout)

    def stop(self) -> None:
        self.service.stop(signal.SIGINT, timeout=60)  # SIGINT is PostgreSQL's fast shutdown
