"""The command line as a user meets it: one-line errors, exit codes, help for every command,
and bad input that never costs the ledger what it already holds."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from keepword.ledger import open_ledger
from keepword.money import Money
from keepword.records import Claim, Verdict

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted(ROOT.glob("scenarios/*.yaml")) + sorted(ROOT.glob("scenarios/stores/*.yaml"))


def keepword(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "keepword", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_help_lists_every_command_and_each_has_its_own_help():
    top = keepword("--help")
    assert top.returncode == 0
    commands = ["check", "demo", "follow-up", "mail", "report", "runs", "shop", "simulate", "store"]
    for command in commands:
        assert command in top.stdout, f"`keepword --help` does not list {command}"
        own = keepword(command, "--help")
        assert own.returncode == 0 and "Usage" in own.stdout, own.stderr


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_every_bundled_yaml_file_is_valid(path):
    result = keepword("check", path)
    assert result.returncode == 0, result.stderr
    assert ": ok, " in result.stdout


SIM_OK = "name: spike\nsimulation:\n  calendar:\n    days: 7\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(SIM_OK.replace("7", "[7"), r":5: YAML syntax error", id="syntax"),
        pytest.param(SIM_OK.replace("7", "soon"), r":4: simulation\.calendar\.days: .*'soon'", id="wrong-type"),
        pytest.param(SIM_OK.replace("days", "dayz"), r":4: simulation\.calendar\.dayz: unknown key", id="unknown-key"),
        pytest.param("description: no name\nstore: stores/demo.yaml\njourneys: [guest_checkout]\n"
                     "persona: {email_domain: shoppers.example.test}\n",
                     r":1: name: required field is missing", id="missing-field"),
    ],
)
def test_bad_yaml_is_one_line_on_stderr_with_exit_2(tmp_path, text, expected):
    import re

    path = tmp_path / "bad.yaml"
    path.write_text(text)
    (tmp_path / "stores").mkdir()
    (tmp_path / "stores" / "demo.yaml").write_text((ROOT / "scenarios/stores/demo.yaml").read_text())
    result = keepword("check", path)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"keepword: error: {path}:")
    assert re.search(expected, lines[0]), lines[0]


def test_bad_input_never_costs_the_ledger_what_it_holds(tmp_path):
    ledger_path = tmp_path / "ledger.db"
    with open_ledger(ledger_path) as ledger, ledger.running("shop") as run:
        claim = Claim("price", "SKU-1", Money.of("3.50", "GBP"))
        ledger.write(run.id, claim, Verdict(claim.id, "kept"))
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nsimulation:\n  staff: {packers: lots}\n")
    for command in (["simulate", bad], ["shop", bad], ["report", "999"]):
        result = keepword(*command, "--ledger", ledger_path, cwd=tmp_path)
        assert result.returncode == 2, (command, result.stderr)
        assert "Traceback" not in result.stderr
    with open_ledger(ledger_path) as ledger:
        assert [r.status for r in ledger.runs()] == ["complete"]
        assert [c.subject for c in ledger.claims()] == ["SKU-1"]
        assert [v.outcome for v in ledger.verdicts()] == ["kept"]


def test_runs_lists_what_the_ledger_holds(tmp_path):
    ledger_path = tmp_path / "ledger.db"
    with open_ledger(ledger_path) as ledger:
        with ledger.running("simulate", scenario="scenarios/ad-spike.yaml"):
            pass
        ledger.start_run("shop", scenario="scenarios/demo.yaml")  # not ended: this process still owns it
    result = keepword("runs", "--ledger", ledger_path)
    assert result.returncode == 0, result.stderr
    assert "\tcomplete\t" in result.stdout
    assert f"\trunning\t0\t0\t0\t0\tstill going (process {os.getpid()} on this machine)\n" in result.stdout
    missing = keepword("runs", "--ledger", tmp_path / "nope.db")
    assert missing.returncode == 2 and "no ledger here yet" in missing.stderr


@pytest.mark.parametrize("command", ["report", "runs", "follow-up"])
def test_commands_that_need_runs_never_create_a_ledger_and_say_so(tmp_path, command):
    """`--help` must not promise "Created if missing" where a missing ledger is bad input."""
    flat = _flat_help(command)
    assert "never created" in flat and "Created if missing" not in flat
    missing = keepword(command, "--ledger", tmp_path / "nope.db", cwd=tmp_path)
    assert missing.returncode == 2 and "nope.db: no ledger here yet" in missing.stderr
    assert list(tmp_path.iterdir()) == []


def test_commands_that_write_a_ledger_say_they_create_it():
    for command in ("shop", "simulate", "catalogue"):
        assert "Created if missing" in _flat_help(command), command


def _flat_help(command: str) -> str:
    """A command's --help as one line: rich's box borders and wrapping taken out."""
    return " ".join(keepword(command, "--help").stdout.replace("│", " ").split())


@pytest.mark.parametrize("args, said", [
    (("shop", "-n", "0", "scenarios/demo.yaml"), "Invalid value for '--shoppers' / '-n': Input should be greater than "
                                                 "or equal to 1; see `keepword shop --help`"),
    (("simulate", "scenarios/baseline.yaml", "--replications", "abc"), "Invalid value for '--replications'"),
    (("shop",), "Missing argument 'scenario'; see `keepword shop --help`"),
    (("bogus",), "No such command 'bogus'; see `keepword --help`"),
])
def test_a_usage_error_is_one_line_and_exit_2(args, said):
    """Click's four-line Usage/Try/Error block was the one bad input that was not one line."""
    result = keepword(*args)
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith(f"keepword: error: {said}"), result.stderr


def test_text_with_colons_is_printed_as_it_is_not_as_emoji(tmp_path):
    folder = tmp_path / "my:cat:notes"
    folder.mkdir()
    (folder / "x.yaml").write_text("name: x\nshopers: 1\n", encoding="utf-8")
    result = keepword("check", str(folder / "x.yaml"))
    assert result.returncode == 2 and "my:cat:notes" in result.stderr, result.stderr


@pytest.mark.parametrize("args, said", [
    (("store", "--port", "99999"), "Invalid value for '--port': Input should be less than or equal to 65535"),
    (("mail", "--port", "-1"), "Invalid value for '--port': Input should be greater than or equal to 0"),
    (("store", "--host", "10.9.9.9"), "cannot listen on 10.9.9.9:0: 10.9.9.9 is not an address of this machine; "
                                      "give one with --host"),
    (("mail", "--host", "999.1.1.1"), "999.1.1.1 is not an address of this machine"),
    (("store", "--ground-truth", "{tmp}"), "ground_truth {tmp}: a folder; give the path of a file"),
    (("store", "--clock-speed", "inf"), "option clock.speed: Input should be less than or equal to 1000000"),
    (("store", "--config", "scenarios/stores/demo.yaml"), "scenarios/stores/demo.yaml: this is a store profile"),
])
def test_servers_refuse_bad_options_in_one_line_at_once(tmp_path, args, said):
    """Tracebacks (an out-of-range port, a folder as the fault log), a host error that said
    "pick another --port", a profile given as a store config read as 23 wrong fields, and a
    mail sink that took ten seconds to say its port was in use."""
    args = tuple(a.replace("{tmp}", str(tmp_path)) for a in args)
    result = keepword(*args)
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith("keepword: error: ") and said.replace("{tmp}", str(tmp_path)) in result.stderr


def test_a_port_in_use_is_said_at_once(tmp_path):
    import socket
    import time

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        for command in ("mail", "store"):
            started = time.monotonic()
            result = keepword(command, "--port", str(port), cwd=tmp_path)
            assert result.returncode == 2 and result.stderr.strip() == (
                f"keepword: error: cannot listen on 127.0.0.1:{port}: the port is in use; pick another --port (0 = any "
                "free)"), result.stderr
            assert time.monotonic() - started < 8, command  # aiosmtpd's own start-up wait is 10 s


def test_keepwords_own_crash_is_one_line_and_exit_3_never_1(tmp_path, monkeypatch, capsys):
    """An unexpected exception ended with Python's traceback and exit 1, the code for a broken
    promise: a keepword bug read as a finding about the store."""
    import keepword.cli.runs as runs
    from keepword.cli import main

    def crash(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(runs, "existing_ledger", crash)
    assert main(["runs", "--ledger", str(tmp_path / "l.db")]) == 3
    err = capsys.readouterr().err.strip()
    assert err.startswith("keepword: internal error: ZeroDivisionError: division by zero; this is keepword's fault")
    assert len(err.splitlines()) == 1
    monkeypatch.setenv("KEEPWORD_DEBUG", "1")
    with pytest.raises(ZeroDivisionError):
        main(["runs", "--ledger", str(tmp_path / "l.db")])


def test_follow_up_names_itself_and_refuses_a_mail_folder_that_is_not_there(tmp_path):
    ledger_path = tmp_path / "ledger.db"
    with open_ledger(ledger_path) as ledger, ledger.running("simulate", scenario="scenarios/baseline.yaml"):
        pass
    wrong = keepword("follow-up", "scenarios/baseline.yaml", "--ledger", ledger_path)
    assert wrong.returncode == 2 and "`keepword follow-up` takes a shop scenario" in wrong.stderr, wrong.stderr
    missing = keepword("follow-up", "--mail-dir", tmp_path / "nowhere", "--ledger", ledger_path)
    assert missing.returncode == 2 and missing.stderr.strip() == (
        f"keepword: error: --mail-dir {tmp_path / 'nowhere'}: no such folder; give the folder the store's e-mails "
        "arrive in"), missing.stderr
    with open_ledger(ledger_path) as ledger:
        assert [r.kind for r in ledger.runs()] == ["simulate"]  # refused before any run was recorded


def test_demo_leaves_a_foreign_ledger_db_alone_and_names_its_own_option(tmp_path):
    (tmp_path / "ledger.db").write_text("hello", encoding="utf-8")
    result = keepword("demo", "--out", tmp_path)
    assert result.returncode == 2 and result.stderr.strip() == (
        f"keepword: error: {tmp_path / 'ledger.db'}: not an SQLite database, so not a keepword ledger; keepword "
        "leaves it as it is: give demo another --out folder"), result.stderr  # it said "pick another --ledger"
    assert (tmp_path / "ledger.db").read_text(encoding="utf-8") == "hello"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.db"]
