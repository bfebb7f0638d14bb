"""`keepword follow-up`: close the delivery and e-mail claims that shopping left open.

Days after a shop run the order-status pages say whether (and when) orders were delivered, and
the mail folder holds the e-mails that came late or not at all. Follow-up reads them for every
open `delivery_date` and `email` claim in the ledger and writes the verdicts in a run of its own
(claims keep the run they were made in; verdicts point to them by id).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from journeys import checks
from journeys.notebook import Notebook, Reading
from journeys.ordering import AWAITS_EMAIL
from journeys.reading import read_date
from journeys.result import ShopResult
from keepword.errors import harness_line
from keepword.kinds import ClaimKind
from keepword.ledger import Ledger
from keepword.profile import StatusPage
from keepword.records import Claim, Journey, now
from keepword.scenario import Scenario, Tolerances

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
    today: date | None = None,
    read: dict[str, tuple[str, str] | None] | None = None,
) -> str:
    """Read an order-status page (already open; `read` if its roles were read already) and
    close the delivery claim when it can be decided: delivered (on time or late), or overdue.
    Returns the status text."""
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
    judgement = checks.delivered_by(claim.value, delivered, today or datetime.now().date(), tolerances)
    if judgement is not None:
        notebook.close(claim, Reading(delivered, step, roles.page.url, html), judgement)
    return state


def _tolerances(ledger: Ledger, claim: Claim, scenario: Scenario | None, cache: dict[Any, Any]) -> Tolerances:
    if scenario is not None:
        return scenario.tolerances
    run_id = _run_of(ledger, claim, cache)
    if run_id not in cache:
        found = Tolerances()
        runs = ledger.runs([run_id]) if run_id is not None else []
        if runs and runs[0].scenario and Path(runs[0].scenario).exists():
            from keepword.scenario import load_scenario

            try:
                found = load_scenario(runs[0].scenario).tolerances
            except Exception:
                found = Tolerances()
        cache[run_id] = found
    return cache[run_id]  # type: ignore[no-any-return]


def follow_up(
    ledger: Ledger,
    *,
    scenario: Scenario | None = None,
    mail_dir: Path | None = None,
    profile_path: Path | None = None,
    progress: bool = True,
) -> ShopResult:
    """Close open delivery and e-mail claims; returns counts and the exit code (as `shop`)."""
    from keepword.mail import Mailbox
    from keepword.profile import load_profile

    open_claims = ledger.open_claims(kinds=[ClaimKind.DELIVERY_DATE, ClaimKind.EMAIL, ClaimKind.ORDER_TOTAL])
    profile = None
    if profile_path is not None:
        profile = load_profile(profile_path)
    elif scenario is not None:
        profile = scenario.profile()
    mail_dir = mail_dir or (scenario.mail.dir if scenario is not None else None)
    cache: dict[Any, Any] = {}
    with ledger.running("follow-up", scenario=str(scenario.path) if scenario and scenario.path else None,
                        params={"open_claims": len(open_claims)}) as run:
        journey = Journey("follow-up", shopper="follow-up")
        notebook = Notebook(journey, sink=lambda records: ledger.write(run.id, *records))
        deliveries = [c for c in open_claims if c.kind == ClaimKind.DELIVERY_DATE]
        emails = [c for c in open_claims if c.kind == ClaimKind.EMAIL]
        totals = [c for c in open_claims if c.kind == ClaimKind.ORDER_TOTAL
                  and any(e.kind == "note" and e.text == AWAITS_EMAIL for e in ledger.evidence(c.id))]
        for claim in emails:
            if not isinstance(claim.value, datetime):
                continue
            folder = mail_dir or _run_param(ledger, claim, cache, "mail_dir")
            if folder is None or not Path(folder).is_dir():
                continue  # nowhere to look: the claim stays open rather than guessing
            found = Mailbox(folder).find(subject_contains=claim.subject)
            message = found[0] if found else None
            judgement = checks.arrived_in_time(claim.value, message.received_at if message else None, now())
            if judgement is not None:
                seen = Reading(message.received_at if message else None, "follow-up",
                               None, message.text if message else None, source="email")
                notebook.close(claim, seen, judgement)
        for claim in totals:
            _judge_email_total(claim, notebook, ledger, scenario, profile, mail_dir, cache)
        notebook.flush()
        if deliveries:
            _follow_deliveries(deliveries, notebook, ledger, scenario, profile, cache, progress)
        notebook.flush()
    counts = notebook.counts
    still_open = len(ledger.open_claims(kinds=[ClaimKind.DELIVERY_DATE, ClaimKind.EMAIL]))
    still_open += sum(1 for c in ledger.open_claims(kinds=[ClaimKind.ORDER_TOTAL]) if c in totals)
    return ShopResult(run.id, counts["kept"], counts["broken"], len(notebook.failures), open=still_open,
                      inconclusive=counts["inconclusive"], findings=list(notebook.findings),
                      harness_messages=[f.message for f in notebook.failures])


def _judge_email_total(
    claim: Claim,
    notebook: Notebook,
    ledger: Ledger,
    scenario: Scenario | None,
    profile: Any,
    mail_dir: Path | None,
    cache: dict[Any, Any],
) -> None:
    """The total a late confirmation e-mail states, judged against the confirmation page."""
    from journeys.reading import Unreadable, read_email
    from keepword.errors import HarnessError
    from keepword.mail import Mailbox
    from keepword.profile import load_profile

    folder = mail_dir or _run_param(ledger, claim, cache, "mail_dir")
    store_profile = profile or _profile_of(ledger, claim, cache, load_profile)
    if folder is None or not Path(folder).is_dir() or store_profile is None or store_profile.email is None:
        return
    found = Mailbox(folder).find(subject_contains=claim.subject)
    if not found:
        return  # not come yet: the e-mail claim says whether that breaks a promise
    message = found[0]
    try:
        said = read_email(message.text, store_profile.email, store_profile.money)
    except Unreadable as exc:
        notebook.harness("follow-up", f"{message.path}: {exc}")
        return
    if said.total is None:
        raise HarnessError(f"{message.path}: no total in the e-mail")
    seen = Reading(said.total, "follow-up", None, message.text, source="email")
    notebook.close(claim, seen, checks.same_money(claim.value, said.total, _tolerances(ledger, claim, scenario, cache)))


def _follow_deliveries(
    claims: list[Claim],
    notebook: Notebook,
    ledger: Ledger,
    scenario: Scenario | None,
    profile: Any,
    cache: dict[Any, Any],
    progress: bool,
) -> None:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    from journeys.roles import Roles
    from keepword.browser import launch_args
    from keepword.errors import HarnessError
    from keepword.profile import load_profile

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**launch_args())
        context = browser.new_context(service_workers="block")
        page = context.new_page()
        try:
            for claim in claims:
                if not claim.url:
                    continue
                store_profile = profile
                if store_profile is None:
                    store_profile = _profile_of(ledger, claim, cache, load_profile)
                if store_profile is None or store_profile.status is None:
                    continue
                roles = Roles(page, store_profile.timeout_ms, str(store_profile.path or store_profile.name))
                try:
                    page.goto(claim.url)
                    observe_delivery(roles, store_profile.status, claim, notebook,
                                     _tolerances(ledger, claim, scenario, cache), step="follow-up")
                except (HarnessError, PlaywrightError) as exc:
                    line = harness_line(exc, store="the store that took this order", advice=_GONE_ADVICE)
                    notebook.harness("follow-up", f"{line} ({claim.url})", url=claim.url)
                notebook.flush()
        finally:
            context.close()
            browser.close()


def _run_of(ledger: Ledger, claim: Claim, cache: dict[Any, Any]) -> int | None:
    """The run a claim was made in; one query for all claims where the ledger can do SQL."""
    if "runs_of" not in cache:
        query = getattr(ledger, "query", None)
        cache["runs_of"] = (
            {row["id"]: int(row["run_id"]) for row in query("SELECT id, run_id FROM claims")}
            if query is not None else None
        )
    if cache["runs_of"] is not None:
        return cache["runs_of"].get(claim.id)  # type: ignore[no-any-return]
    return ledger.record_run_of(claim.id)


def _run_param(ledger: Ledger, claim: Claim, cache: dict[Any, Any], name: str) -> Any:
    run_id = _run_of(ledger, claim, cache)
    key = ("run", run_id)
    if key not in cache:
        runs = ledger.runs([run_id]) if run_id is not None else []
        cache[key] = runs[0].params if runs else {}
    return cache[key].get(name)


def _profile_of(ledger: Ledger, claim: Claim, cache: dict[Any, Any], load_profile: Any) -> Any:
    path = _run_param(ledger, claim, cache, "profile")
    key = ("profile", path)
    if key not in cache:
        cache[key] = load_profile(path) if path and Path(path).exists() else None
    return cache[key]
