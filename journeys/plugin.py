"""keepword's pytest plugin, on top of pytest-playwright: `pytest journeys/ --store PROFILE`.

The fixture chain: session `keepword_scenario` -> session `keepword_target` (the store; the
demo store is started when the profile asks) -> function `shopper`, built on pytest-playwright's
`page`, with `shopper_args` (a dict fixture to override). Verdicts are decided at the end of the
call by a `pytest_runtest_makereport` hookwrapper: a broken promise fails the test with the claim,
the expected and actual values, the step and the screenshot; a harness error is reported as an
error, not a failure. Records travel to the controller in `user_properties` (as
`Record.to_dict()`), so under pytest-xdist one process, the controller, writes the ledger.
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

_NOTEBOOK = pytest.StashKey[Any]()
_RECORDS = "keepword_records"
_OUTCOME = "keepword_outcome"


# -- options ------------------------------------------------------------------------------------
def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("keepword", "keepword mystery shopper")
    group.addoption("--store", dest="keepword_store", metavar="PROFILE", default=None,
                    help="store profile YAML to shop (default: scenarios/stores/demo.yaml)")
    group.addoption("--scenario", dest="keepword_scenario", metavar="SCENARIO", default=None,
                    help="scenario YAML (its store, persona, tolerances and allow-list); overrides --store")
    group.addoption("--ledger", dest="keepword_ledger", metavar="PATH",
                    default=os.environ.get("KEEPWORD_LEDGER", "keepword-data/ledger.db"),
                    help="ledger file the controller writes claims and verdicts to (never under test-results/)")
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


_TOKEN = pytest.StashKey[str]()
_WRITER = pytest.StashKey["_Writer"]()


class _XdistHooks:
    """Only registered when pytest-xdist is there (its hook names are unknown without it)."""

    @pytest.hookimpl
    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput["keepword_token"] = node.config.stash[_TOKEN]


class _Writer:
    """The one ledger writer: the controller (or the only process) writes each test's records
    in one transaction as its report arrives; the run is started on the first records only, so a
    session without journeys leaves the ledger alone."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.ledger: Any = None
        self.run: Any = None
        self.counts = {"kept": 0, "broken": 0, "harness": 0}

    def write(self, dicts: list[dict[str, Any]]) -> None:
        from keepword.ledger import open_ledger
        from keepword.records import Record

        if self.ledger is None:
            self.ledger = open_ledger(self.config.getoption("keepword_ledger"))
            scenario = self.config.getoption("keepword_scenario") or self.config.getoption("keepword_store")
            self.run = self.ledger.start_run("shop", scenario=scenario, params=self._params())
        records = [Record.from_dict(d) for d in dicts]
        for record in records:
            kind = type(record).__name__
            if kind == "Verdict" and record.outcome in ("kept", "broken"):  # type: ignore[attr-defined]
                self.counts[record.outcome] += 1  # type: ignore[attr-defined]
            elif kind == "HarnessFailure":
                self.counts["harness"] += 1
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


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    for name, value in report.user_properties:
        if name == _RECORDS and value:
            _WRITER_OF[0].write(value)


_WRITER_OF: list[Any] = [None]


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    _WRITER_OF[0] = session.config.stash[_WRITER] if not hasattr(session.config, "workerinput") else _NoWriter()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    writer = _WRITER_OF[0]
    if writer is not None:
        writer.finish(int(exitstatus))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    writer = _WRITER_OF[0]
    if isinstance(writer, _Writer) and writer.run is not None:
        c = writer.counts
        terminalreporter.write_sep("-", "keepword")
        terminalreporter.write_line(
            f"run {writer.run.id} in {writer.config.getoption('keepword_ledger')}: {c['kept']} kept, "
            f"{c['broken']} broken, {c['harness']} harness errors; evidence in "
            f"{Path(writer.config.getoption('keepword_ledger')).parent / 'evidence' / writer.config.stash[_TOKEN]}")


class _NoWriter:
    """Workers never write: their records ride to the controller in the reports."""

    def write(self, dicts: list[dict[str, Any]]) -> None:  # pragma: no cover - workers do not log reports
        return None

    def finish(self, exitstatus: int) -> None:
        return None


# -- verdicts at the end of the call --------------------------------------------------------------
@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    notebook = item.stash.get(_NOTEBOOK, None)
    if notebook is None:
        return
    if report.when == "call":
        from journeys.shopper import Stopped

        excinfo = call.excinfo
        if excinfo is not None and isinstance(excinfo.value, Stopped):
            report.outcome = "passed"
            report.longrepr = None
            excinfo = None
        if notebook.findings or notebook.store_errors:
            report.outcome = "failed"
            report.longrepr = "\n\n".join([*(str(f) for f in notebook.findings),
                                            *(f"store error at {e.step}: {e.message} ({e.url})"
                                              for e in notebook.store_errors)])
        elif excinfo is not None and isinstance(excinfo.value, HarnessError):
            report.longrepr = f"harness error (not a verdict about the store): {excinfo.value}"
            report.user_properties.append((_OUTCOME, "harness_error"))
    elif report.when == "teardown":
        notebook.flush()
        report.user_properties.append((_RECORDS, [r.to_dict() for r in notebook.records]))


def pytest_report_teststatus(report: pytest.TestReport) -> tuple[str, str, Any] | None:
    """A harness error reads as an error (E), not as a failed test: the store was not judged."""
    if report.when == "call" and report.failed and (_OUTCOME, "harness_error") in report.user_properties:
        return "error", "E", ("ERROR", {"red": True})
    return None


# -- fixtures ---------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright's launch options with keepword's Chromium and flags merged in; taking the
    original keeps --headed and --slowmo working (microsoft/playwright-pytest#76)."""
    from keepword.browser import launch_args

    ours = launch_args(headless=browser_type_launch_args.get("headless", True))
    return {**ours, **browser_type_launch_args, "args": [*ours["args"], *browser_type_launch_args.get("args", [])]}


def _scenario(config: pytest.Config) -> Any:
    from keepword.scenario import load_scenario, scenario_for_profile

    path = config.getoption("keepword_scenario")
    if path:
        return load_scenario(path)
    store = config.getoption("keepword_store") or str(config.rootpath / "scenarios" / "stores" / "demo.yaml")
    allow = config.getoption("keepword_allow")
    return scenario_for_profile(store, **({"allow_orders_on": allow} if allow else {}))


@pytest.fixture(scope="session")
def keepword_scenario(pytestconfig: pytest.Config) -> Any:
    """The scenario shopped: --scenario, or a one-shopper scenario around --store."""
    return _scenario(pytestconfig)


@pytest.fixture(scope="session")
def keepword_target(keepword_scenario: Any, pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The store: its base URL (pytest-base-url's --base-url wins), or the demo store started
    for this session (one per xdist worker) with its mail sink."""
    from journeys.target import open_target

    base_url = pytestconfig.getoption("base_url", None) or keepword_scenario.base_url
    mail_dir = keepword_scenario.mail.dir or tmp_path_factory.mktemp("mail")
    with open_target(keepword_scenario.profile(), base_url=base_url, mail_dir=mail_dir) as target:
        yield target


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any], request: pytest.FixtureRequest) -> dict[str, Any]:
    """pytest-playwright's context options, plus keepword's for tests that use a `shopper`
    (locale, the store's base URL, service workers blocked); other Playwright tests are left as
    they are, and do not start a store."""
    if "shopper" not in request.fixturenames:
        return browser_context_args
    from journeys.session import context_args

    target = request.getfixturevalue("keepword_target")
    scenario = request.getfixturevalue("keepword_scenario")
    return {**browser_context_args, **context_args(target, scenario)}


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
    evidence = Path(pytestconfig.getoption("keepword_ledger")).parent / "evidence" / pytestconfig.stash[_TOKEN]
    made = new_shopper(page, guard, target=keepword_target, scenario=keepword_scenario,
                       evidence_dir=evidence, **shopper_args)
    request.node.stash[_NOTEBOOK] = made.notebook
    return made


@pytest.fixture
def persona(shopper: Any) -> Any:
    """The shopper's Faker persona (name, address, phone, e-mail in the scenario's domain)."""
    return shopper.persona
