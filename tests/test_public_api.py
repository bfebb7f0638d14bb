"""Each package's __all__ is sorted and names only what exists (httpx keeps this habit)."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import keepword

MODULES = ["keepword"] + [
    f"keepword.{m.name}" for m in pkgutil.iter_modules(keepword.__path__) if not m.name.startswith("_")
]


@pytest.mark.parametrize("name", MODULES)
def test_all_is_sorted_and_real(name):
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    if exported is None:
        pytest.skip(f"{name} has no __all__ (a package of commands)")
    assert exported == sorted(exported), f"{name}.__all__ is not sorted"
    for item in exported:
        assert hasattr(module, item), f"{name}.__all__ names {item}, which does not exist"
