"""`keepword demo` end to end, as a newcomer runs it: a real demo store, mail sink, Chromium
shoppers, follow-up, the SimPy model and the report; then Ctrl-C in the middle of it.

Cost: about 25 s for the small end-to-end demo and 15 s for the interrupted one (2 cores).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from keepword.browser import launch_args
from keepword.ledger import open_ledger
from reports.testing import check_page, ledger_truth

ROOT = Path(__file__).resolve().parent.parent


def keepword(*args: str, **kwargs) -> subprocess.Popen:
    """The real console entry point, in a child process, from a folder outside the checkout,
    with Ctrl-C handled as in a terminal's foreground job: a test runner started in the
    background (`pytest ... &`, CI without a terminal) has SIGINT ignored, every child inherits
    that, and Python then keeps ignoring Ctrl-C while Playwright's driver still dies of it."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "120"}
    return subprocess.Popen(
        [sys.executable, "-c", "from keepword.cli import main; main()", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        preexec_fn=_ctrl_c_as_in_a_terminal, **kwargs,
    )


def _ctrl_c_as_in_a_terminal() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_demo_ends_with_a_report_that_matches_the_ledger(tmp_path):
    out = tmp_path / "demo"
    proc = keepword("demo", "--quick", "--shoppers", "1", "--out", str(out), cwd=tmp_path)
    stdout, stderr = proc.communicate(timeout=240)
    assert proc.returncode == 0, stderr[-3000:]
    last = stdout.strip().splitlines()[-1]
    assert last.startswith("report: "), stdout
    html = Path(last.removeprefix("report: "))
    html = html if html.is_absolute() else tmp_path / html
    assert html.is_file()
    for stage in ("1/4", "2/4", "3/4", "4/4"):
        assert stage in stderr
    # The demo checks itself against the store's log of the faults it injected.
    check = next(line for line in stderr.splitlines() if "on purpose" in line)
    injected = int(check.split("the store broke ", 1)[1].split()[0])
    assert f"keepword found {injected} and invented 0" in check, check

    summary = json.loads((html.parent / "summary.json").read_text())
    with open_ledger(out / "ledger.db") as book:
        truth = ledger_truth(book)
        kinds = {r.kind for r in book.runs()}
        journeys = truth["journeys"]  # the shoppers' journeys (a follow-up's bookkeeping is not one)
        simulated = book.query("SELECT COUNT(*) FROM figures")[0][0]
    assert kinds == {"shop", "follow-up", "simulate"}
    assert truth["overall"]["kept"] + truth["overall"]["broken"] > 0, "the shopper decided nothing"
    assert simulated > 0
    observed = summary["observed"]
    for key in ("kept", "broken", "inconclusive", "open"):
        assert observed["overall"][key] == truth["overall"][key], key
    assert observed["overall"]["rate"] == truth["overall"]["rate"]
    assert {k: (v["kept"], v["broken"], v["open"]) for k, v in observed["by_kind"].items()} == {
        k: (v["kept"], v["broken"], v["open"]) for k, v in truth["kinds"].items()}
    assert [m["kind"] for m in summary["model"]] == ["simulate"]
    assert "on_time_rate" in summary["model"][0]["configs"][0]["figures"]

    cases = ET.parse(html.parent / "junit.xml").getroot().findall(".//testcase")
    assert len(cases) >= journeys

    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(**launch_args())
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(html.resolve().as_uri())
        check_page(page, summary, truth)
        page.screenshot(path=str(tmp_path / "demo-report.png"))
        browser.close()


def _refused(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=2):
            return False
    except OSError:
        return True


def test_ctrl_c_stops_the_servers_and_marks_the_run_interrupted(tmp_path):
    out = tmp_path / "demo"
    # Its own session, so that Ctrl-C can go to the whole process group, as a terminal sends it
    # (the browsers and the model's worker processes get it too).
    proc = keepword("demo", "--quick", "--shoppers", "1", "--out", str(out), cwd=tmp_path,
                    start_new_session=True)
    store_url = None
    assert proc.stderr is not None
    for line in proc.stderr:  # wait for the store, read its URL from the demo's own output
        if "demo store at " in line:
            store_url = line.split("demo store at ", 1)[1].split()[0]
            break
    if store_url is None:
        proc.kill()
        pytest.fail(f"the demo never said where its store is; stderr: {proc.communicate()[1][-2000:]}")
    assert not _refused(store_url)
    # Wait until shopping has begun: the shop run is in the ledger.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if (out / "ledger.db").exists():
            with open_ledger(out / "ledger.db", read_only=True) as book:
                if any(r.kind == "shop" for r in book.runs()):
                    break
        time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("shopping never started")
    os.killpg(proc.pid, signal.SIGINT)
    _, stderr = proc.communicate(timeout=90)
    assert proc.returncode == 130, stderr[-2000:]
    assert stderr.strip().splitlines()[-1] == "keepword: interrupted", stderr[-2000:]
    assert "Traceback" not in stderr and "Exception" not in stderr, stderr[-2000:]
    assert _refused(store_url), "the demo store is still serving after Ctrl-C"
    with open_ledger(out / "ledger.db", read_only=True) as book:
        assert [(r.status, r.reason) for r in book.runs() if r.kind == "shop"] == [("interrupted", "Ctrl-C")]
