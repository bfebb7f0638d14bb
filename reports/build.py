"""`build`: score the ledger and write the report's three files.

    out_dir/report.html   the scorecard, self-contained (inline CSS, SVG charts, data: thumbnails)
    out_dir/summary.json  the same numbers as plain JSON, for scripts and dashboards
    out_dir/junit.xml     one test case per journey, for CI
    out_dir/screenshots/  full-size screenshots the HTML links to

Files are written to a temporary name and renamed, so a reader (a CI artefact upload, a browser
reloading) never sees half a report.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from keepword.errors import BadInput
from keepword.ledger import Ledger

if TYPE_CHECKING:
    from reports.gates import GateResult

__all__ = ["ReportResult", "build"]


@dataclass(frozen=True, slots=True)
class ReportResult:
    """Where the report went, the gate results, and the exit code (0, 1 or 3)."""

    html_path: Path
    summary_path: Path
    junit_path: Path
    exit_code: int
    gates: tuple[GateResult, ...] = ()
    summary: dict[str, Any] | None = None

    @property
    def gate_messages(self) -> tuple[str, ...]:
        return tuple(g.message for g in self.gates)

    def __repr__(self) -> str:
        return f"<ReportResult {self.html_path} exit={self.exit_code}>"


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def build(
    ledger: Ledger,
    out_dir: str | Path,
    *,
    run_ids: Sequence[int] | None = None,
    fail_under: Iterable[str] | Mapping[str, float] | None = None,
) -> ReportResult:
    """Score the chosen runs (all by default) and write report.html, summary.json, junit.xml.

    `fail_under` is `["price=0.95", "all=90%"]` or `{"price": 0.95}`. The exit code follows
    `reports.summary.exit_code`: 1 for a broken promise or a store error (with gates: a gate
    missed, or a store error), 3 for harness errors only, else 0. Raises BadInput for an unknown
    run id or a malformed gate.
    """
    from reports.gates import check, parse_fail_under
    from reports.html import render_html
    from reports.junit import write_junit
    from reports.model import read_model_runs
    from reports.scoring import score, select_runs
    from reports.summary import summarise

    gates = parse_fail_under(fail_under)
    runs = select_runs(ledger, run_ids)
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInput(f"{out}: cannot create the report folder ({exc.strerror}); pick another --out") from exc

    card = score(ledger, runs)
    results = check(gates, card.overall, card.by_kind())
    summary = summarise(ledger, card, read_model_runs(ledger, runs), results)

    search = [Path(ledger.path).parent] if ledger.path != ":memory:" else []
    html_path, summary_path, junit_path = out / "report.html", out / "summary.json", out / "junit.xml"
    _write(summary_path, json.dumps(summary, indent=2, ensure_ascii=False, default=str) + "\n")
    _write(html_path, render_html(summary, out, search=search))
    tmp = junit_path.with_name(".junit.xml.tmp")
    write_junit(card, tmp)
    os.replace(tmp, junit_path)
    return ReportResult(
        html_path=html_path,
        summary_path=summary_path,
        junit_path=junit_path,
        exit_code=int(summary["exit_code"]),
        gates=tuple(results),
        summary=summary,
    )
