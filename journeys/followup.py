"""`keepword follow-up`: read every order again, days later, and close what shopping left open.

Days after a shop run the order-status pages say whether (and when) orders were delivered, and
the mail folder holds the e-mails that came late, or not at all, or later (a dispatch notice, a
tracking link). Follow-up revisits each order a journey placed, with the same page code the
shopper uses (`journeys.pages`): it rebuilds the journey's memory from the order note the
shopper left (`journeys.memory`), reads the order's e-mails and its status page, and judges what
they say now against what the pages said then (an order total edited after the order is seen
here), closes the delivery, e-mail and awaited-total claims, and checks "your order could not be
placed" against any order e-mail that came after all.

Everything it needs comes from the ledger: each shop run recorded its store profile, tolerances
and store (`keepword.recorded`), so moved or deleted YAML files change nothing. "Overdue" is
decided on the store's clock (`keepword.storetime`), read once per store, never on the machine's
date. Verdicts are written in a run of its own; claims keep the journey they belong to.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from journeys import checks
from journeys.memory import ORDER_NOTE, Memory
from journeys.notebook import Notebook, Reading
from journeys.pages.email import (
    AWAITS_EMAIL,
    find_order_mail,
    judge_email,
    names_order,
    subject_pattern,
)
from journeys.pages.status import observe_delivery
from journeys.result import ShopResult
from keepword.browser import describe
from keepword.errors import HarnessError, KeepwordError, harness_line
from keepword.kinds import ClaimKind
from keepword.ledger import Ledger
from keepword.profile import StoreProfile
from keepword.recorded import (
    recorded_browsing,
    recorded_profile,
    recorded_store,
    recorded_tolerances,
)
from keepword.records import Claim, Journey, now
from keepword.scenario import BlockSettings, PersonaSettings, Scenario, Tolerances
from keepword.storetime import FixedTime, StoreTime, store_time

if TYPE_CHECKING:
    from playwright.sync_api import Browser

__all__ = ["REVISITED", "follow_up", "observe_delivery"]

# The note follow-up leaves on a journey whose order it read again.
REVISITED = "revisited by follow-up"
# what a refused status page says after the store's name: the usual reason, and the way out
_GONE_ADVICE = ("Start it again (a demo store `keepword shop` started itself stops with its run; "
                "`keepword demo` shops and follows up in one go)")


@dataclass
class _Shopped:
    """What follow-up knows of the shop run a claim was made in; `problem` says why its claims
    cannot be judged (they then stay open, and follow-up says so once)."""

    profile: StoreProfile | None
    tolerances: Tolerances | None
    mail_dir: Path | None
    base_url: str | None
    clock: StoreTime | None
    problem: str | None = None
    locale: str | None = None  # the persona's, as the run recorded it (None: the profile's money locale)
    block: BlockSettings | None = None
    told: bool = False
    _store_now: datetime | None = None

    def store_now(self) -> datetime:
        """The store's time, read once per follow-up run (a test clock does not move meanwhile)."""
        assert self.clock is not None
        if self._store_now is None:
            self._store_now = self.clock.now()
        return self._store_now


class _Runs:
    """Records to the runs they were written in, and each shop run's recorded context (cached)."""

    def __init__(self, ledger: Ledger, scenario: Scenario | None, mail_dir: Path | None,
                 profile: StoreProfile | None) -> None:
        self.ledger = ledger
        self.scenario = scenario
        self.mail_dir = mail_dir
        self.profile = profile
        self._run_of: dict[str, int] = {}
        query = getattr(ledger, "query", None)
        if query is not None:
            for table in ("claims", "journeys"):
                self._run_of.update({row["id"]: int(row["run_id"]) for row in query(f"SELECT id, run_id FROM {table}")})
        self._shopped: dict[int | None, _Shopped] = {}

    def of(self, record_id: str) -> _Shopped:
        run_id = self._run_of.get(record_id) or self.ledger.record_run_of(record_id)
        if run_id not in self._shopped:
            self._shopped[run_id] = self._load(run_id)
        return self._shopped[run_id]

    def _load(self, run_id: int | None) -> _Shopped:
        runs = self.ledger.runs([run_id]) if run_id is not None else []
        run = runs[0] if runs else None
        params = run.params if run is not None else {}
        profile = (recorded_profile(run) if run is not None else None) or self.profile
        if profile is not None and profile.path is None and params.get("profile"):
            # where the profile was: its hooks (`hooks: module:Class`) are imported from its folder
            profile = profile.model_copy(update={"path": Path(params["profile"])})
        tolerances = (recorded_tolerances(run) if run is not None else None) or (
            self.scenario.tolerances if self.scenario is not None else None)
        folder = self.mail_dir or (Path(params["mail_dir"]) if params.get("mail_dir") else None) or (
            self.scenario.mail.dir if self.scenario is not None else None)
        base_url = (recorded_store(run).get("base_url") if run is not None else None) or (
            profile.base_url if profile is not None else None)
        problem = None
        if profile is None or tolerances is None:
            problem = (f"run {run_id} recorded no store profile or tolerances (an older keepword); its claims stay "
                       "open: give its scenario, `keepword follow-up SCENARIO`")
        clock = store_time(profile.clock, base_url) if profile is not None else None
        locale, block = recorded_browsing(run) if run is not None else (None, None)
        if block is None and self.scenario is not None:  # a run that recorded neither: the scenario given
            locale, block = self.scenario.persona.locale, self.scenario.block
        return _Shopped(profile, tolerances, folder, base_url, clock, problem, locale=locale, block=block)


@dataclass
class _Order:
    """One order to read again: its journey, the memory its note restores, its open claims."""

    journey: Journey
    memory: Memory
    shopped: _Shopped
    open: list[Claim]


def follow_up(
    ledger: Ledger,
    *,
    scenario: Scenario | None = None,
    mail_dir: Path | None = None,
    profile_path: Path | None = None,
    progress: bool = True,
) -> ShopResult:
    """Read every order again and close open claims; returns counts and the exit code (as `shop`).

    Each claim is judged with what its own shop run recorded; `scenario` and `profile_path` only
    stand in for runs that recorded nothing (older ledgers), and `mail_dir` overrides where the
    e-mails are looked for. An order is read again while any of its claims is open, and once
    more after that (so an order edited after it was placed is seen at the next follow-up)."""
    from keepword.profile import load_profile

    profile = load_profile(profile_path) if profile_path is not None else (
        scenario.profile() if scenario is not None else None)
    runs = _Runs(ledger, scenario, mail_dir, profile)
    open_claims = ledger.open_claims(kinds=[ClaimKind.DELIVERY_DATE, ClaimKind.EMAIL, ClaimKind.ORDER_TOTAL,
                                            ClaimKind.ORDER_PLACED])
    orders = _orders(ledger, runs, open_claims)
    with ledger.running("follow-up", scenario=str(scenario.path) if scenario and scenario.path else None,
                        params={"open_claims": len(open_claims), "orders": len(orders),
                                "browser": describe() if orders else None}) as run:
        def sink(records: list[Any]) -> None:
            ledger.write(run.id, *records)

        general = Notebook(Journey("follow-up", shopper="follow-up"), sink=sink, record_journey=False)
        notebooks = [general]
        for claim in open_claims:
            if claim.kind == ClaimKind.ORDER_PLACED:
                shopped = _judgeable(runs.of(claim.id), general)
                if shopped is not None:
                    _judge_not_placed(claim, shopped, general)
        general.flush()
        if orders:
            # e-mails some journey or follow-up has read already (each is judged once), by file
            # name: unique per message, where the path is as each run named its mail folder
            # (a shop run's `keepword-data/mail/...`, follow-up's resolved one)
            judged = {PurePath(o.url).name for o in ledger.observations() if o.source == "email" and o.url}
            evidence = ledger.folder / "evidence" / str(run.id)  # beside the ledger, as a shop run's
            with _browser() as browser:
                for order in orders:
                    notebook = Notebook(order.journey, sink=sink, record_journey=False)
                    notebooks.append(notebook)
                    if _judgeable(order.shopped, general) is not None:
                        with _order_shopper(order, browser, notebook, evidence) as shopper:
                            _revisit(order, shopper, notebook, ledger, judged)
                    notebook.flush()
                    general.flush()
    counts = {key: sum(n.counts[key] for n in notebooks) for key in ("kept", "broken", "inconclusive")}
    failures = [f for n in notebooks for f in n.failures]
    errors = [e for n in notebooks for e in n.store_errors]
    still_open = len(ledger.open_claims(kinds=[ClaimKind.DELIVERY_DATE, ClaimKind.EMAIL, ClaimKind.ORDER_PLACED]))
    still_open += sum(1 for c in ledger.open_claims(kinds=[ClaimKind.ORDER_TOTAL]) if c in open_claims)
    return ShopResult(run.id, counts["kept"], counts["broken"], len(failures), open=still_open,
                      inconclusive=counts["inconclusive"], store_errors=len(errors),
                      findings=[f for n in notebooks for f in n.findings],
                      harness_messages=[f.message for f in failures],
                      store_messages=[e.message for e in errors])


def _orders(ledger: Ledger, runs: _Runs, open_claims: list[Claim]) -> list[_Order]:
    """Orders to read again: those with open claims, and those no follow-up has read yet."""
    open_by_journey: dict[str, list[Claim]] = {}
    for claim in open_claims:
        if claim.journey_id and claim.kind != ClaimKind.ORDER_PLACED:
            open_by_journey.setdefault(claim.journey_id, []).append(claim)
    orders = []
    notes_of = _order_notes(ledger)
    for journey in ledger.journeys():
        if journey.name == "follow-up":
            continue
        notes = notes_of(journey.id)
        order_notes = [n for n in notes if n.startswith(ORDER_NOTE)]
        if not order_notes:
            continue
        mine = open_by_journey.get(journey.id, [])
        if REVISITED in notes and not mine:
            continue
        memory = Memory.from_order_note(order_notes[-1])
        memory.delivery_claim = next((c for c in mine if c.kind == ClaimKind.DELIVERY_DATE), None)
        orders.append(_Order(journey, memory, runs.of(journey.id), mine))
    return orders


def _order_notes(ledger: Ledger) -> Callable[[str], list[str]]:
    """The order and follow-up notes of each journey: in one query where the ledger takes SQL
    (a ledger of thousands of journeys), else journey by journey."""
    query = getattr(ledger, "query", None)
    if query is None:
        return lambda journey_id: [e.text or "" for e in ledger.evidence(journey_id) if e.kind == "note"]
    found: dict[str, list[str]] = {}
    for row in query("SELECT of_id, text FROM evidence WHERE kind = 'note' AND (text LIKE ? OR text = ?) "
                     "ORDER BY rowid", (ORDER_NOTE + "%", REVISITED)):
        found.setdefault(row["of_id"], []).append(row["text"])
    return lambda journey_id: found.get(journey_id, [])


def _judgeable(shopped: _Shopped, notebook: Notebook) -> _Shopped | None:
    """The run's context if its claims can be judged; else say why (once per run) and None."""
    if shopped.problem is None:
        return shopped
    if not shopped.told:
        notebook.harness("follow-up", shopped.problem)
        shopped.told = True
    return None


@contextmanager
def _browser() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    from keepword.browser import launch_args

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**launch_args())
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def _order_shopper(order: _Order, browser: Browser, notebook: Notebook, evidence: Path) -> Iterator[Any]:
    """A shopper for one order, as the journey left it: its profile, tolerances, e-mail address
    and memory, in a browser context of its own with the run's language and blocking, the store's
    time zone and the profile's hooks (as `keepword shop` gives each journey); it never places an
    order (follow-up has no allow-list, so the guard refuses every order request)."""
    from journeys.base import load_hooks
    from journeys.persona import Persona
    from journeys.session import new_context
    from journeys.shopper import Shopper
    from journeys.target import Target

    shopped = order.shopped
    assert shopped.profile is not None and shopped.tolerances is not None
    to = order.memory.email_to or ""
    domain = to.rsplit("@", 1)[-1] if "@" in to else "shoppers.example.test"
    scenario = Scenario(name="follow-up", store=Path(shopped.profile.path or "recorded-profile.yaml"),
                        persona=PersonaSettings(email_domain=domain, locale=shopped.locale),
                        block=shopped.block or BlockSettings(), tolerances=shopped.tolerances)
    target = Target(shopped.base_url or shopped.profile.base_url or "", shopped.profile, shopped.mail_dir)
    if shopped.clock is not None:
        target.clock = shopped.clock
    persona = Persona("", "", to, "", "", "", "", "", "")
    hooks = load_hooks(shopped.profile.hooks, shopped.profile.path.parent if shopped.profile.path else None)
    context, guard = new_context(browser, target, scenario)
    try:
        yield Shopper(context.new_page(), target, scenario, persona, notebook, guard, random.Random(0), evidence,
                      hooks=hooks, memory=order.memory)
    finally:
        context.close()


def _revisit(order: _Order, shopper: Any, notebook: Notebook, ledger: Ledger, judged: set[str]) -> None:
    """Read one order's e-mails and status page again and judge what they say."""
    from journeys.pages.status import read_status_page
    from journeys.stops import Stopped

    page = shopper.page
    shopper.step_name = "follow-up"
    shopper.unreachable = ("the store that took this order", _GONE_ADVICE)
    shopped, memory = order.shopped, order.memory
    try:
        _read_mail(order, shopper, notebook, judged, ledger)  # the mail folder needs no store
    except (HarnessError, KeepwordError) as exc:
        notebook.harness("follow-up", str(exc))
    profile = shopped.profile
    if not memory.status_url or profile is None or profile.status is None:
        notebook.note(order.journey.id, REVISITED)
        return
    try:
        store_now = shopped.store_now()
    except HarnessError as exc:
        line = harness_line(exc, store="the store that took this order", advice=_GONE_ADVICE)
        notebook.harness("follow-up", f"{line} ({memory.status_url})", url=memory.status_url)
        return
    shopper.target.clock = FixedTime(store_now, profile.clock.timezone)
    try:
        with shopper.step("follow-up"):
            page.goto(memory.status_url, wait_until=profile.wait_until)
            shopper.arrived()
            read = read_status_page(shopper, profile.status)
            delivery = memory.delivery_claim or next((c for c in order.open if c.kind == ClaimKind.DELIVERY_DATE), None)
            assert shopped.tolerances is not None and notebook.store_at is not None
            observe_delivery(shopper.roles, profile.status, delivery, notebook, shopped.tolerances,
                             step="follow-up", today=notebook.store_at.date(), read=read)
        notebook.note(order.journey.id, REVISITED)
    except (Stopped, HarnessError):
        pass  # a store error or a harness error, recorded by the step with its page


def _read_mail(order: _Order, shopper: Any, notebook: Notebook, judged: set[str], ledger: Ledger) -> None:
    """The order's e-mails: the promised confirmation (in time?), what each says that was not
    read before, and the total an awaited confirmation must keep."""
    from keepword.mail import Mailbox

    shopped, memory = order.shopped, order.memory
    fmt = shopped.profile.email if shopped.profile is not None else None
    if fmt is None or shopped.mail_dir is None or not shopped.mail_dir.is_dir() or not memory.email_to:
        return
    mailbox = Mailbox(shopped.mail_dir)
    for claim in order.open:
        if claim.kind == ClaimKind.EMAIL and isinstance(claim.value, datetime):
            message = find_order_mail(mailbox, fmt, to=memory.email_to, number=memory.order_number,
                                      since=memory.placed_at)
            judgement = checks.arrived_in_time(claim.value, message.received_at if message else None, now())
            if judgement is not None:
                seen = Reading(message.received_at if message else None, "follow-up", None,
                               message.text if message else None, source="email")
                notebook.close(claim, seen, judgement)
    number = memory.order_number
    mails = [m for m in mailbox.find(to=memory.email_to) if number and names_order(fmt, m, number)]
    for message in mails:
        where = message.path.as_posix()
        if message.path.name in judged:
            continue
        first = subject_pattern(fmt, memory.order_number).search(message.subject) is not None
        said = judge_email(shopper, message.text, where, confirmation=first)
        judged.add(message.path.name)
        for claim in order.open:
            awaited = claim.kind == ClaimKind.ORDER_TOTAL and said.total is not None and first
            if awaited and any(e.kind == "note" and e.text == AWAITS_EMAIL for e in ledger.evidence(claim.id)):
                seen = Reading(said.total, "follow-up", where, message.text, source="email")
                assert shopped.tolerances is not None
                notebook.close(claim, seen, checks.same_money(claim.value, said.total, shopped.tolerances))


def _judge_not_placed(claim: Claim, shopped: _Shopped, notebook: Notebook) -> None:
    """The store said an order could not be placed: an order e-mail to that address since then
    breaks that (the order exists after all); none by the e-mail deadline keeps it."""
    from keepword.mail import Mailbox

    profile, tolerances = shopped.profile, shopped.tolerances
    assert profile is not None and tolerances is not None
    if profile.email is None or shopped.mail_dir is None or not shopped.mail_dir.is_dir():
        return
    message = find_order_mail(Mailbox(shopped.mail_dir), profile.email, to=claim.subject, number=None,
                              since=claim.made_at - timedelta(seconds=5))
    if message is not None:
        seen = Reading(True, "follow-up", message.path.as_posix(), message.text, source="email")
        notebook.close(claim, seen, checks.Judgement(
            "broken", f"the store said the order could not be placed, then e-mailed {message.subject!r}"))
    elif now() > claim.made_at + timedelta(seconds=tolerances.email_within_seconds):
        notebook.close(claim, Reading(False, "follow-up", None, None, source="email"), checks.Judgement("kept"))
