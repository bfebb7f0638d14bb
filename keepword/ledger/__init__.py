"""The promise ledger: where journeys and the model write, and reports read.

    >>> from keepword.ledger import open_ledger
    >>> from keepword.records import Claim, Verdict
    >>> from keepword.money import Money
    >>> ledger = open_ledger(":memory:")
    >>> with ledger.running("shop", scenario="scenarios/demo.yaml") as run:
    ...     claim = Claim("price", "SKU-1", Money.of("12.99", "GBP"), step="product")
    ...     ledger.write(run.id, claim, Verdict(claim.id, "kept", expected=claim.value,
    ...                                         actual=Money.of("12.99", "GBP")))
    >>> [v.outcome for v in ledger.verdicts()]
    ['kept']
"""

from __future__ import annotations

from pathlib import Path

from keepword.ledger.base import Ledger
from keepword.ledger.sqlite import SqliteLedger

__all__ = ["DEFAULT_LEDGER", "Ledger", "SqliteLedger", "open_ledger"]

DEFAULT_LEDGER = "keepword-data/ledger.db"


def open_ledger(path: str | Path = DEFAULT_LEDGER, *, read_only: bool = False, wait: float | None = None) -> Ledger:
    """Open (and create or migrate) the keepword ledger at `path`; SQLite is the only backend so far.

    Anything at `path` that is not a keepword ledger is refused (BadInput) and left as it is.
    `read_only=True` (report, runs) needs an existing ledger and never writes to it. `wait` is
    how long to wait for a ledger another process keeps locked (default KEEPWORD_LEDGER_WAIT, or
    30 s) before LedgerBusy.
    """
    return SqliteLedger(path, read_only=read_only, wait=wait)
