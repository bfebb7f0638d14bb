"""The pytest plugin, black-box, the way a QA engineer meets it: pytester writes a journey in a
fresh folder outside keepword's checkout (no conftest, no `-p`), and pytest loads the plugin by
its `pytest11` entry point because keepword is installed. Broken promises fail, harness errors
are errors, pytest-rerunfailures re-runs harness errors only, and under pytest-xdist the
controller alone writes the ledger. Each run starts its own demo store and Chromium (about
10-20 s each)."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from keepword.ledger import open_ledger

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "scenarios" / "stores" / "demo.yaml"
JSONLD_LIE = "  jsonld_mismatch: {rate: 1, field: price, amount: '0.50'}\n"
PRICE_GONE = ("[data-testid=product-price]'\n  availability", "[data-testid=price-now]'\n  availability")
BASKET_GONE = ("unit_price: '[data-testid=line-unit-price]'", "unit_price: '[data-testid=unit-gone]'")

JOURNEYS = """
import pytest
from journeys.bundled import browse

@pytest.mark.journey("browse")
@pytest.mark.parametrize("visit", range({n}))
def test_browse(shopper, visit):
    browse(shopper)
"""


def _profile(tmp: Path, *, faults: str = "", replace: tuple[str, str] | None = None, fast: bool = False) -> Path:
    """A copy of the demo profile in the test's own folder (so pytest's rootdir stays outside the
    checkout), optionally with the demo store told to lie, or with a locator that is gone."""
    text = DEMO.read_text(encoding="utf-8")
    if faults:
        store = tmp / "store.yaml"
        store.write_text(f"clock: {{speed: 0}}\nfaults:\n{faults}", encoding="utf-8")
        text = text.replace("demo_store: {restock: 500}", f"demo_store: {{config: {store}}}")
    if replace:
        assert replace[0] in text, replace[0]
        text = text.replace(*replace)
    if fast:  # a locator that is gone fails after 1.5 s, not 10
        text = text.replace("timeout_ms: 10000", "timeout_ms: 1500")
    path = tmp / "profile.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _run(pytester: pytest.Pytester, profile: Path, *args: str, journeys: str | None = None,
         n: int = 1) -> pytest.RunResult:
    """`pytest test_shop.py --store profile.yaml ...` in pytester's folder, as a user runs it."""
    assert not pytester.path.resolve().is_relative_to(ROOT)
    pytester.makepyfile(test_shop=journeys or JOURNEYS.replace("{n}", str(n)))
    ledger = pytester.path / "data" / "ledger.db"
    return pytester.runpytest_subprocess("test_shop.py", "--store", str(profile), "--ledger", str(ledger),
                                         "-p", "no:cacheprovider", *args)


def _ledger(pytester: pytest.Pytester) -> Path:
    return pytester.path / "data" / "ledger.db"


def test_a_journey_written_in_any_folder_runs_with_the_installed_plugin(pytester, tmp_path):
    """No conftest, no `-p`: the entry point loads the plugin. The summary line counts every
    outcome, open claims included, and the run prints no warning (pytest-playwright's base_url
    deprecation was printed on every run)."""
    pytester.makepyfile(test_shop="""
        from journeys.bundled import guest_checkout

        def window_shopping(shopper):
            shopper.browse()
            shopper.open_product()

        def test_window_shopping(shopper):
            window_shopping(shopper)
            assert shopper.card is not None

        def test_checkout(shopper):
            guest_checkout(shopper)
    """)
    ledger = _ledger(pytester)
    result = pytester.runpytest_subprocess("--store", str(_profile(tmp_path)), "--ledger", str(ledger),
                                           "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    assert "warning" not in result.stdout.str().lower()
    with open_ledger(ledger) as book:
        verdicts = book.verdicts()
        claims = book.claims()
        assert {j.name for j in book.journeys()} == {"test_window_shopping[chromium]", "test_checkout[chromium]"}
    kept = sum(v.outcome == "kept" for v in verdicts)
    open_ = len({c.id for c in claims} - {v.claim_id for v in verdicts})
    assert kept and open_, (kept, open_)
    result.stdout.fnmatch_lines([f"run 1 in {ledger}: {kept} kept, 0 broken, 0 inconclusive, {open_} open, "
                                 "0 store errors, 0 harness errors; evidence in *"])


def test_broken_promise_fails_with_claim_values_step_and_screenshot(pytester, tmp_path):
    result = _run(pytester, _profile(tmp_path, faults=JSONLD_LIE))
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*broken promise: structured_data of *",
        "*claimed at product: *",
        "*seen at product: * (-0.50 GBP)*",
        "*screenshot: *broken-structured_data-product.png*",
    ])
    with open_ledger(_ledger(pytester)) as ledger:
        assert [v.outcome for v in ledger.verdicts()].count("broken") == 1


def test_changed_page_is_an_error_not_a_failure(pytester, tmp_path):
    result = _run(pytester, _profile(tmp_path, replace=PRICE_GONE, fast=True))
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*harness error (not a verdict about the store)*price: no element matched*screenshot*"])


def test_xdist_controller_writes_one_run(pytester, tmp_path):
    result = _run(pytester, _profile(tmp_path), "-n", "2", n=4)
    result.assert_outcomes(passed=4)
    with open_ledger(_ledger(pytester)) as ledger:
        assert len(ledger.runs()) == 1
        assert len(ledger.journeys()) == 4
        assert {j.shopper for j in ledger.journeys()} == {"pytest-gw0", "pytest-gw1"}
        assert ledger.verdicts() and all(v.outcome == "kept" for v in ledger.verdicts())


def _rerun_counts(result: pytest.RunResult) -> tuple[int | None, int | None, int]:
    outcomes = result.parseoutcomes()
    return (outcomes.get("errors", outcomes.get("error")), outcomes.get("failed"), outcomes.get("rerun", 0))


def test_reruns_repeat_harness_errors_never_broken_promises(pytester, tmp_path):
    """`--reruns 1 --only-rerun HarnessError` (pytest-rerunfailures), run as the README says:
    from a folder of one's own, the plugin loaded by its entry point. A flaky page gets another
    chance; a broken promise never does, not even when a harness error follows it."""
    (tmp_path / "changed").mkdir()
    changed = _profile(tmp_path / "changed", replace=PRICE_GONE, fast=True)
    result = _run(pytester, changed, "--reruns", "1", "--only-rerun", "HarnessError")
    assert _rerun_counts(result) == (1, None, 1), result.parseoutcomes()

    (tmp_path / "lying").mkdir()
    lying = _profile(tmp_path / "lying", faults=JSONLD_LIE)
    result = _run(pytester, lying, "--reruns", "1", "--only-rerun", "HarnessError")
    assert _rerun_counts(result) == (None, 1, 0), result.parseoutcomes()

    (tmp_path / "both").mkdir()
    both = _profile(tmp_path / "both", faults=JSONLD_LIE, replace=BASKET_GONE, fast=True)
    result = _run(pytester, both, "--reruns", "1", "--only-rerun", "HarnessError", journeys="""
        from journeys.bundled import basket_update

        def test_basket(shopper):
            basket_update(shopper)   # broken at the product page, then the basket cannot be read
    """)
    assert _rerun_counts(result) == (None, 1, 0), result.parseoutcomes()
    result.stdout.fnmatch_lines(["*broken promise: structured_data of *"])
    with open_ledger(_ledger(pytester)) as ledger:
        last = [ledger.runs()[-1].id]
        assert [v.outcome for v in ledger.verdicts(last)].count("broken") == 1
        assert len(ledger.harness_failures(last)) == 1  # at the basket (or at add, on a busy machine)


def test_a_failing_plain_assert_is_in_the_ledger_and_the_journey_is_not_kept(pytester, tmp_path):
    """The test's own check failed: pytest says FAILED, and the ledger holds a harness failure
    naming it, so the report never calls that journey kept (and never a broken promise)."""
    from reports import build

    result = _run(pytester, _profile(tmp_path), journeys="""
        def test_free_delivery_banner(shopper):
            shopper.browse()
            assert shopper.page.get_by_text("Free delivery today").count() == 1, "no free-delivery banner"
    """)
    result.assert_outcomes(failed=1)
    with open_ledger(_ledger(pytester)) as ledger:
        failures = ledger.harness_failures()
        assert [f.step for f in failures] == ["test"]
        assert "the test's own check failed after step listing: no free-delivery banner" in failures[0].message
        assert [v.outcome for v in ledger.verdicts()].count("broken") == 0
        summary = build(ledger, tmp_path / "report").summary
    assert summary is not None
    assert summary["observed"]["journeys"]["outcomes"]["harness_error"] == 1
    assert summary["observed"]["journeys"]["outcomes"]["kept"] == 0


def test_junit_stays_small_records_never_ride_as_properties(pytester, tmp_path):
    junit = tmp_path / "junit.xml"
    result = _run(pytester, _profile(tmp_path), f"--junitxml={junit}", n=2)
    result.assert_outcomes(passed=2)
    tree = ET.parse(junit)
    assert not list(tree.getroot().iter("property"))
    assert junit.stat().st_size < 4000, junit.stat().st_size


def test_pytest_fixtures_lists_the_fixtures_in_the_checkout():
    """`pytest --fixtures journeys/` in keepword's own checkout (root conftest and the installed
    plugin both present) lists keepword's fixtures instead of crashing."""
    done = subprocess.run([sys.executable, "-m", "pytest", "--fixtures", "journeys/", "-p", "no:cacheprovider"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "INTERNALERROR" not in done.stdout
    for name in ("shopper --", "shopper_args --", "keepword_target [session scope] --",
                 "browser_type_launch_args [session scope] -- journeys/plugin.py"):
        assert name in done.stdout, name


def test_video_is_recorded_with_the_systems_ffmpeg(pytester, tmp_path):
    """Playwright cannot download its ffmpeg here; keepword hands it Debian's, so
    `--video retain-on-failure` keeps a video of the journey that broke a promise."""
    if not Path("/usr/bin/ffmpeg").exists():
        pytest.skip("no system ffmpeg (./run test installs it)")
    out = tmp_path / "results"
    result = _run(pytester, _profile(tmp_path, faults=JSONLD_LIE), "--video", "retain-on-failure",
                  "--output", str(out))
    result.assert_outcomes(failed=1)
    videos = list(out.rglob("*.webm"))
    assert len(videos) == 1 and videos[0].stat().st_size > 1000, videos


def test_video_without_any_ffmpeg_is_one_line_saying_what_to_install(pytester, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent))  # python, and no ffmpeg
    result = _run(pytester, _profile(tmp_path), "--video", "retain-on-failure", n=2)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.stderr.lines if line.strip()]
    assert errors == ["ERROR: --video needs ffmpeg, and Playwright could not download its own here: install one "
                      "(Debian: `apt-get install ffmpeg`; keepword hands it to Playwright), or leave --video off "
                      "(every broken promise and harness error keeps its screenshot anyway)"], errors


def test_a_store_keepword_did_not_start_leaves_email_claims_open(pytester, tmp_path):
    """With --base-url, the store sends its e-mails where it is told to, not to a folder keepword
    made up: the e-mail claim stays open for `keepword follow-up --mail-dir`, never broken."""
    from demo_store.testing import running_store
    from keepword.mail import running_mail_sink

    with running_mail_sink(tmp_path / "mail") as sink, running_store({
        "clock": {"speed": 0}, "ground_truth": str(tmp_path / "truth.jsonl"),
        "mail": {"host": sink.host, "port": sink.port},
    }) as store:
        result = _run(pytester, _profile(tmp_path), "--base-url", store.url, journeys="""
            from journeys.bundled import guest_checkout

            def test_checkout(shopper):
                guest_checkout(shopper)
        """)
    result.assert_outcomes(passed=1)
    with open_ledger(_ledger(pytester)) as ledger:
        emails = ledger.claims(kind="email")
        assert len(emails) == 1
        assert [v for v in ledger.verdicts() if v.claim_id == emails[0].id] == []
        assert all(v.outcome == "kept" for v in ledger.verdicts())
