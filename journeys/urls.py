"""URL globs as Playwright writes them (`**` any characters, `*` any but `/`), for profiles."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote

__all__ = ["product_glob", "url_matches"]


@lru_cache(maxsize=256)
def _glob(pattern: str) -> re.Pattern[str]:
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("^" + "".join(out) + "$")


def url_matches(url: str, globs: str | list[str]) -> bool:
    """Playwright-style URL globs, any of several; the query string may be left out of a glob."""
    for pattern in [globs] if isinstance(globs, str) else globs:
        regex = _glob(pattern)
        if regex.match(url) or regex.match(url.split("?", 1)[0]):
            return True
    return False


def product_glob(template: str, sku: str) -> str:
    """The glob of a product's page: the profile's `product.url` with {sku} filled in."""
    path = template.replace("{sku}", quote(sku)) if "{sku}" in template else template
    if path.startswith(("http://", "https://", "**")):
        return path.split("?", 1)[0]
    return "**" + path.split("?", 1)[0]
