"""Making a shopper: a guarded browser context and a fresh persona, shared by both runners."""

from __future__ import annotations

import random
from pathlib import Path
from typing import TYPE_CHECKING, Any

from journeys.base import load_hooks
from journeys.blocking import Blocker
from journeys.guard import Guard
from journeys.notebook import Notebook, Sink
from journeys.persona import make_persona
from journeys.target import Target
from keepword.profile import StoreProfile
from keepword.records import Journey
from keepword.scenario import Scenario

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

    from journeys.shopper import Shopper

__all__ = ["context_args", "customer_language", "new_context", "new_shopper", "visitor_options"]


def customer_language(scenario: Scenario, profile: StoreProfile) -> str:
    """The language keepword's visitors ask the store for (a BCP 47 tag, "en-GB"): the persona's
    locale, else the one the store writes money in. Browsers send it as Accept-Language, and
    stores that price or word by language answer by it, so every reader of the store (shopper,
    follow-up, catalogue as sent and rendered) asks in the same one."""
    return (scenario.persona.locale or profile.money.locale).replace("_", "-")


def visitor_options(profile: StoreProfile, language: str) -> dict[str, Any]:
    """Browser-context options every reader of the store shares (shopper, follow-up, the
    catalogue's rendered pages): its visitors' language and the store's time zone (the profile's
    `clock.timezone`: a page whose script writes "order within 2 hours for delivery tomorrow" must
    say what the store's customers see, not what the machine's TZ makes of it), and service
    workers blocked so that routes see every request (Playwright's miss what a worker handles)."""
    return {"service_workers": "block", "locale": language, "timezone_id": profile.clock.timezone}


def context_args(target: Target, scenario: Scenario) -> dict[str, Any]:
    """A shopper's browser-context options: `visitor_options` in the scenario's language, and
    the store's base URL for relative `goto`s."""
    return {**visitor_options(target.profile, customer_language(scenario, target.profile)),
            "base_url": target.base_url}


def new_context(browser: Browser, target: Target, scenario: Scenario) -> tuple[BrowserContext, Guard]:
    """A fresh, guarded context: cookies and basket of its own, one per journey."""
    context = browser.new_context(**context_args(target, scenario))
    context.set_default_timeout(target.profile.timeout_ms)
    Blocker(scenario.block, target.base_url).install(context)
    guard = Guard(scenario, target.profile)
    guard.install(context)  # last installed, first asked: the guard sees every request
    return context, guard


def new_shopper(
    page: Page,
    guard: Guard,
    *,
    target: Target,
    scenario: Scenario,
    journey: str,
    shopper: str,
    index: int,
    evidence_dir: Path,
    sink: Sink | None = None,
    kind: type[Shopper] | None = None,
) -> Shopper:
    """A shopper with its own persona, random stream and notebook, seeded from the scenario;
    `kind` is a Shopper subclass to make instead (`keepword walk`'s, which looks at each page)."""
    from journeys.shopper import Shopper

    seed = f"{scenario.seed}:{shopper}:{journey}:{index}"
    locale = scenario.persona.locale or target.profile.money.locale
    persona = make_persona(locale, scenario.persona.email_domain, seed)
    notebook = Notebook(Journey(journey, shopper=shopper), sink=sink)
    return (kind or Shopper)(page, target, scenario, persona, notebook, guard, random.Random(seed), evidence_dir,
                             hooks=load_hooks(target.profile.hooks, _folder(target.profile.path)))


def _folder(path: Path | None) -> Path | None:
    return path.resolve().parent if path is not None else None
