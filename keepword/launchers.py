"""Stores keepword starts itself for a run, found by name through entry points.

A profile with no base URL may name a store that keepword can start for the run (`demo_store:`
starts the bundled demo store and a mail sink on free ports). The part that knows how to start
it registers a launcher under the `keepword.launchers` entry-point group, so the shopper
(`journeys`) starts it without importing it, and a third-party staging store can plug in the same
way:

    [project.entry-points."keepword.launchers"]
    demo_store = "demo_store.launch:launch"

A launcher is a context manager factory `launch(spec, *, mail_dir, work_dir)` yielding a
`Launched`: the base URL, the folder its e-mails arrive in, and a handle for tests.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from keepword.errors import BadInput

__all__ = ["GROUP", "Launched", "launcher"]

GROUP = "keepword.launchers"


@dataclass
class Launched:
    """A store keepword started: where it is, where its e-mails go, and its handle."""

    base_url: str
    mail_dir: Path | None
    handle: Any = field(default=None, repr=False)


Launcher = Callable[..., AbstractContextManager[Launched]]


def launcher(name: str) -> Launcher:
    """The launcher registered under `name`; a BadInput naming what to do if there is none."""
    from importlib.metadata import entry_points

    found = [ep for ep in entry_points(group=GROUP) if ep.name == name]
    if not found:
        raise BadInput(f"no launcher for {name!r} is installed (entry points {GROUP}); reinstall keepword "
                       "(`pip install -e .`, or ./run), or give the store's base_url")
    loaded: Launcher = found[0].load()
    return loaded
