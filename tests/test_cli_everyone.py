"""What everyone meets first: `keepword --version`, help that states the exit codes as the README
does, reads without type tags and never breaks a sentence mid-line, each command's exit codes,
and a file given to the wrong command saying what it is."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from keepword.cli import main
from keepword.cli.app import EXIT_CODES, tidy_help

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = ["check", "demo", "follow-up", "mail", "report", "runs", "shop", "simulate", "store"]


def keepword(*args: str, cwd: Path = ROOT, columns: int = 200) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "COLUMNS": str(columns), "TERM": "dumb", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "keepword", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120, env=env)


def test_version():
    done = keepword("--version")
    assert (done.returncode, done.stdout) == (0, f"keepword {version('keepword')}\n")


def _readme_exit_codes() -> dict[str, str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Exit codes and errors"):]
    rows = re.findall(r"^\| (\d+) \| (.+?) \|$", section[:section.index("\n\n", section.index("| exit |"))], re.M)
    return dict(rows)


def test_help_states_the_exit_codes_as_the_readme_does():
    top = keepword("--help").stdout
    readme = _readme_exit_codes()
    assert set(readme) == {"0", "1", "2", "3", "4", "130"}, readme
    flat = " ".join(top.split())  # the help wraps a meaning onto indented lines of its own
    for code, meaning in readme.items():
        assert re.search(rf" {code} {re.escape(meaning)} (\d+ |Where a command differs)", flat), (code, meaning)
    assert EXIT_CODES.splitlines()[-1].split()[-1] in top  # the paragraph on the commands that differ


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_has_no_type_tags_and_breaks_no_sentence(command):
    """On a wide terminal every paragraph of a command's help is one line: Typer's rich mode kept
    the docstring's line breaks ("... 2 bad input or an unsafe action refused,\\n3 harness ...")."""
    from keepword.cli import _register_commands
    from keepword.cli.app import app

    done = keepword(*([command] if command else []), "--help")
    assert done.returncode == 0, done.stderr
    assert not re.search(r"<(bool|path|str|int|float)[^>]*>", done.stdout), done.stdout
    _register_commands()
    if command is None:
        return
    callback = next(c.callback for c in app.registered_commands if c.name == command)
    text = " ".join(done.stdout.split())
    for paragraph in (tidy_help(callback.__doc__) or "").split("\n\n"):
        assert " ".join(paragraph.split()) in text, paragraph


def test_a_store_profile_given_to_shop_says_what_it_is(capsys):
    assert main(["shop", str(ROOT / "scenarios" / "stores" / "demo.yaml"), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (f"keepword: error: {ROOT / 'scenarios' / 'stores' / 'demo.yaml'}: this is a store profile "
                   "(a shop scenario names it under `store:`, and `pytest --store` takes it); `keepword shop` "
                   "takes a shop scenario (see scenarios/demo.yaml)")


def test_a_simulation_scenario_given_to_shop_and_a_scenario_given_as_a_profile(capsys):
    assert main(["shop", str(ROOT / "scenarios" / "ad-spike.yaml"), "--no-progress"]) == 2
    assert "this is a simulation scenario (`keepword simulate` takes it)" in capsys.readouterr().err
    from keepword.errors import BadInput
    from keepword.profile import load_profile

    with pytest.raises(BadInput, match=r"demo.yaml: this is a shop scenario \(`keepword shop` and "
                                       r"`pytest --scenario` take it\); a scenario's `store:`"):
        load_profile(ROOT / "scenarios" / "demo.yaml")


def test_exit_codes_of_check_runs_and_simulate(tmp_path, capsys):
    """shop, follow-up (tests/test_journeys_cli.py), report (tests/test_report_findings.py) and
    demo (tests/test_demo.py) are tested with their own runs; these are the rest."""
    assert main(["check", str(ROOT / "scenarios" / "demo.yaml")]) == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("simulation:\n  calendar: {days: lots}\n", encoding="utf-8")
    assert main(["check", str(bad)]) == 2
    assert main(["runs", "--ledger", str(tmp_path / "none.db")]) == 2
    # A model that keeps few promises still exits 0: its figures are predictions, not findings.
    ledger = tmp_path / "sim.db"
    assert main(["simulate", str(ROOT / "scenarios" / "ad-spike.yaml"), "--replications", "1",
                 "--processes", "1", "--sweep", "packers=1", "--no-progress", "--ledger", str(ledger)]) == 0
    out = capsys.readouterr().out
    on_time = re.search(r"packers=1\s+\S+ ± \S+\s+\S+ ± \S+\s+([\d.]+) ±", out)  # after orders/day, busiest day
    assert on_time and float(on_time.group(1)) < 80, out
    assert main(["runs", "--ledger", str(ledger)]) == 0
    assert main(["simulate", str(bad), "--ledger", str(ledger)]) == 2


def test_every_file_the_readme_shows_or_loads_is_shipped_and_valid():
    """What the README `cat`s, or passes as --config, exists and checks (its other file names are
    made-up bad input in examples of error messages)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = sorted(set(re.findall(r"(?:\$ cat |--config )(scenarios/[\w./-]+\.yaml)", text)))
    assert "scenarios/stores/faulty-store.yaml" in shown, shown
    assert [n for n in shown if not (ROOT / n).exists()] == []
    assert main(["check", *[str(ROOT / n) for n in shown]]) == 0
