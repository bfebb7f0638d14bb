"""What a shop or follow-up run returns: counts, the findings, and the CLI's exit code."""

from __future__ import annotations

from dataclasses import dataclass, field

from journeys.notebook import Finding

__all__ = ["ShopResult"]


@dataclass
class ShopResult:
    """Verdict counts of one run. Exit code: 1 if any promise was broken or the store failed a
    customer (a store error), else 3 if keepword had trouble of its own (harness errors), else 4
    if a journey skipped its checkout (orders not allowed on the host), else 0
    (inconclusive and open claims do not fail a run)."""

    run_id: int
    kept: int
    broken: int
    harness_errors: int
    open: int = 0
    inconclusive: int = 0
    store_errors: int = 0
    journeys: int = 0
    findings: list[Finding] = field(default_factory=list, repr=False)
    harness_messages: list[str] = field(default_factory=list, repr=False)
    store_messages: list[str] = field(default_factory=list, repr=False)
    store_stopped: bool = False  # keepword started the demo store for this run, and stopped it after
    skipped: int = 0  # journeys that stopped short on purpose (checkout where orders are not allowed)
    skipped_reasons: list[str] = field(default_factory=list, repr=False)

    @property
    def exit_code(self) -> int:
        if self.broken or self.store_errors:
            return 1
        if self.harness_errors:
            return 3
        if self.skipped:
            return 4
        return 0

    def __repr__(self) -> str:
        return (f"<ShopResult run={self.run_id} kept={self.kept} broken={self.broken} "
                f"harness={self.harness_errors} store_errors={self.store_errors} open={self.open} "
                f"skipped={self.skipped} exit={self.exit_code}>")
