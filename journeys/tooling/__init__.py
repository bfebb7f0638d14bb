"""Tools for writing a store profile: `keepword walk` and `keepword draft`.

`walk` runs the shopper's own pages (`journeys.pages`) against a live store, stopping before
the order unless told otherwise, and looks at every role of every page on the way (`probe`):
how many elements it matched, the text read, the value parsed, boxed and labelled in a
screenshot; for a role that matched nothing it says what on the page could be meant
(`suggest`, from the page scans of `scan`). `draft` reads a store's pages for what can be
detected (JSON-LD, microdata, Open Graph, form fields, platform markup, money texts, repeated
blocks) and writes a profile with a comment on every guess and a TODO for every gap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["DraftResult", "WalkResult", "draft", "walk"]

_WHERE = {
    "DraftResult": "journeys.tooling.draft",
    "WalkResult": "journeys.tooling.walk",
    "draft": "journeys.tooling.draft",
    "walk": "journeys.tooling.walk",
}

if TYPE_CHECKING:
    from journeys.tooling.draft import DraftResult, draft
    from journeys.tooling.walk import WalkResult, walk


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'journeys.tooling' has no attribute {name!r}")
