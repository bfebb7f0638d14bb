"""What a shop run records when it starts, so that later steps read the ledger, not YAML.

`keepword follow-up` judges claims days after they were made, and `keepword report` names the
store; by then the scenario and profile files may have moved, changed or gone. So a run's
parameters hold everything later steps need: the store profile as it was used (with the base
URL the run shopped), the scenario's tolerances and how its shoppers browsed (the persona's
locale, what they blocked), and the store's name, base URL and time zone.
A run recorded by an older keepword has none of these; readers then get None and say so.

Within a run, a journey notes the product it chose (`product_note`, an evidence note on the
journey): claims name SKUs, order numbers and shipping codes, and the report names products.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from keepword.profile import StoreProfile
    from keepword.records import Run
    from keepword.scenario import BlockSettings, Scenario, Tolerances

__all__ = [
    "product_note",
    "read_product_note",
    "recorded_browsing",
    "recorded_profile",
    "recorded_store",
    "recorded_tolerances",
    "shop_params",
]

_PRODUCT = "product "


def shop_params(scenario: Scenario, profile: StoreProfile, *, base_url: str, **extra: Any) -> dict[str, Any]:
    """A shop run's parameters: `extra` (shoppers, journeys...) plus what follow-up and the
    report will need, as plain JSON."""
    used = profile.model_copy(update={"base_url": base_url})
    return {
        **extra,
        "profile": str(Path(profile.path).resolve()) if profile.path else None,
        "store": {"name": profile.name, "base_url": base_url, "timezone": profile.clock.timezone},
        "profile_data": used.model_dump(mode="json", exclude_none=True),
        "tolerances": scenario.tolerances.model_dump(mode="json"),
        "persona_locale": scenario.persona.locale,
        "block": scenario.block.model_dump(mode="json"),
    }


def recorded_profile(run: Run) -> StoreProfile | None:
    """The store profile a shop run used, as it recorded it (None for runs that recorded none)."""
    from keepword.profile import StoreProfile

    data = run.params.get("profile_data")
    if not isinstance(data, dict):
        return None
    return StoreProfile.model_validate(data)


def recorded_browsing(run: Run) -> tuple[str | None, BlockSettings | None]:
    """How the run's shoppers browsed: the persona's locale (None: the profile's money locale)
    and what they blocked (None for runs that recorded neither)."""
    from keepword.scenario import BlockSettings

    block = run.params.get("block")
    locale = run.params.get("persona_locale")
    return (locale if isinstance(locale, str) else None,
            BlockSettings.model_validate(block) if isinstance(block, dict) else None)


def recorded_tolerances(run: Run) -> Tolerances | None:
    """The tolerances a shop run was judged with (None for runs that recorded none)."""
    from keepword.scenario import Tolerances

    data = run.params.get("tolerances")
    return Tolerances.model_validate(data) if isinstance(data, dict) else None


def recorded_store(run: Run) -> dict[str, Any]:
    """{name, base_url, timezone} of the store a run shopped ({} when it recorded none)."""
    store = run.params.get("store")
    return dict(store) if isinstance(store, dict) else {}


def product_note(sku: str, title: str) -> str:
    """The text of the note a journey writes on itself for the product it chose: "product SKU: title"."""
    return f"{_PRODUCT}{sku}: {' '.join(title.split())}"


def read_product_note(text: str | None) -> tuple[str, str] | None:
    """(sku, title) from a `product_note`, or None for any other note."""
    if not text or not text.startswith(_PRODUCT) or ": " not in text:
        return None
    sku, title = text[len(_PRODUCT):].split(": ", 1)
    return (sku, title) if sku and title else None
