"""What a checkout's field is, for the draft: the persona placeholder a field takes (by its
`autocomplete` token first, then its name, id, label or placeholder), a country's name as
stores list it, and the amount at the end of a method's label."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from journeys.tooling.scan import Spot

__all__ = ["country_name", "money_part", "placeholder"]

# (what a field is, its persona placeholder): autocomplete tokens first, then names, ids, labels
_AUTOCOMPLETE = {"email": "persona.email", "given-name": "persona.first_name", "family-name": "persona.last_name",
                 "name": "persona.name", "address-line1": "persona.address1", "address-line2": "persona.address2",
                 "address-level2": "persona.city", "postal-code": "persona.postcode", "tel": "persona.phone",
                 "cc-number": "card.number", "cc-exp": "card.expiry", "cc-csc": "card.cvc", "cc-name": "card.name"}
_NAMES = [
    (r"card.?num|cc.?num|cardnumber", "card.number"), (r"expir|exp.?date|cc.?exp|card.?exp", "card.expiry"),
    (r"cvc|cvv|security.?code|card.?cvc", "card.cvc"), (r"card.?name|name.?on.?card|cardholder", "card.name"),
    (r"e-?mail", "persona.email"), (r"first.?name|given", "persona.first_name"),
    (r"last.?name|surname|family", "persona.last_name"), (r"full.?name|^name$|your name|\bname$", "persona.name"),
    (r"address.?2|address_2|apartment|suite", "persona.address2"),
    (r"address.?1|address_1|street|^address$|address$", "persona.address1"),
    (r"city|town|locality", "persona.city"), (r"post.?code|postal|zip", "persona.postcode"),
    (r"phone|tel\b|telephone|mobile", "persona.phone"),
]


def country_name(code: str) -> str | None:
    """A country's English name as a store lists it ("US" -> "United States")."""
    from babel import Locale

    return Locale("en").territories.get(code.upper()) if code else None


def placeholder(field: Spot) -> str | None:
    """The `{group.name}` a field takes ("persona.email", "card.number"), or None."""
    token = field.info["autocomplete"].split()[-1] if field.info["autocomplete"] else ""
    if token in _AUTOCOMPLETE:
        return _AUTOCOMPLETE[token]
    words = " ".join((field.info["name"], field.info["id"], field.text, field.info["placeholder"]))
    if field.info["type"] == "email":
        return "persona.email"
    return next((taken for pattern, taken in _NAMES if re.search(pattern, words, re.I)), None)


def money_part(text: str) -> str:
    """The amount at the end of a label ("Flat Shipping Rate - $5.00" -> " $5.00")."""
    found = re.search(r"[^-:]*\d[^-:]*$", text)
    return found.group(0) if found else text
