"""`keepword demo`: the whole story in one command, on the bundled demo store.

    1. start the demo store (with its bundled fault mix; its clock stopped at today, 09:00 store
       time, so the demo looks current on any date) and a mail sink
    2. shop: a few mystery shoppers buy as guests, in parallel, in
       two rounds (so the report has a trend over runs)             -> two "shop" runs
    3. move the store clock two weeks on and follow up: status pages
       and e-mails close the delivery and e-mail claims              -> a "follow-up" run
    4. simulate the ad spike (and, unless --quick, sweep packers)   -> "simulate" runs
    5. write the report on those runs and return its path
    6. check itself: score keepword's verdicts against the store's ground-truth log of the faults
       it injected ("the store broke 10 promises on purpose; keepword found 10 and invented 0"),
       so a false alarm in the demo is visible at once

Everything lands under one folder (default `keepword-data/demo/`): `ledger.db`, the shoppers'
screenshots (`evidence/`), the store's mail and its ground-truth log of injected faults
(`work/<time>/`), and `report/`. Each demo starts a fresh ledger and moves the previous one to
`ledger.previous.db`: follow-up closes every open claim in its ledger, and claims left open by
an earlier demo point at a store that is gone. Mail gets a fresh folder per demo for the same
reason (order numbers repeat from one demo store to the next). Servers are
context managers, so Ctrl-C (or SIGTERM, which the ledger turns into KeyboardInterrupt) stops the
store and the sink and marks the run "interrupted" before the exception reaches the CLI.

The orchestration lives with the CLI, the one part of `keepword` allowed to use the others
(demo_store, journeys, sim, reports), which it imports lazily, inside `run_demo`; `reports` only
reads the ledger.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from keepword.errors import BadInput, shown_path

if TYPE_CHECKING:
    from demo_store.truth import TruthScore

__all__ = [
    "DEFAULT_DEMO_DIR",
    "DEMO_FAULTS",
    "DemoResult",
    "DemoSettings",
    "demo_settings",
    "run_demo",
]

DEFAULT_DEMO_DIR = Path("keepword-data/demo")
_ROOT = Path(__file__).resolve().parents[2]
SHOP_SCENARIO = _ROOT / "scenarios" / "demo.yaml"
STORE_CONFIG = _ROOT / "scenarios" / "stores" / "demo-store.yaml"
SIM_SCENARIO = _ROOT / "scenarios" / "ad-spike.yaml"
FOLLOW_UP_HOURS = 14 * 24  # long enough for every promised delivery, late ones included

# The demo's fault mix: the store config's kinds at rates high enough that a handful of
# checkouts meet several of them (the config's own rates, 5-20%, suit hundreds of journeys).
# Same seeds every time, so a demo with the same options tells the same story.
DEMO_FAULTS: dict[str, dict[str, Any]] = {
    "price_drift": {"rate": 0.3, "seed": 1, "step": "basket", "amount": "1.00"},
    "stale_availability": {"rate": 0.1, "seed": 2, "where": "add"},
    "shipping_change": {"rate": 0.25, "seed": 3, "where": "preview", "amount": "1.50"},
    "total_mismatch": {"rate": 0.2, "seed": 4, "amount": "2.00"},
    "late_delivery": {"rate": 0.4, "seed": 5, "days": 2},
    "email_missing": {"rate": 0.15, "seed": 6},
    "email_wrong_total": {"rate": 0.2, "seed": 8, "amount": "3.00"},
    "jsonld_mismatch": {"rate": 0.2, "seed": 9, "field": "price", "amount": "0.50"},
}


@dataclass(frozen=True, slots=True)
class DemoSettings:
    """How big a demo is; `--quick` and `--shoppers` pick one."""

    shoppers: int
    journeys_per_shopper: int
    rounds: int
    replications: int
    sweep: tuple[str, ...]
    mail_wait_seconds: float

    def __repr__(self) -> str:
        return (f"<DemoSettings {self.rounds} rounds of {self.shoppers}x{self.journeys_per_shopper} "
                f"reps={self.replications}>")


def demo_settings(*, shoppers: int | None = None, quick: bool = False) -> DemoSettings:
    """The demo's size. Two rounds of shopping by default, so the report has a trend to show;
    quick is one round of one journey each for two shoppers, and no sweep."""
    if shoppers is not None and not 1 <= shoppers <= 16:
        raise BadInput(f"--shoppers {shoppers}: give 1 to 16 (each shopper is a browser)")
    if quick:
        return DemoSettings(shoppers or 2, 1, 1, 2, (), 5.0)
    return DemoSettings(shoppers or 3, 1, 2, 3, ("packers=2..5",), 10.0)


@dataclass
class DemoResult:
    """Where the demo's report is, its run ids, and the numbers the command prints."""

    html_path: Path
    summary_path: Path
    junit_path: Path
    ledger_path: Path
    run_ids: list[int] = field(default_factory=list)
    store_url: str = ""
    faults_injected: int = 0
    ground_truth_path: Path | None = None
    truth: TruthScore | None = None
    exit_code: int = 0
    summary: dict[str, Any] = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:
        return f"<DemoResult {self.html_path} runs={self.run_ids}>"


def _rotate(ledger_path: Path) -> None:
    """Move the previous demo's ledger (and its WAL files) to ledger.previous.db; a file at
    either name that is not a keepword ledger is refused (BadInput) and left alone."""
    from keepword.ledger.files import ledger_file_state

    instead = "give demo another --out folder"  # demo has no --ledger
    if ledger_file_state(ledger_path, instead) == "missing":
        return
    previous = ledger_path.with_name("ledger.previous.db")
    ledger_file_state(previous, instead)
    for suffix in ("", "-wal", "-shm"):
        old = Path(f"{previous}{suffix}")
        if old.exists():
            old.unlink()
    for suffix in ("", "-wal", "-shm"):
        src = Path(f"{ledger_path}{suffix}")
        if src.exists():
            src.rename(Path(f"{previous}{suffix}"))



def _say(console: Any, text: str) -> None:
    if console is not None:
        console.print(text, highlight=False)


def run_demo(
    out_dir: str | Path = DEFAULT_DEMO_DIR,
    *,
    shoppers: int | None = None,
    quick: bool = False,
    progress: bool = True,
    console: Any = None,
    on_store: Callable[[str], None] | None = None,
) -> DemoResult:
    """Start the demo store and mail sink, shop, follow up, simulate, and write the report."""
    from demo_store.config import load_config
    from demo_store.testing import running_store
    from demo_store.truth import score_against_truth
    from journeys.followup import follow_up
    from journeys.runner import shop
    from keepword.cli.progress import shopping
    from keepword.ledger import open_ledger
    from keepword.mail import running_mail_sink
    from keepword.scenario import load_scenario
    from reports.build import build
    from sim.api import simulate

    settings = demo_settings(shoppers=shoppers, quick=quick)
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInput(f"--out {out}: cannot create it ({exc.strerror}); pick another folder") from None
    for needed in (SHOP_SCENARIO, STORE_CONFIG, SIM_SCENARIO):
        if not needed.exists():
            raise BadInput(f"{needed}: missing; `keepword demo` runs from a keepword checkout")

    _rotate(out / "ledger.db")
    work = out / "work" / datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    run_ids: list[int] = []
    with open_ledger(out / "ledger.db") as ledger:
        with running_mail_sink(work / "mail") as sink:
            config = load_config(STORE_CONFIG, overrides={
                "mail.host": sink.host,
                "mail.port": sink.port,
                "clock.speed": 0,  # the clock moves only when the demo says: runs repeat
                "faults": DEMO_FAULTS,
                "ground_truth": str((work / "ground-truth.jsonl").resolve()),
            })
            with running_store(config) as store:
                _say(console, f"[bold]1/4[/bold] demo store at {store.url} (faults: "
                              f"{', '.join(sorted(store.faults())) or 'none'}), mail sink on port {sink.port}")
                if on_store is not None:
                    on_store(store.url)
                scenario = load_scenario(SHOP_SCENARIO)
                scenario = scenario.model_copy(update={
                    "base_url": store.url,
                    "shoppers": settings.shoppers,
                    "journeys_per_shopper": settings.journeys_per_shopper,
                    "mail": scenario.mail.model_copy(update={
                        "dir": sink.dir.resolve(), "wait_seconds": settings.mail_wait_seconds}),
                })
                stock = store.stock()
                store.set_stock(**{sku: max(n, 500) for sku, n in stock.items() if n > 0})
                checkouts = settings.shoppers * settings.journeys_per_shopper
                for round_no in range(1, settings.rounds + 1):
                    _say(console, f"[bold]2/4[/bold] {settings.shoppers} shoppers, {checkouts} guest "
                                  f"checkouts (round {round_no} of {settings.rounds})")
                    shopped = shop(scenario, ledger=ledger, progress=shopping if progress else None)
                    run_ids.append(shopped.run_id)

                now = store.advance_clock(FOLLOW_UP_HOURS)
                _say(console, f"[bold]3/4[/bold] store clock moved on to {now:%a %d %b}; following up "
                              "on deliveries and e-mails")
                followed = follow_up(ledger, scenario=scenario, progress=progress)
                run_ids.append(followed.run_id)
                _say(console, f"    follow-up decided {followed.kept + followed.broken} promises: "
                              f"{followed.kept} kept, {followed.broken} broken")
                truth = store.ground_truth()
                truth_path = Path(shown_path(store.ground_truth_path))
                checked = score_against_truth(ledger, run_ids, truth)

        _say(console, "[bold]4/4[/bold] simulating the ad spike"
                      + (f" and sweeping {', '.join(settings.sweep)}" if settings.sweep else ""))
        simulated = simulate(SIM_SCENARIO, ledger=ledger, replications=settings.replications, seed=1,
                             progress=progress)
        run_ids.append(simulated.run_id)
        if settings.sweep:
            swept = simulate(SIM_SCENARIO, ledger=ledger, replications=settings.replications, seed=1,
                             sweeps=list(settings.sweep), progress=progress)
            run_ids.append(swept.run_id)

        report = build(ledger, out / "report", run_ids=run_ids)
        summary = dict(report.summary or {})
        return DemoResult(
            html_path=report.html_path,
            summary_path=report.summary_path,
            junit_path=report.junit_path,
            ledger_path=Path(ledger.path),
            run_ids=run_ids,
            store_url=store.url,
            faults_injected=len(truth),
            ground_truth_path=truth_path,
            truth=checked,
            exit_code=report.exit_code,
            summary=summary,
        )
