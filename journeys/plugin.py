"""keepword's pytest plugin, on top of pytest-playwright: `pytest --store PROFILE`.

It loads wherever keepword is installed (the `pytest11` entry point `keepword` in pyproject.toml,
as pytest-playwright's does); `-p no:keepword` turns it off.

The fixture chain: session `keepword_scenario` -> session `keepword_target` (the store; the
demo store is started when the profile asks) -> function `shopper`, built on pytest-playwright's
`page`, with `shopper_args` (a dict fixture to override).

How a test ends (decided in `pytest_runtest_call`, so that the exception pytest records is the
real one and pytest-rerunfailures' `--only-rerun` sees its type):

* a broken promise raises `BrokenPromise` at the end of the call, with the claim, the expected
  and actual values, the step and the screenshot: a failure, never re-run by
  `--only-rerun HarnessError`, even when a harness error came after it;
* a store error (the store failed in front of the customer: an HTTP 5xx, an error page) raises
  `journeys.stops.StoreFailed`, also a failure and never re-run, a finding about the store as a broken promise
  is (with both, `BrokenPromise` lists the store errors too);
* a harness error (`keepword.errors.HarnessError`) is reported as an error, not a failure;
* a failing plain `assert` in the test is the test's own check failing: pytest reports it as a
  failure, and the ledger records it as a harness failure ("the test's own check failed"), as
  keepword holds no claim and no observation to call the store's promise broken;
* a store that would not let the journey go on (sold out) ends the test passed.

Records travel to the controller on the teardown report (an attribute pytest-xdist carries, not
`user_properties`, which `--junitxml` would copy into every test case), so under pytest-xdist
one process, the controller, writes the ledger.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Generator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from keepword.errors import HarnessError

__all__ = ["BrokenPromise"]

_SHOPPER = pytest.StashKey[Any]()
_TOKEN = pytest.StashKey[str]()
_WRITER = pytest.StashKey["_Writer"]()
_RECORDS = "keepword_records"  # attribute of the teardown report: the test's records, as dicts
_OUTCOME = "keepword_outcome"  # attribute of the call report: "harness_error" or "broken"
_CHECKOUT = Path(__file__).resolve().parents[1]


class BrokenPromise(Exception):
    """The store broke a promise during this test (the message lists each one)."""


# -- options ------------------------------------------------------------------------------------
def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("keepword", "keepword mystery shopper")
    group.addoption("--store", dest="keepword_store", metavar="PROFILE", default=None,
                    help="store profile YAML to shop (default: keepword's demo store profile, "
                         "scenarios/stores/demo.yaml)")
    group.addoption("--scenario", dest="keepword_scenario", metavar="SCENARIO", default=None,
                    help="scenario YAML (its store, persona, tolerances and allow-list); overrides --store")
    group.addoption("--ledger", dest="keepword_ledger", metavar="PATH",
                    default=os.environ.get("KEEPWORD_LEDGER", "keepword-data/ledger.db"),
                    help="ledger file the controller writes claims and verdicts to; screenshots go to "
                         "evidence/ beside it (never under test-results/)")
    group.addoption("--allow-orders-on", dest="keepword_allow", action="append", default=None, metavar="HOST",
                    help="host where orders may be placed (repeatable; default: 127.0.0.1 and localhost)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "journey(name): a mystery-shopper journey; the name is its id in the ledger")
    worker = getattr(config, "workerinput", None)
    config.stash[_TOKEN] = worker["keepword_token"] if worker else (
        f"pytest-{datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(3)}")
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(_XdistHooks(), "keepword-xdist")
    config.stash[_WRITER] = _Writer(config)
    # Registered now, after every plugin pytest loads at start-up (pytest-playwright's entry point
    # among them, in whatever order they came): of two plugins' fixtures with one name, the one
    # registered last overrides, and these take the original and merge into it.
    config.pluginmanager.register(_PlaywrightArgs(), "keepword-playwright-args")
    # pytest-playwright 0.10's stand-in for pytest-base-url defines its session-scoped `base_url`
    # fixture as an instance method, which pytest 9 warns about in every run that uses a page;
    # the warning is theirs to fix and says nothing about the test, so it is left out here.
    config.addinivalue_line(
        "filterwarnings",
        "ignore:(?s)Session-scoped fixtures defined as instance methods.*'base_url' fixture"
        ":pytest.PytestRemovedIn10Warning")
    if (config.getoption("--video", "off") or "off") != "off":
        from keepword.browser import video_ffmpeg

        try:
            video_ffmpeg()
        except HarnessError as exc:
            raise pytest.UsageError(str(exc)) from None


class _XdistHooks:
    """Only registered when pytest-xdist is there (its hook names are unknown without it)."""

    @pytest.hookimpl
    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput["keepword_token"] = node.config.stash[_TOKEN]


def _evidence_dir(config: pytest.Config) -> Path:
    """Screenshots go beside the ledger, in a folder per session."""
    return Path(config.getoption("keepword_ledger")).parent / "evidence" / config.stash[_TOKEN]


# -- the ledger writer --------------------------------------------------------------------------
class _Writer:
    """The one ledger writer: the controller (or the only process) writes each test's records
    in one transaction as its report arrives; the run is started on the first records only, so a
    session without journeys leaves the ledger alone."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.ledger: Any = None
        self.run: Any = None
        self.counts = dict.fromkeys(("kept", "broken", "inconclusive", "open", "store", "harness"), 0)

    def write(self, dicts: list[dict[str, Any]]) -> None:
        from keepword.ledger import open_ledger
        from keepword.records import Claim, HarnessFailure, Record, StoreError, Verdict

        if self.ledger is None:
            self.ledger = open_ledger(self.config.getoption("keepword_ledger"))
            scenario = self.config.getoption("keepword_scenario") or self.config.getoption("keepword_store")
            self.run = self.ledger.start_run("shop", scenario=scenario, params=self._params())
        records = [Record.from_dict(d) for d in dicts]
        decided: dict[str, str] = {}
        for record in records:
            if isinstance(record, Claim):
                decided.setdefault(record.id, "open")
            elif isinstance(record, Verdict):
                decided[record.claim_id] = record.outcome  # the last written is the claim's status
            elif isinstance(record, HarnessFailure):
                self.counts["harness"] += 1
            elif isinstance(record, StoreError):
                self.counts["store"] += 1
        for outcome in decided.values():
            self.counts[outcome] += 1
        self.ledger.write(self.run.id, *records)

    def _params(self) -> dict[str, Any]:
        """What follow-up and the report need later (keepword.recorded), from the same options
        the workers' fixtures read. A demo store started per worker has no base URL to record."""
        from keepword.recorded import shop_params

        scenario = _scenario(self.config)
        profile = scenario.profile()
        base_url = self.config.getoption("base_url", None) or scenario.base_url or profile.base_url or ""
        return shop_params(scenario, profile, base_url=base_url, runner="pytest",
                           evidence=self.config.stash[_TOKEN])

    def finish(self, exitstatus: int) -> None:
        if self.ledger is not None:
            self.ledger.end_run(self.run.id, "complete" if exitstatus in (0, 1) else "failed")
            self.ledger.close()

    def line(self) -> str:
        c = self.counts
        return (f"run {self.run.id} in {self.config.getoption('keepword_ledger')}: {c['kept']} kept, "
                f"{c['broken']} broken, {c['inconclusive']} inconclusive, {c['open']} open, "
                f"{c['store']} store errors, {c['harness']} harness errors; "
                f"evidence in {_evidence_dir(self.config)}")


class _NoWriter:
    """Workers never write: their records ride to the controller in the reports."""

    def write(self, dicts: list[dict[str, Any]]) -> None:  # pragma: no cover - workers do not log reports
        return None

    def finish(self, exitstatus: int) -> None:
        return None


_WRITER_OF: list[Any] = [None]


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    _WRITER_OF[0] = session.config.stash[_WRITER] if not hasattr(session.config, "workerinput") else _NoWriter()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    records = getattr(report, _RECORDS, None)
    if records:
        _WRITER_OF[0].write(records)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    writer = _WRITER_OF[0]
    if writer is not None:
        writer.finish(int(exitstatus))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    writer = _WRITER_OF[0]
    if isinstance(writer, _Writer) and writer.run is not None:
        terminalreporter.write_sep("-", "keepword")
        terminalreporter.write_line(writer.line())


# -- how a test ends ------------------------------------------------------------------------------
@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """Raise the outcome as an exception of its own type while the call is still running, so
    pytest's report and pytest-rerunfailures see the same thing (a rerun decision is made from
    the exception, before any report hook could change the outcome)."""
    shopper = item.stash.get(_SHOPPER, None)
    if shopper is None:
        return (yield)
    from journeys.stops import Stopped, StoreFailed

    try:
        yield
    except Stopped as stopped:  # the store would not go on (sold out): what was judged so far stands
        shopper.ended_early(stopped)
    except AssertionError as exc:
        if not _found(shopper):
            _own_check_failed(item, shopper, exc)
            raise
    except HarnessError:
        if not _found(shopper):
            raise
    notebook = shopper.notebook
    text = "\n\n".join([*(str(f) for f in notebook.findings),
                         *(f"store error at {e.step}: {e.message} ({e.url})" for e in notebook.store_errors)])
    if notebook.findings:
        raise BrokenPromise(text) from None
    if notebook.store_errors:
        raise StoreFailed(text) from None
    return None


def _found(shopper: Any) -> bool:
    """Did the store break a promise or fail in this test? Then that is how it ends."""
    return bool(shopper.notebook.findings or shopper.notebook.store_errors)


def _own_check_failed(item: pytest.Item, shopper: Any, exc: AssertionError) -> None:
    """Record a failing plain `assert` of the test as a harness failure: the journey is not
    kept, and the store is not blamed for a promise keepword never saw it make."""
    first = (str(exc).strip().splitlines() or ["assert failed"])[0]
    after = f" after step {shopper.step_name}" if shopper.step_name else ""
    shot = shopper.screenshot("check-failed")
    try:
        url = shopper.page.url
    except Exception:  # the page is gone: the record still says what failed
        url = None
    shopper.notebook.harness("test", f"{item.name}: the test's own check failed{after}: {first}",
                             url=url, screenshot=shot)
    shopper.notebook.flush()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    """Word the report (never change its outcome: the exception already decided it) and hand
    the test's records to the controller on the teardown report."""
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    shopper = item.stash.get(_SHOPPER, None)
    if shopper is None:
        return
    excinfo = call.excinfo
    if report.when == "call" and excinfo is not None:
        from journeys.stops import StoreFailed

        if isinstance(excinfo.value, BrokenPromise | StoreFailed):
            report.longrepr = str(excinfo.value)
            setattr(report, _OUTCOME, "broken" if isinstance(excinfo.value, BrokenPromise) else "store_error")
        elif isinstance(excinfo.value, HarnessError):
            report.longrepr = f"harness error (not a verdict about the store): {excinfo.value}"
            setattr(report, _OUTCOME, "harness_error")
    elif report.when == "teardown":
        shopper.notebook.flush()
        setattr(report, _RECORDS, [r.to_dict() for r in shopper.notebook.records])


def pytest_report_teststatus(report: pytest.TestReport) -> tuple[str, str, Any] | None:
    """A harness error reads as an error (E), not as a failed test: the store was not judged."""
    if report.when == "call" and report.failed and getattr(report, _OUTCOME, None) == "harness_error":
        return "error", "E", ("ERROR", {"red": True})
    return None


# -- fixtures ---------------------------------------------------------------------------------------
class _PlaywrightArgs:
    """pytest-playwright's two `*_args` fixtures with keepword's merged in (registered from
    `pytest_configure`, see there). Each takes the original as an argument and merges into it,
    or --headed and --slowmo silently stop working (microsoft/playwright-pytest#76)."""

    @pytest.fixture(scope="session")
    @classmethod
    def browser_type_launch_args(cls, browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
        """pytest-playwright's launch options, with keepword's Chromium and its flags."""
        from keepword.browser import launch_args

        ours = launch_args(headless=browser_type_launch_args.get("headless", True))
        return {**ours, **browser_type_launch_args,
                "args": [*ours["args"], *browser_type_launch_args.get("args", [])]}

    @pytest.fixture
    @classmethod
    def browser_context_args(cls, browser_context_args: dict[str, Any],
                             request: pytest.FixtureRequest) -> dict[str, Any]:
        """pytest-playwright's context options, plus keepword's for tests that use a `shopper`
        (locale, the store's base URL, service workers blocked); other Playwright tests are
        left as they are, and do not start a store."""
        if "shopper" not in request.fixturenames:
            return browser_context_args
        from journeys.session import context_args

        target = request.getfixturevalue("keepword_target")
        scenario = request.getfixturevalue("keepword_scenario")
        return {**browser_context_args, **context_args(target, scenario)}


def _default_store(config: pytest.Config) -> Path:
    """The demo store's profile: in the folder pytest runs in, else in the keepword checkout
    this plugin comes from."""
    for root in (config.rootpath, _CHECKOUT):
        candidate = root / "scenarios" / "stores" / "demo.yaml"
        if candidate.is_file():
            return candidate
    raise pytest.UsageError("keepword: give --store PROFILE (your store's profile YAML) or --scenario "
                            "SCENARIO; keepword's demo store profile is scenarios/stores/demo.yaml in "
                            "a keepword checkout")


def _scenario(config: pytest.Config) -> Any:
    from keepword.scenario import load_scenario, scenario_for_profile

    path = config.getoption("keepword_scenario")
    if path:
        return load_scenario(path)
    store = config.getoption("keepword_store") or str(_default_store(config))
    allow = config.getoption("keepword_allow")
    return scenario_for_profile(store, **({"allow_orders_on": allow} if allow else {}))


@pytest.fixture(scope="session")
def keepword_scenario(pytestconfig: pytest.Config) -> Any:
    """The scenario shopped: --scenario, or a one-shopper scenario around --store."""
    return _scenario(pytestconfig)


@pytest.fixture(scope="session")
def keepword_target(keepword_scenario: Any, pytestconfig: pytest.Config,
                    tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The store: its base URL (--base-url wins), or the demo store started for this session
    (one per xdist worker) with its mail sink. A store keepword did not start sends its e-mails
    where it sends them: unless the scenario names that folder (`mail: {dir: ...}`), e-mail
    claims stay open for `keepword follow-up --mail-dir`, never judged against an empty folder."""
    from journeys.target import open_target

    base_url = pytestconfig.getoption("base_url", None) or keepword_scenario.base_url
    profile = keepword_scenario.profile()
    starts_demo = not (base_url or profile.base_url) and profile.demo_store is not None
    mail_dir = keepword_scenario.mail.dir or (tmp_path_factory.mktemp("mail") if starts_demo else None)
    with open_target(profile, base_url=base_url, mail_dir=mail_dir) as target:
        yield target


@pytest.fixture
def shopper_args(request: pytest.FixtureRequest) -> dict[str, Any]:
    """How the shopper is made: override to change the journey name, shopper label or index."""
    marker = request.node.get_closest_marker("journey")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return {"journey": marker.args[0] if marker and marker.args else request.node.name,
            "shopper": f"pytest-{worker}", "index": 0}


@pytest.fixture
def shopper(page: Any, keepword_target: Any, keepword_scenario: Any, shopper_args: dict[str, Any],
            request: pytest.FixtureRequest, pytestconfig: pytest.Config) -> Any:
    """A keepword Shopper on pytest-playwright's `page`: a persona, a guarded context, a notebook."""
    from journeys.blocking import Blocker
    from journeys.guard import Guard
    from journeys.session import new_shopper

    guard = Guard(keepword_scenario, keepword_target.profile)
    Blocker(keepword_scenario.block, keepword_target.base_url).install(page.context)
    guard.install(page.context)
    page.set_default_timeout(keepword_target.profile.timeout_ms)
    made = new_shopper(page, guard, target=keepword_target, scenario=keepword_scenario,
                       evidence_dir=_evidence_dir(pytestconfig), **shopper_args)
    request.node.stash[_SHOPPER] = made
    return made


@pytest.fixture
def persona(shopper: Any) -> Any:
    """The shopper's Faker persona (name, address, phone, e-mail in the scenario's domain)."""
    return shopper.persona
