"""Starting the demo store for a run (the `keepword.launchers` entry point `demo_store`).

A profile that says `demo_store:` and gives no base URL is shopped in a demo store started for
the run, with a mail sink, on free ports; `restock` raises every SKU in stock to at least that
many, so many parallel shoppers do not sell the demo out.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from keepword.launchers import Launched

__all__ = ["launch"]


@contextmanager
def launch(spec: Any, *, mail_dir: Path | None, work_dir: Path) -> Iterator[Launched]:
    """Run the demo store (config `spec.config`) and a mail sink for the `with` block."""
    from demo_store.config import MailConfig, StoreConfig, load_config
    from demo_store.testing import running_store
    from keepword.mail import running_mail_sink

    with ExitStack() as stack:
        if mail_dir is None:
            work_dir.mkdir(parents=True, exist_ok=True)
            mail_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="mail-", dir=work_dir)))
        sink = stack.enter_context(running_mail_sink(mail_dir))
        config = load_config(spec.config) if spec.config else StoreConfig()
        config = config.model_copy(update={"mail": MailConfig(host=sink.host, port=sink.port)})
        store = stack.enter_context(running_store(config))
        if spec.restock:
            stock = store.stock()
            store.set_stock(**{sku: max(n, spec.restock) for sku, n in stock.items() if n > 0})
        yield Launched(store.url, sink.dir, store)
