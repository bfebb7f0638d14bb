"""Scoring keepword against the demo store's ground truth: found, missed and invented.

The demo store logs every lie it tells (`ground-truth.jsonl`, one line per fault occurrence,
with the session it hit). keepword's shoppers note each journey's session cookie, so every
broken verdict can be traced to the journey, and every fault to the journey it hit:

* **found**: a fault whose journey has a broken verdict of a kind the fault must break (or,
  for `server_error`, a store error: the store failed, it did not break a promise);
* **missed**: a fault with no such verdict (or a session no journey noted);
* **invented**: a broken verdict of a kind none of its journey's faults may break, or a store
  error where the store did not fail: a false alarm, keepword blaming an honest store.

`keepword demo` prints this line ("the store broke 10 promises on purpose; keepword found 10 and
invented 0"), and the tests assert it: a detection rate an owner can believe is checked on
every demo, not claimed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from keepword.ledger import Ledger

__all__ = ["MAY_BREAK", "MUST_BREAK", "ORDER_FAULTS", "TruthScore", "score_against_truth"]

# Which claim kinds each fault may break (precision), and which it must break (recall).
MAY_BREAK: dict[str, set[str]] = {
    "price_drift": {"price", "order_total"},
    "stale_availability": {"availability"},
    "shipping_change": {"shipping_charge", "order_total"},
    "total_mismatch": {"order_total"},
    "late_delivery": {"delivery_date"},
    "email_missing": {"email"},
    "email_late": {"email"},
    "email_wrong_total": {"order_total"},
    "jsonld_mismatch": {"structured_data"},
    "order_edited": {"order_total"},  # an order's total changed after it was placed (admin edit)
    "server_error": set(),  # a store error, not a broken promise: found when a StoreError is recorded
}
MUST_BREAK: dict[str, set[str]] = {
    "price_drift": {"price"},
    "shipping_change": {"shipping_charge"},
    **{k: v for k, v in MAY_BREAK.items() if k not in ("price_drift", "shipping_change")},
}
# Faults that are the store failing (a StoreError is how keepword finds them).
_STORE_ERROR: dict[str, set[str]] = {"server_error": {"store_error"}}
# Faults that hit placed orders (the rest hit any session that browses).
ORDER_FAULTS = {"total_mismatch", "late_delivery", "email_missing", "email_late", "email_wrong_total"}


@dataclass
class TruthScore:
    """keepword's verdicts scored against the store's ground truth."""

    injected: int
    found: int
    missed: list[tuple[str, str]] = field(default_factory=list)        # (fault, journey id or session)
    invented: list[tuple[str, set[str]]] = field(default_factory=list)  # (journey id, kinds broken)
    faults: dict[str, set[str]] = field(default_factory=dict)          # journey id -> faults met
    journeys: int = 0
    sessions: int = 0
    ordered: int = 0
    shipped: int = 0

    @property
    def invented_count(self) -> int:
        return sum(len(kinds) for _, kinds in self.invented)

    def line(self) -> str:
        """The demo's self-check, in one line."""
        return (f"the store broke {self.injected} promises on purpose; keepword found {self.found} and "
                f"invented {self.invented_count}")

    def __repr__(self) -> str:
        return f"<TruthScore injected={self.injected} found={self.found} invented={self.invented_count}>"


def score_against_truth(
    ledger: Ledger, run_ids: list[int], truth: list[dict[str, Any]], *, session_cookie: str = "kw_session"
) -> TruthScore:
    """Match the store's ground truth to keepword's broken verdicts, journey by journey.

    `run_ids`: the shop runs (whose journeys met the faults) and any follow-up runs (whose
    verdicts close those journeys' claims)."""
    journeys = [j for j in ledger.journeys(run_ids) if j.name != "follow-up"]
    mine = {j.id for j in journeys}
    prefix = f"session {session_cookie}="
    session_of: dict[str, str] = {}
    for journey in journeys:
        for evidence in ledger.evidence(journey.id):
            if evidence.kind == "note" and evidence.text and evidence.text.startswith(prefix):
                session_of[journey.id] = evidence.text[len(prefix):]
    journey_of = {s: j for j, s in session_of.items()}
    claims = {c.id: c for c in ledger.claims() if c.journey_id in mine}
    ordered = {c.journey_id for c in claims.values() if c.kind == "email"}
    # Digital goods (shipped by e-mail) have no delivery to be late: not exposed to late_delivery.
    shipped = {c.journey_id for c in claims.values() if c.kind == "shipping_charge" and c.subject != "digital"}
    broken: dict[str, set[str]] = defaultdict(set)
    for verdict in _latest(ledger, run_ids):
        claim = claims.get(verdict.claim_id)
        if claim is not None and claim.journey_id is not None and verdict.outcome == "broken":
            broken[claim.journey_id].add(claim.kind)
    for error in ledger.store_errors(run_ids):
        if error.journey_id in mine:
            broken[error.journey_id].add("store_error")
    faults: dict[str, set[str]] = defaultdict(set)
    missed: list[tuple[str, str]] = []
    found = 0
    for line in truth:
        journey_id = journey_of.get(str(line.get("session")))
        if journey_id is None:
            missed.append((str(line["fault"]), f"session {line.get('session')}"))
            continue
        faults[journey_id].add(str(line["fault"]))
        if (MUST_BREAK.get(str(line["fault"]), set()) | _STORE_ERROR.get(str(line["fault"]), set())) & broken[journey_id]:
            found += 1
        else:
            missed.append((str(line["fault"]), journey_id))
    invented = []
    for journey_id, kinds in broken.items():
        allowed = set().union(*(MAY_BREAK.get(f, set()) | _STORE_ERROR.get(f, set())
                                for f in faults.get(journey_id, set())))
        if not kinds <= allowed:
            invented.append((journey_id, kinds - allowed))
    return TruthScore(
        injected=len(truth), found=found, missed=missed, invented=invented, faults=dict(faults),
        journeys=len(journeys), sessions=len(session_of), ordered=len(ordered & set(session_of)),
        shipped=len(ordered & shipped & set(session_of)),
    )


def _latest(ledger: Ledger, run_ids: list[int]) -> list[Any]:
    """Each claim's latest verdict among these runs (a follow-up may overrule the shop run)."""
    latest: dict[str, Any] = {}
    for verdict in ledger.verdicts(run_ids):
        held = latest.get(verdict.claim_id)
        if held is None or verdict.decided_at >= held.decided_at:
            latest[verdict.claim_id] = verdict
    return list(latest.values())
