"""Without an installed platform, its fixture skips the tests that need it with one line naming
the install command (a machine without root or network still runs the rest of the suite)."""

from __future__ import annotations

import pytest

from .evershop import evershop_home
from .opencart import opencart_home
from .store import NotInstalled

pytest_plugins = ["pytester"]


def test_homes_name_the_install_command_when_the_cache_is_empty(monkeypatch, tmp_path):
    monkeypatch.setenv("KEEPWORD_PLATFORMS_CACHE", str(tmp_path))
    with pytest.raises(NotInstalled, match=r"^OpenCart 4\.1\.0\.4 is not installed in .+: run tests/platforms/install-opencart\.sh"):
        opencart_home()
    with pytest.raises(NotInstalled, match=r"^EverShop 2\.2\.1 is not installed in .+: run tests/platforms/install-evershop\.sh"):
        evershop_home()


def test_fixtures_skip_with_that_line(pytester, monkeypatch, tmp_path):
    monkeypatch.setenv("KEEPWORD_PLATFORMS_CACHE", str(tmp_path / "empty"))
    pytester.makeconftest("from platforms.fixtures import evershop, evershop_server, opencart, opencart_server")
    pytester.makepyfile("""
        def test_opencart(opencart):
            raise AssertionError("never runs")

        def test_evershop(evershop):
            raise AssertionError("never runs")
    """)
    result = pytester.runpytest_inprocess("-rs", "-p", "no:cacheprovider")
    result.assert_outcomes(skipped=2)
    result.stdout.fnmatch_lines(["*OpenCart 4.1.0.4 is not installed in*run tests/platforms/install-opencart.sh*",
                                 "*EverShop 2.2.1 is not installed in*run tests/platforms/install-evershop.sh*"])
