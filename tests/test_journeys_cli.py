"""`keepword shop` and `keepword follow-up` end to end: exit codes 0, 1, 2 and 3, one-line errors.
Each shop starts the bundled demo store itself (the demo profile has no base URL)."""

from __future__ import annotations

from pathlib import Path

from keepword.cli import main
from keepword.ledger import open_ledger

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "scenarios" / "stores" / "demo.yaml"


def _scenario(tmp: Path, *, journeys: str = "[browse]", profile: Path = DEMO, extra: str = "") -> Path:
    path = tmp / "scenario.yaml"
    path.write_text(
        f"name: cli\nstore: {profile}\njourneys: {journeys}\nshoppers: 1\njourneys_per_shopper: 1\n"
        f"allow_orders_on: [127.0.0.1]\npersona: {{email_domain: shoppers.example.test}}\n"
        f"tolerances: {{email_within_seconds: 20}}\n{extra}",
        encoding="utf-8",
    )
    return path


def test_shop_then_follow_up_exit_0(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a relative ledger, as `keepword-data/` by default: its mail folder too
    ledger = Path("ledger.db")
    scenario = _scenario(tmp_path, journeys="[guest_checkout]")
    assert main(["shop", str(scenario), "--ledger", str(ledger), "--no-progress"]) == 0
    out, err = capsys.readouterr()
    assert "1 journeys" in out and "0 broken" in out and "0 harness errors" in out
    assert "1 open" in out and "note: 1 claim stays open" in err and "`keepword demo`" in err
    with open_ledger(ledger) as book:
        assert book.runs()[0].kind == "shop" and book.runs()[0].status == "complete"
        mail_dir = Path(book.runs()[0].params["mail_dir"])
    assert list(mail_dir.glob("*.eml"))  # the e-mail arrived in the run's own mail folder
    # The demo store stopped with the shop run: its status pages are gone, which is a harness
    # error (exit 3), and the delivery claim stays open rather than being guessed.
    assert main(["follow-up", "--ledger", str(ledger), "--no-progress"]) == 3
    out = capsys.readouterr().out
    assert "1 still open" in out and "1 harness errors" in out
    # The shop run judged the confirmation e-mail; follow-up reads the same file by its resolved
    # path and must not judge it again (it did: 5 kept verdicts counted twice).
    assert "run 2: 0 kept, 0 broken, 1 still open" in out, out
    assert "refused the connection: the store that took this order is not running" in out
    with open_ledger(ledger) as book:
        assert [r.kind for r in book.runs()] == ["shop", "follow-up"]
        [failure] = book.harness_failures([book.runs()[1].id])
        assert "order-status" in failure.message and "ERR_CONNECTION_REFUSED" not in failure.message


def test_broken_promise_exits_1(tmp_path, capsys):
    store = tmp_path / "store.yaml"
    store.write_text("faults:\n  price_drift: {rate: 1, step: product}\n", encoding="utf-8")
    profile = tmp_path / "profile.yaml"
    profile.write_text(DEMO.read_text(encoding="utf-8").replace(
        "demo_store: {restock: 500}", f"demo_store: {{config: {store}}}"), encoding="utf-8")
    code = main(["shop", str(_scenario(tmp_path, profile=profile)), "--ledger", str(tmp_path / "l.db"), "--no-progress"])
    assert code == 1
    out = capsys.readouterr().out
    assert "broken promise: price of" in out and "(+1.00 GBP)" in out


def test_bad_input_exits_2_with_one_line(tmp_path, capsys):
    scenario = _scenario(tmp_path, extra="shopers: 3\n")
    assert main(["shop", str(scenario), "--ledger", str(tmp_path / "l.db")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"keepword: error: {scenario}:9: shopers: unknown key; check its spelling against the documented keys"
    assert main(["shop", str(tmp_path / "missing.yaml")]) == 2


def test_changed_page_exits_3(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the profile below the working folder is named from it, as typed
    profile = tmp_path / "profile.yaml"
    profile.write_text(DEMO.read_text(encoding="utf-8")
                       .replace("root: '[data-testid=product]'", "root: '[data-testid=item]'")
                       .replace("timeout_ms: 10000", "timeout_ms: 1500"), encoding="utf-8")
    code = main(["shop", str(_scenario(tmp_path, profile=profile)), "--ledger", str(tmp_path / "l.db"), "--no-progress"])
    assert code == 3
    out = capsys.readouterr().out
    assert "1 harness errors" in out and "harness error: profile.yaml: product.price: no element matched" in out, out


def test_a_store_that_is_not_running_is_a_harness_error_in_words(tmp_path, capsys):
    import socket

    with socket.socket() as probe:  # a port nothing listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    ledger = tmp_path / "l.db"
    code = main(["shop", str(_scenario(tmp_path)), "--base-url", f"http://127.0.0.1:{port}/", "--ledger", str(ledger),
                 "--no-progress"])
    out = capsys.readouterr().out
    assert code == 3 and "1 harness errors" in out and "0 broken" in out
    assert f"http://127.0.0.1:{port}/ refused the connection: the store is not running" in out
    with open_ledger(ledger) as book:
        [failure] = book.harness_failures()
        assert "ERR_CONNECTION_REFUSED" not in failure.message and not book.claims()
