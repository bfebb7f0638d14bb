"""The report's catalogue section, from a real catalogue run on the demo store: mismatches ranked by
products hit, with names and links; a surface-by-surface table; store text shown as text."""

from __future__ import annotations

import json
from pathlib import Path

from demo_store.testing import running_store
from journeys.catalogue import check_catalogue
from keepword.ledger import open_ledger
from keepword.scenario import load_scenario
from reports import build

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = "<script>alert(1)</script> Kettle"


def test_catalogue_section_ranks_mismatches_and_escapes_store_text(tmp_path: Path) -> None:
    catalogue = tmp_path / "catalogue.yaml"
    catalogue.write_text(json.dumps({
        "categories": [{"slug": "kitchen", "name": "Kitchen"}],
        "products": [{"sku": f"K-{n}", "name": HOSTILE if n == 1 else f"Mug {n}", "category": "kitchen",
                      "stock": 5, "prices": {"GBP": f"{n}.99"}} for n in range(1, 7)],
    }), encoding="utf-8")
    config = {"clock": {"speed": 0}, "catalogue": str(catalogue),
              "faults": {"feed_stale_price": {"rate": 0.5, "seed": 5}, "js_only_price": {"rate": 0.3, "seed": 1}},
              "crawl": {"throttle": {"every": 4, "status": 503, "retry_after": 0}}}
    with running_store(config) as store, open_ledger(tmp_path / "ledger.db") as book:
        result = check_catalogue(load_scenario(ROOT / "scenarios" / "catalogue.yaml"), ledger=book,
                                 base_url=store.url, rate=500, render_sample=1, retries=0)
        truth = store.ground_truth()
        report = build(book, tmp_path / "report")
    stale = {line["sku"] for line in truth if line["fault"] == "feed_stale_price"}
    js_only = {line["sku"] for line in truth if line["fault"] == "js_only_price"}
    assert stale and js_only and result.store_error_count > 0
    section = report.summary["catalogue"]  # type: ignore[index]
    assert section["runs"][0]["source"] == "feed"
    groups = {(m["kind"], m["claimed_on"], m["observed_on"]): m for m in section["mismatches"]}
    served = {s for s in stale} - {e.split("product ")[1].split(",")[0] for e in result.store_errors}
    assert {e["sku"] for e in groups[("price", "feed", "jsonld")]["examples"]} == served
    counts = [m["products"] for m in section["mismatches"]]
    assert counts == sorted(counts, reverse=True)  # most products first
    assert section["store_errors"]["count"] == result.store_error_count
    table = {(s["kind"], s["claimed_on"], s["observed_on"]): s for s in section["surfaces"]}
    assert table[("price", "feed", "html")]["broken"] + table[("price", "feed", "rendered")]["broken"] == len(
        groups.get(("price", "feed", "html"), {"examples": []})["examples"]) + len(
        groups.get(("price", "feed", "rendered"), {"examples": []})["examples"])
    html = report.html_path.read_text(encoding="utf-8")
    assert 'data-testid="catalogue"' in html and "shown only after JavaScript runs" in html
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; Kettle" in html
    assert f'href="{store.url}product/K-' in html
