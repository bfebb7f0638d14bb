"""`keepword check FILE...`: validate scenarios, store profiles and demo-store configs without
running anything, with the same one-line file:line: field errors the other commands give.

Everything that can be known without a browser is checked: the YAML and its fields; in a
profile every locator (Playwright's selector grammar, CSS by cssselect, ARIA roles), every regex
(it compiles and has the named groups its reader needs), every placeholder, every page path and
base URL (http and https only) -- all of these by the profile's field types, so the other
commands refuse the same files; and here also that the journeys a scenario names import from the
scenario's folder and the profile's hooks class from the profile's."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from keepword.cli.app import app


def check_file(path: Path) -> str:
    """Validate one file and say what it is; raises BadInput naming the file, line and field."""
    from keepword.errors import BadInput
    from keepword.filekinds import (
        DEMO_STORE_CONFIG,
        PROFILE,
        SHOP_SCENARIO,
        SIM_SCENARIO,
        file_kind,
    )
    from keepword.loading import load_document

    data = load_document(path).data
    if not isinstance(data, dict):
        raise BadInput(f"{path}:1: expected a mapping of keys at the top of the file")
    kind = file_kind(data)
    if kind == SHOP_SCENARIO:
        from keepword.scenario import load_scenario

        scenario = load_scenario(path)
        profile = scenario.profile()
        _check_imports(path, scenario.journeys, profile.path, profile.hooks)
        what = f"shop scenario ({scenario.total_journeys} journeys, profile {scenario.store.name})"
        if "simulation" in data:
            from sim.api import load_sim_config

            load_sim_config(path)
            what += " with a simulation section"
        return what
    if kind == SIM_SCENARIO:
        from sim.api import load_sim_config

        load_sim_config(path)
        return "simulation scenario"
    if kind == PROFILE:
        from keepword.profile import load_profile

        profile = load_profile(path)
        _check_imports(None, [], path, profile.hooks)
        return f"store profile ({profile.name})"
    if kind == DEMO_STORE_CONFIG:
        from demo_store import load_config

        load_config(path)
        return "demo-store config"
    raise BadInput(
        f"{path}:1: cannot tell what this file is (a scenario has `persona:` or `simulation:`, "
        "a store profile `listing:` and `checkout:`, a demo-store config `faults:` or `clock:`)"
    )


def _check_imports(scenario: Path | None, journeys: list[str], profile: Path | None, hooks: str | None) -> None:
    """Journeys import from the scenario's folder, hooks from the profile's; a failure names
    the file and line that asked for them."""
    from journeys.base import load_hooks
    from journeys.bundled import resolve
    from keepword.errors import BadInput
    from keepword.loading import load_document

    for index, name in enumerate(journeys if scenario is not None else []):
        assert scenario is not None  # for the type checker: no journeys without a scenario
        try:
            resolve(name, scenario.resolve().parent)
        except BadInput as exc:
            raise load_document(scenario).error(("journeys", index), str(exc)) from None
    if hooks and profile is not None:
        try:
            load_hooks(hooks, profile.resolve().parent)
        except BadInput as exc:
            raise load_document(profile).error(("hooks",), str(exc)) from None


@app.command("check")
def check_command(
    files: Annotated[list[Path], typer.Argument(help="Scenario, store profile or demo-store config YAML files.")],
) -> int:
    """Validate YAML files without running anything; exit 2 on the first bad one.

    Exit codes: 0 every file is valid, 2 the first bad one (named with its line and field).
    """
    for path in files:
        typer.echo(f"{path}: ok, {check_file(path)}")
    return 0
