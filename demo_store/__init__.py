"""The demo store: a small real web shop that keepword shops in, with fault injection.

`serve(config)` runs it (the CLI's `keepword store`); `demo_store.testing.running_store`
runs it in a thread for tests and demos. PAGES.md lists its pages and the stable hooks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["StoreConfig", "load_config", "serve"]

if TYPE_CHECKING:
    from demo_store.config import StoreConfig, load_config
    from demo_store.server import serve


def __getattr__(name: str) -> Any:
    # Lazy: importing demo_store must not pull in Starlette and uvicorn.
    if name in ("StoreConfig", "load_config"):
        from demo_store import config

        return getattr(config, name)
    if name == "serve":
        from demo_store.server import serve

        return serve
    raise AttributeError(f"module 'demo_store' has no attribute {name!r}")
