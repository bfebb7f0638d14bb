"""The pytest side, black-box with pytester: broken promises fail, harness errors are errors,
and under pytest-xdist the controller alone writes the ledger. Each run starts its own demo
store and Chromium (about 10-20 s each)."""

from __future__ import annotations

from pathlib import Path

import pytest

from keepword.ledger import open_ledger

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "scenarios" / "stores" / "demo.yaml"

JOURNEYS = """
import pytest
from journeys.bundled import browse, guest_checkout

@pytest.mark.journey("browse")
@pytest.mark.parametrize("visit", range({n}))
def test_browse(shopper, visit):
    browse(shopper)
"""


def _profile(tmp: Path, *, faults: str = "", replace: tuple[str, str] | None = None) -> Path:
    text = DEMO.read_text(encoding="utf-8")
    if faults:
        store = tmp / "store.yaml"
        store.write_text(f"clock: {{speed: 0}}\nfaults:\n{faults}", encoding="utf-8")
        text = text.replace("demo_store: {restock: 500}", f"demo_store: {{config: {store}}}")
    if replace:
        text = text.replace(*replace)
    path = tmp / "profile.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _run(pytester: pytest.Pytester, profile: Path, n: int = 1, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_shop=JOURNEYS.replace("{n}", str(n)))
    pytester.makeconftest((ROOT / "conftest.py").read_text(encoding="utf-8"))
    ledger = pytester.path / "data" / "ledger.db"
    return pytester.runpytest_subprocess("-p", "journeys.plugin", "test_shop.py", "--store", str(profile), "--ledger", str(ledger),
                                         "-p", "no:cacheprovider", "-W", "ignore::DeprecationWarning", *args)


def test_broken_promise_fails_with_claim_values_step_and_screenshot(pytester, tmp_path):
    profile = _profile(tmp_path, faults="  jsonld_mismatch: {rate: 1, field: price, amount: '0.50'}\n")
    result = _run(pytester, profile)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*broken promise: structured_data of *",
        "*claimed at product: *",
        "*seen at product: * (-0.50 GBP)*",
        "*screenshot: *broken-structured_data-product.png*",
    ])
    with open_ledger(pytester.path / "data" / "ledger.db") as ledger:
        assert [v.outcome for v in ledger.verdicts()].count("broken") == 1


def test_changed_page_is_an_error_not_a_failure(pytester, tmp_path):
    profile = _profile(tmp_path, replace=("[data-testid=product-price]'\n  availability",
                                          "[data-testid=price-now]'\n  availability"))
    profile.write_text(profile.read_text(encoding="utf-8").replace("timeout_ms: 10000", "timeout_ms: 1500"),
                       encoding="utf-8")
    result = _run(pytester, profile)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*harness error (not a verdict about the store)*price: no element matched*screenshot*"])


def test_xdist_controller_writes_one_run(pytester):
    result = _run(pytester, DEMO, 4, "-n", "2")
    result.assert_outcomes(passed=4)
    with open_ledger(pytester.path / "data" / "ledger.db") as ledger:
        assert len(ledger.runs()) == 1
        assert len(ledger.journeys()) == 4
        assert {j.shopper for j in ledger.journeys()} == {"pytest-gw0", "pytest-gw1"}
        assert ledger.verdicts() and all(v.outcome == "kept" for v in ledger.verdicts())


def test_reruns_repeat_harness_errors_never_broken_promises(pytester, tmp_path):
    """`--reruns N --only-rerun HarnessError` (pytest-rerunfailures) gives a flaky page another
    chance, but a broken promise is never re-run until it passes."""
    changed = _profile(tmp_path, replace=("[data-testid=product-price]'\n  availability",
                                          "[data-testid=price-now]'\n  availability"))
    changed.write_text(changed.read_text(encoding="utf-8").replace("timeout_ms: 10000", "timeout_ms: 1500"),
                       encoding="utf-8")
    result = _run(pytester, changed, 1, "--reruns", "1", "--only-rerun", "HarnessError")
    outcomes = result.parseoutcomes()
    assert (outcomes.get("errors", outcomes.get("error")), outcomes.get("rerun")) == (1, 1), outcomes
    (tmp_path / "lying").mkdir()
    lying = _profile(tmp_path / "lying", faults="  jsonld_mismatch: {rate: 1, field: price, amount: '0.50'}\n")
    result = _run(pytester, lying, 1, "--reruns", "1", "--only-rerun", "HarnessError")
    outcomes = result.parseoutcomes()
    assert (outcomes.get("failed"), outcomes.get("rerun", 0)) == (1, 0), outcomes
