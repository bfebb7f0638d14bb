"""The store's YAML: bad input is one line naming file:line: field; locales format money right;
the CLI commands start, print where they listen, and refuse bad config with exit code 2."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from demo_store.config import load_config
from demo_store.testing import HttpShopper, running_store
from keepword.cli import main
from keepword.errors import BadInput
from keepword.money import parse_money

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("clock:\n  speed: -1\n", ":2: clock.speed: "),
        ("currency: GBP\nfaults:\n  price_drift:\n    step: nowhere\n", ":4: faults.price_drift.step: "),
        ("faults:\n  price_drfit: {rate: 1}\n", ":2: faults.price_drfit: unknown key"),
        ("locale: xx_YY\n", ":1: locale: "),
        ("fulfilment:\n  kind: simple\n  cutof_hour: 3\n", ":3: fulfilment.cutof_hour: unknown key"),
        ("fulfilment:\n  kind: crystal-ball\n", ":2: fulfilment.kind: unknown fulfilment kind"),
        ("shipping:\n  - {code: std, name: Std, charge: {EUR: '1'}, transit_days: [1, 2]}\n", ":1: shipping: "),
        ("clock: {speed: 1\n", "YAML syntax error"),
    ],
)
def test_bad_config_is_one_line_naming_file_line_and_field(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "store.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BadInput) as caught:
        load_config(path)
    message = str(caught.value)
    assert message.startswith(str(path)) and expected in message and "\n" not in message


def test_bundled_config_loads_and_resolves_paths() -> None:
    config = load_config(ROOT / "scenarios" / "stores" / "demo-store.yaml")
    assert config.faults.price_drift is not None and config.clock.speed == 3600
    assert config.ground_truth is not None and config.ground_truth.is_absolute()
    assert config.base_dir() == ROOT / "scenarios" / "stores"


def test_catalogue_without_a_price_in_the_currency_is_refused(tmp_path: Path) -> None:
    catalogue = tmp_path / "cat.yaml"
    catalogue.write_text("categories: [{slug: a, name: A}]\n"
                         "products:\n  - {sku: A-1, name: A, category: a, stock: 1, prices: {GBP: '1.00'}}\n",
                         encoding="utf-8")
    with pytest.raises(BadInput, match=r"cat\.yaml:3: products\.0\.prices: no price in RUB"):
        with running_store({"catalogue": str(catalogue), "currency": "RUB", "locale": "ru_RU",
                            "shipping": [{"code": "s", "name": "S", "charge": {"RUB": "1"}, "transit_days": [1, 2]}]}):
            pass


@pytest.mark.parametrize(
    ("currency", "locale", "shown"),
    [("RUB", "ru_RU", "2\u00a0200,00\u00a0₽"), ("UAH", "uk_UA", "2\u00a0200\u00a0\u0433\u0440\u043d"), ("GBP", "en_GB", "£24.99")],
)
def test_money_is_shown_in_the_store_locale(tmp_path: Path, currency: str, locale: str, shown: str) -> None:
    config = {"currency": currency, "locale": locale, "clock": {"speed": 0},
              "ground_truth": str(tmp_path / "t.jsonl")}
    with running_store(config) as store:
        page = HttpShopper(store.url).get("/product/KIT-001")
        assert page.text("product-price").replace(" ", "\u00a0") == shown.replace(" ", "\u00a0") or \
            page.get("product-price").parts[0].strip() == shown
        offer = page.jsonld()[0]["offers"]
        assert offer["priceCurrency"] == currency
        assert parse_money(page.get("product-price").parts[0], locale=locale, currency=currency).amount == \
            Decimal(offer["price"])


def test_cli_store_refuses_bad_config_with_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("clock:\n  sped: 3\n", encoding="utf-8")
    assert main(["store", "--config", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"keepword: error: {path}:2: clock.sped: unknown key; check its spelling against the documented keys"


def _start(args: list[str], tmp_path: Path) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "KEEPWORD_STORE_ADMIN_TOKEN": "t0ken", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "keepword", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=env)
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def test_cli_mail_and_store_run_until_stopped(tmp_path: Path) -> None:
    mail, where = _start(["mail", "--port", "0", "--dir", str(tmp_path / "mail")], tmp_path)
    try:
        host, port = where.rsplit(":", 1)
        store, url = _start(["store", "--port", "0", "--smtp-port", port, "--clock-speed", "0",
                             "--ground-truth", str(tmp_path / "truth.jsonl")], tmp_path)
        try:
            assert url.startswith("http://127.0.0.1:") and host == "127.0.0.1"
            assert "Keepword Demo Store" in httpx.get(url).text
            clock = httpx.get(url + "admin/clock", headers={"Authorization": "Bearer t0ken"})
            assert clock.status_code == 200 and clock.json()["speed"] == 0
        finally:
            _stop(store)
        assert store.returncode == 0
    finally:
        _stop(mail)
    assert mail.returncode in (0, 130)


def test_public_names_are_sorted_and_exist() -> None:
    import importlib
    import pkgutil

    import demo_store

    names = ["demo_store", "keepword.mail"] + [f"demo_store.{m.name}" for m in pkgutil.iter_modules(demo_store.__path__)]
    for name in names:
        module = importlib.import_module(name)
        public = module.__all__
        assert public == sorted(public), name
        assert all(hasattr(module, n) for n in public), name
