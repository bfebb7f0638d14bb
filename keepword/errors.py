"""keepword's exceptions: one small tree, each carrying the exit code the CLI ends with.

    KeepwordError            exit 1 unless a subclass says otherwise
    ├── BadInput             exit 2: a scenario, profile or option the user must fix
    │   └── UnsafeAction     exit 2: an order or card on a host the scenario does not allow
    └── HarnessError         exit 3: keepword could not go on (selector, timeout, store down);
        │                             never a verdict about the store's promises
        └── LedgerBusy       exit 3: another process held the ledger's write lock for longer
                                      than keepword waits (KEEPWORD_LEDGER_WAIT)

Messages name the file, line, field or URL and say what to do next, because the CLI prints
exactly one line and no traceback.
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["BadInput", "HarnessError", "KeepwordError", "LedgerBusy", "UnsafeAction", "harness_line", "listen_error", "shown_path"]


class KeepwordError(Exception):
    """Base of every error keepword raises on purpose."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class BadInput(KeepwordError):
    """The user's input (YAML, CSV, option) is wrong; nothing about the store is known yet."""

    exit_code = 2


class UnsafeAction(BadInput):
    """Refused: placing an order or typing a card where the scenario does not allow it."""


class HarnessError(KeepwordError):
    """keepword could not observe the store: its own failure, not a broken promise."""

    exit_code = 3

    def __init__(self, message: str, *, url: str | None = None, screenshot: str | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.screenshot = screenshot


class LedgerBusy(HarnessError):
    """The ledger stayed locked by another process for longer than keepword waits."""


def harness_line(exc: BaseException, *, store: str = "the store", advice: str = "") -> str:
    """An exception as the one line a harness failure is recorded with: its first line (a
    browser's message goes on with a call log), or its type. A refused connection is said in
    words, with `advice`, because Chromium's `net::ERR_CONNECTION_REFUSED` does not tell a user
    that the store is simply not running."""
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    if not re.search(r"ERR_CONNECTION_REFUSED|connection refused", first, re.IGNORECASE):
        return first
    origin = re.search(r"https?://[^/\s]+", first)
    line = f"{origin.group(0) + '/' if origin else 'the store'} refused the connection: {store} is not running"
    return f"{line}. {advice}" if advice else line


def shown_path(path: str | Path) -> str:
    """A path as a message or report shows it: from the working folder when it is below it
    (shorter to read and to paste into the next command), else as it is."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(path)


def listen_error(host: str, port: int, exc: OSError) -> str:
    """Why a server keepword starts (the demo store, the mail sink) cannot listen, and what to
    change: the address or the port, which a bare `bind()` error does not say."""
    import errno
    import socket

    where = f"cannot listen on {host}:{port}"
    unknown = isinstance(exc, socket.gaierror) or (exc.errno is not None and exc.errno < 0)  # getaddrinfo's
    if unknown or exc.errno == errno.EADDRNOTAVAIL:
        return f"{where}: {host} is not an address of this machine; give one with --host (127.0.0.1 by default)"
    if exc.errno == errno.EADDRINUSE:
        return f"{where}: the port is in use; pick another --port (0 = any free)"
    if exc.errno == errno.EACCES:
        return f"{where}: permission denied (ports below 1024 need root); pick another --port (0 = any free)"
    return f"{where}: {exc.strerror or exc}; pick another --port (0 = any free)"
