"""Checks judge, surfaces only state: every catalogue verdict is decided here.

For one product, the **page** value of a field is what the HTML as sent shows, or, where that
lacks it, what the rendered page shows. Then, each a claim with its `source` surface, observed
on another (`journeys.checks` decides, with the scenario's tolerances):

| kind            | claim (source)                      | observed on                                |
| --------------- | ----------------------------------- | ------------------------------------------ |
| price           | feed price (sale price if given),   | the page; each structured-data surface     |
|                 | or the listing card's price         |                                            |
| availability    | feed (or listing card) availability | the page; each structured-data surface     |
| shipping_charge | feed shipping charge, per service   | the page's charge of that method           |
| structured_data | JSON-LD / microdata price, stock    | the page                                   |
| price, avail.   | the rendered page's value           | the HTML as sent, which lacks it: broken,  |
|                 |                                     | "shown only after JavaScript runs"         |
| price, avail.   | the HTML as sent (sampled products) | the rendered page                          |

Records are written as the shopper's are (claim, observation, verdict), but evidence is kept
only for what is broken (the snippets of both surfaces and the product's name and feed row):
a catalogue of 10,000 kept prices needs no 20,000 copies of HTML to prove it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from journeys import checks
from journeys.catalogue.items import Item
from journeys.catalogue.page import Surface
from journeys.checks import Judgement
from journeys.notebook import Finding
from keepword.kinds import ClaimKind
from keepword.records import Claim, Evidence, HarnessFailure, Observation, Record, Value, Verdict
from keepword.scenario import Tolerances

__all__ = ["JS_ONLY", "ProductCheck", "compare_product"]

JS_ONLY = "shown only after JavaScript runs; the HTML as sent has none"


@dataclass
class ProductCheck:
    """One product's records, verdict counts per (kind, claimed on, observed on), findings."""

    item: Item
    url: str
    journey_id: str | None
    tolerances: Tolerances
    records: list[Record] = field(default_factory=list)
    counts: Counter[tuple[str, str, str, str]] = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)
    harness: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"<ProductCheck {self.item.sku} {sum(self.counts.values())} verdicts>"

    def judge(self, kind: str, said: tuple[str, Value, str], seen: tuple[str, Value, str],
              check: Callable[..., Judgement] | Judgement) -> None:
        """Claim `said` = (surface, value, html snippet), observe `seen`, record the verdict."""
        sku = self.item.sku
        kind = str(kind)
        claim = Claim(kind, sku, said[1], source=said[0], step=said[0], journey_id=self.journey_id, url=self.url)
        seen_obs = Observation(claim.id, seen[1], source=seen[0], step=seen[0], url=self.url)
        judgement = check if isinstance(check, Judgement) else check(said[1], seen[1], self.tolerances)
        verdict = Verdict(claim.id, judgement.outcome, expected=said[1], actual=seen[1],
                          difference=judgement.difference, observation_id=seen_obs.id)
        self.records += [claim, seen_obs, verdict]
        self.counts[(kind, said[0], seen[0], judgement.outcome)] += 1
        if judgement.outcome != "broken":
            return
        note = f"product: {self.item.title or sku}" + (f"; {self.item.where}" if self.item.where else "")
        self.records.append(Evidence(claim.id, "note", text=note))
        if said[2]:
            self.records.append(Evidence(claim.id, "html", text=said[2]))
        if seen[2]:
            self.records.append(Evidence(seen_obs.id, "html", text=seen[2]))
        self.findings.append(Finding(kind, sku, said[1], seen[1], judgement.difference, said[0], seen[0],
                                     self.url, None))

    def fail(self, message: str) -> None:
        """keepword could not read this product (its own trouble, never a verdict)."""
        self.records.append(HarnessFailure(self.journey_id, "catalogue", message, url=self.url))
        self.harness.append(message)


def _page(field_name: str, html: Surface, rendered: Surface | None) -> tuple[str, Value, str] | None:
    for surface in (html, rendered):
        if surface is None:
            continue
        value = getattr(surface, field_name)
        if value is not None:
            return surface.name, value, surface.snippets.get(field_name, "")
    return None


def compare_product(check: ProductCheck, html: Surface, structured: list[Surface], rendered: Surface | None,
                    *, country: str | None = None) -> ProductCheck:
    """Every comparison the table above lists for one product, into `check`."""
    item = check.item
    fields = (("price", ClaimKind.PRICE, checks.same_money), ("availability", ClaimKind.AVAILABILITY, checks.same))
    for name, kind, judge in fields:
        page = _page(name, html, rendered)
        feed_value = getattr(item, name)
        if feed_value is not None:
            if page is not None:
                check.judge(kind, (item.source, feed_value, ""), page, judge)
            for surface in structured:
                value = getattr(surface, name)
                if value is not None:
                    check.judge(kind, (item.source, feed_value, ""),
                                (surface.name, value, surface.snippets.get(name, "")), judge)
        if page is not None:
            for surface in structured:
                value = getattr(surface, name)
                if value is not None:
                    check.judge(ClaimKind.STRUCTURED_DATA, (surface.name, value, surface.snippets.get(name, "")),
                                page, judge)
        if rendered is not None and getattr(rendered, name) is not None:
            shown = ("rendered", getattr(rendered, name), rendered.snippets.get(name, ""))
            if getattr(html, name) is None:
                reason = html.gaps.get(name, "")
                check.judge(kind, shown, ("html", None, html.snippets.get(name, "")),
                            Judgement("broken", JS_ONLY + (f" ({reason})" if reason else "")))
            else:
                check.judge(kind, ("html", getattr(html, name), html.snippets.get(name, "")), shown, judge)
        if page is None and (name == "price" or name in html.gaps):
            why = "; ".join(f"{s.name}: {s.gaps[name]}" for s in (html, rendered) if s is not None and name in s.gaps)
            tried = "" if rendered is not None else " (not rendered: rendering is off)"
            check.fail(f"{name}: no {name} on {check.url}{tried}: {why or 'nothing matched'}; check the "
                       f"profile's product.{name} role")
    _shipping(check, html, rendered, country)
    return check


def _shipping(check: ProductCheck, html: Surface, rendered: Surface | None, country: str | None) -> None:
    item = check.item
    page = html if html.shipping else rendered
    for service, where, charge in item.shipping:
        if country and where and where != country:
            continue
        if page is None or not page.shipping:
            continue
        shown = page.shipping.get(" ".join(service.split()).casefold())
        said = (item.source, charge, "")
        if shown is None:
            known = ", ".join(sorted(page.shipping))
            check.judge(ClaimKind.SHIPPING_CHARGE, said, (page.name, None, ""),
                        Judgement("inconclusive", f"the page lists no method {service!r} (it lists {known})"))
        else:
            check.judge(ClaimKind.SHIPPING_CHARGE, said, (page.name, shown, ""), checks.same_money)
