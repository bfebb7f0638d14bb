"""Each package's __all__ is sorted and names only what exists (httpx keeps this habit)."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import keepword

MODULES = ["keepword"] + [
    f"keepword.{m.name}" for m in pkgutil.iter_modules(keepword.__path__) if not m.name.startswith("_")
]


def _isort_style(item: str) -> tuple[int, str]:
    """The order ruff's RUF022 keeps: CONSTANTS, then Classes, then functions."""
    if item.isupper():
        return (0, item)
    return (1, item) if item[:1].isupper() else (2, item)


@pytest.mark.parametrize("name", MODULES)
def test_all_is_sorted_and_real(name):
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    if exported is None:
        pytest.skip(f"{name} has no __all__ (a package of commands)")
    assert exported == sorted(exported, key=_isort_style), f"{name}.__all__ is not sorted (`ruff check --fix` sorts it)"
    for item in exported:
        assert hasattr(module, item), f"{name}.__all__ names {item}, which does not exist"
