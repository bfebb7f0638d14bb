"""Actions: what a store profile tells the shopper to do on a page, as YAML.

Every page of a profile may carry actions (the checkout's steps, the order-status page's form,
a product's variant picker), and `interstitials` run wherever their element shows up (a cookie
banner, a "continue as guest" gateway). One action is a mapping with exactly one verb:

    fill:   {locator: text}        set fields (placeholders: {persona.email}, {card.number},
                                   {order.number}, {order.email}); `type:` types key by key
    select: {locator: value}       a <select>, by value or visible label
    choose: locator                whatever the element is: a radio or checkbox is checked, an
                                   <option> selected, a button, link or custom drop-down item clicked
    click:  locator                check: locator     press: {locator: Enter}
    wait_for: locator              until it is there;   wait_gone: locator   until it is not
    wait_for_url: glob or [globs]  goto: /path          hook: method   (a Python escape hatch)
    choose_shipping: cheapest|first|priciest|random|<code>   (by the profile's `shipping:` section)
    if_url: glob     then: [actions]   only on that page (a step the store may skip)
    if_present: locator  then: [actions]   only when that element is there (a banner, a modal)

Values are typed only after `keepword.scenario`'s card check: nothing but a documented test
card number is ever typed.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, model_validator

from keepword.locators import Find
from keepword.patterns import PagePath
from keepword.selectors import check_selector

__all__ = ["PLACEHOLDER", "PLACEHOLDERS", "VERBS", "Action"]

# What `{group.name}` placeholders in fills may name (journeys fill them in).
PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "persona": ("email", "name", "first_name", "last_name", "address1", "address2", "city",
                "postcode", "phone", "country"),
    "card": ("number", "expiry", "cvc", "name"),
    "order": ("number", "email"),
}
PLACEHOLDER = re.compile(r"\{([a-z_]+)\.([a-z0-9_]+)\}")

VERBS = ("fill", "type", "select", "choose", "click", "check", "press", "wait_for", "wait_gone",
         "wait_for_url", "goto", "choose_shipping", "hook", "if_url", "if_present")
_CONDITIONS = ("if_url", "if_present")


class Action(BaseModel):
    """One instruction; exactly one verb (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fill: dict[str, str] | None = None
    type: dict[str, str] | None = None
    select: dict[str, str] | None = None
    choose: Find | None = None
    click: Find | None = None
    check: Find | None = None
    press: dict[str, str] | None = None
    wait_for: Find | None = None
    wait_gone: Find | None = None
    wait_for_url: str | list[str] | None = None
    goto: Annotated[str, PagePath(("order", "email"))] | None = None
    choose_shipping: str | None = None
    hook: str | None = None
    if_url: str | list[str] | None = None
    if_present: Find | None = None
    then: list[Action] | None = None

    @model_validator(mode="after")
    def _one_verb(self) -> Action:
        verbs = [k for k in VERBS if getattr(self, k) is not None]
        if len(verbs) != 1:
            raise ValueError(f"give exactly one of {'/'.join(VERBS)} (got {', '.join(verbs) or 'none'})")
        if (verbs[0] in _CONDITIONS) != (self.then is not None):
            raise ValueError("`if_url` and `if_present` go with `then: [actions]`, and `then` with one of them")
        for mapping in (self.fill or {}, self.type or {}, self.select or {}, self.press or {}):
            for locator in mapping:
                check_selector(locator)
        for mapping in (self.fill or {}, self.type or {}, self.select or {}):
            for value in mapping.values():
                for group, name in PLACEHOLDER.findall(value):
                    if name not in PLACEHOLDERS.get(group, ()):
                        known = ", ".join(f"{{{g}.{n}}}" for g in PLACEHOLDERS for n in PLACEHOLDERS[g])
                        raise ValueError(f"unknown placeholder {{{group}.{name}}}; known: {known}")
        return self

    @property
    def verb(self) -> str:
        for k in VERBS:
            if getattr(self, k) is not None:
                return k
        raise AssertionError("validated to have one verb")

    def describe(self) -> str:
        """The action as one short line, for messages and the profile walk."""
        value: Any = getattr(self, self.verb)
        if hasattr(value, "describe"):
            value = value.describe()
        elif isinstance(value, dict):
            value = ", ".join(f"{k}" for k in value)
        return f"{self.verb}: {value}"
