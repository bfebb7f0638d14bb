"""Money read as stores print it, in their locale, never as a float."""

from __future__ import annotations

from decimal import Decimal

import pytest

from keepword.money import Money, format_money, parse_money


@pytest.mark.parametrize(
    ("text", "locale", "currency", "amount"),
    [
        ("£12.99", "en_GB", "GBP", "12.99"),
        ("£1,234.00", "en_GB", "GBP", "1234.00"),
        ("Total: £3.95 incl. VAT", "en_GB", "GBP", "3.95"),
        ("1 234,56 ₽", "ru_RU", "RUB", "1234.56"),
        ("2\u00a0200,00\u00a0₽", "ru_RU", "RUB", "2200"),
        ("2 200 грн", "uk_UA", "UAH", "2200"),
        ("1.234,50 €", "de_DE", "EUR", "1234.50"),
    ],
)
def test_store_text_is_read_in_its_locale(text, locale, currency, amount):
    assert parse_money(text, locale=locale, currency=currency) == Money.of(amount, currency)


@pytest.mark.parametrize("text", ["Free", "In stock", "", "call us"])
def test_text_without_an_amount_is_an_error_not_zero(text):
    with pytest.raises(ValueError, match="no amount"):
        parse_money(text, locale="en_GB", currency="GBP")


def test_free_is_zero_only_when_the_profile_says_so():
    assert parse_money("Free", locale="en_GB", currency="GBP", free_words=("free",)) == Money.of(0, "GBP")


def test_arithmetic_stays_exact_and_refuses_mixed_currencies():
    unit = Money.of("0.10", "GBP")
    assert unit * 3 == Money.of("0.30", "GBP")
    assert (unit * 3).amount == Decimal("0.30")
    assert Money.from_minor(1299, "GBP") == Money.of("12.99", "GBP")
    assert Money.of("2200", "RUB").minor == 220000
    with pytest.raises(ValueError, match="GBP with EUR"):
        unit + Money.of(1, "EUR")
    with pytest.raises(TypeError):
        Money.of(0.1, "GBP")  # type: ignore[arg-type]


def test_formatting_round_trips_through_parsing():
    for amount, currency, locale in [("1234.5", "GBP", "en_GB"), ("2200", "RUB", "ru_RU")]:
        money = Money.of(amount, currency)
        assert parse_money(format_money(money, locale), locale=locale, currency=currency) == money
