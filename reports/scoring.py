"""Scoring what shoppers observed: promise-keeping rates, journey verdicts, the worst offenders.

The rules (DESIGN.md section 7), decided here and nowhere else:

* A claim's status is the outcome of its **latest** verdict (by `decided_at`, then by the order
  verdicts were written), whichever run wrote it: a follow-up run that closes a delivery claim
  made by an earlier shop run decides it. A claim with no verdict is **open**.
* rate = kept / (kept + broken), with a Wilson 95% interval (`keepword.stats.wilson`). Open and
  inconclusive claims and harness errors are counted and shown beside the rate, never mixed in.
  With nothing decided the rate is unknown (None), not 0 or 1.
* Store errors (the customer saw the store fail: an HTTP 5xx, an error page) are counted apart:
  a finding about the store, but not a promise, so never in a rate, and never mixed with
  harness errors (keepword's own trouble).
* A journey's verdict is the worst of its parts, in this order:
  broken > store_error > harness_error > inconclusive > open > kept (and "empty" for a journey
  that made no claim and hit no error). Findings about the store rank first, a broken promise
  before a store error because promises are what keepword is for; a harness error only says
  keepword could not see everything.
* Journeys are what shoppers walked: the bookkeeping journey a follow-up run writes its
  verdicts under is not one (its verdicts count for the shop journeys whose claims they close).
* A claim is decided at the step of its observation (where a promise broke, the page that
  showed it), an open claim sits at the step that made it: per-step tables group by that.
* The store of a claim is the `store` parameter of its run when the run recorded one, else the
  name in the store profile the run used (its `profile` parameter), else the host of the
  claim's URL, else the run's scenario.

Everything here reads the ledger through its public queries and returns plain dataclasses;
`reports.summary` turns them into the dicts that summary.json, the HTML and JUnit share.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from keepword.errors import BadInput
from keepword.ledger import Ledger
from keepword.records import Claim, HarnessFailure, Journey, Observation, Run, StoreError, Verdict
from keepword.stats import wilson

__all__ = [  # noqa: RUF022 - plain sorted(), as the public-API tests check
    "JOURNEY_ORDER",
    "JourneyScore",
    "MODEL_RUN_KINDS",
    "Rate",
    "Scorecard",
    "ScoredClaim",
    "ScoredFailure",
    "ScoredStoreError",
    "score",
    "select_runs",
]

MODEL_RUN_KINDS = frozenset({"simulate", "sweep"})
FOLLOW_UP_KINDS = frozenset({"follow-up"})

# Worst first: a journey takes the first of these that any of its parts has.
JOURNEY_ORDER = ("broken", "store_error", "harness_error", "inconclusive", "open", "kept", "empty")


@dataclass(frozen=True, slots=True)
class Rate:
    """Counts of claim statuses and the keeping rate they give."""

    kept: int = 0
    broken: int = 0
    inconclusive: int = 0
    open: int = 0

    @classmethod
    def of(cls, statuses: Iterable[str]) -> Rate:
        counts = {"kept": 0, "broken": 0, "inconclusive": 0, "open": 0}
        for status in statuses:
            counts[status] += 1
        return cls(**counts)

    @property
    def decided(self) -> int:
        return self.kept + self.broken

    @property
    def claims(self) -> int:
        return self.kept + self.broken + self.inconclusive + self.open

    @property
    def rate(self) -> float | None:
        return self.kept / self.decided if self.decided else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson(self.kept, self.decided) if self.decided else None

    def __repr__(self) -> str:
        rate = "n/a" if self.rate is None else f"{self.rate:.3f}"
        return f"<Rate {rate} kept={self.kept} broken={self.broken} open={self.open}>"


@dataclass(frozen=True, slots=True)
class ScoredClaim:
    """A claim with the run that made it, its latest verdict and where it came from."""

    claim: Claim
    run_id: int
    store: str
    verdict: Verdict | None
    observation: Observation | None

    @property
    def status(self) -> str:
        return self.verdict.outcome if self.verdict is not None else "open"

    @property
    def decided_step(self) -> str:
        """Where the claim was decided (the observation's step: for a broken promise, where it
        broke), or where it was made while it is open."""
        if self.observation is not None and self.observation.step:
            return self.observation.step
        return self.claim.step or self.claim.source

    def __repr__(self) -> str:
        return f"<ScoredClaim {self.claim.kind} {self.claim.subject} {self.status}>"


@dataclass(frozen=True, slots=True)
class ScoredFailure:
    """A harness failure with the run that hit it."""

    failure: HarnessFailure
    run_id: int

    def __repr__(self) -> str:
        return f"<ScoredFailure run={self.run_id} {self.failure.step}>"


@dataclass(frozen=True, slots=True)
class ScoredStoreError:
    """A store error (the customer saw the store fail) with the run that met it."""

    error: StoreError
    run_id: int

    def __repr__(self) -> str:
        return f"<ScoredStoreError run={self.run_id} {self.error.step} {self.error.status or ''}>"


@dataclass(slots=True)
class JourneyScore:
    """One journey, its claims and harness failures, and the worst of them as its verdict."""

    journey: Journey
    run_id: int
    claims: list[ScoredClaim] = field(default_factory=list)
    failures: list[ScoredFailure] = field(default_factory=list)
    skipped: str | None = None  # why it stopped short on purpose (checkout where orders are not allowed)
    store_errors: list[ScoredStoreError] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        present = {c.status for c in self.claims}
        if self.failures:
            present.add("harness_error")
        if self.store_errors:
            present.add("store_error")
        for outcome in JOURNEY_ORDER:
            if outcome in present:
                return outcome
        return "empty"

    @property
    def rate(self) -> Rate:
        return Rate.of(c.status for c in self.claims)

    def __repr__(self) -> str:
        return f"<JourneyScore {self.journey.name} {self.outcome}>"


@dataclass(slots=True)
class Scorecard:
    """Everything shoppers observed in the chosen runs, scored."""

    runs: list[Run]
    claims: list[ScoredClaim]
    failures: list[ScoredFailure]
    journeys: list[JourneyScore]
    store_errors: list[ScoredStoreError] = field(default_factory=list)

    @property
    def overall(self) -> Rate:
        return Rate.of(c.status for c in self.claims)

    def by(self, key: Callable[[ScoredClaim], str]) -> dict[str, Rate]:
        """Rates grouped by `key`, keys sorted."""
        groups: dict[str, list[str]] = defaultdict(list)
        for c in self.claims:
            groups[key(c)].append(c.status)
        return {k: Rate.of(groups[k]) for k in sorted(groups)}

    def by_kind(self) -> dict[str, Rate]:
        return self.by(lambda c: c.claim.kind)

    def by_store(self) -> dict[str, Rate]:
        return self.by(lambda c: c.store)

    def by_step(self) -> dict[str, Rate]:
        """Rates per step where claims were decided (see the module's rules)."""
        return self.by(lambda c: c.decided_step)

    def by_run(self) -> dict[int, Rate]:
        """The trend: claims grouped by the run that made them, runs in order."""
        groups: dict[int, list[str]] = defaultdict(list)
        for c in self.claims:
            groups[c.run_id].append(c.status)
        return {run_id: Rate.of(groups[run_id]) for run_id in sorted(groups)}

    @property
    def unfinished(self) -> list[Run]:
        """Runs keepword could not complete (failed, interrupted, or incomplete: killed, or on a
        machine where that cannot be told): whatever they recorded is scored, and each counts as
        one harness error of its own, so that a run cut off after a few kept promises never reads
        as a clean pass."""
        return [r for r in self.runs if r.status not in ("complete", "running")]

    @property
    def running(self) -> list[Run]:
        """Runs still going when the ledger was read (their process alive on this machine): what
        they recorded so far is scored, but they are no harness error, only not over yet."""
        return [r for r in self.runs if r.status == "running"]

    @property
    def harness_errors(self) -> int:
        """The harness failures recorded, plus one for each run keepword could not complete."""
        return len(self.failures) + len(self.unfinished)

    def failures_by_step(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for f in self.failures:
            out[f.failure.step] += 1
        return dict(out)

    def broken(self) -> list[ScoredClaim]:
        """Broken claims, oldest decision first."""
        found = [c for c in self.claims if c.status == "broken"]
        return sorted(found, key=lambda c: (c.verdict.decided_at if c.verdict else c.claim.made_at))

    def journey_outcomes(self) -> dict[str, int]:
        counts = dict.fromkeys(JOURNEY_ORDER, 0)
        for j in self.journeys:
            counts[j.outcome] += 1
        return counts

    def __repr__(self) -> str:
        return f"<Scorecard runs={len(self.runs)} claims={len(self.claims)} {self.overall!r}>"


def select_runs(ledger: Ledger, run_ids: Sequence[int] | None) -> list[Run]:
    """The runs to report on: the given ids (all must exist), or every run in the ledger."""
    if run_ids is None or len(run_ids) == 0:
        return ledger.runs()
    wanted = list(dict.fromkeys(int(r) for r in run_ids))
    # An id SQLite cannot hold (over 2**63 - 1) names no run: say so, as for any other.
    found = ledger.runs([r for r in wanted if -(2**63) <= r < 2**63])
    missing = sorted(set(wanted) - {r.id for r in found})
    if missing:
        known = ", ".join(str(r.id) for r in ledger.runs()) or "none yet"
        raise BadInput(
            f"no run {', '.join(map(str, missing))} in {ledger.path} (runs there: {known}); "
            "see `keepword runs`"
        )
    return found


def _store_of(claim: Claim, run: Run) -> str:
    """The store's name as the run recorded it (keepword.recorded), never re-read from a profile
    file that may have moved since; else the page's host."""
    params = run.params if isinstance(run.params, dict) else {}
    store = params.get("store")
    if isinstance(store, dict) and store.get("name"):
        return str(store["name"])
    if isinstance(store, str) and store:
        return store
    if claim.url:
        host = urlsplit(claim.url).netloc
        if host:
            return host
    return run.scenario or "unknown"


def _latest_verdicts(verdicts: list[Verdict]) -> dict[str, Verdict]:
    """The latest verdict per claim: by decision time, then by the order they were written."""
    latest: dict[str, tuple[tuple[datetime, int], Verdict]] = {}
    for order, v in enumerate(verdicts):
        key = (v.decided_at, order)
        held = latest.get(v.claim_id)
        if held is None or key > held[0]:
            latest[v.claim_id] = (key, v)
    return {claim_id: v for claim_id, (_, v) in latest.items()}


def score(ledger: Ledger, runs: list[Run]) -> Scorecard:
    """Score the claims, journeys and harness failures written by the shopper runs in `runs`.

    Model runs (simulate, sweep) are left to `reports.model`: their tallies are predictions and
    are never summed with what shoppers saw.
    """
    shop_runs = [r for r in runs if r.kind not in MODEL_RUN_KINDS]
    claims: list[tuple[Claim, Run]] = []
    failures: list[ScoredFailure] = []
    store_errors: list[ScoredStoreError] = []
    journeys: dict[str, JourneyScore] = {}
    for run in shop_runs:
        for claim in ledger.claims([run.id]):
            claims.append((claim, run))
        for failure in ledger.harness_failures([run.id]):
            failures.append(ScoredFailure(failure, run.id))
        for error in ledger.store_errors([run.id]):
            store_errors.append(ScoredStoreError(error, run.id))
        if run.kind in FOLLOW_UP_KINDS:
            continue
        for journey in ledger.journeys([run.id]):
            skips = [e.text for e in ledger.evidence(journey.id) if e.kind == "skipped"]
            journeys[journey.id] = JourneyScore(journey, run.id, skipped=skips[0] if skips else None)

    latest = _latest_verdicts(ledger.verdicts()) if claims else {}
    observations = {o.id: o for o in ledger.observations()} if claims else {}
    scored = []
    for claim, run in claims:
        verdict = latest.get(claim.id)
        observation = (
            observations.get(verdict.observation_id)
            if verdict is not None and verdict.observation_id
            else None
        )
        scored.append(ScoredClaim(claim, run.id, _store_of(claim, run), verdict, observation))

    for sc in scored:
        if sc.claim.journey_id in journeys:
            journeys[sc.claim.journey_id].claims.append(sc)
    for sf in failures:
        if sf.failure.journey_id in journeys:
            journeys[sf.failure.journey_id].failures.append(sf)
    for se in store_errors:
        if se.error.journey_id in journeys:
            journeys[se.error.journey_id].store_errors.append(se)
    return Scorecard(runs=runs, claims=scored, failures=failures, journeys=list(journeys.values()),
                     store_errors=store_errors)
