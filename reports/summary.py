"""The report's data as one plain, JSON-able dict: written as summary.json, laid out as HTML.

Locust's habit: everything the page shows is prepared here, in Python, as plain dicts; the HTML
(`reports.html`) only adds formatting and charts, and JUnit (`reports.junit`) reads the scorecard.
So the page, summary.json and the exit code cannot disagree. The format is versioned by the
`format` key; numbers are raw (rates as fractions 0..1, None when nothing was decided).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from keepword.ledger import Ledger
from keepword.ledger.owner import run_reason, why_unended
from keepword.money import Money, format_money
from keepword.records import Evidence, Run, Value, encode_value, now
from reports.gates import GateResult
from reports.model import FIGURE_NAMES, Config, ModelRun
from reports.problems import fix_first
from reports.scoring import JOURNEY_ORDER, Rate, Scorecard, ScoredClaim

__all__ = ["FORMAT", "exit_code", "format_value", "rate_dict", "running_line", "summarise", "unfinished_line"]

# 2: "fix_first" replaces "worst_skus"; store errors; steps are where claims were decided.
FORMAT = "keepword-summary/2"
WORST = 10


def rate_dict(rate: Rate) -> dict[str, Any]:
    """Counts, the rate and its Wilson 95% interval."""
    interval = rate.interval
    return {
        "claims": rate.claims,
        "kept": rate.kept,
        "broken": rate.broken,
        "inconclusive": rate.inconclusive,
        "open": rate.open,
        "decided": rate.decided,
        "rate": rate.rate,
        "lo": interval[0] if interval else None,
        "hi": interval[1] if interval else None,
    }


def format_value(value: Value) -> str:
    """A claim's value as a person reads it: "£12.99", "2026-11-26", "yes"."""
    if value is None:
        return "(nothing)"
    if isinstance(value, Money):
        try:
            return format_money(value, "en_GB")
        except Exception:  # an unusual currency code: fall back on "12.99 XYZ"
            return str(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M %Z").strip()
    if isinstance(value, date):
        return value.strftime("%a %d %b %Y")
    return str(value)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _run_dict(run: Run) -> dict[str, Any]:
    return {
        "id": run.id,
        "kind": run.kind,
        "scenario": run.scenario,
        "status": run.status,
        "reason": run_reason(run),  # as `keepword runs` shows it
        "started_at": _iso(run.started_at),
        "ended_at": _iso(run.ended_at),
        # which Chromium the run's shoppers judged in ("remote" for --browser-ws; None for runs
        # with no browser, or recorded before keepword kept it)
        "browser": browser if isinstance(browser := run.params.get("browser"), str) else None,
    }


def unfinished_line(run: Run) -> str:
    """"run 3 (shop) failed: HarnessError: ...", "run 4 (shop) killed before it ended (process
    1234 is gone)": a run keepword could not complete, in one line."""
    if run.status == "running":
        return running_line(run)
    why = why_unended(run) if run.status == "incomplete" else run.status
    return f"run {run.id} ({run.kind}) {why}" + (f": {run.reason}" if run.reason else "")


def running_line(run: Run) -> str:
    """"run 7 (shop) is still going (process 1234 on this machine): ...": why the report counts
    a run with no end yet, and what to do about it, in one line."""
    return (f"run {run.id} ({run.kind}) is {why_unended(run)}: what it has recorded so far is counted; "
            "report again when it ends")


def _unfinished_dict(run: Run) -> dict[str, Any]:
    return {"run": run.id, "kind": run.kind, "status": run.status, "reason": run.reason,
            "message": unfinished_line(run)}


def _running_dict(run: Run) -> dict[str, Any]:
    owner = run.owner
    return {"run": run.id, "kind": run.kind, "status": run.status,
            "process": owner.pid if owner else None, "host": owner.host if owner else None,
            "message": running_line(run)}


def _evidence(ledger: Ledger, *ids: str | None) -> list[Evidence]:
    out: list[Evidence] = []
    for record_id in ids:
        if record_id:
            out.extend(ledger.evidence(record_id))
    return out


def _evidence_dict(items: list[Evidence]) -> dict[str, Any]:
    return {
        "screenshots": [{"id": e.id, "path": e.path} for e in items if e.kind == "screenshot" and e.path],
        "urls": [e.text or e.path for e in items if e.kind == "url" and (e.text or e.path)],
        "notes": [e.text for e in items if e.kind in ("note", "email") and e.text],
    }


def _broken_dict(ledger: Ledger, sc: ScoredClaim, journeys: dict[str, str]) -> dict[str, Any]:
    claim, verdict, observation = sc.claim, sc.verdict, sc.observation
    assert verdict is not None  # broken means a verdict exists
    ev = _evidence_dict(_evidence(ledger, claim.id, verdict.id, observation.id if observation else None))
    url = claim.url or (observation.url if observation else None) or next(iter(ev["urls"]), None)
    return {
        "claim_id": claim.id,
        "run": sc.run_id,
        "store": sc.store,
        "journey": journeys.get(claim.journey_id or "", None),
        "kind": claim.kind,
        "subject": claim.subject,
        "step": claim.step or claim.source,
        "observed_step": observation.step if observation else None,
        "claimed": format_value(verdict.expected if verdict.expected is not None else claim.value),
        "observed": format_value(verdict.actual),
        "claimed_value": encode_value(verdict.expected if verdict.expected is not None else claim.value),
        "observed_value": encode_value(verdict.actual),
        "difference": verdict.difference,
        "made_at": _iso(claim.made_at),
        "decided_at": _iso(verdict.decided_at),
        "journey_id": claim.journey_id,
        "made_store_at": _iso(claim.store_at),
        "decided_store_at": _iso(verdict.store_at),
        "url": url,
        "observed_url": observation.url if observation else None,
        **ev,
    }


def _observed(ledger: Ledger, card: Scorecard) -> dict[str, Any]:
    failures_by_step = card.failures_by_step()
    by_step = {}
    for step, rate in card.by_step().items():
        by_step[step] = {**rate_dict(rate), "harness_errors": failures_by_step.get(step, 0)}
    for step, n in failures_by_step.items():
        by_step.setdefault(step, {**rate_dict(Rate()), "harness_errors": n})

    worst_steps = sorted(
        ({"step": step, **d} for step, d in by_step.items() if d["broken"] or d["harness_errors"]),
        key=lambda d: (-(d["broken"] + d["harness_errors"]), d["step"]),
    )[:WORST]

    runs = {r.id: r for r in card.runs}
    trend = [
        {"run": run_id, "kind": runs[run_id].kind, "started_at": _iso(runs[run_id].started_at), **rate_dict(r)}
        for run_id, r in card.by_run().items()
    ]
    journey_names = {j.journey.id: j.journey.name for j in card.journeys}
    outcomes = card.journey_outcomes()
    return {
        "overall": {**rate_dict(card.overall), "harness_errors": card.harness_errors,
                    "store_errors": len(card.store_errors)},
        "harness_errors": card.harness_errors,
        # runs keepword could not complete, each also one of harness_errors
        "unfinished_runs": [_unfinished_dict(r) for r in card.unfinished],
        # runs still going when the ledger was read: counted so far, never a harness error
        "running_runs": [_running_dict(r) for r in card.running],
        "skipped": sum(j.skipped is not None for j in card.journeys),
        "store_errors": len(card.store_errors),
        "journeys": {
            "total": len(card.journeys),
            "outcomes": {k: outcomes[k] for k in JOURNEY_ORDER},
            "list": [
                {
                    "id": j.journey.id,
                    "name": j.journey.name,
                    "shopper": j.journey.shopper,
                    "run": j.run_id,
                    "outcome": j.outcome,
                    "harness_errors": len(j.failures),
                    "skipped": j.skipped,
                    "store_errors": len(j.store_errors),
                    **rate_dict(j.rate),
                }
                for j in card.journeys
            ],
        },
        "by_kind": {k: rate_dict(r) for k, r in card.by_kind().items()},
        "by_store": {k: rate_dict(r) for k, r in card.by_store().items()},
        "by_step": by_step,
        "trend": trend,
        "fix_first": fix_first(ledger, card),
        "worst_steps": worst_steps,
        "broken": [_broken_dict(ledger, sc, journey_names) for sc in card.broken()],
        "store_error_list": [
            {
                "id": e.error.id,
                "run": e.run_id,
                "journey": journey_names.get(e.error.journey_id or "", None),
                "step": e.error.step,
                "status": e.error.status,
                "title": e.error.title,
                "message": e.error.message,
                "url": e.error.url,
                "at": _iso(e.error.at),
                "store_at": _iso(e.error.store_at),
                **_evidence_dict(_evidence(ledger, e.error.id)),
            }
            for e in card.store_errors
        ],
        "harness_failures": [
            {
                "id": f.failure.id,
                "run": f.run_id,
                "journey": journey_names.get(f.failure.journey_id or "", None),
                "step": f.failure.step,
                "message": f.failure.message,
                "url": f.failure.url,
                "at": _iso(f.failure.at),
                **_evidence_dict(_evidence(ledger, f.failure.id)),
            }
            for f in card.failures
        ],
    }


def _figure_dict(value: float, lo: float | None, hi: float | None) -> dict[str, Any]:
    return {"value": value, "lo": lo, "hi": hi}


def _config_dict(config: Config) -> dict[str, Any]:
    daily: dict[str, list[dict[str, Any]]] = {}
    for name, points in config.daily.items():
        daily[name] = [
            {"day": day.isoformat(), **_figure_dict(f.value, f.lo, f.hi)} for day, f in sorted(points.items())
        ]
    if "on_time_rate" not in daily and "delivery_date" in config.tallies:
        # No daily figure from the model: derive it from the delivery tallies (kept / decided).
        daily["on_time_rate"] = [
            {"day": day.isoformat(), "value": r.rate, "lo": r.interval[0] if r.interval else None,
             "hi": r.interval[1] if r.interval else None, "from": "tallies"}
            for day, r in config.daily_tally_rate("delivery_date").items()
            if r.rate is not None
        ]
    known = [n for n in FIGURE_NAMES if n in config.figures]
    others = sorted(n for n in config.figures if n not in FIGURE_NAMES)
    return {
        "params": config.params,
        "label": config.label,
        "tallies": {k: rate_dict(r) for k, r in config.tally_rates().items()},
        "figures": {n: _figure_dict(config.figures[n].value, config.figures[n].lo, config.figures[n].hi)
                    for n in [*known, *others]},
        "daily": daily,
        "honest_promise": [
            {"days": f.value, "lo": f.lo, "hi": f.hi, "target": f.labels.get("target")}
            for f in config.honest
        ],
    }


def _target(m: ModelRun) -> float:
    """The share the scenario aims at: the honest-promise figure's target, else 95%."""
    for c in m.configs:
        for f in c.honest:
            target = f.labels.get("target")
            if isinstance(target, int | float) and 0 < target <= 1:
                return float(target)
    return 0.95


def _model(model_runs: list[ModelRun]) -> list[dict[str, Any]]:
    return [
        {
            **_run_dict(m.run),
            "params": m.run.params,
            "sweep": m.is_sweep,
            "swept": m.swept,
            "target": _target(m),
            "needed": m.smallest_meeting("on_time_rate", _target(m)) if m.is_sweep else [],
            "configs": [_config_dict(c) for c in m.configs],
        }
        for m in model_runs
    ]


def summarise(
    ledger: Ledger,
    card: Scorecard,
    model_runs: list[ModelRun],
    gates: list[GateResult],
) -> dict[str, Any]:
    """The whole report as a JSON-able dict."""
    from reports.catalogue import catalogue_section

    return {
        "format": FORMAT,
        "generated_at": now().isoformat(),
        "ledger": str(ledger.path),
        "runs": [_run_dict(r) for r in card.runs],
        "observed": _observed(ledger, card),
        "model": _model(model_runs),
        "catalogue": catalogue_section(ledger, card),
        "gates": [g.to_dict() for g in gates],
        "exit_code": exit_code(card, gates),
    }


def exit_code(card: Scorecard, gates: list[GateResult]) -> int:
    """`keepword report`'s exit code, by the rule every command follows: 1 when the runs
    reported on hold a broken promise or a store error, else 3 when they hold harness errors
    or a run keepword could not complete (failed, interrupted, incomplete), else 0; a run still
    going is none of these (what it has recorded so far is judged like the rest). With
    --fail-under gates the gates judge the promises instead (1 when one is missed, so a store
    may keep 95% and pass), while a store error, which no rate holds, still gives 1, and a run
    keepword could not complete still gives 3 when every gate is met, or when the gates it
    misses decided nothing (it broke down before deciding): what it did not check cannot pass,
    nor fail the store. Model runs' predictions never decide it; a model run that did not complete does."""
    if card.store_errors:
        return 1
    if gates:
        missed = [g for g in gates if not g.met]
        if card.unfinished and all(g.rate.rate is None for g in missed):
            return 3  # nothing decided because keepword broke down: its trouble, not the store's
        return 1 if missed else 0
    if card.overall.broken:
        return 1
    return 3 if card.harness_errors else 0
