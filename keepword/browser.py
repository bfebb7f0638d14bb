"""Finding and launching Chromium: one function shared by the CLI, conftest.py and benchmarks.

Order of preference: $KEEPWORD_CHROMIUM; Playwright's own bundled Chromium where
`playwright install` worked; a system Chromium; and, from `ensure()` only, installing one
(apt-get on Debian as root, else `playwright install`).

Headless runs take Chromium's headless shell where there is one (Debian's
`chromium-headless-shell`, or Playwright's own, which Playwright itself prefers for headless):
it is the same Blink without the full browser around it, and a journey costs about half the CPU.
On two cores that is what lets parallel shoppers scale (benchmarks/journey.py: 4 shoppers went
from 1.0x of one to 1.5x-1.7x, and from 0.5 to 1.3 journeys/s). Headed runs (`--headed`, for watching a journey) take the full
Chromium. The flags are what Debian's Chromium needs as root on a machine with no network:
without the background-networking ones it spends its start-up on refused connections.

Video (pytest-playwright's `--video`) needs an ffmpeg that Playwright downloads with its browsers;
where it could not, `video_ffmpeg()` hands it the system's (Debian's `ffmpeg` encodes the VP9
WebM Playwright asks for) through a folder of keepword's own that mirrors Playwright's.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

from keepword.errors import HarnessError

__all__ = ["LAUNCH_FLAGS", "describe", "ensure", "executable", "launch_args", "open_browser", "video_ffmpeg"]

LAUNCH_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]

_SYSTEM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_SYSTEM_SHELLS = ("chromium-headless-shell",)
_DEBIAN_PACKAGES = ("chromium", "chromium-headless-shell")


def _registry() -> Path:
    """Where Playwright keeps (and looks for) its browsers and its ffmpeg."""
    return Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or Path.home() / ".cache" / "ms-playwright")


def _bundled(headless: bool = True) -> str | None:
    """Playwright's own browser for this mode, if `playwright install` fetched it."""
    root = str(_registry())
    patterns = ["chromium-*/chrome-linux*/chrome"]
    if headless:
        patterns.insert(0, "chromium_headless_shell-*/chrome-*/headless_shell")
    for pattern in patterns:
        found = sorted(glob.glob(os.path.join(root, pattern)))
        if found:
            return found[-1]
    return None


@lru_cache(maxsize=2)
def _find(headless: bool = True) -> tuple[str, str | None]:
    override = os.environ.get("KEEPWORD_CHROMIUM")
    if override:
        if not Path(override).exists():
            raise HarnessError(f"KEEPWORD_CHROMIUM={override}: no such file; unset it or fix the path")
        return ("env", override)
    bundled = _bundled(headless)
    if bundled:
        # Playwright finds its own for the mode it launches in, but only the one it expects:
        # hand it the full Chromium's path where that is all `playwright install` left.
        return ("bundled", None if "headless_shell" in bundled or not headless else bundled)
    for name in (*_SYSTEM_SHELLS, *_SYSTEM_NAMES) if headless else _SYSTEM_NAMES:
        path = shutil.which(name)
        if path:
            return ("system", path)
    raise HarnessError(
        "no Chromium found: run `./run test` or `./run demo` (they install one), "
        "or set KEEPWORD_CHROMIUM to a Chromium binary"
    )


def executable(headless: bool = True) -> str | None:
    """The Chromium binary to launch, or None for Playwright's bundled one."""
    return _find(headless)[1]


@lru_cache(maxsize=2)
def describe(headless: bool = True) -> str:
    """Which Chromium the shoppers launch, as a run records it ("Chromium 156.0.8078.114 at
    /usr/lib/chromium/chromium-headless-shell"): a verdict can then say what judged it, and a
    change of verdicts after a browser upgrade can be told from one the store made."""
    try:
        path = executable(headless) or _bundled(headless)
    except HarnessError as exc:  # said again, as the run's error, when a shopper launches
        return f"none: {exc}"
    if path is None:
        return "unknown Chromium"
    try:
        said = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        said = ""
    return f"{said.splitlines()[0] if said else 'Chromium of unknown version'} at {path}"


def launch_args(headless: bool = True, **extra: Any) -> dict[str, Any]:
    """Keyword arguments for `playwright.chromium.launch(**launch_args())`."""
    args: dict[str, Any] = {"headless": headless, "args": list(LAUNCH_FLAGS)}
    exe = executable(headless)
    if exe:
        args["executable_path"] = exe
    args.update(extra)
    return args


def open_browser(playwright: Any, browser_ws: str | None = None) -> Any:
    """Chromium for a shopper: launched here, or, with `browser_ws` (a Playwright browser
    server's `ws://` endpoint, e.g. `python -m playwright launch-server --browser chromium`),
    a browser on another machine. A remote browser that cannot be reached is a harness error
    that names the endpoint."""
    if not browser_ws:
        return playwright.chromium.launch(**launch_args())
    from playwright.sync_api import Error as PlaywrightError

    try:
        return playwright.chromium.connect(browser_ws, timeout=30_000)
    except PlaywrightError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise HarnessError(f"--browser-ws {browser_ws}: cannot connect to the browser server ({first}); is "
                           "`playwright launch-server` running there, and is the endpoint its full ws:// URL?") from None


def _ffmpeg_folder() -> str:
    """The folder name Playwright looks for its ffmpeg in (`ffmpeg-<revision>`), read from the
    installed driver's browsers.json so that it follows the pinned Playwright."""
    import playwright

    listing = Path(playwright.__file__).parent / "driver" / "package" / "browsers.json"
    for entry in json.loads(listing.read_text(encoding="utf-8"))["browsers"]:
        if entry["name"] == "ffmpeg":
            return f"ffmpeg-{entry['revision']}"
    raise HarnessError(f"{listing}: no ffmpeg entry; reinstall keepword (pip install -e .)")


def video_ffmpeg(cache: Path | None = None) -> Path:
    """Make sure Playwright can record video, and return the ffmpeg it will use.

    Playwright's own ffmpeg (fetched by `playwright install`) is used where it is. Otherwise the
    system's `ffmpeg` is linked into a mirror of Playwright's browser folder under keepword's
    cache (`~/.cache/keepword/playwright`: a link to each browser Playwright has, plus the
    ffmpeg), and PLAYWRIGHT_BROWSERS_PATH points there for this process and the browsers it
    starts; Playwright's own folder is never written to. Raises HarnessError saying what to
    install when there is no ffmpeg at all.
    """
    registry = _registry()
    folder = _ffmpeg_folder()
    own = registry / folder / "ffmpeg-linux"
    if own.exists():
        return own
    system = shutil.which("ffmpeg")
    if system is None:
        raise HarnessError(
            "--video needs ffmpeg, and Playwright could not download its own here: install one "
            "(Debian: `apt-get install ffmpeg`; keepword hands it to Playwright), or leave --video "
            "off (every broken promise and harness error keeps its screenshot anyway)"
        )
    base = cache or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "keepword"
    mirror = base / "playwright"
    (mirror / folder).mkdir(parents=True, exist_ok=True)
    links = [(mirror / folder / "ffmpeg-linux", Path(system))]
    if registry.is_dir() and registry.resolve() != mirror.resolve():
        links += [(mirror / entry.name, entry) for entry in registry.iterdir() if entry.name != folder]
    for link, target in links:
        try:
            link.symlink_to(target)
        except FileExistsError:  # made by an earlier run, or by another pytest-xdist worker just now
            pass
    os.environ["PLAYWRIGHT_BROWSERS_PATH"] = str(mirror)
    return mirror / folder / "ffmpeg-linux"


def _which_line() -> str:
    kind, path = _find(True)
    line = f"browser: {kind} {path or _bundled()}"
    try:
        headed = _find(False)
    except HarnessError:
        return line + " (no full Chromium for --headed)"
    return line if headed == (kind, path) else f"{line} (headed: {headed[1] or _bundled(False)})"


def _has_shell() -> bool:
    return bool(os.environ.get("KEEPWORD_CHROMIUM") or "headless_shell" in str(_bundled(True))
                or any(shutil.which(name) for name in _SYSTEM_SHELLS))


def _apt_knows(package: str) -> bool:
    """Whether apt's package lists (as they are, not updated) offer `package`."""
    return subprocess.run(["apt-cache", "show", package], capture_output=True, check=False).returncode == 0


def ensure() -> str:
    """Find a browser, installing one if there is none; returns a line saying which.

    On Debian as root a system Chromium without the headless shell gets the shell added, but
    only where apt's lists already offer it, so that on a system that has none (an older Debian,
    Ubuntu's snap Chromium) every `./run` does not pay for `apt-get update` again."""
    try:
        _find(True)
        found = True
    except HarnessError:
        found = False
    apt = bool(shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if found:
        if apt and not _has_shell() and _apt_knows(_DEBIAN_PACKAGES[1]):
            print(f"keepword: adding Debian's {_DEBIAN_PACKAGES[1]} with apt-get (once)...", file=sys.stderr)
            subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", _DEBIAN_PACKAGES[1]],
                           check=False, env=env)
            _find.cache_clear()
        return _which_line()
    if apt:
        print(f"keepword: installing Debian's {' and '.join(_DEBIAN_PACKAGES)} with apt-get (once)...", file=sys.stderr)
        subprocess.run(["apt-get", "update", "-qq"], check=False)
        for package in _DEBIAN_PACKAGES:  # one at a time: an older Debian has no headless shell
            subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", package],
                           check=False, env=env)
    else:
        print("keepword: installing Playwright's Chromium (once)...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "playwright", "install", "chromium"], check=False)
    _find.cache_clear()
    return _which_line()  # raises HarnessError with advice if still nothing


if __name__ == "__main__":  # `python -m keepword.browser ensure`, used by ./run
    try:
        print(ensure())
    except HarnessError as exc:
        print(f"keepword: error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
