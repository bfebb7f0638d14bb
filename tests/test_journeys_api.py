"""The journeys package's public names: sorted, importable, and cheap to import."""

from __future__ import annotations

import subprocess
import sys

import journeys


def test_all_is_sorted_and_importable():
    assert journeys.__all__ == sorted(journeys.__all__)
    for name in journeys.__all__:
        assert getattr(journeys, name) is not None


def test_importing_journeys_does_not_import_playwright():
    code = "import sys, journeys, journeys.checks, keepword.profile, keepword.scenario; print('playwright' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
