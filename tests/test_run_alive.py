"""A run with no end yet: still going, or killed? Told apart by the process that owns it.

Every process here is real: a second Python process that starts a run through the public API and
sleeps, killed with SIGKILL; a live process whose start time does not match the one recorded (a
reused PID). Runs recorded on another machine, or in a ledger from before owners were kept, are
written as those ledgers hold them, in SQL.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from keepword.ledger import open_ledger
from keepword.ledger.files import APPLICATION_ID
from keepword.ledger.migrations import MIGRATIONS
from reports import build

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")

# Starts a run the way every command does, records a kept promise, says which run, and sleeps.
HOLDER = textwrap.dedent(
    """
    import sys, time
    from keepword.ledger import open_ledger
    from keepword.records import Claim, Verdict

    with open_ledger(sys.argv[1]) as book, book.running("shop", scenario="scenarios/demo.yaml") as run:
        claim = Claim("price", "SKU-1", 5, step="product")
        book.write(run.id, claim, Verdict(claim.id, "kept", expected=5, actual=5))
        print(run.id, flush=True)
        time.sleep(300)
    """
)

STARTED_AT = "2026-11-02T10:00:00+00:00"  # runs written in SQL start at a fixed time, never the machine's


def keepword(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "keepword", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def _runs_rows(out: str) -> list[list[str]]:
    """`keepword runs` piped: a header, then one tab-separated line per run."""
    return [line.split("\t") for line in out.splitlines()[1:]]


def _report(path: Path, out: Path, *extra: object) -> tuple[subprocess.CompletedProcess[str], dict, ET.Element, str]:
    result = keepword("report", "--ledger", path, "--out", out, *extra, cwd=path.parent)
    summary = json.loads((out / "summary.json").read_text())
    return result, summary, ET.parse(out / "junit.xml").getroot(), (out / "report.html").read_text()


def _boot_id() -> str:
    return Path("/proc/sys/kernel/random/boot_id").read_text().strip()


def _start_ticks(pid: int) -> int:
    """Field 22 of /proc/<pid>/stat, read here independently of keepword."""
    stat = Path(f"/proc/{pid}/stat").read_bytes()
    return int(stat[stat.rindex(b")") + 2:].split()[19])


def _write_runs(path: Path, *owners: tuple[int | None, int | None, str | None, str | None]) -> None:
    """Unended shop runs with the given owners (pid, start ticks, boot id, host), in a ledger of today's schema."""
    open_ledger(path).close()
    db = sqlite3.connect(path, isolation_level=None)
    for owner in owners:
        db.execute("INSERT INTO runs (kind, scenario, params, started_at, owner_pid, owner_started, owner_boot_id, "
                   "owner_host) VALUES ('shop', 'scenarios/demo.yaml', '{}', ?, ?, ?, ?, ?)", (STARTED_AT, *owner))
    db.close()


def test_a_run_whose_process_lives_is_going_and_once_killed_is_a_harness_error(tmp_path):
    path = tmp_path / "ledger.db"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None
        run = int(holder.stdout.readline())
        pid = holder.pid
        going = (f"run {run} (shop) is still going (process {pid} on this machine): what it has recorded so far "
                 "is counted; report again when it ends")

        runs = keepword("runs", "--ledger", path, cwd=tmp_path)
        assert runs.returncode == 0, runs.stderr
        assert _runs_rows(runs.stdout) == [[str(run), "shop", "scenarios/demo.yaml", _runs_rows(runs.stdout)[0][3],
                                            "running", "1", "1", "0", "0",
                                            f"still going (process {pid} on this machine)"]]
        report, summary, junit, html = _report(path, tmp_path / "r")
        assert report.returncode == 0, report.stderr  # one promise kept, and a run not over yet: no harness error
        assert going in report.stderr.splitlines()
        assert "not completed" not in report.stderr
        observed = summary["observed"]
        assert observed["harness_errors"] == observed["overall"]["harness_errors"] == 0
        assert observed["unfinished_runs"] == []
        assert observed["running_runs"] == [{"run": run, "kind": "shop", "status": "running", "process": pid,
                                             "host": socket.gethostname(), "message": going}]
        assert [(r["status"], r["reason"]) for r in summary["runs"]] == [
            ("running", f"still going (process {pid} on this machine)")]  # also the report's runs table
        assert summary["exit_code"] == 0
        (case,) = [c for c in junit.iter("testcase") if c.get("name") == f"run {run}"]
        assert [(e.tag, e.get("type"), e.get("message")) for e in case] == [("skipped", "run_running", going)]
        assert junit.get("errors") == "0" and junit.get("failures") == "0"
        assert 'data-testid="running-run"' in html and going in html and 'data-testid="unfinished-run"' not in html
        gated, _, _, _ = _report(path, tmp_path / "gated", "--fail-under", "all=95%")
        assert gated.returncode == 0, gated.stderr

        os.kill(pid, signal.SIGKILL)
        os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)  # dead, but left uncollected: a zombie is gone too
        killed = f"run {run} (shop) killed before it ended (process {pid} is gone)"

        runs = keepword("runs", "--ledger", path, cwd=tmp_path)
        assert runs.returncode == 0, runs.stderr
        assert [row[4:] for row in _runs_rows(runs.stdout)] == [
            ["incomplete", "1", "1", "0", "0", f"killed before it ended (process {pid} is gone)"]]
        report, summary, junit, html = _report(path, tmp_path / "r")
        assert report.returncode == 3, report.stderr
        assert report.stderr.splitlines() == [
            f"not completed: {killed}; keepword could not check everything it set out to"]
        observed = summary["observed"]
        assert observed["harness_errors"] == 1 and observed["running_runs"] == []
        assert [r["reason"] for r in summary["runs"]] == [f"killed before it ended (process {pid} is gone)"]
        assert observed["unfinished_runs"] == [{"run": run, "kind": "shop", "status": "incomplete", "reason": None,
                                                "message": killed}]
        (case,) = [c for c in junit.iter("testcase") if c.get("name") == f"run {run}"]
        assert [(e.tag, e.get("type"), e.get("message")) for e in case] == [("error", "run_incomplete", killed)]
        assert 'data-testid="unfinished-run"' in html and killed in html and 'data-testid="running-run"' not in html
        gated, _, _, _ = _report(path, tmp_path / "gated", "--fail-under", "all=95%")
        assert gated.returncode == 3, gated.stderr  # a gate met on what it checked is no pass
    finally:
        holder.kill()
        holder.wait()


def test_a_live_pid_that_started_at_another_time_is_not_the_run_s_process(tmp_path):
    """The kernel hands a dead process's PID on: only the recorded start time tells them apart.

    The live process's name holds ") Z 9 9 (", as a command name may: its state and start time
    are read after the last parenthesis, not taken from the name."""
    name = tmp_path / "x) Z 9 9 (y"
    name.symlink_to(sys.executable)
    other = subprocess.Popen([str(name), "-c", "import time; time.sleep(300)"])
    try:
        ticks = _start_ticks(other.pid)
        path = tmp_path / "ledger.db"
        here = (_boot_id(), socket.gethostname())
        _write_runs(path, (other.pid, ticks, *here), (other.pid, ticks - 1, *here))
        with open_ledger(path, read_only=True) as book:
            assert [r.status for r in book.runs()] == ["running", "incomplete"]
            result = build(book, tmp_path / "r")
        assert result.exit_code == 3
        observed = result.summary["observed"]
        assert [r["message"] for r in observed["running_runs"]] == [
            f"run 1 (shop) is still going (process {other.pid} on this machine): what it has recorded so far is "
            "counted; report again when it ends"]
        assert [r["message"] for r in observed["unfinished_runs"]] == [
            f"run 2 (shop) killed before it ended (process {other.pid} is gone; that number is another process now)"]
        assert observed["harness_errors"] == 1
    finally:
        other.kill()
        other.wait()


def test_a_run_on_another_machine_cannot_be_told_and_names_its_host(tmp_path):
    path = tmp_path / "ledger.db"
    _write_runs(path,
                (os.getpid(), _start_ticks(os.getpid()), "5b1f0c9e-0000-4000-8000-000000000000", "ci-runner-7"),
                (os.getpid(), _start_ticks(os.getpid()), _boot_id(), "another-container"),
                (4242, None, None, "a-mac"),  # where there is no /proc, only the PID and host are kept
                (4243, 1, "5b1f0c9e-0000-4000-8000-000000000000", socket.gethostname()))  # before a restart
    runs = keepword("runs", "--ledger", path, cwd=tmp_path)
    assert runs.returncode == 0, runs.stderr
    assert [(row[4], row[-1]) for row in _runs_rows(runs.stdout)] == [
        ("incomplete", "never ended (killed, or still going on host ci-runner-7)"),
        ("incomplete", "never ended (killed, or still going on host another-container)"),
        ("incomplete", "never ended (killed, or still going on host a-mac)"),
        ("incomplete", "never ended (cut off when this machine restarted, unless another machine named "
                       f"{socket.gethostname()} runs it)")]
    report, summary, _, _ = _report(path, tmp_path / "r")
    assert report.returncode == 3, report.stderr
    assert [u["message"] for u in summary["observed"]["unfinished_runs"]] == [
        "run 1 (shop) never ended (killed, or still going on host ci-runner-7)",
        "run 2 (shop) never ended (killed, or still going on host another-container)",
        "run 3 (shop) never ended (killed, or still going on host a-mac)",
        f"run 4 (shop) never ended (cut off when this machine restarted, unless another machine named "
        f"{socket.gethostname()} runs it)"]
    assert summary["observed"]["running_runs"] == []


def test_an_unended_run_in_a_ledger_from_before_owners_is_read_as_it_is(tmp_path):
    path = tmp_path / "old.db"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(f"BEGIN; {''.join(MIGRATIONS[:4])} PRAGMA application_id={APPLICATION_ID}; "
                     "PRAGMA user_version=4; COMMIT;")
    db.execute("INSERT INTO runs (kind, scenario, params, started_at) VALUES ('shop', 'old', '{}', ?)", (STARTED_AT,))
    db.close()
    before = path.read_bytes()
    runs = keepword("runs", "--ledger", path, cwd=tmp_path)
    assert runs.returncode == 0, runs.stderr
    assert [(row[4], row[-1]) for row in _runs_rows(runs.stdout)] == [
        ("incomplete", "never ended (killed, or still going)")]
    report, summary, _, _ = _report(path, tmp_path / "r")
    assert report.returncode == 3, report.stderr
    assert [u["message"] for u in summary["observed"]["unfinished_runs"]] == [
        "run 1 (shop) never ended (killed, or still going)"]
    assert "not completed: run 1 (shop) never ended (killed, or still going); keepword could not check " \
           "everything it set out to" in report.stderr
    assert path.read_bytes() == before  # read as it is: not migrated
