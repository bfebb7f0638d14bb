"""keepword: checks whether an online store keeps its word.

The core every part shares: claims and verdicts (`records`), the ledger, money and dates,
scenario loading with clear errors, browser discovery, and the CLI. `journeys`, `sim`, `reports`
and `demo_store` build on this package; it imports none of them except lazily in its CLI.
"""

from __future__ import annotations

from keepword.errors import BadInput, HarnessError, KeepwordError, LedgerBusy, UnsafeAction
from keepword.kinds import ClaimKind, Outcome
from keepword.ledger import Ledger, open_ledger
from keepword.money import Money, format_money, parse_money
from keepword.records import (
    Claim,
    Evidence,
    Figure,
    HarnessFailure,
    Journey,
    Observation,
    Run,
    StoreError,
    Tally,
    Verdict,
)
from keepword.stats import wilson

__all__ = [
    "BadInput",
    "Claim",
    "ClaimKind",
    "Evidence",
    "Figure",
    "HarnessError",
    "HarnessFailure",
    "Journey",
    "KeepwordError",
    "Ledger",
    "LedgerBusy",
    "Money",
    "Observation",
    "Outcome",
    "Run",
    "StoreError",
    "Tally",
    "UnsafeAction",
    "Verdict",
    "format_money",
    "open_ledger",
    "parse_money",
    "wilson",
]

__version__ = "0.1.0"
