"""The demo store's own configuration: one YAML file, validated with line numbers.

Everything a run of the store can vary lives here (currency and locale, the clock, shipping
methods, fulfilment, mail, the admin token, the fault mix, where the ground truth goes), so a
demo or a test is reproducible from one file. Unknown keys are errors: a misspelt fault name
must not silently leave the store honest.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationInfo, field_validator

from demo_store.faults import FaultsConfig
from keepword.loading import LocaleName

__all__ = [
    "CheckoutConfig",
    "ClockConfig",
    "CrawlConfig",
    "FulfilmentConfig",
    "MailConfig",
    "ShippingMethodConfig",
    "StoreConfig",
    "ThrottleConfig",
    "load_config",
]

_DEFAULT_CURRENCY_PATTERNS = {
    # Babel's default symbol for UAH is "₴"; Ukrainian shops mostly print "грн" and no kopecks.
    ("UAH", "uk_UA"): "#,##0\u00a0'грн'",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ClockConfig(_Strict):
    """The store clock: `speed: 3600` makes one real second one store hour; 0 stops it."""

    speed: float = Field(default=1.0, ge=0, le=1_000_000)  # a store year in half a minute at most
    start: datetime | None = None

    @field_validator("start")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("give a timezone, e.g. 2026-11-23T09:00:00+00:00")
        return value


class ShippingMethodConfig(_Strict):
    """One way to ship: its charge per currency and its transit time in working days."""

    code: str = Field(pattern=r"^[a-z0-9_-]+$")
    name: str
    charge: dict[str, Decimal]
    transit_days: tuple[int, int]
    promise: Literal["date", "window"] = "date"

    @field_validator("transit_days")
    @classmethod
    def _ordered(cls, value: tuple[int, int]) -> tuple[int, int]:
        if not 0 <= value[0] <= value[1]:
            raise ValueError("transit_days must be [min, max] with 0 <= min <= max")
        return value


def _default_methods() -> list[ShippingMethodConfig]:
    return [
        ShippingMethodConfig(code="express", name="Express delivery", transit_days=(1, 1),
                             charge={"GBP": Decimal("6.95"), "RUB": Decimal("690"), "UAH": Decimal("290")}),
        ShippingMethodConfig(code="standard", name="Standard delivery", transit_days=(2, 3),
                             charge={"GBP": Decimal("3.95"), "RUB": Decimal("390"), "UAH": Decimal("150")}),
        ShippingMethodConfig(code="economy", name="Economy delivery", transit_days=(3, 5),
                             promise="window",
                             charge={"GBP": Decimal("1.95"), "RUB": Decimal("190"), "UAH": Decimal("80")}),
    ]


class CheckoutConfig(_Strict):
    """Checkout switches, so that keepword's profile language can be tried on other mechanics
    than the default: `single_shipping_method` offers only the first method (step skipped);
    `shipping_widget` offers methods as radios, one submit button per method, or a <select>;
    `line_totals_only` shows line totals without unit prices on the preview, the confirmation
    and in the e-mail (as many real stores do)."""

    single_shipping_method: bool = False
    shipping_widget: Literal["radio", "buttons", "select"] = "radio"
    line_totals_only: bool = False


class FulfilmentConfig(BaseModel):
    """`kind` picks a Fulfilment class (see demo_store.fulfilment); its own options sit beside it
    and are validated by that class's `Options` model, so new kinds need no change here."""

    model_config = ConfigDict(extra="allow")
    kind: str = "simple"


class MailConfig(_Strict):
    """Where confirmation e-mails go. No port: the store sends none (and says so at start)."""

    host: str = "127.0.0.1"
    port: int | None = Field(default=None, ge=1, le=65535)
    sender: str = "orders@demo-store.test"


class ThrottleConfig(_Strict):
    """Answer every `every`-th request for a product page with `status` and a Retry-After of
    `retry_after` seconds, as a store behind a rate-limiting CDN does."""

    every: int = Field(ge=2)
    status: Literal[429, 503] = 429
    retry_after: int = Field(default=1, ge=0, le=120)


class CrawlConfig(_Strict):
    """How the store meets crawlers such as `keepword catalogue`: its size, robots.txt, listing
    pages, throttling. The feeds (/feed.xml, /feed.atom, /feed.tsv) and /sitemap.xml are always
    served; catalogue faults are in `faults:` (feed_stale_price, feed_availability, js_only_price,
    jsonld_mismatch with `per: product`)."""

    products: int | None = Field(default=None, ge=1, le=200_000)
    disallow: list[str] = Field(default_factory=lambda: ["/admin/", "/basket", "/checkout/"])
    crawl_delay: float | None = Field(default=None, gt=0)
    page_size: int = Field(default=60, ge=1, le=1000)
    throttle: ThrottleConfig | None = None

    @field_validator("disallow")
    @classmethod
    def _paths(cls, value: list[str]) -> list[str]:
        for path in value:
            if not path.startswith("/"):
                raise ValueError(f"{path!r}: a robots.txt path starts with /")
        return value


class StoreConfig(_Strict):
    """The whole store config (scenarios/stores/demo-store.yaml documents every key)."""

    name: str = "Keepword Demo Store"
    currency: str = Field(default="GBP", pattern=r"^[A-Z]{3}$")
    locale: LocaleName = "en_GB"
    money_pattern: str | None = None
    timezone: str = "Europe/London"
    catalogue: Path | None = None
    stock: dict[str, int] = Field(default_factory=dict)
    clock: ClockConfig = Field(default_factory=ClockConfig)
    shipping: list[ShippingMethodConfig] = Field(default_factory=_default_methods, min_length=1)
    checkout: CheckoutConfig = Field(default_factory=CheckoutConfig)
    fulfilment: FulfilmentConfig = Field(default_factory=FulfilmentConfig)
    mail: MailConfig = Field(default_factory=MailConfig)
    admin_token: str | None = None
    ground_truth: Path | None = None
    order_prefix: str = Field(default="KW", pattern=r"^[A-Z0-9]{1,6}$")
    faults: FaultsConfig = Field(default_factory=FaultsConfig)
    crawl: CrawlConfig = Field(default_factory=CrawlConfig)
    _source: Path | None = PrivateAttr(None)

    def base_dir(self) -> Path | None:
        """The folder of the YAML this came from (relative paths in options start there)."""
        return self._source.parent if self._source else None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as Europe/London") from None
        return value

    @field_validator("shipping")
    @classmethod
    def _charges_in_currency(cls, value: list[ShippingMethodConfig], info: ValidationInfo) -> list[ShippingMethodConfig]:
        currency = info.data.get("currency", "GBP")
        for method in value:
            if currency not in method.charge:
                raise ValueError(f"shipping method {method.code!r} has no charge in {currency}; add one")
        return value

    def currency_pattern(self) -> str | None:
        """The Babel pattern money is shown with (None: the locale's own)."""
        return self.money_pattern or _DEFAULT_CURRENCY_PATTERNS.get((self.currency, self.locale))


def load_config(path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> StoreConfig:
    """Read the store YAML (or the defaults), apply overrides (dotted keys such as
    `{"mail.port": 2525, "clock.speed": 3600}`; None values are ignored), and check the
    fulfilment's own options with the same file:line errors. Relative paths in the file are
    resolved from the file's folder."""
    from pydantic import ValidationError

    from demo_store.fulfilment import fulfilment_class
    from keepword.errors import BadInput
    from keepword.loading import load_document

    if path is None:
        config = StoreConfig()
        document = None
    else:
        from keepword.filekinds import DEMO_STORE_CONFIG, wrong_kind

        document = load_document(path)
        if (mistaken := wrong_kind(path, document.data, DEMO_STORE_CONFIG, "`keepword store --config`")) is not None:
            raise mistaken
        config = document.validate(StoreConfig)
        base = Path(path).resolve().parent
        for field in ("catalogue", "ground_truth"):
            value = getattr(config, field)
            if value is not None and not value.is_absolute():
                setattr(config, field, (base / value).resolve())
    changes = {k: v for k, v in (overrides or {}).items() if v is not None}
    if changes:
        data = config.model_dump(exclude_unset=True)
        for dotted, value in changes.items():
            *parents, last = dotted.split(".")
            node = data
            for part in parents:
                node = node.setdefault(part, {})
            node[last] = value
        try:
            config = StoreConfig.model_validate(data)
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            field = ".".join(str(p) for p in first["loc"]) or "(top)"
            raise BadInput(f"option {field}: {first['msg']}") from None
    if config.ground_truth is not None and config.ground_truth.is_dir():
        raise BadInput(f"ground_truth {config.ground_truth}: a folder; give the path of a file for the log of "
                       "injected faults (JSON lines)")
    if path is not None:
        config._source = Path(path).resolve()
    try:
        cls = fulfilment_class(config.fulfilment.kind)
    except KeyError as exc:
        if document is not None:
            raise document.error(("fulfilment", "kind"), str(exc.args[0])) from None
        raise
    options = config.fulfilment.model_dump(exclude={"kind"})
    if document is not None and "fulfilment" in document.data:
        document.validate(cls.Options, at=("fulfilment",))
    else:
        cls.Options.model_validate({"kind": config.fulfilment.kind, **options})
    return config
