"""Writing money and dates the way a store in the configured locale does, and checking the
address and card fields a shopper types (server-side, one clear error per field)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from keepword.money import Money, format_money

__all__ = ["Locale", "check_address", "check_card"]


@dataclass(frozen=True)
class Locale:
    """The store's currency, locale and money pattern, with the formatting the pages use."""

    currency: str
    locale: str
    pattern: str | None = None

    def money(self, amount: Decimal) -> Money:
        return Money(amount, self.currency)

    @property
    def whole_units(self) -> bool:
        """True when the pattern shows no fraction (e.g. "2 200 грн")."""
        return self.pattern is not None and "." not in self.pattern.split(";")[0].replace("'", "")

    def _money(self, amount: Decimal | Money) -> Money:
        return amount if isinstance(amount, Money) else self.money(amount)

    def format(self, amount: Decimal | Money) -> str:
        return format_money(self._money(amount), self.locale, pattern=self.pattern)

    def plain(self, amount: Decimal | Money) -> str:
        """A machine price for JSON-LD: "1234.00", never localised."""
        return str(self._money(amount).quantized())

    def day(self, value: date) -> str:
        """A delivery day as shops print it: "Thu 26 Nov"."""
        from babel.dates import format_date

        return str(format_date(value, "EEE d MMM", locale=self.locale))

    def instant(self, value: datetime) -> str:
        from babel.dates import format_datetime

        return str(format_datetime(value, "EEE d MMM, HH:mm", tzinfo=value.tzinfo, locale=self.locale))


_POSTCODES = {
    "GB": (re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$", re.I), "a UK postcode such as SW1A 1AA"),
    "RU": (re.compile(r"^[0-9]{6}$"), "six digits, such as 101000"),
    "UA": (re.compile(r"^[0-9]{5}$"), "five digits, such as 01001"),
}
_PHONE = re.compile(r"^\+?[0-9][0-9 \-]{5,20}$")

REQUIRED = ("name", "address1", "city", "postcode", "phone")


def check_address(form: dict[str, str], locale: str) -> dict[str, str]:
    """Per-field error messages (empty when the address is acceptable)."""
    errors = {f: "This field is required." for f in REQUIRED if not form.get(f, "").strip()}
    territory = locale.split("_")[-1].upper()
    postcode = form.get("postcode", "").strip()
    rule = _POSTCODES.get(territory)
    if postcode and rule and not rule[0].match(postcode):
        errors["postcode"] = f"Enter a valid postcode: {rule[1]}."
    phone = form.get("phone", "").strip()
    if phone:
        digits = sum(ch.isdigit() for ch in phone)
        if not _PHONE.match(phone) or not 7 <= digits <= 15:
            errors["phone"] = "Enter a phone number of 7 to 15 digits (spaces, dashes and a leading + allowed)."
    return errors


# The only cards the store takes: it is a staging store, and a real card must never be typed in.
TEST_CARDS = {
    "4242424242424242": ("Visa", True),
    "5555555555554444": ("Mastercard", True),
    "4000000000000002": ("Visa (declined)", False),
}


def check_card(form: dict[str, str], today: date) -> dict[str, str]:
    """Per-field errors for the payment step; only the documented test cards pass."""
    errors: dict[str, str] = {}
    number = re.sub(r"[ \-]", "", form.get("card_number", ""))
    if not number:
        errors["card_number"] = "This field is required."
    elif number not in TEST_CARDS:
        errors["card_number"] = "Only the test cards listed below are accepted in this demo store."
    elif not TEST_CARDS[number][1]:
        errors["card_number"] = "Your card was declined."
    match = re.fullmatch(r"\s*(\d{2})\s*/\s*(\d{2})\s*", form.get("card_expiry", ""))
    if not match or not 1 <= int(match.group(1)) <= 12:
        errors["card_expiry"] = "Enter the expiry as MM/YY."
    elif (2000 + int(match.group(2)), int(match.group(1))) < (today.year, today.month):
        errors["card_expiry"] = "This card has expired."
    if not re.fullmatch(r"\d{3}", form.get("card_cvc", "").strip()):
        errors["card_cvc"] = "Enter the 3 digits on the back of the card."
    if not form.get("card_name", "").strip():
        errors["card_name"] = "This field is required."
    return errors
