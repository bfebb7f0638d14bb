"""Store profiles and scenarios: loading with file:line errors, safety rules, money and text reading."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from journeys.guard import check_typed
from journeys.persona import make_persona
from journeys.reading import (
    IN_STOCK,
    OUT_OF_STOCK,
    Unreadable,
    read_availability,
    read_email,
    read_jsonld,
    read_money,
)
from keepword.errors import BadInput, UnsafeAction
from keepword.money import Money
from keepword.profile import MoneyFormat, StoreProfile, load_profile
from keepword.scenario import host_allowed, is_test_card, load_scenario, scenario_for_profile

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "scenarios" / "stores" / "demo.yaml"


def test_demo_profile_and_scenario_load():
    profile = load_profile(DEMO)
    assert isinstance(profile, StoreProfile)
    assert profile.listing.title.attribute == "title"  # titles cut short on listings
    assert profile.basket.update_mode == "ajax"
    assert profile.checkout.steps[-3].if_url == "**/checkout/shipping"  # a step the store may skip
    scenario = load_scenario(ROOT / "scenarios" / "demo.yaml")
    assert scenario.store == DEMO.resolve()
    assert scenario.profile().name == profile.name
    assert scenario.total_journeys == scenario.shoppers * scenario.journeys_per_shopper


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_misspelt_key_names_file_line_and_field(tmp_path):
    text = DEMO.read_text(encoding="utf-8").replace("  update_mode: ajax", "  update_mod: ajax")
    path = _write(tmp_path, "shop.yaml", text)
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "update_mod:" in row)
    with pytest.raises(BadInput, match=rf"shop.yaml:{line}: basket.update_mod: unknown key"):
        load_profile(path)


def test_unknown_placeholder_is_refused_at_load(tmp_path):
    text = DEMO.read_text(encoding="utf-8").replace("{persona.city}", "{persona.town}")
    with pytest.raises(BadInput, match=r"unknown placeholder \{persona.town\}"):
        load_profile(_write(tmp_path, "shop.yaml", text))


def test_action_needs_exactly_one_verb(tmp_path):
    text = DEMO.read_text(encoding="utf-8").replace(
        "    - wait_for_url: '**/checkout/email'", "    - {wait_for_url: '**/checkout/email', click: '#go'}")
    with pytest.raises(BadInput, match="exactly one of"):
        load_profile(_write(tmp_path, "shop.yaml", text))


def test_scenario_refuses_real_cards_and_mail_providers(tmp_path):
    base = f"name: x\nstore: {DEMO}\npersona: {{email_domain: shoppers.example.test}}\n"
    with pytest.raises(BadInput, match=r"card\.number: .*test card"):
        load_scenario(_write(tmp_path, "a.yaml", base + "card: {number: '4012 8888 8888 1882'}\n"))
    with pytest.raises(BadInput, match="real mailbox provider"):
        load_scenario(_write(tmp_path, "b.yaml", base.replace("shoppers.example.test", "gmail.com")))
    with pytest.raises(BadInput, match=r"b2\.yaml:2: store: no store profile"):
        load_scenario(_write(tmp_path, "b2.yaml", base.replace(str(DEMO), "nowhere.yaml")))
    scenario = load_scenario(_write(tmp_path, "c.yaml", base + "simulation: {anything: [1, 2]}\n"))
    assert scenario.simulation == {"anything": [1, 2]}  # kept as a plain mapping for sim


def test_allow_list_and_test_cards():
    assert host_allowed("127.0.0.1", ["127.0.0.1"])
    assert host_allowed("shop.staging.acme.test", ["*.staging.acme.test"])
    assert not host_allowed("acme.com", ["*.staging.acme.test", "127.0.0.1"])
    assert is_test_card("4242 4242 4242 4242") and not is_test_card("4012 8888 8888 1881")
    check_typed("4242 4242 4242 4242")
    check_typed("SW1A 1AA")
    check_typed("020 7946 0000")
    with pytest.raises(UnsafeAction, match="not a documented test card"):
        check_typed("4012 8888 8888 1881")  # Luhn-valid, not on the list


@pytest.mark.parametrize(
    ("text", "locale", "currency", "amount"),
    [
        ("£1,234.00", "en_GB", "GBP", "1234.00"),
        ("\u00a3 12.99", "en_GB", "GBP", "12.99"),
        ("2\u00a0200 грн", "uk_UA", "UAH", "2200"),
        ("1\u00a0234,56\u00a0₽", "ru_RU", "RUB", "1234.56"),
        ("1 234,56 ₽", "ru_RU", "RUB", "1234.56"),
    ],
)
def test_money_as_stores_print_it(text, locale, currency, amount):
    assert read_money(text, MoneyFormat(locale=locale, currency=currency)) == Money(Decimal(amount), currency)


def test_money_that_is_not_money_is_unreadable_unless_a_free_word():
    with pytest.raises(Unreadable):
        read_money("Free", MoneyFormat())
    assert read_money("Free", MoneyFormat(free_words=("Free",))) == Money(Decimal(0), "GBP")


def test_availability_text():
    rules = load_profile(DEMO).availability
    assert read_availability("In stock (1,025 available)", rules).count == 1025
    assert read_availability("Only 2 left", rules).state == IN_STOCK
    assert read_availability("Out of stock", rules).state == OUT_OF_STOCK
    with pytest.raises(Unreadable, match="matches none"):
        read_availability("Ask us", rules)


def test_jsonld_block_by_block_with_graph():
    good = '{"@context": "https://schema.org", "@graph": [{"@type": "Product", "sku": "A-1", ' \
           '"offers": {"@type": "Offer", "price": 12.99, "priceCurrency": "GBP", ' \
           '"availability": "https://schema.org/LimitedAvailability"}}]}'
    offers, problems = read_jsonld(["{not json", good], MoneyFormat())
    assert len(problems) == 1 and "block 1" in problems[0]  # the bad block does not hide the good one
    assert offers[0].sku == "A-1"
    assert offers[0].price == Money(Decimal("12.99"), "GBP")  # parsed as Decimal, never float
    assert offers[0].availability == IN_STOCK
    assert read_jsonld([], MoneyFormat()) == ([], [])  # a store with no JSON-LD makes no claim


def test_email_lines():
    profile = load_profile(DEMO)
    body = ("Order number: KW-1\n2 x Kettle (KIT-001) at £12.99 = £25.98\nSubtotal: £25.98\n"
            "Shipping (Standard delivery): £3.95\nTotal: £29.93\n"
            "Promised delivery: Arrives by Thu 26 Nov (2026-11-26)\n")
    said = read_email(body, profile.email, profile.money)
    assert said.total == Money(Decimal("29.93"), "GBP")
    assert said.shipping == Money(Decimal("3.95"), "GBP")
    assert said.units == {"KIT-001": Money(Decimal("12.99"), "GBP")}
    assert str(said.promise_latest) == "2026-11-26"


@pytest.mark.parametrize(
    ("locale", "postcode"),
    [("en_GB", r"^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$"), ("ru_RU", r"^\d{6}$"), ("uk_UA", r"^\d{5}$")],
)
def test_personas_are_valid_where_they_live(locale, postcode):
    for seed in range(25):
        persona = make_persona(locale, "shoppers.example.test", seed)
        assert re.match(postcode, persona.postcode), persona.postcode
        assert re.match(r"^\+?[\d -]+$", persona.phone) and 7 <= sum(c.isdigit() for c in persona.phone) <= 15
        assert persona.email.endswith("@shoppers.example.test")
        assert "\n" not in persona.address1
    assert make_persona(locale, "x.test", 3) == make_persona(locale, "x.test", 3)  # reproducible


def test_scenario_for_profile_defaults_to_loopback_only():
    scenario = scenario_for_profile(DEMO)
    assert set(scenario.allow_orders_on) >= {"127.0.0.1", "localhost"}


def test_store_hooks_load_by_name():
    from journeys.base import StoreHooks, load_hooks

    assert type(load_hooks(None)) is StoreHooks
    assert type(load_hooks("journeys.base:StoreHooks")) is StoreHooks
    with pytest.raises(BadInput, match="cannot import"):
        load_hooks("journeys.base:Nope")
    with pytest.raises(BadInput, match="not a subclass"):
        load_hooks("journeys.base:load_hooks")


def test_a_money_locale_faker_lacks_gets_personas_of_its_language():
    """A store's money.locale (the personas' default) that Faker has no data for, such as en_SG,
    stopped the first shopper with a harness error ("Invalid configuration for faker locale")."""
    persona = make_persona("en_SG", "shoppers.example.test", 1)
    assert persona == make_persona("en_GB", "shoppers.example.test", 1)
    assert make_persona("xx_YY", "x.test", 1) == make_persona("en_US", "x.test", 1)


@pytest.mark.parametrize(("line", "said"), [
    ("persona: {email_domain: shoppers.example.test, locale: xx_YY}",
     "persona.locale: no personas for locale 'xx_YY'; use one Faker has"),
    ("tolerances: {email_within_seconds: .inf}", "tolerances.email_within_seconds: Input should be less than"),
    ("tolerances: {money: .nan}", "tolerances.money: Input should be a finite number"),
    ("mail: {wait_seconds: .inf}", "mail.wait_seconds: Input should be less than or equal to 3600"),
])
def test_scenario_values_that_broke_a_run_are_refused_when_loaded(tmp_path, line, said):
    """Each of these was accepted by `keepword check`, then hung a shopper (an infinite mail
    wait) or stopped it with a harness error that named no file."""
    from keepword.errors import KeepwordError
    from keepword.scenario import load_scenario

    path = tmp_path / "s.yaml"
    persona = "" if line.startswith("persona:") else "persona: {email_domain: shoppers.example.test}\n"
    store = Path(__file__).resolve().parent.parent / "scenarios" / "stores" / "demo.yaml"
    path.write_text(f"name: s\nstore: {store}\n{persona}{line}\n", encoding="utf-8")
    with pytest.raises(KeepwordError) as caught:
        load_scenario(path)
    assert "s.yaml:" in str(caught.value) and said in str(caught.value), caught.value


def test_a_demo_store_config_that_is_not_there_is_named_at_its_line(tmp_path):
    from keepword.errors import BadInput
    from keepword.profile import load_profile

    demo = Path(__file__).resolve().parent.parent / "scenarios" / "stores" / "demo.yaml"
    path = tmp_path / "p.yaml"
    path.write_text(demo.read_text(encoding="utf-8").replace(
        "demo_store: {restock: 500}", "demo_store: {restock: 500, config: nope.yaml}"), encoding="utf-8")
    with pytest.raises(BadInput) as caught:
        load_profile(path)
    assert str(caught.value).startswith(f"{path}:7: demo_store.config: no demo-store config at {tmp_path / 'nope.yaml'}")
