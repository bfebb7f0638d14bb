"""Faker personas in the store's locale, with data the store's own validation accepts.

Faker writes phone numbers with brackets ("+44(0)1164960415", "8 (303) 883-6859") and UK street
addresses over two lines; stores reject the one and have two fields for the other, so both are
normalised here. The e-mail address always uses the scenario's domain: keepword never types an
address at a real mailbox provider.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Persona", "make_persona"]


@dataclass(frozen=True, slots=True)
class Persona:
    """One customer. `fields()` is what `{persona.x}` placeholders in a profile can name."""

    first_name: str
    last_name: str
    email: str
    address1: str
    address2: str
    city: str
    postcode: str
    phone: str
    country: str

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def fields(self) -> dict[str, str]:
        return {
            "email": self.email, "name": self.name, "first_name": self.first_name,
            "last_name": self.last_name, "address1": self.address1, "address2": self.address2,
            "city": self.city, "postcode": self.postcode, "phone": self.phone, "country": self.country,
        }

    def __repr__(self) -> str:
        return f"<Persona {self.name} {self.email}>"


def _phone(raw: str) -> str:
    """Keep what a phone field accepts: digits, spaces, dashes and a leading plus."""
    text = raw.split("x")[0]
    plus = text.strip().startswith("+")
    text = text.replace("(0)", " ")
    text = re.sub(r"[^\d\s-]", " ", text)
    text = re.sub(r"\s+", " ", text).strip(" -")
    return ("+" if plus else "") + text


def faker_locale(locale: str) -> str:
    """`locale` if Faker makes personas for it, else one of the same language (a store's
    `money.locale` such as en_SG, which Faker lacks, gets en_GB-like names rather than a crash
    in the first shopper); a scenario's `persona.locale` is checked when it is loaded."""
    from faker.config import AVAILABLE_LOCALES

    if locale in AVAILABLE_LOCALES:
        return locale
    language = locale.split("_")[0].lower()
    same = sorted(x for x in AVAILABLE_LOCALES if x.split("_")[0] == language and "_" in x)
    preferred = {"en": "en_GB", "de": "de_DE", "fr": "fr_FR", "es": "es_ES", "pt": "pt_PT", "ru": "ru_RU"}
    first = preferred.get(language, "")
    return first if first in same else (same[0] if same else "en_US")


def make_persona(locale: str, email_domain: str, seed: int | str) -> Persona:
    """A persona for `locale` (e.g. en_GB, ru_RU, uk_UA), reproducible from `seed`."""
    import random

    from faker import Faker

    fake = Faker(faker_locale(locale))
    rng = random.Random(str(seed))
    fake.seed_instance(rng.getrandbits(64))
    phone = _phone(fake.phone_number())
    for _ in range(20):
        digits = sum(ch.isdigit() for ch in phone)
        if 7 <= digits <= 15:
            break
        phone = _phone(fake.phone_number())
    street = fake.street_address().split("\n")
    first, last = fake.first_name(), fake.last_name()
    user = re.sub(r"[^a-z0-9]", "", fake.user_name().lower()) or "shopper"
    return Persona(
        first_name=first,
        last_name=last,
        email=f"{user}.{rng.randrange(16**6):06x}@{email_domain}",
        address1=street[0],
        address2=street[1] if len(street) > 1 else "",
        city=fake.city(),
        postcode=fake.postcode(),
        phone=phone,
        country=fake.current_country_code() if hasattr(fake, "current_country_code") else locale[-2:],
    )
