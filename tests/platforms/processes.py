"""Server processes for the platform fixtures: free ports, folders a service user can enter, and
processes started in a session of their own so that stopping one stops all its children.

Every server (MariaDB, PostgreSQL, `php -S` and its workers, node) is started by `start`, which
puts it in a new process group; `Service.stop` signals the group, waits, kills what is left, and
then checks that the group is empty, so a fixture's teardown leaves no stray process or fails
saying which one survived.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["PlatformError", "Service", "chown_tree", "free_port", "scratch_dir", "service_user", "start"]


class PlatformError(RuntimeError):
    """A platform could not be started or stopped; the message names the server and its log."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (the kernel's choice)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def service_user(name: str) -> str | None:
    """The user a database server must run as: `name` when we are root (PostgreSQL refuses root,
    MariaDB should not be root), None (ourselves) otherwise."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(name)
    except KeyError:
        raise PlatformError(f"no system user {name!r}: is its Debian package installed?") from None
    return name


def chown_tree(path: Path, user: str | None) -> None:
    """Give `path` and everything under it to `user` (nothing to do when we run as ourselves)."""
    if user is None:
        return
    entry = pwd.getpwnam(user)
    for root, dirs, files in os.walk(path):
        for name in (root, *(os.path.join(root, d) for d in dirs), *(os.path.join(root, f) for f in files)):
            os.lchown(name, entry.pw_uid, entry.pw_gid)


def scratch_dir(prefix: str) -> Path:
    """A new folder under /tmp that a service user can enter (pytest's temp folders are 0700)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o755)
    return path


@dataclass
class Service:
    """One server process (and its children, in its own process group) with its log file."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def __repr__(self) -> str:
        return f"<Service {self.name} pid {self.process.pid}>"

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log.read_text(errors="replace").splitlines()
        except OSError:
            return "(no log)"
        return "\n".join(text[-lines:])

    def wait_for_port(self, port: int, timeout: float) -> None:
        """Until the server accepts connections on 127.0.0.1:`port`; raise with its log if it dies."""
        deadline = time.monotonic() + timeout
        while True:
            if not self.alive:
                raise PlatformError(f"{self.name} exited with {self.process.returncode} before listening "
                                    f"on port {port}; its log {self.log}:\n{self.log_tail()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise PlatformError(f"{self.name} did not listen on port {port} within {timeout:g} s; "
                                        f"its log {self.log}:\n{self.log_tail()}") from None
                time.sleep(0.1)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> None:
        """Signal the whole group, wait for the leader, kill what is left, then check none survived."""
        group = self.process.pid  # start() made it a session (and group) leader
        try:
            os.killpg(group, sig)
        except ProcessLookupError:
            pass
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(group, signal.SIGKILL)
            self.process.wait(10)
        deadline = time.monotonic() + 10
        while _group_alive(group):
            if time.monotonic() > deadline:
                os.killpg(group, signal.SIGKILL)
                time.sleep(0.2)
                if _group_alive(group):
                    raise PlatformError(f"{self.name}: processes of group {group} survived SIGKILL")
                break
            time.sleep(0.05)


def _group_alive(group: int) -> bool:
    """Whether a live (not zombie) process is left in `group`, read from /proc: a zombie whose
    parent has not reaped it yet still answers kill(0), but it is gone for every purpose here."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # exited while we looked
        if int(fields[2]) == group and fields[0] != "Z":
            return True
    return False


def start(name: str, argv: Sequence[str], *, log: Path, env: Mapping[str, str] | None = None,
          user: str | None = None, cwd: Path | None = None) -> Service:
    """Start `argv` in a new session (its own process group), output to `log`, as `user`."""
    program = shutil.which(argv[0]) or argv[0]
    environment = dict(os.environ if env is None else env)
    with log.open("ab") as out:
        process = subprocess.Popen([program, *argv[1:]], stdin=subprocess.DEVNULL, stdout=out,
                                   stderr=subprocess.STDOUT, env=environment, cwd=cwd, user=user,
                                   start_new_session=True)
    return Service(name, process, log)
