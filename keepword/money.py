"""Money as Decimal with its currency, read from and written to store text with Babel.

Stores print money in their locale ("£1,234.00", "2 200,00 ₽", "2 200 грн"); reading it with our
own regexes is how "1.234" becomes 1.234 in one place and 1234 in another. price-parser finds the
amount in free text; Babel's strict parser then checks that the amount is well formed for the
store's locale, so a malformed number is an error rather than a guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from functools import lru_cache

__all__ = ["Money", "format_money", "minor_digits", "parse_money"]

_SPACES = "\u00a0\u202f\u2009 "


@lru_cache(maxsize=64)
def minor_digits(currency: str) -> int:
    """Digits after the point in the currency's minor unit (2 for GBP, 0 for JPY)."""
    from babel.numbers import get_currency_precision

    return int(get_currency_precision(currency))


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in one currency. Arithmetic across currencies is refused, never converted."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            try:
                object.__setattr__(self, "amount", Decimal(str(self.amount)))
            except InvalidOperation as exc:
                raise ValueError(f"Money: {self.amount!r} is not a number") from exc
        if isinstance(self.amount, float):  # pragma: no cover - guarded above
            raise TypeError("Money never holds a float")
        object.__setattr__(self, "currency", self.currency.upper())

    @classmethod
    def of(cls, amount: str | int | Decimal, currency: str) -> Money:
        """Build from a string or int; floats are refused because they cannot hold pence."""
        if isinstance(amount, float):
            raise TypeError("Money.of: pass a str or Decimal, not a float")
        return cls(Decimal(str(amount)), currency)

    @classmethod
    def from_minor(cls, minor: int, currency: str) -> Money:
        """From integer minor units (pence, kopecks), as the ledger stores them."""
        return cls(Decimal(minor).scaleb(-minor_digits(currency)), currency)

    def quantized(self) -> Decimal:
        """The amount rounded half-even to the currency's minor unit ("1234.00" for GBP)."""
        return self.amount.quantize(Decimal(1).scaleb(-minor_digits(self.currency)), rounding=ROUND_HALF_EVEN)

    @property
    def minor(self) -> int:
        """Integer minor units, rounded half-even to the currency's precision."""
        return int(self.quantized().scaleb(minor_digits(self.currency)))

    def _same(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} with {other.currency}")
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.amount + self._same(other).amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.amount - self._same(other).amount, self.currency)

    def __mul__(self, factor: int | Decimal) -> Money:
        if isinstance(factor, float):
            raise TypeError("Money * float is refused; use Decimal")
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __abs__(self) -> Money:
        return Money(abs(self.amount), self.currency)

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._same(other).amount

    def __le__(self, other: Money) -> bool:
        return self.amount <= self._same(other).amount

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self.currency == other.currency and self.minor == other.minor

    def __hash__(self) -> int:
        return hash((self.minor, self.currency))

    def __repr__(self) -> str:
        return f"Money('{self.amount}', '{self.currency}')"

    def __str__(self) -> str:
        return f"{self.quantized()} {self.currency}"


def parse_money(
    text: str,
    *,
    locale: str,
    currency: str,
    free_words: tuple[str, ...] = (),
) -> Money:
    """Read an amount a store printed, e.g. "£1,234.00" or "2 200 грн", as Money.

    Raises ValueError with the text when there is no amount in it. "Free" is not a price unless
    the profile lists it in `free_words` (price-parser would silently read it as 0).
    """
    from babel.numbers import (
        NumberFormatError,
        get_decimal_symbol,
        get_group_symbol,
        parse_decimal,
    )
    from price_parser import Price

    raw = text.strip()
    if free_words and raw.casefold() in {w.casefold() for w in free_words}:
        return Money(Decimal(0), currency)
    if not any(ch.isdigit() for ch in raw):
        raise ValueError(f"no amount in {text!r}")
    decimal_symbol = get_decimal_symbol(locale)
    price = Price.fromstring(raw, decimal_separator=decimal_symbol)
    if price.amount_text is None or price.amount is None:
        raise ValueError(f"no amount in {text!r}")
    amount_text = price.amount_text.strip()
    group = get_group_symbol(locale)
    if group in _SPACES:
        for space in _SPACES:
            amount_text = amount_text.replace(space, group)
    try:
        amount = parse_decimal(amount_text, locale=locale, strict=True)
    except NumberFormatError as exc:
        raise ValueError(f"{text!r} is not a well-formed amount for locale {locale}: {exc}") from exc
    if raw.lstrip().startswith("-") or raw.lstrip().startswith("\u2212"):
        amount = -abs(amount)
    return Money(Decimal(amount), currency)


def format_money(money: Money, locale: str, *, pattern: str | None = None) -> str:
    """Write money the way a store in `locale` would (Babel), optionally with a CLDR pattern.

    A pattern decides its own fraction digits ("#,##0 'грн'" shows none), so Babel is told not
    to force the currency's digits onto it.
    """
    from babel.numbers import format_currency

    if pattern:
        return str(format_currency(money.amount, money.currency, format=pattern, locale=locale,
                                   currency_digits=False))
    return str(format_currency(money.amount, money.currency, locale=locale))
