"""`keepword walk`: one shopper walks a live store by its profile, page by page, and says what
every role matched, read and meant, with an annotated screenshot per page.

The walk runs the shopper's own pages (`journeys.pages`: the same reading, actions and waits as
`keepword shop`), with a notebook that keeps its records to itself (nothing is written to a
ledger), and after each step looks at every role of the page it ended on (`probe.look`); a role
that matched nothing or cannot be read gets suggestions (`suggest`). The shipping picker is
looked at before a method is chosen. The order is placed only with `place=True` on a host the
scenario allows orders on; the network guard is installed either way. A step the store failed
(HTTP 5xx, a declared error page) is reported as the store's, and its page's roles are not
blamed.

Exit codes as the other commands: 0 every role found, 1 the store failed or broke a promise on
the way, 2 bad input, 3 a role missing or unreadable, or a step keepword could not do, 4 the
walk stopped where orders or cards are not allowed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from journeys.shopper import Shopper
from journeys.tooling.looks import PAGES, look_email, look_one, look_page
from journeys.tooling.probe import Look, overlay
from keepword.errors import BadInput, HarnessError, UnsafeAction
from keepword.scenario import Scenario, host_allowed

if TYPE_CHECKING:
    from journeys.tooling.scan import Spot

__all__ = ["PageWalk", "WalkResult", "walk"]


@dataclass
class PageWalk:
    """One page of the walk: where it was, what each role matched, the screenshot, and how the
    step ended (an outcome, keepword's failure, or the store's)."""

    name: str
    url: str = ""
    status: int | None = None
    title: str = ""
    looks: list[Look] = field(default_factory=list)
    screenshot: str | None = None
    labels: int = 0
    outcome: str | None = None
    failure: str | None = None
    store_error: str | None = None
    notes: list[str] = field(default_factory=list)
    fields: list[Spot] = field(default_factory=list)
    visited: list[str] = field(default_factory=list)  # the pages a checkout went through

    @property
    def problems(self) -> list[Look]:
        return [] if self.store_error else [look for look in self.looks if look.problem]

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "url": self.url, "status": self.status, "title": self.title,
                "screenshot": self.screenshot, "labels": self.labels, "outcome": self.outcome,
                "failure": self.failure, "store_error": self.store_error, "notes": self.notes,
                "roles": [look.as_dict() for look in self.looks], "visited": self.visited,
                "fields": [{"css": f.css, "text": f.text, **{k: v for k, v in f.info.items() if k != "rect"}}
                           for f in self.fields]}


@dataclass
class WalkResult:
    """The whole walk: its pages, what it could not reach and why, broken promises seen on the
    way (often a role reading the wrong element), and whether an order was placed."""

    base_url: str
    out: Path
    pages: list[PageWalk] = field(default_factory=list)
    not_walked: list[str] = field(default_factory=list)
    stopped: str | None = None
    guard_stop: str | None = None
    findings: list[str] = field(default_factory=list)
    placed: bool = False
    allowed: list[str] = field(default_factory=list)

    @property
    def looks(self) -> list[Look]:
        return [look for page in self.pages for look in page.looks]

    @property
    def problems(self) -> list[Look]:
        return [look for page in self.pages for look in page.problems]

    @property
    def store_errors(self) -> list[str]:
        return [page.store_error for page in self.pages if page.store_error]

    @property
    def failed(self) -> bool:
        return any(page.failure for page in self.pages)

    @property
    def exit_code(self) -> int:
        if self.problems or self.failed:
            return 3
        if self.store_errors or self.findings:
            return 1
        if self.guard_stop:
            return 4
        return 0

    def as_dict(self) -> dict[str, Any]:
        return {"base_url": self.base_url, "exit_code": self.exit_code, "placed": self.placed,
                "stopped": self.stopped, "guard_stop": self.guard_stop, "not_walked": self.not_walked,
                "findings": self.findings, "allow_orders_on": self.allowed,
                "pages": [page.as_dict() for page in self.pages]}


@dataclass
class WalkingShopper(Shopper):
    """The shopper, looking at the shipping picker before it chooses, noting each page the
    checkout passes through, and taking no evidence screenshots (the walk takes its own)."""

    walker: Walker | None = None

    def screenshot(self, label: str) -> str | None:
        return None

    def arrived(self) -> None:
        super().arrived()
        if self.walker is not None and self.walker.checkout is not None:
            self.walker.checkout.visited.append(self.page.url)

    def choose_shipping(self, strategy: str = "first") -> str:
        from journeys.pages.shipping import choose_shipping, open_options

        open_options(self)
        if self.walker is not None:
            self.walker.look("shipping", wait=True)
        return choose_shipping(self, strategy, opened=True)


class Walker:
    """Looks at pages for one walk and keeps them; `look` is called after each step."""

    def __init__(self, shopper: WalkingShopper, result: WalkResult) -> None:
        self.shopper = shopper
        self.result = result
        self.checkout: PageWalk | None = None

    def __repr__(self) -> str:
        return f"<Walker {len(self.result.pages)} pages>"

    def look(self, name: str, *, wait: bool = False, into: PageWalk | None = None,
             outcome: str | None = None, failure: str | None = None, store_error: str | None = None) -> PageWalk:
        """Look at every role the page `name` has in the profile, on the page shown now; draw
        them; screenshot it. A failed step's page also gets its fields, buttons and messages."""
        from playwright.sync_api import Error as PlaywrightError

        shopper = self.shopper
        walked = into or PageWalk(name)
        if into is None:
            self.result.pages.append(walked)
        walked.outcome = outcome or walked.outcome
        walked.failure = failure or walked.failure
        walked.store_error = store_error or walked.store_error
        try:
            walked.url, walked.title = shopper.page.url, shopper.page.title()
        except PlaywrightError:
            walked.url = shopper.page.url
        last = shopper.watch.last_document()
        walked.status = last.status if last is not None else None
        if walked.status is not None and 400 <= walked.status < 500:
            walked.notes.append(f"the store answered HTTP {walked.status} for this page: is its URL in the profile right?")
        boxes: list[tuple[list[float], str, str]] = []
        try:
            if walked.store_error:
                pass  # the store failed: what its error page lacks says nothing about the profile
            elif name in PAGES:
                walked.looks.extend(look_page(shopper, name, boxes, wait=wait))
            elif name == "email":
                walked.looks.extend(look_email(shopper))
                if walked.looks and walked.looks[0].labels:
                    message, *lines = walked.looks[0].labels
                    walked.notes.append(f"the e-mail ({message}), its lines with numbers or order words, to write "
                                        "email: patterns from:\n    " + "\n    ".join(lines))
            for says_name, says in _outcomes(shopper, name):
                if says is None or says.find is None:
                    continue
                seen = look_one(shopper, f"product.{says_name}", says.find)
                if seen.count or (says_name == "added" and walked.failure and "shows neither" in walked.failure):
                    walked.looks.append(seen)
                boxes += [(r, says_name, "outcome") for r in seen.rects[:1]]
            if walked.failure is not None and name not in PAGES and "shows neither" not in walked.failure:
                _look_around(shopper, walked, boxes)  # (an outcome not recognised gets its hint instead)
        except PlaywrightError as exc:
            walked.notes.append(f"could not look at the page: {str(exc).strip().splitlines()[0]}")
        index = self.result.pages.index(walked) + 1
        path = self.result.out / f"{index:02d}-{name}.png"
        try:
            walked.labels = overlay(shopper.page, boxes, str(path))
            walked.screenshot = str(path)
        except PlaywrightError as exc:
            walked.notes.append(f"no screenshot: {str(exc).strip().splitlines()[0]}")
        return walked


def _outcomes(shopper: Shopper, name: str) -> list[tuple[str, Any]]:
    profile = shopper.profile
    if name == "add":
        return [("added", profile.product.added), ("refused", profile.product.refused)]
    return []


def _look_around(shopper: Shopper, walked: PageWalk, boxes: list[tuple[list[float], str, str]]) -> None:
    """The page a step (adding, the checkout, placing) stopped on: its messages, fields and
    buttons, each boxed with its CSS path, so the next action can be written from the
    screenshot."""
    from journeys.tooling import scan

    walked.fields = [*scan.alerts(shopper.page), *scan.fields(shopper.page), *scan.buttons(shopper.page, r"\w")[:10]]
    for spot in walked.fields:
        if spot.info.get("rect"):
            boxes.append((spot.info["rect"], spot.css, "row"))


def load_walk_source(path: Path) -> tuple[Scenario, bool]:
    """A scenario, or a profile wrapped in a one-shopper scenario (orders allowed on loopback
    hosts only, as for `pytest journeys/ --store`); the flag says which it was."""
    from keepword.loading import load_document
    from keepword.scenario import load_scenario, scenario_for_profile

    data = load_document(path).data
    if not isinstance(data, dict):
        raise BadInput(f"{path}:1: expected a scenario or a store profile (a mapping of keys)")
    if "store" in data and "persona" in data:
        scenario = load_scenario(path)
        scenario.profile()
        return scenario, True
    if "listing" in data or "safety" in data:
        from keepword.profile import load_profile

        load_profile(path)
        return scenario_for_profile(path, quantity=(1, 2)), False
    raise BadInput(f"{path}:1: cannot tell what this file is: give a scenario (with `store:` and `persona:`) "
                   "or a store profile (with `listing:` and `safety:`)")


def walk(source: Path, *, out: Path, base_url: str | None = None, place: bool = False,
         progress: Callable[[str], None] | None = None) -> WalkResult:
    """Walk the store of `source` (a scenario or a profile) page by page; see the module
    docstring. Screenshots and walk.json go into `out`."""
    from playwright.sync_api import sync_playwright

    from journeys.session import new_context, new_shopper
    from journeys.target import open_target
    from keepword.browser import launch_args

    scenario, _ = load_walk_source(source)
    profile = scenario.profile()
    earlier = _earlier_screenshots(out)
    out.mkdir(parents=True, exist_ok=True)
    mail_dir = scenario.mail.dir or (out / "mail" if profile.demo_store and not (base_url or profile.base_url) else None)
    with ExitStack() as stack:
        target = stack.enter_context(open_target(profile, base_url=base_url or scenario.base_url,
                                                 mail_dir=mail_dir, work_dir=out))
        host = target.base_url.split("/")[2].rsplit(":", 1)[0].strip("[]")
        if place and not host_allowed(host, scenario.allow_orders_on):
            raise BadInput(f"--place: orders are not allowed on {host}: it is not in allow_orders_on of "
                           f"{scenario.path or source}; walk without --place, or give a scenario that allows it")
        for name in earlier:  # the walk goes ahead: its screenshots replace the earlier walk's
            (out / name).unlink(missing_ok=True)
        result = WalkResult(target.base_url, out, allowed=list(scenario.allow_orders_on))
        playwright = stack.enter_context(sync_playwright())
        browser = playwright.chromium.launch(**launch_args())
        stack.callback(browser.close)
        context, guard = new_context(browser, target, scenario)
        page = context.new_page()
        shopper = new_shopper(page, guard, target=target, scenario=scenario, journey="walk", shopper="walk",
                              index=0, evidence_dir=out, kind=WalkingShopper)
        assert isinstance(shopper, WalkingShopper)
        walker = Walker(shopper, result)
        shopper.walker = walker
        _walk_steps(shopper, walker, result, place=place, progress=progress or (lambda name: None))
        result.findings = [str(f) for f in shopper.notebook.findings]
    _write_json(result)
    return result


def _walk_steps(shopper: WalkingShopper, walker: Walker, result: WalkResult, *, place: bool,
                progress: Callable[[str], None]) -> None:
    from journeys.stops import Stopped, StoreFailed

    quantity = max(shopper.scenario.quantity[0], min(2, shopper.scenario.quantity[1]))
    steps: list[tuple[str, Callable[[], Any]]] = [
        ("listing", shopper.browse),
        ("product", shopper.open_product),
        ("add", lambda: shopper.add_to_basket(quantity)),
        ("basket", shopper.read_basket),
        ("checkout", shopper.checkout),
        ("preview", shopper.read_preview),
    ]
    if place:
        steps += [("place", shopper.place_order), ("confirmation", shopper.read_confirmation),
                  ("email", shopper.wait_for_email), ("status", shopper.read_status)]
    names = [name for name, _ in steps]
    for index, (name, step) in enumerate(steps):
        progress(name)
        into = None
        if name == "checkout":
            into = walker.checkout = PageWalk("checkout")
            result.pages.append(into)
        try:
            outcome = step()
        except StoreFailed:
            errors = shopper.notebook.store_errors
            said = errors[-1].message if errors else "the store failed"
            walker.look(name, into=into, store_error=said.split("; ")[0] if said.startswith("the store answered") else said)
            result.stopped = f"the store failed at {name}"
        except UnsafeAction as exc:
            page = walker.look(name, into=into)
            page.notes.append(str(exc))
            result.guard_stop = str(exc)
            result.stopped = f"keepword's network guard stopped the walk at {name}"
        except Stopped as exc:
            page = walker.look(name, into=into, failure=f"the store refused to go on: {exc}")
            page.notes.append("walk again: another product is chosen at random")
            result.stopped = f"the store refused to go on at {name}"
        except HarnessError as exc:
            page = walker.look(name, into=into, failure=re.sub(r" \(step [\w-]+; screenshot: None\)$", "", exc.message))
            if "shows neither" in exc.message:
                page.notes.append(_outcome_hint(shopper, name))
            result.stopped = f"keepword could not go on at {name}"
        else:
            walker.checkout = None if name == "checkout" else walker.checkout
            if name == "status" and outcome is None:  # no status page known (its link comes later, by e-mail)
                result.not_walked.append("status")
                continue
            walker.look(name, into=into, outcome=_outcome_text(shopper, name, outcome))
            continue
        result.not_walked = names[index + 1:]
        return
    if not place:
        result.not_walked = ["place", "confirmation", "email", "status"]
        result.stopped = "no order placed (walk with --place, on a scenario that allows orders on this host, to go on)"
    else:
        result.placed = True


def _outcome_hint(shopper: Shopper, name: str) -> str:
    """What the page shows now, as the `placed:`/`added:` that would say so."""
    from journeys.tooling.draftpreview import here

    key = "preview.placed" if name == "place" else "product.added"
    heading = shopper.page.locator("h1").first
    words = heading.inner_text().strip() if heading.count() else ""
    text = f" or {{text: '{re.escape(words[:40]).replace(chr(92) + ' ', ' ')}'}}" if words else ""
    return f"if this page is the outcome, try {key}: {{url: '{here(shopper.page.url)}'}}{text}"


def _outcome_text(shopper: Shopper, name: str, outcome: Any) -> str | None:
    memory = shopper.memory
    if name == "listing" and memory.card is not None:
        return f"chose {memory.card.title!r} (card {memory.card.index + 1}, key {memory.card.sku!r})"
    if name == "add":
        return f"added {outcome} (the page showed product.added: {shopper.profile.product.added.describe()})"
    if name == "checkout":
        return f"reached the preview at {shopper.page.url}"
    if name == "preview":
        return f"total {outcome}"
    if name == "place":
        return f"placed: {shopper.page.url}"
    if name == "confirmation":
        return f"order number {outcome!r}" if outcome else "no order number on the page"
    if name == "email":
        return "the order e-mail came" if outcome else "no order e-mail (yet)"
    return None


def _earlier_screenshots(out: Path) -> list[str]:
    """The screenshots an earlier walk wrote into `out` (its walk.json lists them), to be
    replaced. A file named like a walk's screenshot that no walk.json lists is the user's: the
    walk refuses the folder rather than delete or overwrite it."""
    import json

    if out.exists() and not out.is_dir():
        raise BadInput(f"--out {out}: a file, not a folder; give a folder for the screenshots and walk.json")
    ours: set[str] = set()
    try:
        pages = json.loads((out / "walk.json").read_text(encoding="utf-8")).get("pages", [])
        ours = {Path(page["screenshot"]).name for page in pages if page.get("screenshot")}
    except (OSError, ValueError, AttributeError, TypeError, KeyError):
        pass  # no earlier walk here (or not one keepword wrote): nothing of ours to replace
    theirs = sorted(p.name for p in out.glob("[0-9][0-9]-*.png") if p.name not in ours) if out.is_dir() else []
    if theirs:
        raise BadInput(f"--out {out}: holds {theirs[0]}, which no earlier walk there wrote; give an empty folder "
                       "or a walk's own (a walk replaces only its own screenshots)")
    return sorted(ours)


def _write_json(result: WalkResult) -> None:
    import json

    (result.out / "walk.json").write_text(json.dumps(result.as_dict(), indent=2, default=str), encoding="utf-8")

