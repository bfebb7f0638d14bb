"""What a catalogue check returns: counts per surface pair, findings, and the exit code."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from journeys.notebook import Finding

__all__ = ["CatalogueResult"]

_KEEP = 20  # findings and messages kept for the console; the ledger has them all


@dataclass
class CatalogueResult:
    """Counts of one catalogue run. Exit code: 1 if any promise was broken or the store failed a
    page (a store error is a finding about the store), else 3 if keepword could not read some
    product (harness errors), else 0; 130 when interrupted (what was checked stays)."""

    run_id: int = 0
    source: str = ""
    total: int = 0
    checked: int = 0
    rendered: int = 0
    skipped_robots: int = 0
    duplicates: int = 0
    requests: int = 0
    seconds: float = 0.0
    interrupted: bool = False
    verdicts: Counter[tuple[str, str, str, str]] = field(default_factory=Counter, repr=False)
    findings: list[Finding] = field(default_factory=list, repr=False)
    store_errors: list[str] = field(default_factory=list, repr=False)
    harness_errors: list[str] = field(default_factory=list, repr=False)
    store_error_count: int = 0
    harness_error_count: int = 0

    def count(self, outcome: str) -> int:
        return sum(n for (_, _, _, o), n in self.verdicts.items() if o == outcome)

    @property
    def kept(self) -> int:
        return self.count("kept")

    @property
    def broken(self) -> int:
        return self.count("broken")

    @property
    def inconclusive(self) -> int:
        return self.count("inconclusive")

    @property
    def pages_per_second(self) -> float:
        return self.checked / self.seconds if self.seconds > 0 else 0.0

    def surfaces(self) -> list[tuple[str, str, str, int, int, int]]:
        """(kind, claimed on, observed on, kept, broken, inconclusive) per surface pair, sorted."""
        pairs = sorted({(k, s, o) for k, s, o, _ in self.verdicts})
        return [(k, s, o, self.verdicts[(k, s, o, "kept")], self.verdicts[(k, s, o, "broken")],
                 self.verdicts[(k, s, o, "inconclusive")]) for k, s, o in pairs]

    def add_finding(self, finding: Finding) -> None:
        if len(self.findings) < _KEEP:
            self.findings.append(finding)

    def add_store_error(self, message: str) -> None:
        self.store_error_count += 1
        if len(self.store_errors) < _KEEP:
            self.store_errors.append(message)

    def add_harness_error(self, message: str) -> None:
        self.harness_error_count += 1
        if len(self.harness_errors) < _KEEP:
            self.harness_errors.append(message)

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return 130
        if self.broken or self.store_error_count:
            return 1
        if self.harness_error_count:
            return 3
        return 0

    def __repr__(self) -> str:
        return (f"<CatalogueResult run={self.run_id} {self.checked}/{self.total} kept={self.kept} "
                f"broken={self.broken} store_errors={self.store_error_count} "
                f"harness={self.harness_error_count} exit={self.exit_code}>")
