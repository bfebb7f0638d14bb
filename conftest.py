"""pytest glue for keepword: `pytest journeys/ --store scenarios/stores/demo.yaml`.

Everything lives in the plugin `journeys.plugin` (options, the fixture chain `keepword_scenario`
-> `keepword_target` -> `shopper` on pytest-playwright's `page`, verdicts at teardown, one ledger
writer under pytest-xdist); `pytest --fixtures` documents the fixtures. The two pytest-playwright
overrides are imported here because a conftest's fixtures beat every plugin's, whatever order
the plugins load in (microsoft/playwright-pytest#76: they take the original and merge into it).
"""

import pytest

pytest.register_assert_rewrite("journeys.plugin")  # before the import below, or pytest warns it can't

from journeys.plugin import browser_context_args, browser_type_launch_args  # noqa: E402

pytest_plugins = ["journeys.plugin"]

__all__ = ["browser_context_args", "browser_type_launch_args"]
