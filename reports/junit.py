"""JUnit XML for CI: one test case per journey, a failure per broken promise, an error per
harness failure.

CI systems already know how to show JUnit, and they draw the same line keepword does: a
*failure* is the thing under test misbehaving (a broken promise, or a store error: the store
failing in front of the customer), an *error* is the test itself unable to run (a harness error). A journey with no claims and no errors is *skipped*; open and
inconclusive claims pass, noted in `system-out`. One `testsuite` per shopper run; harness
failures that belong to no journey get a test case of their own, named after their step. A run
keepword could not complete (failed, interrupted, or never ended) gets a test case named after
the run with an *error* that says why, so a run cut off early can never read as a clean pass; a
run still going (its process alive) gets one that is *skipped*, saying so: not judged yet. Test
case names are stable across runs (journey name and shopper), so CI can track their history.
Model runs are predictions, not tests, and are left out (but for a model run that did not complete).

Times are what the ledger can vouch for: a journey's case runs from its start to the last claim
or harness error it recorded in its own run (a later follow-up does not stretch it); a suite
from its run's start to its end, or 0 for a run that never ended (killed mid-way).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from datetime import datetime
from pathlib import Path

from reports.scoring import JourneyScore, Scorecard, ScoredClaim, ScoredFailure, ScoredStoreError
from reports.summary import format_value, running_line, unfinished_line

__all__ = ["junit_xml", "write_junit"]

# XML 1.0 forbids most control characters; store text can carry them.
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _BAD_XML.sub("\ufffd", text)


def _broken_line(sc: ScoredClaim) -> str:
    v = sc.verdict
    claimed = format_value(v.expected if v is not None and v.expected is not None else sc.claim.value)
    observed = format_value(v.actual if v is not None else None)
    diff = f" ({v.difference})" if v is not None and v.difference else ""
    where = sc.claim.step or sc.claim.source
    return f"{sc.claim.kind} {sc.claim.subject} at {where}: claimed {claimed}, observed {observed}{diff}"


def _failure_line(sf: ScoredFailure) -> str:
    url = f" ({sf.failure.url})" if sf.failure.url else ""
    return f"{sf.failure.step}: {sf.failure.message}{url}"


def _store_error_line(se: ScoredStoreError) -> str:
    status = f"HTTP {se.error.status} " if se.error.status else ""
    url = f" ({se.error.url})" if se.error.url else ""
    return f"{se.error.step}: {status}{se.error.message}{url}"


def _seconds(start: datetime | None, end: datetime | None) -> str:
    return f"{max(0.0, (end - start).total_seconds()):.3f}" if start is not None and end is not None else "0"


def _journey_seconds(journey: JourneyScore) -> str:
    moments = [c.claim.made_at for c in journey.claims if c.run_id == journey.run_id]
    moments += [f.failure.at for f in journey.failures if f.run_id == journey.run_id]
    return _seconds(journey.journey.started_at, max(moments, default=None))


def _case(
    suite: ET.Element,
    classname: str,
    name: str,
    claims: list[ScoredClaim],
    failures: list[ScoredFailure],
    counts: dict[str, int],
    seconds: str = "0",
    store_errors: list[ScoredStoreError] | None = None,
) -> None:
    case = ET.SubElement(suite, "testcase", classname=_clean(classname), name=_clean(name), time=seconds)
    counts["tests"] += 1
    broken = [c for c in claims if c.status == "broken"]
    errors = store_errors or []
    if broken or errors:  # one <failure> per case, as CI systems expect: findings about the store
        counts["failures"] += 1
        lines = [_broken_line(c) for c in broken] + [f"store error: {_store_error_line(e)}" for e in errors]
        heads = [f"{len(broken)} broken promise(s)"] * bool(broken) + [f"{len(errors)} store error(s)"] * bool(errors)
        failure = ET.SubElement(
            case, "failure", type="broken_promise" if broken else "store_error",
            message=_clean(f"{', '.join(heads)}: {lines[0]}"),
        )
        failure.text = _clean("\n".join(lines))
    if failures:
        counts["errors"] += 1
        lines = [_failure_line(f) for f in failures]
        error = ET.SubElement(
            case, "error", type="harness_error",
            message=_clean(f"{len(failures)} harness error(s): {lines[0]}"),
        )
        error.text = _clean("\n".join(lines))
    if not claims and not failures and not errors:
        counts["skipped"] += 1
        ET.SubElement(case, "skipped", message="the journey made no claims")
    if claims:
        tally: dict[str, int] = defaultdict(int)
        for c in claims:
            tally[c.status] += 1
        out = ET.SubElement(case, "system-out")
        summary = ", ".join(f"{tally[k]} {k}" for k in ("kept", "broken", "inconclusive", "open") if tally[k])
        details = [f"{c.status}: {c.claim.kind} {c.claim.subject} at {c.claim.step or c.claim.source}"
                   for c in claims if c.status in ("inconclusive", "open")]
        out.text = _clean("\n".join([f"claims: {summary}", *details]))


def junit_xml(card: Scorecard) -> ET.Element:
    """The JUnit tree for a scorecard."""
    root = ET.Element("testsuites", name="keepword")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    by_run: dict[int, list[JourneyScore]] = defaultdict(list)
    for j in card.journeys:
        by_run[j.run_id].append(j)
    orphans: dict[int, list[ScoredFailure]] = defaultdict(list)
    journey_ids = {j.journey.id for j in card.journeys}
    for f in card.failures:
        if f.failure.journey_id not in journey_ids:
            orphans[f.run_id].append(f)
    for run in card.runs:
        finished = run.status == "complete"
        if run.id not in by_run and run.id not in orphans and finished:
            continue
        suite = ET.SubElement(
            root, "testsuite",
            name=_clean(f"run {run.id}: {run.kind}" + (f" {run.scenario}" if run.scenario else "")),
            timestamp=run.started_at.isoformat(),
        )
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        seen: dict[str, int] = defaultdict(int)
        for j in by_run.get(run.id, []):
            base = f"{j.journey.name}[{j.journey.shopper}]" if j.journey.shopper else j.journey.name
            seen[base] += 1
            name = base if seen[base] == 1 else f"{base}#{seen[base]}"
            _case(suite, f"keepword.{run.kind}", name, j.claims, j.failures, counts, _journey_seconds(j),
                  j.store_errors)
        for f in orphans.get(run.id, []):
            _case(suite, f"keepword.{run.kind}", f"harness: {f.failure.step}", [], [f], counts)
        if not finished:
            case = ET.SubElement(suite, "testcase", classname=f"keepword.{run.kind}", name=f"run {run.id}",
                                 time=_seconds(run.started_at, run.ended_at))
            going = run.status == "running"
            line = _clean(running_line(run) if going else unfinished_line(run))
            ET.SubElement(case, "skipped" if going else "error", type=f"run_{run.status}", message=line).text = line
            counts["tests"] += 1
            counts["skipped" if going else "errors"] += 1
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("time", _seconds(run.started_at, run.ended_at))
    for key, value in totals.items():
        root.set(key, str(value))
    return root


def write_junit(card: Scorecard, path: Path) -> None:
    """Write `junit.xml` (UTF-8, with an XML declaration)."""
    tree = ET.ElementTree(junit_xml(card))
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)
