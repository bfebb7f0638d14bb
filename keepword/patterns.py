"""Field types for what a profile or scenario writes as text: regexes with named groups, text
with `{placeholders}`, page paths, and the store's web address.

Each is pydantic metadata (`Annotated[str, Regex(needs=("value",))]`), so a field declared with
it is checked when the file loads, by every command, and a field added later with the same type
is checked without any other edit. Problems are ValueErrors that pydantic turns into
`file:line: field: message`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator

__all__ = ["HttpUrl", "PagePath", "Regex", "Template", "check_http_url"]

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


class _Check:
    """A callable check usable as pydantic metadata (an after-validator of the field)."""

    def __call__(self, value: str) -> str:
        raise NotImplementedError

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        return core_schema.no_info_after_validator_function(self, handler(source))


@dataclass(frozen=True, slots=True)
class Regex(_Check):
    """A regular expression with the named groups its reader needs (`needs`). With `may`, the
    optional groups it reads, and any other is refused: a misspelt optional `(?P<cont>...)` would
    silently never be read. Without `may`, other groups are allowed (for readability)."""

    needs: tuple[str, ...] = ()
    may: tuple[str, ...] | None = None

    def __call__(self, value: str) -> str:
        groups = set(_compile(value).groupindex)
        missing = [g for g in self.needs if g not in groups]
        if missing:
            raise ValueError(f"{value!r} needs the named group {', '.join(f'(?P<{g}>...)' for g in missing)}")
        unknown = sorted(groups - set(self.needs) - set(self.may)) if self.may is not None else []
        if unknown:
            allowed = ", ".join(self.needs + (self.may or ())) or "none"
            raise ValueError(f"{value!r}: no use for the group {', '.join(unknown)} (groups read here: {allowed})")
        return value


@lru_cache(maxsize=512)
def _compile(value: str) -> re.Pattern[str]:
    try:
        return re.compile(value)
    except re.error as exc:
        raise ValueError(f"{value!r} is not a regular expression: {exc}") from None


@dataclass(frozen=True, slots=True)
class Template(_Check):
    """Text with `{name}` placeholders that keepword fills in; only `names` exist here."""

    names: tuple[str, ...] = ()

    def __call__(self, value: str) -> str:
        for name in _PLACEHOLDER.findall(value):
            if name not in self.names:
                known = ", ".join(f"{{{n}}}" for n in self.names) or "none"
                raise ValueError(f"{value!r}: unknown placeholder {{{name}}}; known here: {known}")
        return value


@dataclass(frozen=True, slots=True)
class PagePath(Template):
    """A page of the store: a path (`/basket`) joined to the base URL, or an http(s) URL; never
    another scheme (`javascript:`, `file:`), which the browser would open as a page."""

    def __call__(self, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme and parts.scheme not in ("http", "https"):
            raise ValueError(f"{value!r}: a page is a path such as /basket, or an http(s) URL, "
                             f"not a {parts.scheme}: address")
        return Template.__call__(self, value)


def check_http_url(value: str) -> str:
    """`value` if it is an http:// or https:// address with a host, else ValueError."""
    text = value.strip()
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in text):
        raise ValueError(f"{value!r}: keepword shops http:// and https:// stores only; give the store's "
                         "address, e.g. https://staging.example.test/")
    return text


HttpUrl = Annotated[str, AfterValidator(check_http_url)]
"""A store's base URL (profile, scenario): http or https, with a host."""
