"""Locators: how a store profile points at a thing on a page, and at an outcome of an action.

A locator (`Find`) is either a string, which Playwright reads as CSS, `text=...` or `role=...`,
or a mapping:

    price:  {css: "[data-testid=product-price]"}
    title:  {css: "a.title", attribute: title}          # read an attribute, not the text
    sku:    {attribute: data-sku}                        # an attribute of the enclosing element
    add:    {role: button, name: Add to basket}
    total:  {css: "#totals tr", label: "Total"}          # the row labelled "Total", not "Sub-Total";
                                                         # its value: the row's last cell (or `value:`)
    charge: {css: "label", pattern: "- (?P<value>.+)$"}  # a part of the text

Every locator is checked when a profile loads, without a browser (`keepword.selectors`): its
CSS parses (with Playwright's extensions), its role is an ARIA role. `label` picks, among the elements `css` matches, the first whose own text or one of whose
children's text is exactly the label (a regular expression, case ignored): totals rows found
by what they say, never by position. `pattern` keeps the named group `value` (or the whole
match) of the text read.

`PageSays` is what tells an outcome after an action (an item added, an order placed or refused):
a URL, an element that appears, or words on the page, such as a flash message.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, model_validator

from keepword.selectors import check_locator

__all__ = ["PLAYWRIGHT_ONLY", "Find", "FindModel", "PageSays", "compiles", "plain_css"]

# Marks of Playwright's own selector language: such locators cannot be read in one page script.
PLAYWRIGHT_ONLY = (">>", ":has-text", ":text", ":visible", "text=", "role=", "internal:", ":nth-match", "xpath=")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def compiles(value: str, what: str = "") -> str:
    """`value` if it is a regular expression Python can compile, else a ValueError that says so."""
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"{what or repr(value)} is not a regular expression: {exc}") from None
    return value


def _shorthand(value: Any) -> Any:
    return {"css": value} if isinstance(value, str) else value


class FindModel(_Strict):
    """One page role: where it is and, optionally, which attribute or part of its text is the value."""

    css: str | None = None
    role: str | None = None
    name: str | None = None
    text: str | None = None
    testid: str | None = None
    attribute: str | None = None
    exact: bool = False
    label: str | None = None
    value: str | None = None
    pattern: str | None = None

    @model_validator(mode="after")
    def _something(self) -> FindModel:
        if not (self.css or self.role or self.text or self.testid or self.attribute):
            raise ValueError("give css, role, text or testid (or attribute, to read the enclosing element)")
        if self.name and not self.role:
            raise ValueError("`name` goes with `role` (e.g. {role: button, name: Add to basket})")
        if (self.label is not None or self.value is not None) and not (self.css and plain_css(self.css)):
            raise ValueError("`label` and `value` go with plain CSS (e.g. {css: '#totals tr', label: Total})")
        if self.value is not None and self.label is None:
            raise ValueError("`value` goes with `label` (the labelled element's part that holds the value)")
        if self.label is not None:
            compiles(self.label, f"label {self.label!r}")
        if self.pattern is not None:
            compiles(self.pattern, f"pattern {self.pattern!r}")
        return self

    @property
    def is_self(self) -> bool:
        """True when the value is an attribute of the enclosing element itself."""
        return not (self.css or self.role or self.text or self.testid)

    @property
    def plain(self) -> bool:
        """Readable in one page script (plain CSS or the element itself), not only by Playwright."""
        return self.is_self or (self.css is not None and plain_css(self.css))

    def describe(self) -> str:
        """How the locator reads in an error message."""
        if self.css:
            where = self.css + (f" labelled {self.label!r}" if self.label else "")
        elif self.role:
            where = f"role={self.role}" + (f"[name={self.name!r}]" if self.name else "")
        elif self.text:
            where = f"text={self.text}"
        elif self.testid:
            where = f"[data-testid={self.testid}]"
        else:
            where = "(the element itself)"
        return where + (f" @{self.attribute}" if self.attribute else "")

    def value_of(self, text: str) -> str | None:
        """The part of `text` this role's value is: the `pattern`'s `value` group (or its whole
        match), or all of it; None when the pattern does not match."""
        if self.pattern is None:
            return text
        found = re.search(self.pattern, text)
        if found is None:
            return None
        return found.groupdict().get("value") or found.group(0)


Find = Annotated[FindModel, BeforeValidator(_shorthand), AfterValidator(check_locator)]


def plain_css(css: str) -> bool:
    """CSS a browser's `querySelector` takes (none of Playwright's selector extensions)."""
    return not any(mark in css for mark in PLAYWRIGHT_ONLY)


class PageSays(_Strict):
    """An outcome, as the page shows it: a URL (a glob, or any of several), an element that is
    there, words (a regular expression, case ignored) in the page's text or, with `find`, in that
    element's text; each one given must hold."""

    url: str | list[str] | None = None
    find: Find | None = None
    text: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {"find": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _something(self) -> PageSays:
        if self.url is None and self.find is None and self.text is None:
            raise ValueError("give url, find or text (e.g. {find: '.alert-success'} or {text: 'no stock'})")
        if self.text is not None:
            compiles(self.text, f"text {self.text!r}")
        return self

    def describe(self) -> str:
        parts = []
        if self.url is not None:
            parts.append(f"url {self.url}")
        if self.find is not None:
            parts.append(f"element {self.find.describe()}")
        if self.text is not None:
            parts.append(f"text /{self.text}/")
        return " and ".join(parts)
