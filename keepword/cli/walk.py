"""`keepword walk SCENARIO_OR_PROFILE`: walk a live store by its profile, page by page, and show
what every role matched, read and meant; annotated screenshots and walk.json into --out."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from keepword.cli.app import app, console, err_console

if TYPE_CHECKING:
    from rich.table import Table

_MARK = {"ok": "", "ambiguous": " ⚠ first used", "missing": " ✗ missing", "unreadable": " ✗ unreadable",
         "unsafe": " ✗ unsafe", "wrong": " ✗ wrong", "absent": " (absent)", "skipped": " (not looked)"}


def _cut(text: str | None, width: int) -> str:
    if text is None:
        return ""
    return text if len(text) <= width else text[: width - 1] + "…"


def _table(page: Any) -> Table:
    from rich.table import Table
    from rich.text import Text

    table = Table(show_edge=False, pad_edge=False, box=None, header_style="bold")
    for column, width in (("role", None), ("locator", 36), ("matched", None), ("text", 28), ("value", 40)):
        table.add_column(column, overflow="fold", max_width=width, no_wrap=width is None)
    for look in page.looks:
        style = "dim" if page.store_error else "red" if look.problem else "yellow" if look.status == "ambiguous" else "dim" if look.status in (
            "absent", "skipped") else ""
        value = look.value if look.value != look.text or look.text is None else "="
        if look.note:
            value = f"{value}; {look.note}" if value else look.note
        table.add_row(*(Text(cell, style=style) for cell in (
            look.key, look.locator, f"{look.count}{_MARK.get(look.status, '')}", _cut(look.text, 56), value or "")))
    return table


def render(result: Any) -> None:
    """Print the walk: a table per page, what to try for each problem, and one summary line."""
    from rich.markup import escape

    allowed = ", ".join(result.allowed) or "nowhere"
    console.print(f"walking {result.base_url} (orders allowed on {allowed}; "
                  f"{'placing the order' if result.placed or 'place' in [p.name for p in result.pages] else 'no order is placed'})",
                  markup=False, highlight=False, soft_wrap=True)
    for page in result.pages:
        status = f"HTTP {page.status}" if page.status is not None else "no page loaded"
        console.print(f"\n[bold]{page.name}[/bold]  {escape(page.url)}  {status}", highlight=False, soft_wrap=True)
        if page.outcome:
            console.print(f"  {escape(page.outcome)}", highlight=False, soft_wrap=True)
        if page.visited:
            from urllib.parse import urlsplit

            paths = [urlsplit(url)._replace(scheme="", netloc="").geturl() for url in page.visited]
            paths = [p for i, p in enumerate(paths) if i == 0 or p != paths[i - 1]]  # one page, several panels
            console.print(f"  went through {escape(' → '.join(paths))}", highlight=False, soft_wrap=True)
        if page.looks:
            console.print(_table(page))
        for note in page.notes:
            console.print(f"  note: {escape(note)}", highlight=False, soft_wrap=True)
        if page.store_error:
            console.print(f"  [red]store error[/red]: {escape(page.store_error)} (the store failed, not the "
                          "profile: its roles on this page are not judged)", highlight=False, soft_wrap=True)
        if page.failure:
            console.print(f"  [red]stopped[/red]: {escape(page.failure)}", highlight=False, soft_wrap=True)
        for look in page.problems:
            console.print(f"  [red]✗ {escape(look.key)}[/red] ({look.status}). Try:", highlight=False)
            for attempt in look.tries:
                console.print(f"      {escape(attempt)}", highlight=False, soft_wrap=True)
        if page.fields:
            console.print("  on this page (boxed in the screenshot with their CSS):", highlight=False)
            for spot in page.fields[:24]:
                info = spot.info
                what = info.get("tag") or "message"
                extra = " ".join(f"{k}={info[k]!r}" for k in ("type", "name", "autocomplete") if info.get(k))
                console.print(f"      `{escape(spot.css)}` {what} {escape(extra)} {escape(repr(spot.text[:50]))}",
                              highlight=False, soft_wrap=True)
        if page.screenshot:
            console.print(f"  screenshot: {escape(page.screenshot)} ({page.labels} boxes)", highlight=False,
                          soft_wrap=True)
    for finding in result.findings:
        console.print(f"\n[yellow]{escape(finding)}[/yellow]\n  (if the store did not change between pages, a role "
                      "reads the wrong element)", highlight=False, soft_wrap=True)
    _summary(result)


def _summary(result: Any) -> None:
    looks = [look for page in result.pages if not page.store_error for look in page.looks
             if look.status not in ("absent", "skipped")]
    found = sum(1 for look in looks if look.status in ("ok", "ambiguous"))
    parts = [f"{len(result.pages)} pages", f"{len(looks)} roles: {found} found"]
    for status in ("missing", "unreadable", "ambiguous", "unsafe", "wrong"):
        keys = [look.key for look in looks if look.status == status]
        if keys:
            parts.append(f"{len(keys)} {status} ({', '.join(keys[:6])}{', …' if len(keys) > 6 else ''})")
    if result.store_errors:
        parts.append(f"{len(result.store_errors)} store errors")
    if result.findings:
        parts.append(f"{len(result.findings)} broken on the way")
    tail = "order placed" if result.placed else (result.stopped or "")
    if result.not_walked:
        tail += f"; not walked: {', '.join(result.not_walked)}"
    console.print(f"\nwalk: {', '.join(parts)}; {tail}. Screenshots and walk.json in {result.out}",
                  markup=False, highlight=False, soft_wrap=True)


@app.command("walk")
def walk_command(
    source: Annotated[Path, typer.Argument(help="A scenario, or a store profile (orders then allowed on "
                                                "127.0.0.1/localhost only).")],
    base_url: Annotated[str | None, typer.Option("--base-url", help="Walk the store at this URL instead of the profile's.")] = None,
    out: Annotated[Path, typer.Option("--out", help="Folder for the annotated screenshots and walk.json.")] = Path("keepword-walk"),
    place: Annotated[bool, typer.Option("--place", help="Also place the order, read the confirmation, the e-mail and "
                                                        "the status page (only where the scenario allows orders).")] = False,
) -> int:
    """Walk a store page by page with its profile, stopping before the order: for every role, how
    many elements it matched, the text read and the value parsed, an annotated screenshot per
    page, and what to try for a role that matched nothing.

    Exit codes: 0 every role found, 1 the store failed (HTTP 5xx, an error page) or broke a promise
    on the way, 2 bad input (or --place where orders are not allowed), 3 a role missing or
    unreadable, or a step keepword could not do, 4 stopped by the network guard (orders or cards
    are not allowed on the host).
    """
    from journeys.tooling.walk import walk
    from keepword.errors import BadInput
    from keepword.patterns import check_http_url

    if base_url is not None:
        try:
            base_url = check_http_url(base_url)
        except ValueError as exc:
            raise BadInput(f"--base-url {exc}") from None
    result = walk(source, out=out, base_url=base_url, place=place,
                  progress=lambda name: err_console.print(f"walking {name} …", style="dim", highlight=False))
    render(result)
    return result.exit_code
