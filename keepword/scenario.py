"""The scenario: which store to shop, how, how often, and how strictly to judge it.

    name: demo
    store: stores/demo.yaml            # the store profile, relative to this file
    journeys: [guest_checkout]         # bundled journeys, or "package.module:function"
    shoppers: 4                        # in parallel, each with its own browser
    journeys_per_shopper: 50
    allow_orders_on: [127.0.0.1]       # hosts where orders may really be placed
    persona: {email_domain: shoppers.example.test}
    tolerances: {money: "0.00", delivery_days: 0, email_within_seconds: 60}
    simulation: {...}                  # kept as a plain mapping; `sim` validates it

Unknown keys are errors (`extra="forbid"`), reported with file and line by `keepword.loading`.
"""

from __future__ import annotations

import fnmatch
import re
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from keepword.patterns import HttpUrl

if TYPE_CHECKING:
    from keepword.profile import StoreProfile

__all__ = [
    "TEST_CARDS",
    "BlockSettings",
    "CardSettings",
    "MailSettings",
    "PersonaSettings",
    "Scenario",
    "Tolerances",
    "host_allowed",
    "is_test_card",
    "load_scenario",
    "scenario_for_profile",
]

# Card numbers that payment providers document as test cards (Stripe, Adyen, Braintree...):
# the only card numbers keepword will ever type.
TEST_CARDS: frozenset[str] = frozenset(
    {
        "4242424242424242",  # Visa, succeeds
        "4000056655665556",  # Visa debit
        "5555555555554444",  # Mastercard, succeeds
        "2223003122003222",  # Mastercard 2-series
        "378282246310005",  # American Express
        "4000000000000002",  # declined
        "4000000000009995",  # insufficient funds
        "4111111111111111",  # Visa test card (Braintree, Adyen)
    }
)

_EMAIL_DOMAIN = re.compile(r"^(?=.{3,253}$)([a-z0-9-]+\.)+[a-z]{2,63}$")


def is_test_card(number: str) -> bool:
    """True when `number` (spaces and dashes allowed) is a documented test card."""
    return re.sub(r"[\s-]", "", number) in TEST_CARDS


def host_allowed(host: str, allowed: list[str] | tuple[str, ...]) -> bool:
    """Whether orders may be placed on `host`; entries are host names or globs (`*.staging.acme.test`)."""
    host = host.lower().strip("[]")
    return any(fnmatch.fnmatchcase(host, pattern.lower()) for pattern in allowed)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PersonaSettings(_Strict):
    """Faker personas: the locale (default: the store's money locale) and the e-mail domain,
    which must be one the scenario's owner controls or a reserved test domain, never a real
    mailbox provider."""

    email_domain: str
    locale: str | None = None
    country: str | None = None

    @field_validator("locale")
    @classmethod
    def _faker_locale(cls, value: str | None) -> str | None:
        """A locale Faker makes personas for: checked here, not by the first shopper at run time."""
        from faker.config import AVAILABLE_LOCALES

        if value is not None and value not in AVAILABLE_LOCALES:
            near = sorted(x for x in AVAILABLE_LOCALES if x.split("_")[0] == value.split("_")[0].lower())[:4]
            raise ValueError(f"no personas for locale {value!r}; use one Faker has, such as "
                             f"{', '.join(near or ['en_GB', 'en_US', 'de_DE', 'ru_RU'])}")
        return value

    @field_validator("email_domain")
    @classmethod
    def _domain(cls, value: str) -> str:
        value = value.lower()
        if not _EMAIL_DOMAIN.match(value):
            raise ValueError(f"{value!r} is not a domain name; e.g. shoppers.example.test")
        if value in {"gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "mail.ru", "yandex.ru", "ukr.net"}:
            raise ValueError(f"{value} is a real mailbox provider; use a domain you control or *.test")
        return value


class CardSettings(_Strict):
    """The card typed at payment: only documented test cards are accepted."""

    number: str = "4242 4242 4242 4242"
    expiry: str = Field(default="12/34", pattern=r"^(0[1-9]|1[0-2])/\d{2}$")
    cvc: str = Field(default="123", pattern=r"^\d{3,4}$")

    @field_validator("number")
    @classmethod
    def _test_card(cls, value: str) -> str:
        if not is_test_card(value):
            raise ValueError("only documented test card numbers may be typed (e.g. 4242 4242 4242 4242)")
        return value


class Tolerances(_Strict):
    """How much difference still counts as a kept promise."""

    # Upper bounds: a tolerance past them would keep every promise (and an infinite one broke
    # the date arithmetic mid-run).
    money: Decimal = Field(default=Decimal("0"), ge=0, le=Decimal(1_000_000), allow_inf_nan=False)
    delivery_days: int = Field(default=0, ge=0, le=365)
    email_within_seconds: float = Field(default=120.0, gt=0, le=30 * 86_400)


ResourceType = Literal["image", "font", "media", "stylesheet", "script", "texttrack", "manifest", "other"]
_QUIET: tuple[ResourceType, ...] = ("image", "font", "media")


class BlockSettings(_Strict):
    """What shoppers do not load, because it says nothing about a promise: resource `types`
    (default images, fonts and media: the pages' words and numbers are all keepword reads), and,
    with `third_party: true`, anything from another host than the store's except `allow_hosts`
    (a payment widget, a CDN the checkout's scripts come from). Blocking saves the browser's CPU
    time, which is what limits how many shoppers a machine runs at once."""

    types: list[ResourceType] = Field(default_factory=lambda: list(_QUIET))
    third_party: bool = False
    allow_hosts: list[str] = Field(default_factory=list)


class MailSettings(_Strict):
    """Where the store's e-mails to personas arrive (a directory the mail sink writes), and how
    long a shopper waits for one before leaving the claim open for `keepword follow-up`."""

    dir: Path | None = None
    wait_seconds: float | None = Field(default=None, ge=0, le=3_600)  # a shopper waits an hour at most


class Scenario(_Strict):
    """One shop scenario; see the module docstring for an example."""

    name: str
    description: str = ""
    store: Path
    base_url: HttpUrl | None = None
    journeys: list[str] = Field(default_factory=lambda: ["guest_checkout"], min_length=1)
    shoppers: int = Field(default=1, ge=1, le=64)
    journeys_per_shopper: int = Field(default=1, ge=1)
    allow_orders_on: list[str] = Field(default_factory=list)
    persona: PersonaSettings
    card: CardSettings = Field(default_factory=lambda: CardSettings())
    quantity: tuple[int, int] = (1, 3)
    seed: int = 0
    tolerances: Tolerances = Field(default_factory=lambda: Tolerances())
    mail: MailSettings = Field(default_factory=lambda: MailSettings())
    block: BlockSettings = Field(default_factory=lambda: BlockSettings())
    simulation: dict[str, Any] | None = None
    path: Path | None = Field(default=None, exclude=True)

    @field_validator("journeys")
    @classmethod
    def _journey_names(cls, value: list[str]) -> list[str]:
        for name in value:
            if not re.match(r"^[\w.]+(:\w+)?$", name):
                raise ValueError(f"{name!r}: give a bundled journey name or package.module:function")
        return value

    @model_validator(mode="after")
    def _quantities(self) -> Scenario:
        low, high = self.quantity
        if not 1 <= low <= high:
            raise ValueError("quantity must be [low, high] with 1 <= low <= high")
        return self

    def __repr__(self) -> str:
        return f"<Scenario {self.name} {self.shoppers}x{self.journeys_per_shopper} {self.store}>"

    @property
    def total_journeys(self) -> int:
        return self.shoppers * self.journeys_per_shopper * len(self.journeys)

    def profile(self) -> StoreProfile:
        """The store profile this scenario names, with the scenario's base URL applied."""
        from keepword.profile import load_profile

        profile = load_profile(self.store)
        if self.base_url:
            profile = profile.model_copy(update={"base_url": self.base_url})
        return profile


def load_scenario(path: str | Path, taker: str = "`keepword shop`") -> Scenario:
    """Load and validate a scenario; the store profile path is resolved from its folder.
    `taker` is the command named when the file is of another kind."""
    from keepword.filekinds import SHOP_SCENARIO, wrong_kind
    from keepword.loading import load_document

    document = load_document(path)
    mistaken = wrong_kind(path, document.data, SHOP_SCENARIO, taker)
    if mistaken is not None:
        raise mistaken
    scenario = document.validate(Scenario)
    update: dict[str, Any] = {"path": Path(path)}
    base = Path(path).resolve().parent
    if not scenario.store.is_absolute():
        update["store"] = base / scenario.store
    if scenario.mail.dir is not None and not scenario.mail.dir.is_absolute():
        update["mail"] = scenario.mail.model_copy(update={"dir": Path.cwd() / scenario.mail.dir})
    store = update.get("store", scenario.store)
    if not store.exists():
        from keepword.loading import load_document

        raise load_document(path).error(("store",), f"no store profile at {store}; check the path")
    return scenario.model_copy(update=update)


def scenario_for_profile(profile_path: str | Path, **overrides: Any) -> Scenario:
    """A one-shopper scenario around a profile, for `pytest journeys/ --store ...`."""
    data: dict[str, Any] = {
        "name": Path(profile_path).stem,
        "store": Path(profile_path),
        "persona": {"email_domain": "shoppers.example.test"},
        "allow_orders_on": ["127.0.0.1", "localhost", "::1"],
    }
    data.update({k: v for k, v in overrides.items() if v is not None})
    return Scenario.model_validate(data)
