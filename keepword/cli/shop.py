"""`keepword shop SCENARIO`: the mystery shopper, N shoppers in parallel, into the ledger."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from keepword.cli.app import DEFAULT_LEDGER_PATH, LedgerOption, app, console, err_console


@app.command("shop")
def shop_command(
    scenario: Annotated[Path, typer.Argument(help="The scenario YAML (e.g. scenarios/demo.yaml).")],
    shoppers: Annotated[int | None, typer.Option("--shoppers", "-n", min=1, max=64, metavar="N",
                                                 help="Parallel shoppers (default: the scenario's).")] = None,
    journeys_per_shopper: Annotated[int | None, typer.Option("--journeys", min=1, metavar="N",
                                                             help="Journeys per shopper (default: the scenario's).")] = None,
    base_url: Annotated[str | None, typer.Option("--base-url", metavar="URL", help="Shop the store at this URL instead of the profile's.")] = None,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Show a progress bar.")] = True,
    browser_ws: Annotated[str | None, typer.Option(
        "--browser-ws", envvar="KEEPWORD_BROWSER_WS",
        help="Shop with browsers on a Playwright browser server (its ws:// endpoint) instead of launching them here.",
    )] = None,
    ledger: LedgerOption = DEFAULT_LEDGER_PATH,
) -> int:
    """Shop the store the way customers do and record every promise it makes and keeps.

    Exit codes: 0 every promise kept, 1 a promise broken or a store error (the store failed a
    customer: HTTP 5xx, an error page), 2 bad input or an unsafe action refused, 3 harness errors
    only (keepword could not observe the store), 4 nothing broken but checkout skipped (orders
    are not allowed on the store's host).
    """
    from keepword.errors import BadInput
    from keepword.patterns import check_http_url

    if base_url is not None:
        try:
            base_url = check_http_url(base_url)
        except ValueError as exc:
            raise BadInput(f"--base-url {exc}") from None
    if browser_ws is not None and not browser_ws.startswith(("ws://", "wss://")):
        raise BadInput(f"--browser-ws {browser_ws!r}: give the browser server's ws:// (or wss://) endpoint, as "
                       "`python -m playwright launch-server` prints it")
    from journeys.bundled import resolve
    from journeys.runner import shop
    from keepword.cli.progress import shopping
    from keepword.ledger import open_ledger
    from keepword.scenario import load_scenario

    loaded = load_scenario(scenario)
    loaded.profile()  # bad input is refused before the ledger is opened, let alone created
    for name in loaded.journeys:
        resolve(name, scenario.resolve().parent)
    with open_ledger(ledger) as book:
        result = shop(loaded, ledger=book, shoppers=shoppers, journeys_per_shopper=journeys_per_shopper,
                      base_url=base_url, progress=shopping if progress else None, browser_ws=browser_ws)
    for message in result.store_messages[:5]:
        console.print(f"store error: {message}", markup=False, highlight=False, soft_wrap=True)
    for message in result.harness_messages[:5]:
        console.print(f"harness error: {message}", markup=False, highlight=False, soft_wrap=True)
    for finding in result.findings[:10]:
        console.print(str(finding), markup=False, highlight=False, soft_wrap=True)
    if len(result.findings) > 10:
        console.print(f"... and {len(result.findings) - 10} more broken promises (see `keepword report`)")
    for reason in result.skipped_reasons[:3]:
        err_console.print(
            f"{reason}; {result.skipped} of {result.journeys} journeys stopped at the basket. "
            "Add the host to allow_orders_on only if it is a staging store whose orders are not real, "
            "or shop it with `journeys: [browse]`",
            markup=False, highlight=False, soft_wrap=True,
        )
    skipped = f", {result.skipped} skipped checkout" if result.skipped else ""
    console.print(
        f"run {result.run_id}: {result.journeys} journeys, {result.kept} kept, {result.broken} broken, "
        f"{result.inconclusive} inconclusive, {result.open} open, {result.store_errors} store errors, "
        f"{result.harness_errors} harness errors{skipped} -> {ledger}",
        markup=False, highlight=False, soft_wrap=True,
    )
    if result.open and result.store_stopped:
        err_console.print(
            f"note: {result.open} {'claim stays' if result.open == 1 else 'claims stay'} open (deliveries not yet "
            "due, e-mails not yet read), and the demo store keepword started for this run has stopped, so "
            "`keepword follow-up` cannot reach it. `keepword demo` shops and follows up in one go; or start "
            "`keepword store` and shop it with --base-url (README: \"Shop the demo store\").",
            markup=False, highlight=False, soft_wrap=True,
        )
    return result.exit_code
