"""A realistic ledger to report on, written with the real ledger API: for tests and trying out.

`fill_sample_ledger(ledger, shots_dir)` writes two shop runs, a follow-up run that closes
delivery claims (one claim gets a second, later verdict that overturns the first), harness
failures, screenshots (real PNG files), hostile store text, a simulate run with daily series and
tallies, and a two-parameter sweep. It returns what it wrote, so tests can name the records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from keepword.ledger import Ledger
from keepword.money import Money
from keepword.records import (
    Claim,
    Evidence,
    Figure,
    HarnessFailure,
    Journey,
    Observation,
    Tally,
    Verdict,
)
from keepword.stats import wilson

__all__ = [
    "HOSTILE_NAME",
    "LATEST_SQL",
    "SAMPLE_BROWSER",
    "Sample",
    "check_page",
    "fill_sample_ledger",
    "ledger_truth",
    "write_png",
]

HOSTILE_NAME = "<script>alert(1)</script>"
SAMPLE_BROWSER = "Chromium 156.0.8078.114 at /usr/bin/chromium-headless-shell"
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@dataclass
class Sample:
    shop_runs: list[int] = field(default_factory=list)
    followup_run: int = 0
    simulate_run: int = 0
    sweep_run: int = 0
    journeys: list[Journey] = field(default_factory=list)
    overturned_claim: str = ""
    hostile_claim: str = ""
    screenshots: list[Path] = field(default_factory=list)


def write_png(path: Path, colour: tuple[int, int, int] = (200, 60, 60), size: tuple[int, int] = (800, 600)) -> Path:
    """A real PNG file, standing in for a page screenshot."""
    from PIL import Image, ImageDraw

    path.parent.mkdir(parents=True, exist_ok=True)
    img = Image.new("RGB", size, (250, 250, 250))
    draw = ImageDraw.Draw(img)
    draw.rectangle((20, 20, size[0] - 20, 120), fill=colour)
    draw.text((40, 60), path.stem, fill=(255, 255, 255))
    img.save(path)
    return path


def _gbp(text: str) -> Money:
    return Money.of(text, "GBP")


def _shop_run(ledger: Ledger, sample: Sample, shots: Path, round_no: int, url: str) -> None:
    run = ledger.start_run("shop", scenario="scenarios/demo.yaml",
                           params={"shoppers": 3, "store": "demo-store", "browser": SAMPLE_BROWSER})
    sample.shop_runs.append(run.id)
    t = T0 + timedelta(days=round_no)

    # Journey 1: a price that drifts between the product page and the basket (broken, screenshot).
    j1 = Journey("guest-checkout", shopper="shopper-1", started_at=t)
    price = Claim("price", "KIT-001", _gbp("12.99"), step="product", journey_id=j1.id,
                  url=f"{url}/product/KIT-001", made_at=t)
    seen = Observation(price.id, _gbp("13.49"), step="basket", url=f"{url}/basket", observed_at=t + timedelta(minutes=1))
    shot = write_png(shots / f"run{round_no}-basket-KIT-001.png")
    sample.screenshots.append(shot)
    broken = Verdict(price.id, "broken", expected=price.value, actual=seen.value, difference="+£0.50",
                     observation_id=seen.id, decided_at=t + timedelta(minutes=1))
    ledger.write(run.id, j1, price, seen, broken, Evidence(broken.id, "screenshot", path=str(shot)),
                 Evidence(broken.id, "url", text=f"{url}/basket"))
    ship = Claim("shipping_charge", "standard", _gbp("3.95"), step="shipping", journey_id=j1.id,
                 url=f"{url}/checkout/shipping", made_at=t + timedelta(minutes=2))
    ledger.write(run.id, ship, Verdict(ship.id, "kept", expected=ship.value, actual=_gbp("3.95"),
                                        decided_at=t + timedelta(minutes=3)))
    delivery = Claim("delivery_date", "order-A" + str(round_no), date(2026, 11, 26), step="shipping",
                     journey_id=j1.id, url=f"{url}/checkout/shipping", made_at=t + timedelta(minutes=2))
    ledger.write(run.id, delivery)  # open until the follow-up
    sample.journeys.append(j1)
    if round_no == 1:
        sample.overturned_claim = delivery.id

    # Journey 2: hostile product name, availability kept, order total kept, e-mail broken.
    j2 = Journey("guest-checkout", shopper="shopper-2", started_at=t)
    avail = Claim("availability", HOSTILE_NAME, 3, step="product", journey_id=j2.id,
                  url="javascript:alert(2)", made_at=t)
    total = Claim("order_total", "order-B" + str(round_no), _gbp("25.98"), step="preview", journey_id=j2.id,
                  url=f"{url}/checkout/preview", made_at=t)
    email = Claim("email", "order-B" + str(round_no), "confirmation", source="page", step="confirmation",
                  journey_id=j2.id, url=f"{url}/checkout/confirmation", made_at=t)
    avail_verdict = (
        Verdict(avail.id, "broken", expected=3, actual=0, difference=f"{HOSTILE_NAME} sold out",
                decided_at=t + timedelta(minutes=1))
        if round_no == 1
        else Verdict(avail.id, "kept", expected=3, actual=3, decided_at=t + timedelta(minutes=1))
    )
    ledger.write(
        run.id, j2, avail, total, email, avail_verdict,
        Verdict(total.id, "kept", expected=total.value, actual=_gbp("25.98"), decided_at=t + timedelta(minutes=2)),
        Verdict(email.id, "inconclusive", expected="confirmation", actual=None,
                difference="mail sink unreachable", decided_at=t + timedelta(minutes=5)),
    )
    if round_no == 1:
        sample.hostile_claim = avail.id
    sample.journeys.append(j2)

    # Journey 3: a harness error before any claim (with a screenshot).
    j3 = Journey("browse-and-add", shopper="shopper-3", started_at=t)
    failure = HarnessFailure(j3.id, "basket", "no element matched [data-testid=basket-line] on /basket",
                             url=f"{url}/basket", at=t + timedelta(minutes=1))
    shot3 = write_png(shots / f"run{round_no}-harness.png", colour=(230, 140, 30))
    sample.screenshots.append(shot3)
    ledger.write(run.id, j3, failure, Evidence(failure.id, "screenshot", path=str(shot3)))
    sample.journeys.append(j3)

    # Journey 4: made no claims and hit no error.
    j4 = Journey("look-around", shopper="shopper-4", started_at=t)
    ledger.write(run.id, j4)
    sample.journeys.append(j4)
    ledger.end_run(run.id, "complete")


def _follow_up(ledger: Ledger, sample: Sample) -> None:
    run = ledger.start_run("follow-up", scenario="scenarios/demo.yaml")
    sample.followup_run = run.id
    claims = {c.id: c for c in ledger.claims(kind="delivery_date")}
    t = T0 + timedelta(days=7)
    for claim_id, claim in claims.items():
        if claim_id == sample.overturned_claim:
            # First read as kept, then a later status page shows it arrived a day late.
            first = Verdict(claim_id, "kept", expected=claim.value, actual=claim.value, decided_at=t)
            later = Verdict(claim_id, "broken", expected=claim.value, actual=date(2026, 11, 27),
                            difference="1 day late", decided_at=t + timedelta(hours=5))
            ledger.write(run.id, later)  # written first on purpose: decided_at, not order, decides
            ledger.write(run.id, first)
    ledger.write(run.id, HarnessFailure(None, "order-status", "order status page timed out after 30s",
                                        url="http://127.0.0.1:1/order-status", at=t))
    ledger.end_run(run.id, "complete")


def _simulate(ledger: Ledger, sample: Sample) -> None:
    run = ledger.start_run("simulate", scenario="scenarios/ad-spike.yaml", params={"replications": 5})
    sample.simulate_run = run.id
    records: list[Tally | Figure] = []
    start = date(2026, 12, 1)
    for d in range(14):
        day = start + timedelta(days=d)
        spike = 3.0 if 5 <= d <= 8 else 1.0
        orders = 120 * spike
        late = 0.03 if spike == 1 else 0.22
        for rep in range(2):
            kept = int(orders * (1 - late))
            records.append(Tally("delivery_date", day, f"replication={rep}", kept, int(orders) - kept, 0))
            records.append(Tally("email", day, f"replication={rep}", int(orders), 0, 0))
        records += [
            Figure("on_time_rate", 1 - late, 1 - late - 0.02, min(1.0, 1 - late + 0.02), {"day": day.isoformat()}),
            Figure("orders_per_day", orders, orders - 6, orders + 6, {"day": day.isoformat()}),
            Figure("support_wait_mean_min", 2 + 10 * late * spike, 1.5, 3 + 12 * late * spike, {"day": day.isoformat()}),
            Figure("support_wait_p90_min", 5 + 20 * late * spike, None, None, {"day": day.isoformat()}),
        ]
    records += [
        Figure("on_time_rate", 0.91, 0.89, 0.93),
        Figure("late_dispatch_rate", 0.07, 0.05, 0.09),
        Figure("support_wait_mean_min", 4.2, 3.8, 4.6),
        Figure("utilisation_packers", 0.83, 0.80, 0.86),
        Figure("orders_per_day", 197.0, 190.0, 204.0),
        Figure("honest_promise_days", 4.0, 4.0, 5.0, {"target": 0.95}),
        Figure("on_time_rate", 0.95, None, None, {"replication": 1}),  # per-replication detail: left out
    ]
    ledger.write(run.id, *records)
    ledger.end_run(run.id, "complete")


def _sweep(ledger: Ledger, sample: Sample) -> None:
    run = ledger.start_run("sweep", scenario="scenarios/ad-spike.yaml",
                           params={"sweep": {"packers": [3, 4, 5], "ad_multiplier": [1, 2]}})
    sample.sweep_run = run.id
    records: list[Tally | Figure] = []
    for packers in (3, 4, 5):
        for mult in (1, 2):
            labels = {"packers": packers, "ad_multiplier": mult}
            rate = min(0.99, 0.6 + 0.1 * packers - 0.08 * mult)
            records += [
                Figure("on_time_rate", rate, rate - 0.03, min(1.0, rate + 0.03), labels),
                Figure("support_wait_mean_min", 12 - 2 * packers + 3 * mult, None, None, labels),
                Figure("honest_promise_days", 3 + (mult > 1) + (packers < 4), None, None, {**labels, "target": 0.95}),
                Tally("delivery_date", date(2026, 12, 1), f"replication=0 packers={packers} ad_multiplier={mult}",
                      int(1000 * rate), 1000 - int(1000 * rate), 0),
            ]
    ledger.write(run.id, *records)
    ledger.end_run(run.id, "complete")


def fill_sample_ledger(ledger: Ledger, shots_dir: Path, *, model: bool = True) -> Sample:
    """Write the sample runs into `ledger`, screenshots into `shots_dir`."""
    sample = Sample()
    url = "http://127.0.0.1:8765"
    _shop_run(ledger, sample, shots_dir, 1, url)
    _follow_up(ledger, sample)
    _shop_run(ledger, sample, shots_dir, 2, url)
    if model:
        _simulate(ledger, sample)
        _sweep(ledger, sample)
    return sample


# The latest verdict per claim decides; open = no verdict. Written from the rules, not the code.
LATEST_SQL = """
WITH ranked AS (
    SELECT claim_id, outcome,
           ROW_NUMBER() OVER (PARTITION BY claim_id ORDER BY decided_at DESC, rowid DESC) AS rn
    FROM verdicts)
SELECT c.kind AS kind,
       COUNT(CASE WHEN r.outcome = 'kept' THEN 1 END) AS kept,
       COUNT(CASE WHEN r.outcome = 'broken' THEN 1 END) AS broken,
       COUNT(CASE WHEN r.outcome = 'inconclusive' THEN 1 END) AS inconclusive,
       COUNT(CASE WHEN r.outcome IS NULL THEN 1 END) AS open
FROM claims c
JOIN runs ru ON ru.id = c.run_id
LEFT JOIN ranked r ON r.claim_id = c.id AND r.rn = 1
WHERE ru.kind NOT IN ('simulate', 'sweep')
GROUP BY c.kind ORDER BY c.kind
"""


def ledger_truth(book: Any) -> dict[str, Any]:
    """Per-kind and overall counts and rates straight from SQL (`SqliteLedger.query`), written
    from the scoring rules rather than with the scoring code, so tests can hold one against the other."""
    kinds: dict[str, dict[str, Any]] = {}
    for row in book.query(LATEST_SQL):
        kinds[row["kind"]] = {k: int(row[k]) for k in ("kept", "broken", "inconclusive", "open")}
    overall: dict[str, Any] = {k: sum(v[k] for v in kinds.values()) for k in ("kept", "broken", "inconclusive", "open")}
    for counts in [*kinds.values(), overall]:
        decided = counts["kept"] + counts["broken"]
        counts["rate"] = counts["kept"] / decided if decided else None
        counts["interval"] = wilson(counts["kept"], decided) if decided else None
    harness = int(book.query(
        "SELECT COUNT(*) FROM harness_failures h JOIN runs r ON r.id = h.run_id "
        "WHERE r.kind NOT IN ('simulate', 'sweep')")[0][0])
    journeys = int(book.query(  # a follow-up run's bookkeeping journey is not a journey
        "SELECT COUNT(*) FROM journeys j JOIN runs r ON r.id = j.run_id WHERE r.kind != 'follow-up'")[0][0])
    return {"kinds": kinds, "overall": overall, "harness_errors": harness, "journeys": journeys}


def _pct(value: float | None) -> str:
    return "\u2014" if value is None else f"{value * 100:.1f}%"


def check_page(page: Any, summary: dict[str, Any], truth: dict[str, Any]) -> None:
    """The headline on the page == summary.json == SQL on the ledger."""
    overall = summary["observed"]["overall"]
    text = {k: page.get_by_test_id(f"overall-{k}").inner_text().strip()
            for k in ("rate", "kept", "broken", "open", "inconclusive", "harness-errors", "journeys")}
    assert text["rate"] == _pct(overall["rate"]) == _pct(truth["overall"]["rate"])
    assert float(page.get_by_test_id("overall-rate").get_attribute("data-value")) == overall["rate"]
    for key in ("kept", "broken", "open", "inconclusive"):
        assert int(text[key]) == overall[key] == truth["overall"][key], key
    assert int(text["harness-errors"]) == summary["observed"]["harness_errors"] == truth["harness_errors"]
    assert int(text["journeys"]) == summary["observed"]["journeys"]["total"] == truth["journeys"]
    interval = truth["overall"]["interval"]
    shown = page.get_by_test_id("overall-interval").inner_text()
    assert shown == ("\u2014" if interval is None else f"{interval[0] * 100:.1f}\u2013{interval[1] * 100:.1f}%")

    rows = page.get_by_test_id("kinds").locator("tr[data-testid^=kind-]")
    assert rows.count() == len(truth["kinds"]) == len(summary["observed"]["by_kind"])
    for kind, counts in truth["kinds"].items():
        row = page.get_by_test_id(f"kind-{kind}")
        got = {f: row.locator(f"[data-field={f}]").inner_text() for f in ("rate", "kept", "broken", "open")}
        assert got["rate"] == _pct(summary["observed"]["by_kind"][kind]["rate"]) == _pct(counts["rate"]), kind
        for f in ("kept", "broken", "open"):
            assert int(got[f]) == summary["observed"]["by_kind"][kind][f] == counts[f], (kind, f)
    assert int(page.get_by_test_id("broken-count").inner_text()) == truth["overall"]["broken"]
    assert page.get_by_test_id("broken-item").count() == truth["overall"]["broken"]
