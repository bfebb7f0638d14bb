"""Shoppers on a remote browser (issue 15): a Playwright browser server in a process of its own
(`python -m playwright launch-server`, as on another machine), `keepword shop --browser-ws`, and
the records still written by the one process that owns the ledger.

Costs (2 cores): about 15 s.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from keepword.browser import LAUNCH_FLAGS, executable
from keepword.ledger import open_ledger
from keepword.scenario import scenario_for_profile

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "scenarios" / "stores" / "demo.yaml"


@pytest.fixture
def browser_server(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """A Playwright browser server on a free port of 127.0.0.1, in its own process."""
    config = {"headless": True, "args": LAUNCH_FLAGS, "host": "127.0.0.1", "port": 0}
    if executable():
        config["executablePath"] = executable()
    (tmp_path / "server.json").write_text(json.dumps(config))
    server = subprocess.Popen([sys.executable, "-m", "playwright", "launch-server", "--browser", "chromium",
                               "--config", str(tmp_path / "server.json")], stdout=subprocess.PIPE, text=True,
                              start_new_session=True)
    assert server.stdout is not None
    endpoint = server.stdout.readline().strip()
    assert endpoint.startswith("ws://127.0.0.1:"), endpoint
    try:
        yield endpoint, server
    finally:
        # `python -m playwright` runs the server in a node child: stop the whole session, or the
        # node process and its browser outlive the test
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
        deadline = time.monotonic() + 10
        while _group_alive(server.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _group_alive(server.pid):
            os.killpg(server.pid, signal.SIGKILL)


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def _tree(pid: int) -> dict[int, str]:
    """A process's descendants and their command names (from /proc)."""
    found: dict[int, str] = {}
    todo = [pid]
    while todo:
        parent = todo.pop()
        try:
            children = [int(c) for c in Path(f"/proc/{parent}/task/{parent}/children").read_text().split()]
        except OSError:
            continue
        for child in children:
            try:
                found[child] = Path(f"/proc/{child}/comm").read_text().strip()
            except OSError:
                continue
            todo.append(child)
    return found


@pytest.mark.timeout(300)
def test_shoppers_use_a_remote_browser_and_one_process_writes_the_ledger(tmp_path, store, sink, browser_server,
                                                                        monkeypatch):
    from playwright.sync_api import BrowserType

    from journeys.runner import shop

    endpoint, server = browser_server
    remote: set[str] = set()
    done = threading.Event()
    # What each shopper thread asked Playwright for: a browser launched here, or one connected to.
    # (Watching this process's children instead is fooled by other tests' browsers on the same
    # pytest worker, which start renderers and helpers whenever they like.)
    calls: list[tuple[str, str]] = []
    for method in ("launch", "connect", "connect_over_cdp"):
        original = getattr(BrowserType, method)

        def record(self, *args, _name=method, _original=original, **kwargs):
            calls.append((threading.current_thread().name, _name))
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(BrowserType, method, record)

    def watch() -> None:  # the browsers run under the server's process
        while not done.is_set():
            remote.update(_tree(server.pid).values())
            time.sleep(0.2)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    plan = scenario_for_profile(DEMO, base_url=store.url, mail={"dir": sink.dir, "wait_seconds": 5},
                                shoppers=2, journeys_per_shopper=1)
    try:
        with open_ledger(tmp_path / "ledger.db") as ledger:
            result = shop(plan, ledger=ledger, progress=False, browser_ws=endpoint)
            runs = ledger.runs()
            journeys = ledger.journeys()
    finally:
        done.set()
        watcher.join()
    assert (result.journeys, result.broken, result.harness_errors) == (2, 0, 0), result.harness_messages
    assert result.kept > 20 and len(journeys) == 2
    assert runs[0].params["browser"] == "remote"
    assert any("chrom" in name for name in remote), f"no browser under the server: {remote}"
    shoppers = sorted(call for call in calls if call[0].startswith("shopper-"))
    assert shoppers == [("shopper-0", "connect"), ("shopper-1", "connect")], calls


def test_a_browser_server_that_is_not_there_is_one_line(tmp_path):
    from keepword.cli import main

    code = main(["shop", str(ROOT / "scenarios" / "demo.yaml"), "--browser-ws", "http://127.0.0.1:9",
                 "--ledger", str(tmp_path / "ledger.db"), "--no-progress"])
    assert code == 2 and not (tmp_path / "ledger.db").exists()
