"""The "fix first" list: one row per problem the store has, the most widespread first.

A problem is what a developer fixes once: one kind of broken promise between the same two steps
(the price said on the product page is not the basket's, whichever product it was), or one kind
of store error at one step (HTTP 500 when placing the order). As Merchant Center's diagnostics
rank issues by the items they affect, rows are ranked by the journeys (customers) a problem hit,
then the orders, then how often it happened, then the most recently seen. Each row names the
products it touched, when it was first and last seen, and one example with its evidence.

Product names come from the ledger alone: claims name SKUs, order numbers, shipping codes and
totals, and each journey notes the product it chose (`keepword.recorded.product_note`). A claim
about a SKU (or a SKU's line total) touches that product; any other claim (an order's total, a
shipping charge, a delivery date) touches the products of its journey. Harness errors are not
problems of the store and are never in this list.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from keepword.kinds import ClaimKind
from keepword.ledger import Ledger
from keepword.recorded import read_product_note
from reports.scoring import Scorecard, ScoredClaim, ScoredStoreError

__all__ = ["Problem", "fix_first"]

_ORDER_KINDS = (ClaimKind.EMAIL, ClaimKind.DELIVERY_DATE)
_LINE_TOTAL = " line total"


@dataclass(slots=True)
class Problem:
    """One problem and every time it was seen."""

    kind: str  # a claim kind, or "store_error"
    what: str  # "said at product, seen at basket", or "HTTP 500 at place-order"
    claimed_step: str | None
    broke_step: str
    status: int | None = None
    claims: list[ScoredClaim] = field(default_factory=list)
    errors: list[ScoredStoreError] = field(default_factory=list)

    @property
    def seen(self) -> list[tuple[datetime, datetime | None, str | None]]:
        """(real time, store time, journey id) of each occurrence, oldest first."""
        out = [(c.verdict.decided_at, c.verdict.store_at, c.claim.journey_id) for c in self.claims if c.verdict]
        out += [(e.error.at, e.error.store_at, e.error.journey_id) for e in self.errors]
        return sorted(out, key=lambda s: s[0])

    def __repr__(self) -> str:
        return f"<Problem {self.kind} {self.what} x{len(self.claims) + len(self.errors)}>"


def _journey_products(ledger: Ledger, journey_ids: Iterable[str]) -> dict[str, dict[str, str]]:
    """SKU -> product title, per journey, from the notes journeys write on themselves."""
    out: dict[str, dict[str, str]] = {}
    for journey_id in journey_ids:
        for evidence in ledger.evidence(journey_id):
            read = read_product_note(evidence.text) if evidence.kind == "note" else None
            if read is not None:
                out.setdefault(journey_id, {})[read[0]] = read[1]
    return out


def _journey_orders(card: Scorecard) -> dict[str, set[str]]:
    """The order numbers each journey was given (the subjects of its e-mail and delivery claims)."""
    out: dict[str, set[str]] = {}
    for c in card.claims:
        if c.claim.kind in _ORDER_KINDS and c.claim.journey_id and c.claim.subject != "order":
            out.setdefault(c.claim.journey_id, set()).add(c.claim.subject)
    return out


def _group(card: Scorecard) -> list[Problem]:
    found: dict[tuple[Any, ...], Problem] = {}
    for c in card.broken():
        claimed, broke = c.claim.step or c.claim.source, c.decided_step
        key: tuple[Any, ...] = (c.claim.kind, claimed, broke)
        what = f"said at {claimed}, seen at {broke}" if claimed != broke else f"disagreed at {broke}"
        found.setdefault(key, Problem(c.claim.kind, what, claimed, broke)).claims.append(c)
    for e in card.store_errors:
        key = ("store_error", e.error.step, e.error.status)
        shown = f"HTTP {e.error.status}" if e.error.status else "error page"
        found.setdefault(key, Problem("store_error", f"{shown} at {e.error.step}", None, e.error.step,
                                      status=e.error.status)).errors.append(e)
    return list(found.values())


def _products_of(problem: Problem, products: dict[str, dict[str, str]]) -> Counter[tuple[str, str]]:
    """(sku, title) -> how many times the problem touched that product."""
    touched: Counter[tuple[str, str]] = Counter()
    for c in problem.claims:
        mine = products.get(c.claim.journey_id or "", {})
        sku = c.claim.subject.removesuffix(_LINE_TOTAL)
        if sku in mine:
            touched[(sku, mine[sku])] += 1
        elif c.claim.kind in (ClaimKind.PRICE, ClaimKind.AVAILABILITY, ClaimKind.STRUCTURED_DATA):
            touched[(sku, sku)] += 1  # a SKU whose title the ledger does not hold
        else:
            touched.update(mine.items())
    for e in problem.errors:
        touched.update(products.get(e.error.journey_id or "", {}).items())
    return touched


def fix_first(ledger: Ledger, card: Scorecard) -> list[dict[str, Any]]:
    """The ranked list, as plain dicts for summary.json and the page. `example` is the id of
    the most recent broken claim (or store error) with a screenshot, else the most recent."""
    problems = _group(card)
    journeys = {j for p in problems for _, _, j in p.seen if j}
    products = _journey_products(ledger, sorted(journeys))
    orders = _journey_orders(card)
    rows: list[dict[str, Any]] = []
    for p in problems:
        seen = p.seen
        hit = {j for _, _, j in seen if j}
        hit_orders = set().union(*(orders.get(j, set()) for j in hit)) if hit else set()
        touched = _products_of(p, products)
        rows.append({
            "kind": p.kind,
            "what": p.what,
            "claimed_step": p.claimed_step,
            "broke_step": p.broke_step,
            "status": p.status,
            "products": [{"sku": sku, "title": title, "times": n}
                         for (sku, title), n in sorted(touched.items(), key=lambda kv: (-kv[1], kv[0]))],
            "journeys": len(hit),
            "orders": len(hit_orders),
            "times": len(seen),
            "first_seen": seen[0][0].isoformat(),
            "first_seen_store": seen[0][1].isoformat() if seen[0][1] else None,
            "last_seen": seen[-1][0].isoformat(),
            "last_seen_store": seen[-1][1].isoformat() if seen[-1][1] else None,
            "example": _example(ledger, p),
        })
    rows.sort(key=lambda r: (-r["journeys"], -r["orders"], -r["times"], _neg_time(r["last_seen"]), r["kind"], r["what"]))
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
    return rows


def _neg_time(iso: str) -> float:
    return -datetime.fromisoformat(iso).timestamp()


def _example(ledger: Ledger, problem: Problem) -> dict[str, str]:
    latest_first = sorted(
        [(c.verdict.decided_at, "claim", c.claim.id, c.verdict.id) for c in problem.claims if c.verdict]
        + [(e.error.at, "store_error", e.error.id, e.error.id) for e in problem.errors],
        key=lambda x: x[0], reverse=True,
    )
    for _, what, record_id, evidence_of in latest_first:
        if any(e.kind == "screenshot" for e in ledger.evidence(evidence_of)):
            return {"of": what, "id": record_id}
    _, what, record_id, _ = latest_first[0]
    return {"of": what, "id": record_id}
