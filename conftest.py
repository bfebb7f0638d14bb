"""pytest in keepword's own checkout: `pytest journeys/ --store scenarios/stores/demo.yaml`.

Everything lives in the plugin `journeys.plugin`, which pytest loads by its `pytest11` entry
point `keepword` wherever keepword is installed (`./run` installs it into .venv). This file only
loads it by hand where that did not happen (keepword not installed, or
PYTEST_DISABLE_PLUGIN_AUTOLOAD set), and defines nothing itself: a fixture re-exported here
would be registered twice, and `pytest --fixtures` fails on two equal entries.
"""

import sys

if "journeys.plugin" not in sys.modules:  # the entry point has not loaded it
    pytest_plugins = ["journeys.plugin"]
