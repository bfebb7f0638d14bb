"""The scorecard against the raw ledger: rates, latest verdicts, journeys, JUnit, gates, CLI.

The ledger is filled with the real ledger API (`reports.testing.fill_sample_ledger`) and every
number is checked against SQL written here, through `SqliteLedger.query`, independent of the
scoring code.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest

import reports
from keepword.cli import main
from keepword.errors import BadInput
from keepword.ledger import open_ledger
from keepword.records import Claim, Evidence, HarnessFailure, Journey, Verdict
from keepword.stats import wilson
from reports import build
from reports.testing import HOSTILE_NAME, SAMPLE_BROWSER, fill_sample_ledger, ledger_truth


@pytest.fixture
def sample_ledger(tmp_path):
    """A fresh sample ledger, for tests that add to it or run the CLI on it."""
    book = open_ledger(tmp_path / "data" / "ledger.db")
    sample = fill_sample_ledger(book, tmp_path / "shots")
    yield book, sample
    book.close()


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory):
    """One sample ledger and its report, shared by the tests that only read them (a build
    renders every chart, so building once keeps this module fast)."""
    root = tmp_path_factory.mktemp("sample")
    book = open_ledger(root / "data" / "ledger.db")
    sample = fill_sample_ledger(book, root / "shots")
    result = build(book, root / "report")
    yield book, sample, result
    book.close()


def test_summary_equals_a_direct_query_of_the_ledger(sample_report):
    book, _, result = sample_report
    summary = json.loads(result.summary_path.read_text())
    truth = ledger_truth(book)

    observed = summary["observed"]
    assert set(observed["by_kind"]) == set(truth["kinds"])
    for kind, counts in truth["kinds"].items():
        got = observed["by_kind"][kind]
        assert {k: got[k] for k in ("kept", "broken", "inconclusive", "open")} == {
            k: counts[k] for k in ("kept", "broken", "inconclusive", "open")
        }, kind
        assert got["rate"] == counts["rate"]
        assert (got["lo"], got["hi"]) == (counts["interval"] or (None, None))
    overall = observed["overall"]
    for key in ("kept", "broken", "inconclusive", "open", "rate"):
        assert overall[key] == truth["overall"][key], key
    assert observed["harness_errors"] == truth["harness_errors"] == 3
    assert observed["journeys"]["total"] == truth["journeys"] == 8
    assert result.exit_code == 1 and summary["exit_code"] == 1  # the sample holds broken promises


def test_the_latest_verdict_decides_not_the_first_written(sample_report):
    book, sample, result = sample_report
    summary = result.summary
    verdicts = book.query("SELECT outcome FROM verdicts WHERE claim_id = ? ORDER BY rowid",
                          (sample.overturned_claim,))
    assert [v["outcome"] for v in verdicts] == ["broken", "kept"]  # kept was written last...
    broken_ids = [b["claim_id"] for b in summary["observed"]["broken"]]
    assert sample.overturned_claim in broken_ids  # ...but decided earlier, so broken stands
    delivery = summary["observed"]["by_kind"]["delivery_date"]
    assert (delivery["broken"], delivery["open"]) == (1, 1)


def test_open_inconclusive_and_harness_errors_never_enter_the_rate(tmp_path):
    with open_ledger(tmp_path / "l.db") as book, book.running("shop") as run:
        j = Journey("j", shopper="1")
        claims = [Claim("price", f"SKU-{i}", i, journey_id=j.id) for i in range(6)]
        book.write(run.id, j, *claims,
                   Verdict(claims[0].id, "kept"), Verdict(claims[1].id, "kept"),
                   Verdict(claims[2].id, "broken"), Verdict(claims[3].id, "inconclusive"),
                   HarnessFailure(j.id, "basket", "timeout"))
    with open_ledger(tmp_path / "l.db") as book:
        price = build(book, tmp_path / "r").summary["observed"]["by_kind"]["price"]
    assert (price["kept"], price["broken"], price["inconclusive"], price["open"]) == (2, 1, 1, 2)
    assert price["rate"] == pytest.approx(2 / 3)
    assert (price["lo"], price["hi"]) == wilson(2, 3)


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (["kept", "broken", "harness", "inconclusive", None], "broken"),
        (["kept", "harness", "inconclusive", None], "harness_error"),
        (["kept", "inconclusive", None], "inconclusive"),
        (["kept", None], "open"),
        (["kept", "kept"], "kept"),
        ([], "empty"),
    ],
)
def test_a_journey_takes_the_worst_of_its_parts(tmp_path, parts, expected):
    with open_ledger(tmp_path / "l.db") as book:
        with book.running("shop") as run:
            j = Journey("checkout", shopper="1")
            book.write(run.id, j)
            for i, part in enumerate(parts):
                if part == "harness":
                    book.write(run.id, HarnessFailure(j.id, "basket", "no basket line"))
                    continue
                claim = Claim("price", f"SKU-{i}", i, journey_id=j.id)
                book.write(run.id, claim, *([Verdict(claim.id, part)] if part else []))
        journeys = build(book, tmp_path / "r").summary["observed"]["journeys"]
    assert [x["outcome"] for x in journeys["list"]] == [expected]


def test_junit_has_one_case_per_journey_failures_for_broken_errors_for_harness(sample_report):
    book, sample, result = sample_report
    root = ET.parse(result.junit_path).getroot()
    cases = root.findall(".//testcase")
    journey_cases = [c for c in cases if not c.get("name", "").startswith("harness: ")]
    assert len(journey_cases) == len(sample.journeys)
    # The one harness failure with no journey (follow-up's status page) gets its own case.
    assert [c.get("name") for c in cases if c.get("name", "").startswith("harness: ")] == ["harness: order-status"]

    truth_broken_journeys = int(book.query(
        "WITH ranked AS (SELECT claim_id, outcome, ROW_NUMBER() OVER (PARTITION BY claim_id "
        "ORDER BY decided_at DESC, rowid DESC) rn FROM verdicts) "
        "SELECT COUNT(DISTINCT c.journey_id) FROM claims c JOIN ranked r ON r.claim_id = c.id "
        "AND r.rn = 1 WHERE r.outcome = 'broken'")[0][0])
    truth_error_cases = int(book.query(
        "SELECT COUNT(DISTINCT COALESCE(journey_id, id)) FROM harness_failures")[0][0])
    failures = [c for c in cases if c.find("failure") is not None]
    errors = [c for c in cases if c.find("error") is not None]
    assert len(failures) == truth_broken_journeys == int(root.get("failures"))
    assert len(errors) == truth_error_cases == int(root.get("errors"))
    assert int(root.get("tests")) == len(cases)
    # Store text survives as text inside the XML.
    assert any(HOSTILE_NAME in (c.find("failure").get("message") or "") for c in failures)
    assert all(c.find("failure").get("type") == "broken_promise" for c in failures)
    assert all(c.find("error").get("type") == "harness_error" for c in errors)


def test_junit_times_run_from_a_journeys_start_to_its_last_record_in_its_own_run(sample_report):
    book, _, result = sample_report
    root = ET.parse(result.junit_path).getroot()
    seconds = "ROUND((julianday(MAX(t)) - julianday(j.started_at)) * 86400, 3)"
    truth = {(run_id, f"{name}[{shopper}]"): secs for run_id, name, shopper, secs in book.query(
        f"SELECT j.run_id, j.name, j.shopper, {seconds} FROM journeys j JOIN ("
        "  SELECT journey_id, run_id, made_at AS t FROM claims"
        "  UNION ALL SELECT journey_id, run_id, at FROM harness_failures"
        ") r ON r.journey_id = j.id AND r.run_id = j.run_id GROUP BY j.id")}
    assert len(truth) == len(set(truth)) and any(secs >= 60 for secs in truth.values()), \
        "the sample must have journeys that take time"
    checked = 0
    for suite in root.findall("testsuite"):
        run_id = int(suite.get("name").split(":")[0].removeprefix("run "))
        for case in suite.findall("testcase"):
            if (run_id, case.get("name")) in truth:
                assert float(case.get("time")) == pytest.approx(truth[run_id, case.get("name")], abs=0.002)
                checked += 1
        ((started, ended),) = book.query("SELECT r.started_at, e.ended_at FROM runs r "
                                         "LEFT JOIN run_ends e ON e.run_id = r.id WHERE r.id = ?", (run_id,))
        expected = (datetime.fromisoformat(ended) - datetime.fromisoformat(started)).total_seconds() if ended else 0
        assert float(suite.get("time")) == pytest.approx(expected, abs=0.002)
    assert checked == len(truth)


def test_report_selects_runs_and_refuses_unknown_ones(sample_report, tmp_path):
    book, sample, _ = sample_report
    second = sample.shop_runs[1]
    summary = build(book, tmp_path / "one", run_ids=[second]).summary
    assert [t["run"] for t in summary["observed"]["trend"]] == [second]
    assert summary["model"] == []
    truth = book.query("SELECT COUNT(*) FROM claims WHERE run_id = ?", (second,))[0][0]
    assert summary["observed"]["overall"]["claims"] == truth
    with pytest.raises(BadInput, match=r"no run 999 .*keepword runs"):
        build(book, tmp_path / "x", run_ids=[999])


def test_model_runs_are_reported_apart_and_missing_figures_are_tolerated(sample_ledger, tmp_path):
    book, sample = sample_ledger
    # A model run that wrote tallies only, no figures at all.
    from datetime import date

    from keepword.records import Tally

    with book.running("simulate", scenario="scenarios/ad-spike.yaml") as run:
        book.write(run.id, *(Tally("delivery_date", date(2026, 12, d), "replication=0", 90, 10, 0)
                             for d in range(1, 4)))
    bare = run.id
    result = build(book, tmp_path / "report")
    summary = result.summary
    model = {m["id"]: m for m in summary["model"]}
    assert set(model) == {sample.simulate_run, sample.sweep_run, bare}
    # Shopper numbers do not include model tallies.
    assert summary["observed"]["overall"]["claims"] == book.query("SELECT COUNT(*) FROM claims")[0][0]

    sim = model[sample.simulate_run]["configs"][0]
    assert sim["figures"]["on_time_rate"] == {"value": 0.91, "lo": 0.89, "hi": 0.93}
    assert len(sim["daily"]["on_time_rate"]) == 14
    assert sim["honest_promise"] == [{"days": 4.0, "lo": 4.0, "hi": 5.0, "target": 0.95}]
    truth = book.query("SELECT SUM(kept), SUM(broken) FROM tallies WHERE run_id = ? AND kind = 'delivery_date'",
                       (sample.simulate_run,))[0]
    assert (sim["tallies"]["delivery_date"]["kept"], sim["tallies"]["delivery_date"]["broken"]) == tuple(truth)

    sweep = model[sample.sweep_run]
    assert sweep["sweep"] and sorted(sweep["swept"]) == ["ad_multiplier", "packers"]
    assert len(sweep["configs"]) == 6

    tallies_only = model[bare]["configs"][0]
    assert tallies_only["figures"] == {}
    assert [p["value"] for p in tallies_only["daily"]["on_time_rate"]] == [0.9, 0.9, 0.9]

    html = result.html_path.read_text()
    assert "Sweep results" in html and "across the sweep" in html  # the table and the heat map
    assert "promise delivery in 4 days" in html
    assert html.count("<svg") >= 5


def test_each_run_says_which_chromium_judged_it(sample_report):
    _, _, result = sample_report
    runs = {r["kind"]: r for r in json.loads(result.summary_path.read_text())["runs"]}
    assert runs["shop"]["browser"] == SAMPLE_BROWSER and runs["simulate"]["browser"] is None
    html = result.html_path.read_text()
    assert f'<td data-testid="run-browser">{SAMPLE_BROWSER}</td>' in html


def test_html_escapes_store_text_and_links_only_http(sample_report):
    html = sample_report[2].html_path.read_text()
    assert HOSTILE_NAME not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html
    assert "<script" not in html.replace("&lt;script", "")
    assert "http://" not in html.split("<body>")[0]  # nothing fetched: no external stylesheet or font


def test_screenshots_are_embedded_as_thumbnails_and_copied_beside_the_report(sample_report):
    result = sample_report[2]
    report_dir = result.html_path.parent
    html = result.html_path.read_text()
    broken_with_shots = [b for b in result.summary["observed"]["broken"] if b["screenshots"]]
    assert broken_with_shots
    assert html.count('src="data:image/jpeg;base64,') == sum(
        len(b["screenshots"]) for b in [*result.summary["observed"]["broken"],
                                        *result.summary["observed"]["harness_failures"]])
    copied = sorted(p.name for p in (report_dir / "screenshots").iterdir())
    ids = sorted(f"{s['id']}.png" for b in broken_with_shots for s in b["screenshots"])
    assert set(ids) <= set(copied)
    for name in copied:
        assert f'href="screenshots/{name}"' in html


def test_fail_under_sets_the_exit_code_and_names_the_gate(sample_ledger, tmp_path, capsys):
    book, _ = sample_ledger
    path = book.path
    truth = ledger_truth(book)
    out = str(tmp_path / "r")
    order_total = truth["kinds"]["order_total"]["rate"]  # 1.0 in the sample
    assert main(["report", "--ledger", path, "--out", out, "--fail-under", f"order_total={order_total}"]) == 0
    assert main(["report", "--ledger", path, "--out", out, "--fail-under", "order_total=100%",
                 "--fail-under", "price=0.95"]) == 1
    err = capsys.readouterr().err
    assert "price: 0.0% kept (0 of 2, 95% interval 0.0%-65.8%) is under --fail-under price=95.0%" in err
    # A kind nobody checked cannot meet a gate.
    assert main(["report", "--ledger", path, "--out", out, "--fail-under", "dispatch_date=0.5"]) == 1
    assert "no decided claims" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fail-under", "price"], "--fail-under 'price': expected KIND=RATE"),
        (["--fail-under", "prize=0.9"], "unknown kind 'prize'"),
        (["--fail-under", "price=95"], "did you mean 95%?"),
        (["--fail-under", "price=lots"], "is not a rate"),
        (["999"], "no run 999"),
    ],
)
def test_bad_input_exits_2_with_one_line(sample_report, tmp_path, capsys, args, message):
    book = sample_report[0]
    code = main(["report", "--ledger", book.path, "--out", str(tmp_path / "r"), *args])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_report_cli_prints_the_paths(sample_report, tmp_path, capsys):
    book = sample_report[0]
    assert main(["report", "--ledger", book.path, "--out", str(tmp_path / "r")]) == 1  # broken promises
    out = capsys.readouterr().out
    assert f"report: {tmp_path / 'r' / 'report.html'}" in out


def test_every_reports_all_is_sorted_and_real():
    names = ["reports"] + [f"reports.{m.name}" for m in pkgutil.iter_modules(reports.__path__)]
    for name in names:
        module = importlib.import_module(name)
        exported = getattr(module, "__all__", [])
        assert exported == sorted(exported), name
        assert all(hasattr(module, item) for item in exported), name


def test_latest_verdict_ties_are_broken_by_write_order(tmp_path):
    moment = datetime(2026, 11, 20, tzinfo=UTC)
    with open_ledger(tmp_path / "l.db") as book:
        with book.running("shop") as run:
            claim = Claim("price", "SKU", 1)
            book.write(run.id, claim, Verdict(claim.id, "broken", decided_at=moment))
        with book.running("follow-up") as run:
            book.write(run.id, Verdict(claim.id, "kept", decided_at=moment),
                       Verdict(claim.id, "inconclusive", decided_at=moment - timedelta(days=1)))
        price = build(book, tmp_path / "r").summary["observed"]["by_kind"]["price"]
    assert (price["kept"], price["broken"], price["inconclusive"]) == (1, 0, 0)


def test_an_empty_ledger_gives_an_empty_but_whole_report(tmp_path):
    with open_ledger(tmp_path / "l.db") as book:
        result = build(book, tmp_path / "r")
    assert result.exit_code == 0
    observed = result.summary["observed"]
    assert observed["overall"]["claims"] == 0 and observed["overall"]["rate"] is None
    assert "No shopper claims in these runs." in result.html_path.read_text()
    root = ET.parse(result.junit_path).getroot()
    assert root.get("tests") == "0" and root.findall(".//testcase") == []


def test_a_missing_screenshot_is_named_not_fatal_and_a_run_still_going_reads_running(tmp_path):
    with open_ledger(tmp_path / "l.db") as book:
        run = book.start_run("shop")  # not ended: this process, alive, still owns it
        claim = Claim("price", "SKU-1", 5, step="basket")
        verdict = Verdict(claim.id, "broken", expected=5, actual=6)
        book.write(run.id, claim, verdict,
                   Evidence(verdict.id, "screenshot", path=str(tmp_path / "gone.png")))
        result = build(book, tmp_path / "r")
    html = result.html_path.read_text()
    assert f"screenshot not found: {tmp_path / 'gone.png'}" in html
    assert [r["status"] for r in result.summary["runs"]] == ["running"]
    assert "<td>running</td>" in html
    assert result.exit_code == 1  # the broken promise it recorded so far; no harness error for being unended


def test_a_screenshot_path_that_is_not_an_image_is_not_copied(tmp_path):
    secret = tmp_path / "not-a-picture.png"
    secret.write_text("password=hunter2")
    with open_ledger(tmp_path / "l.db") as book, book.running("shop") as run:
        claim = Claim("price", "SKU-1", 5)
        verdict = Verdict(claim.id, "broken", expected=5, actual=6)
        book.write(run.id, claim, verdict, Evidence(verdict.id, "screenshot", path=str(secret)))
    with open_ledger(tmp_path / "l.db") as book:
        result = build(book, tmp_path / "r")
    assert "(not an image)" in result.html_path.read_text()
    assert not (tmp_path / "r" / "screenshots").exists() or not any((tmp_path / "r" / "screenshots").iterdir())


def _failed_runs(path):
    """Run 1 kept a promise, then stopped on a harness error; run 2 failed before any claim."""
    from keepword.errors import HarnessError

    with open_ledger(path) as book:
        with pytest.raises(HarnessError), book.running("shop", scenario="s.yaml") as run:
            j = Journey("guest_checkout", shopper="shopper-0")
            claim = Claim("price", "SKU-1", 5, journey_id=j.id)
            book.write(run.id, j, claim, Verdict(claim.id, "kept", expected=5, actual=5))
            raise HarnessError("the basket button matched nothing")
        with pytest.raises(RuntimeError), book.running("shop", scenario="s.yaml"):
            raise RuntimeError("boom")


@pytest.mark.parametrize(
    ("run", "reason"),
    [("1", "HarnessError: the basket button matched nothing"), ("2", "RuntimeError: boom")],
)
def test_a_run_keepword_could_not_complete_is_never_a_clean_pass(tmp_path, capsys, run, reason):
    _failed_runs(tmp_path / "l.db")
    out = tmp_path / "r"
    assert main(["report", run, "--ledger", str(tmp_path / "l.db"), "--out", str(out)]) == 3
    printed = capsys.readouterr()
    assert f"run {run} (shop) failed: {reason}" in printed.err
    assert "0 harness errors" not in printed.out
    summary = json.loads((out / "summary.json").read_text())
    assert summary["exit_code"] == 3
    assert summary["observed"]["harness_errors"] == summary["observed"]["overall"]["harness_errors"] == 1
    assert summary["observed"]["unfinished_runs"] == [{
        "run": int(run), "kind": "shop", "status": "failed", "reason": reason,
        "message": f"run {run} (shop) failed: {reason}"}]
    root = ET.parse(out / "junit.xml").getroot()
    assert root.get("errors") != "0"
    errors = [e for e in root.iter("error") if e.get("type") == "run_failed"]
    assert [e.get("message") for e in errors] == [f"run {run} (shop) failed: {reason}"]
    html = (out / "report.html").read_text()
    assert 'data-testid="unfinished-run"' in html and reason in html
    # A gate met on what the run did check does not make it pass either; run 2 decided nothing,
    # so its gate is missed, which is keepword's breakdown, not a promise the store broke: 3.
    assert main(["report", run, "--ledger", str(tmp_path / "l.db"), "--out", str(out),
                 "--fail-under", "all=0%"]) == 3


def test_a_failed_run_with_a_broken_promise_exits_1(tmp_path):
    with open_ledger(tmp_path / "l.db") as book:
        with pytest.raises(RuntimeError), book.running("shop") as run:
            claim = Claim("price", "SKU-1", 5)
            book.write(run.id, claim, Verdict(claim.id, "broken", expected=5, actual=6))
            raise RuntimeError("boom")
        result = build(book, tmp_path / "r")
    assert result.exit_code == 1
    assert result.summary["observed"]["unfinished_runs"][0]["status"] == "failed"
