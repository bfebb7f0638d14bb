"""reports: scoring the ledger and rendering the scorecard (HTML, summary.json, junit.xml).

    >>> from keepword.ledger import open_ledger
    >>> from reports import build
    >>> result = build(open_ledger("keepword-data/ledger.db"), "keepword-data/report",
    ...                fail_under={"price": 0.95})           # doctest: +SKIP
    >>> result.html_path, result.exit_code                   # doctest: +SKIP

Modules: `scoring` (rates and journey verdicts from shopper runs), `model` (what simulate and
sweep runs predicted), `gates` (`--fail-under`), `summary` (the one dict every output is made
from), `html` + `templates/` + `charts` + `images` (the page), `junit` (CI), `build` (all of it).
"""

from __future__ import annotations

from reports.build import ReportResult, build
from reports.gates import Gate, GateResult, parse_fail_under
from reports.scoring import Rate, Scorecard, score

__all__ = [
    "Gate",
    "GateResult",
    "Rate",
    "ReportResult",
    "Scorecard",
    "build",
    "parse_fail_under",
    "score",
]
