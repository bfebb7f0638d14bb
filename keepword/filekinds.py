"""Which of keepword's YAML files a file is, told from its top-level keys, so that a file given
to the wrong command says what it is and which command takes it, instead of failing
validation field by field ("store: required field is missing (and 18 more)").

    shop scenario       `store:` and `journeys:` (or `persona:`): keepword shop, pytest --scenario
    simulation scenario `simulation:` without a store: keepword simulate
    store profile       `listing:`, `product:`, `basket:`, `checkout:`: named by a scenario's
                        `store:`, or pytest --store
    demo-store config   `faults:`, `clock:`, `catalogue:` ...: keepword store --config
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from keepword.errors import BadInput

__all__ = ["DEMO_STORE_CONFIG", "PROFILE", "SHOP_SCENARIO", "SIM_SCENARIO", "file_kind", "wrong_kind"]

SHOP_SCENARIO = "shop scenario"
SIM_SCENARIO = "simulation scenario"
PROFILE = "store profile"
DEMO_STORE_CONFIG = "demo-store config"

_PROFILE_KEYS = frozenset({"listing", "product", "basket", "checkout", "safety", "preview", "confirmation"})
_STORE_CONFIG_KEYS = frozenset({
    "faults", "clock", "fulfilment", "ground_truth", "catalogue", "admin_token", "checkout", "stock",
    "order_prefix", "money_pattern",
})
_STORE_CONFIG_ONLY = frozenset({"name", "currency", "locale", "timezone", "shipping", "mail"})

_WHO_TAKES = {
    SHOP_SCENARIO: "`keepword shop` and `pytest --scenario` take it",
    SIM_SCENARIO: "`keepword simulate` takes it",
    PROFILE: "a shop scenario names it under `store:`, and `pytest --store` takes it",
    DEMO_STORE_CONFIG: "`keepword store --config` takes it",
}
_EXAMPLE = {
    SHOP_SCENARIO: "scenarios/demo.yaml",
    SIM_SCENARIO: "scenarios/ad-spike.yaml",
    PROFILE: "scenarios/stores/demo.yaml",
    DEMO_STORE_CONFIG: "scenarios/stores/demo-store.yaml",
}


def file_kind(data: Any) -> str | None:
    """The kind of keepword file whose parsed YAML is `data`, or None when the keys don't say.
    A profile is told before a demo-store config: both may have `checkout:` and `clock:`, and
    only a profile has pages (`listing:`)."""
    if not isinstance(data, dict):
        return None
    keys = set(data)
    if "persona" in keys or ("store" in keys and "journeys" in keys):
        return SHOP_SCENARIO
    if "simulation" in keys:
        return SIM_SCENARIO
    if keys & (_PROFILE_KEYS - {"checkout"}):
        return PROFILE
    if keys & _STORE_CONFIG_KEYS or (keys and keys <= _STORE_CONFIG_ONLY):
        return DEMO_STORE_CONFIG
    return None


def wrong_kind(path: str | Path, data: Any, wanted: str, taker: str) -> BadInput | None:
    """The one-line error for a file of another kind than `wanted` given to `taker` (a command
    or option), or None when it is of that kind or its keys don't tell."""
    kind = file_kind(data)
    if kind is None or kind == wanted or (wanted == SHOP_SCENARIO and kind == SIM_SCENARIO and "store" in data):
        return None
    article = "an" if wanted[0] in "aeiou" else "a"
    return BadInput(
        f"{path}: this is a {kind} ({_WHO_TAKES[kind]}); {taker} takes {article} {wanted} "
        f"(see {_EXAMPLE[wanted]})"
    )
