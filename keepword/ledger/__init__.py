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


def open_ledger(path: str | Path = DEFAULT_LEDGER) -> Ledger:
    """Open (and create or migrate) the ledger at `path`; SQLite is the only backend so far."""
    return SqliteLedger(path)
