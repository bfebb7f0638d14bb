"""Which process owns a run, and whether it still lives: how a reader tells a run that is still
going from one that was killed (SIGKILL, a power cut), which no run can record itself.

A run records its owner when it starts (`this_process`): the PID, the process's start time (field
22 of /proc/<pid>/stat, in clock ticks after boot, so a PID the kernel has since handed to another
process is not taken for it), the machine's boot id and its host name. A reader on the same boot of
the same host looks (`owner_alive`): that PID, not a zombie, started at that tick -> alive, else
gone. On another host or boot, where /proc is absent (not Linux), or for a run recorded before
keepword kept owners, nobody can tell: None. Nothing here is secret: a PID, a tick count, a random
boot id and the host name.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from keepword.records import Run, RunOwner

__all__ = ["leave_unended", "left_unended", "owner_alive", "run_reason", "this_process", "why_unended"]

_PROC = Path("/proc")

# Runs this process started and then had to leave without an end (the ledger stayed locked):
# the process lives on, but the run is not going, so it must not read as running. Keyed by
# where the ledger is (Ledger._where) and the run id.
_LEFT: set[tuple[str, int]] = set()


def _boot_id() -> str | None:
    try:
        return (_PROC / "sys/kernel/random/boot_id").read_text().strip() or None
    except OSError:
        return None


def _host() -> str | None:
    try:
        return socket.gethostname() or None
    except OSError:
        return None


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, start ticks) of a process from /proc/<pid>/stat; None when there is no entry."""
    try:
        raw = (_PROC / str(pid) / "stat").read_bytes()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # Field 2, the command name, is in parentheses and may itself hold spaces and ')': the
    # fields go on after the last ')'. Field 3 is the state, field 22 the start time.
    fields = raw[raw.rindex(b")") + 2:].split()
    return fields[0].decode("ascii", "replace"), int(fields[19])


def this_process() -> RunOwner:
    """The calling process as a run's owner; what cannot be read here (no /proc) is left None."""
    pid = os.getpid()
    try:
        seen = _stat(pid)
    except (OSError, ValueError, IndexError):
        seen = None
    return RunOwner(pid=pid, started=seen[1] if seen else None, boot_id=_boot_id(), host=_host())


def owner_alive(owner: RunOwner | None) -> bool | None:
    """True while the owner runs, False once it is gone (or its PID is another process's now),
    None when that cannot be told from here (another host or boot, no /proc, no owner kept)."""
    if owner is None or owner.pid is None or owner.started is None or owner.boot_id is None:
        return None
    if owner.pid <= 0 or owner.boot_id != _boot_id() or owner.host != _host():
        return None
    try:
        seen = _stat(owner.pid)
    except (OSError, ValueError, IndexError):
        return None  # /proc would not say (hidepid, a damaged entry): cannot tell
    if seen is None:
        # No /proc entry. /proc mounted with hidepid hides other users' processes, so ask the
        # kernel too (safe only here, on Linux, proved by the boot id: on Windows os.kill ends
        # a process whatever the signal).
        try:
            os.kill(owner.pid, 0)
        except ProcessLookupError:
            return False
        except OSError:
            return None
        return None
    state, started = seen
    if state in ("Z", "X"):  # killed, and only waiting for its parent to collect it
        return False
    return started == owner.started


def leave_unended(where: str, run_id: int) -> None:
    """Note that this process gave up on a run it could not end, so it never reads as running."""
    _LEFT.add((where, run_id))


def left_unended(where: str, run_id: int) -> bool:
    """Whether this process gave up on the run (see `leave_unended`)."""
    return (where, run_id) in _LEFT


def why_unended(run: Run) -> str:
    """Why a run has no end, in words: "still going (process 1234 on this machine)", "killed
    before it ended (process 1234 is gone)" or, where that cannot be told, "never ended (killed,
    or still going on host ci-7)"."""
    owner = run.owner
    pid = owner.pid if owner is not None else None
    if run.alive and pid is not None:
        return f"still going (process {pid} on this machine)"
    if run.alive is False and pid is not None:
        if owner == this_process():  # it gave up on the run and lives on (leave_unended)
            return f"never ended (process {pid}, this one, could not record its end)"
        try:
            seen = _stat(pid)
        except (OSError, ValueError, IndexError):
            seen = None
        reused = seen is not None and seen[0] not in ("Z", "X")  # a zombie is the killed owner itself
        return f"killed before it ended (process {pid} is gone{'; that number is another process now' if reused else ''})"
    host = owner.host if owner is not None else None
    if owner is not None and host is not None and host == _host() and owner.boot_id not in (None, _boot_id()):
        return f"never ended (cut off when this machine restarted, unless another machine named {host} runs it)"
    return f"never ended (killed, or still going{f' on host {host}' if host else ''})"


def run_reason(run: Run) -> str | None:
    """What a run's "reason" column shows (`keepword runs`, the report's runs table): why it was
    cut off, or for a run with no end what can be told of it; None for a run that ended well."""
    return run.reason or (why_unended(run) if run.outcome is None else None)
