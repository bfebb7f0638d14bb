"""`keepword follow-up`: close the delivery and e-mail claims that shopping left open.

Days after a shop run the order-status pages say whether (and when) orders were delivered, and
the mail folder holds the e-mails that came late or not at all. Follow-up reads them for every
open `delivery_date` and `email` claim in the ledger and writes the verdicts in a run of its own
(claims keep the run they were made in; verdicts point to them by id).

Everything it needs comes from the ledger: each shop run recorded its store profile, tolerances
and store (`keepword.recorded`), so moved or deleted YAML files change nothing. "Overdue" is
decided on the store's clock (`keepword.storetime`), read once per store when follow-up starts,
never on the machine's date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from journeys import checks
from journeys.notebook import Notebook, Reading
from journeys.ordering import AWAITS_EMAIL
from journeys.reading import read_date
from journeys.result import ShopResult
from keepword.errors import HarnessError, harness_line
from keepword.kinds import ClaimKind
from keepword.ledger import Ledger
from keepword.profile import StatusPage, StoreProfile
from keepword.recorded import recorded_profile, recorded_tolerances
from keepword.records import Claim, Journey, now
from keepword.scenario import Scenario, Tolerances
from keepword.storetime import StoreTime, store_time

if TYPE_CHECKING:
    from journeys.roles import Roles

__all__ = ["follow_up", "observe_delivery"]


# what a refused status page says after the store's name: the usual reason, and the way out
_GONE_ADVICE = ("Start it again (a demo store `keepword shop` started itself stops with its run; "
                "`keepword demo` shops and follows up in one go)")


def observe_delivery(
    roles: Roles,
    spec: StatusPage,
    claim: Claim | None,
    notebook: Notebook,
    tolerances: Tolerances,
    *,
    step: str,
    today: date,
    read: dict[str, tuple[str, str] | None] | None = None,
) -> str:
    """Read an order-status page (already open; `read` if its roles were read already) and
    close the delivery claim when it can be decided: delivered (on time or late), or overdue on
    the store's `today`. Returns the status text."""
    if read is None:
        _, read, _ = roles.snapshot("status", singles={"state": spec.state, "delivered_at": spec.delivered_at},
                                    required=("state",))
    assert read["state"] is not None
    state, html = read["state"]
    if claim is None or not isinstance(claim.value, date):
        return state
    delivered: date | None = None
    if state.strip().lower() in {s.lower() for s in spec.delivered_states}:
        if spec.delivered_at is None:
            raise roles.missing("status.delivered_at", spec.state, " (no delivered_at role to read the date from)")
        when = read.get("delivered_at") or roles.read("status.delivered_at", spec.delivered_at)
        delivered = read_date(when[0])
    judgement = checks.delivered_by(claim.value, delivered, today, tolerances)
    if judgement is not None:
        notebook.close(claim, Reading(delivered, step, roles.page.url, html, store_at=notebook.store_at), judgement)
    return state


@dataclass
class _Shopped:
    """What follow-up knows of the shop run a claim was made in; `problem` says why its claims
    cannot be judged (they then stay open, and follow-up says so once)."""

    profile: StoreProfile | None
    tolerances: Tolerances | None
    mail_dir: Path | None
    clock: StoreTime | None
    problem: str | None = None
    told: bool = False
    _store_now: datetime | None = None

    def store_now(self) -> datetime:
        """The store's time, read once per follow-up run (a test clock does not move meanwhile)."""
        assert self.clock is not None
        if self._store_now is None:
            self._store_now = self.clock.now()
        return self._store_now


class _Runs:
    """Claims to the runs they were made in, and each run's recorded context (cached)."""

    def __init__(self, ledger: Ledger, scenario: Scenario | None, mail_dir: Path | None,
                 profile: StoreProfile | None) -> None:
        self.ledger = ledger
        self.scenario = scenario
        self.mail_dir = mail_dir
        self.profile = profile
        self._run_of: dict[str, int] | None = None
        self._shopped: dict[int | None, _Shopped] = {}

    def run_of(self, claim: Claim) -> int | None:
        if self._run_of is None:
            query = getattr(self.ledger, "query", None)
            self._run_of = ({row["id"]: int(row["run_id"]) for row in query("SELECT id, run_id FROM claims")}
                            if query is not None else {})
        return self._run_of.get(claim.id) or self.ledger.record_run_of(claim.id)

    def of(self, claim: Claim) -> _Shopped:
        run_id = self.run_of(claim)
        if run_id not in self._shopped:
            self._shopped[run_id] = self._load(run_id)
        return self._shopped[run_id]

    def _load(self, run_id: int | None) -> _Shopped:
        runs = self.ledger.runs([run_id]) if run_id is not None else []
        run = runs[0] if runs else None
        params = run.params if run is not None else {}
        profile = (recorded_profile(run) if run is not None else None) or self.profile
        tolerances = (recorded_tolerances(run) if run is not None else None) or (
            self.scenario.tolerances if self.scenario is not None else None)
        folder = self.mail_dir or (Path(params["mail_dir"]) if params.get("mail_dir") else None) or (
            self.scenario.mail.dir if self.scenario is not None else None)
        problem = None
        if profile is None or tolerances is None:
            problem = (f"run {run_id} recorded no store profile or tolerances (an older keepword); its claims stay "
                       "open: give its scenario, `keepword follow-up SCENARIO`")
        clock = store_time(profile.clock, profile.base_url) if profile is not None else None
        return _Shopped(profile, tolerances, folder, clock, problem)


def follow_up(
    ledger: Ledger,
    *,
    scenario: Scenario | None = None,
    mail_dir: Path | None = None,
    profile_path: Path | None = None,
    progress: bool = True,
) -> ShopResult:
    """Close open delivery and e-mail claims; returns counts and the exit code (as `shop`).

    Each claim is judged with what its own shop run recorded; `scenario` and `profile_path` only
    stand in for runs that recorded nothing (older ledgers), and `mail_dir` overrides where the
    e-mails are looked for."""
    from keepword.profile import load_profile

    open_claims = ledger.open_claims(kinds=[ClaimKind.DELIVERY_DATE, ClaimKind.EMAIL, ClaimKind.ORDER_TOTAL])
    profile = load_profile(profile_path) if profile_path is not None else (
        scenario.profile() if scenario is not None else None)
    runs = _Runs(ledger, scenario, mail_dir, profile)
    with ledger.running("follow-up", scenario=str(scenario.path) if scenario and scenario.path else None,
                        params={"open_claims": len(open_claims)}) as run:
        journey = Journey("follow-up", shopper="follow-up")
        notebook = Notebook(journey, sink=lambda records: ledger.write(run.id, *records))
        deliveries = [c for c in open_claims if c.kind == ClaimKind.DELIVERY_DATE]
        emails = [c for c in open_claims if c.kind == ClaimKind.EMAIL]
        totals = [c for c in open_claims if c.kind == ClaimKind.ORDER_TOTAL
                  and any(e.kind == "note" and e.text == AWAITS_EMAIL for e in ledger.evidence(c.id))]
        for claim in emails:
            shopped = _judgeable(runs.of(claim), notebook)
            if shopped is None or not isinstance(claim.value, datetime):
                continue
            _judge_email_arrival(claim, shopped, notebook)
        for claim in totals:
            shopped = _judgeable(runs.of(claim), notebook)
            if shopped is not None:
                _judge_email_total(claim, shopped, notebook)
        notebook.flush()
        if deliveries:
            _follow_deliveries(deliveries, notebook, runs)
        notebook.flush()
    counts = notebook.counts
    still_open = len(ledger.open_claims(kinds=[ClaimKind.DELIVERY_DATE, ClaimKind.EMAIL]))
    still_open += sum(1 for c in ledger.open_claims(kinds=[ClaimKind.ORDER_TOTAL]) if c in totals)
    return ShopResult(run.id, counts["kept"], counts["broken"], len(notebook.failures), open=still_open,
                      inconclusive=counts["inconclusive"], findings=list(notebook.findings),
                      harness_messages=[f.message for f in notebook.failures])


def _judgeable(shopped: _Shopped, notebook: Notebook) -> _Shopped | None:
    """The run's context if its claims can be judged; else say why (once per run) and None."""
    if shopped.problem is None:
        return shopped
    if not shopped.told:
        notebook.harness("follow-up", shopped.problem)
        shopped.told = True
    return None


def _judge_email_arrival(claim: Claim, shopped: _Shopped, notebook: Notebook) -> None:
    """The promised e-mail: arrived by its deadline, late, or not at all by now. E-mail
    deadlines are seconds to minutes after the order: judged on elapsed time (the machine's
    clock only measures the interval), which any store clock running at real speed agrees with."""
    from keepword.mail import Mailbox

    assert isinstance(claim.value, datetime)
    if shopped.mail_dir is None or not shopped.mail_dir.is_dir():
        return  # nowhere to look: the claim stays open rather than guessing
    found = Mailbox(shopped.mail_dir).find(subject_contains=claim.subject)
    message = found[0] if found else None
    judgement = checks.arrived_in_time(claim.value, message.received_at if message else None, now())
    if judgement is not None:
        seen = Reading(message.received_at if message else None, "follow-up",
                       None, message.text if message else None, source="email")
        notebook.close(claim, seen, judgement)


def _judge_email_total(claim: Claim, shopped: _Shopped, notebook: Notebook) -> None:
    """The total a late confirmation e-mail states, judged against the confirmation page."""
    from journeys.reading import Unreadable, read_email
    from keepword.mail import Mailbox

    profile = shopped.profile
    assert profile is not None and shopped.tolerances is not None
    if shopped.mail_dir is None or not shopped.mail_dir.is_dir() or profile.email is None:
        return
    found = Mailbox(shopped.mail_dir).find(subject_contains=claim.subject)
    if not found:
        return  # not come yet: the e-mail claim says whether that breaks a promise
    message = found[0]
    try:
        said = read_email(message.text, profile.email, profile.money)
    except Unreadable as exc:
        notebook.harness("follow-up", f"{message.path}: {exc}")
        return
    if said.total is None:
        raise HarnessError(f"{message.path}: no total in the e-mail")
    seen = Reading(said.total, "follow-up", None, message.text, source="email")
    notebook.close(claim, seen, checks.same_money(claim.value, said.total, shopped.tolerances))


def _follow_deliveries(claims: list[Claim], notebook: Notebook, runs: _Runs) -> None:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    from journeys.roles import Roles
    from keepword.browser import launch_args

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**launch_args())
        context = browser.new_context(service_workers="block")
        page = context.new_page()
        try:
            for claim in claims:
                shopped = _judgeable(runs.of(claim), notebook)
                if shopped is None or not claim.url or shopped.profile is None or shopped.profile.status is None:
                    continue
                profile, status = shopped.profile, shopped.profile.status
                assert shopped.tolerances is not None
                roles = Roles(page, profile.timeout_ms, str(profile.path or profile.name))
                try:
                    notebook.store_at = shopped.store_now()
                    page.goto(claim.url)
                    observe_delivery(roles, status, claim, notebook, shopped.tolerances,
                                     step="follow-up", today=notebook.store_at.date())
                except (HarnessError, PlaywrightError) as exc:
                    line = harness_line(exc, store="the store that took this order", advice=_GONE_ADVICE)
                    notebook.harness("follow-up", f"{line} ({claim.url})", url=claim.url)
                notebook.flush()
        finally:
            context.close()
            browser.close()
