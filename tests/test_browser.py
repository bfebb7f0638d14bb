"""Which Chromium keepword launches: the headless shell for headless runs, the full browser for
headed ones, and Playwright's own where `playwright install` fetched it.

The choice is made from PATH and Playwright's browser folder, so these tests build both in
tmp_path (empty programs that are never run); `test_a_headless_launch_runs_the_shell` then
launches the real one this machine has.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from keepword import browser


@pytest.fixture
def clean_lookup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """PATH and Playwright's folder pointed at empty folders of tmp_path; the lookup forgotten
    before and after, so no other test sees this one's answer."""
    (tmp_path / "bin").mkdir()
    (tmp_path / "ms-playwright").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "ms-playwright"))
    monkeypatch.delenv("KEEPWORD_CHROMIUM", raising=False)
    browser._find.cache_clear()
    browser.describe.cache_clear()
    yield tmp_path
    browser._find.cache_clear()
    browser.describe.cache_clear()


def _program(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\nexit 1\n")
    path.chmod(0o755)
    return path


def test_headless_takes_the_shell_and_headed_the_full_browser(clean_lookup: Path) -> None:
    full = _program(clean_lookup / "bin" / "chromium")
    shell = _program(clean_lookup / "bin" / "chromium-headless-shell")
    assert browser.launch_args()["executable_path"] == str(shell)
    assert browser.launch_args(headless=False)["executable_path"] == str(full)
    assert browser.launch_args()["args"] == browser.LAUNCH_FLAGS


def test_without_a_shell_headless_takes_the_full_browser(clean_lookup: Path) -> None:
    full = _program(clean_lookup / "bin" / "chromium")
    assert browser.launch_args()["executable_path"] == str(full)
    assert browser.launch_args(headless=False)["executable_path"] == str(full)


def test_a_shell_alone_cannot_be_watched(clean_lookup: Path) -> None:
    _program(clean_lookup / "bin" / "chromium-headless-shell")
    with pytest.raises(browser.HarnessError, match="no Chromium found"):
        browser.launch_args(headless=False)


def test_playwrights_own_browsers_come_first(clean_lookup: Path) -> None:
    _program(clean_lookup / "bin" / "chromium-headless-shell")
    chrome = _program(clean_lookup / "ms-playwright" / "chromium-1200" / "chrome-linux" / "chrome")
    # Only the full browser fetched: Playwright would look for its shell, so it is handed the path.
    assert browser.launch_args()["executable_path"] == str(chrome)
    assert "executable_path" not in browser.launch_args(headless=False)
    _program(clean_lookup / "ms-playwright" / "chromium_headless_shell-1200" / "chrome-linux" / "headless_shell")
    browser._find.cache_clear()
    assert "executable_path" not in browser.launch_args()


def test_keepword_chromium_overrides_both(clean_lookup: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _program(clean_lookup / "bin" / "chromium-headless-shell")
    mine = _program(clean_lookup / "mine" / "chrome")
    monkeypatch.setenv("KEEPWORD_CHROMIUM", str(mine))
    assert browser.launch_args()["executable_path"] == str(mine)
    assert browser.launch_args(headless=False)["executable_path"] == str(mine)


def _running(binary: str) -> bool:
    """Whether a process of `binary` runs now: one whose program has its name (Debian's
    /usr/bin/chromium-headless-shell is a script that starts /usr/lib/chromium/chromium-headless-shell)."""
    for entry in Path("/proc").iterdir():
        try:
            argv0 = (entry / "cmdline").read_bytes().split(b"\0", 1)[0].decode()
        except (OSError, UnicodeDecodeError):
            continue
        if argv0 and Path(argv0).name == Path(binary).name:
            return True
    return False


@pytest.mark.skipif(not shutil.which("chromium-headless-shell") or not Path("/proc/self/cmdline").exists(),
                    reason="this machine has no headless shell (or no /proc to see it run)")
def test_a_headless_launch_runs_the_shell() -> None:
    """The real thing: a headless launch starts the shell's binary, and it renders a page."""
    from playwright.sync_api import sync_playwright

    if os.environ.get("KEEPWORD_CHROMIUM"):
        pytest.skip("KEEPWORD_CHROMIUM chooses the browser here")
    browser._find.cache_clear()
    shell = shutil.which("chromium-headless-shell") or ""
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(**browser.launch_args())
        try:
            page = chromium.new_page()
            page.set_content("<p id=p>kept</p>")
            assert page.inner_text("#p") == "kept"
            assert _running(shell)
        finally:
            chromium.close()


def test_a_run_can_say_which_chromium_judged_it(clean_lookup: Path) -> None:
    """`describe()` is what the binary says of itself and where it is; a binary that says
    nothing, or no binary at all, is said so rather than raised (the launch raises that later)."""
    shell = clean_lookup / "bin" / "chromium-headless-shell"
    shell.write_text("#!/bin/sh\necho 'Chromium 123.0.4567.89'\n")
    shell.chmod(0o755)
    assert browser.describe() == f"Chromium 123.0.4567.89 at {shell}"
    shell.write_text("#!/bin/sh\nexit 1\n")
    browser.describe.cache_clear()
    assert browser.describe() == f"Chromium of unknown version at {shell}"
    shell.unlink()
    browser._find.cache_clear()
    browser.describe.cache_clear()
    assert browser.describe().startswith("none: no Chromium found")
