"""The report's catalogue section: what `keepword catalogue` runs found, surface by surface.

`catalogue_section(ledger, card)` is the plain data (it goes into summary.json as `catalogue`,
or None when no catalogue run is in the report): the runs, a surface-by-surface table (per kind,
which surface claimed, which observed: kept, broken, inconclusive, rate), the mismatches ranked
by how many products each hit, with product names and links, and the pages the store failed to
serve. `catalogue_view(section)` turns it into the strings the template lays out
(`templates/_catalogue.html.j2`); the template does no arithmetic and no formatting.

Catalogue claims are also in every other rate of the report (per kind, per store): they are
promises like any other. This section only shows where they came from.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from keepword.ledger import Ledger
from reports.scoring import Rate, Scorecard, ScoredClaim

__all__ = ["SURFACE_WORDS", "catalogue_section", "catalogue_view"]

SURFACE_WORDS = {
    "feed": "the feed",
    "listing": "the listing",
    "html": "the HTML as sent",
    "jsonld": "the JSON-LD",
    "microdata": "the microdata",
    "rendered": "the rendered page",
}
_EXAMPLES = 10
_STORE_ERRORS = 20


def _observed_on(sc: ScoredClaim) -> str:
    return sc.observation.source if sc.observation is not None else ""


def _name(ledger: Ledger, claim_id: str) -> str:
    for evidence in ledger.evidence(claim_id):
        if evidence.kind == "note" and (evidence.text or "").startswith("product: "):
            return str(evidence.text)[len("product: "):].split("; ", 1)[0]
    return ""


def catalogue_section(ledger: Ledger, card: Scorecard) -> dict[str, Any] | None:
    """The catalogue runs' data, or None when the report covers no catalogue run."""
    from reports.summary import format_value, rate_dict

    runs = [r for r in card.runs if r.kind == "catalogue"]
    if not runs:
        return None
    ids = {r.id for r in runs}
    claims = [c for c in card.claims if c.run_id in ids]
    pairs: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    broken: dict[tuple[str, str, str], list[ScoredClaim]] = defaultdict(list)
    for sc in claims:
        key = (sc.claim.kind, sc.claim.source, _observed_on(sc))
        pairs[key].append(sc.status)
        if sc.status == "broken":
            broken[key].append(sc)
    ranked = sorted(broken.items(), key=lambda kv: (-len({c.claim.subject for c in kv[1]}), kv[0]))
    mismatches = []
    for (kind, said, seen), items in ranked:
        products = sorted({c.claim.subject for c in items})
        examples = []
        for sc in sorted(items, key=lambda c: c.claim.subject)[:_EXAMPLES]:
            verdict = sc.verdict
            assert verdict is not None
            examples.append({"sku": sc.claim.subject, "name": _name(ledger, sc.claim.id), "url": sc.claim.url,
                             "claimed": format_value(verdict.expected), "observed": format_value(verdict.actual),
                             "difference": verdict.difference, "run": sc.run_id})
        mismatches.append({"kind": kind, "claimed_on": said, "observed_on": seen, "products": len(products),
                           "verdicts": len(items), "examples": examples})
    failures = ledger.store_errors(sorted(ids))
    store_errors = [f"{f.url}: {f.message}" for f in failures[:_STORE_ERRORS]]
    count = len(failures)
    return {
        "runs": [{"id": r.id, "status": r.status, "source": r.params.get("source"),
                  "products": r.params.get("products"), "base_url": r.params.get("base_url"),
                  "products_checked": len({c.claim.subject for c in claims if c.run_id == r.id})} for r in runs],
        "surfaces": [{"kind": k, "claimed_on": s, "observed_on": o, **rate_dict(Rate.of(statuses))}
                     for (k, s, o), statuses in sorted(pairs.items())],
        "mismatches": mismatches,
        "store_errors": {"count": count, "examples": store_errors},
        "products_broken": len({c.claim.subject for c in claims if c.status == "broken"}),
        "products_broken_by_kind": {kind: len(skus) for kind, skus in sorted(_broken_products(claims).items())},
        "products": len({c.claim.subject for c in claims}),
    }


def _broken_products(claims: list[ScoredClaim]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for sc in claims:
        if sc.status == "broken":
            out[sc.claim.kind].add(sc.claim.subject)
    return out


def _what(kind: str, said: str, seen: str) -> str:
    if said == "rendered" and seen == "html":
        return f"{kind} shown only after JavaScript runs (none in the HTML as sent)"
    return f"{kind}: {SURFACE_WORDS.get(said, said)} disagrees with {SURFACE_WORDS.get(seen, seen)}"


def catalogue_view(section: dict[str, Any] | None) -> dict[str, Any] | None:
    """Ready-made strings for the template (links only for http(s) URLs)."""
    if section is None:
        return None
    from reports.html import interval_text, pct, safe_href

    kinds = Counter(section["products_broken_by_kind"])
    return {
        "runs": [{**r, "text": f"run {r['id']} ({r['status']}): {r['products_checked']} of {r['products']} products "
                                f"from the {r['source']}" + (f" at {r['base_url']}" if r["base_url"] else "")}
                 for r in section["runs"]],
        "headline": f"{section['products_broken']} of {section['products']} products have a mismatch",
        "by_kind": [{"kind": f"products with a {k} mismatch", "products": n} for k, n in kinds.most_common()],
        "surfaces": [{"kind": s["kind"], "claimed_on": SURFACE_WORDS.get(s["claimed_on"], s["claimed_on"]),
                      "observed_on": SURFACE_WORDS.get(s["observed_on"], s["observed_on"]),
                      "kept": s["kept"], "broken": s["broken"], "inconclusive": s["inconclusive"],
                      "rate": pct(s["rate"]), "interval": interval_text(s["lo"], s["hi"]), "bad": s["broken"] > 0}
                     for s in section["surfaces"]],
        "mismatches": [{"what": _what(m["kind"], m["claimed_on"], m["observed_on"]), "kind": m["kind"],
                        "products": m["products"], "more": max(0, m["products"] - len(m["examples"])),
                        "examples": [{**e, "href": safe_href(e["url"]), "label": e["name"] or e["sku"]}
                                     for e in m["examples"]]}
                       for m in section["mismatches"]],
        "store_errors": section["store_errors"],
    }
