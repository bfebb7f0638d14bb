"""`keepword store`: run the bundled demo store until stopped (prints its URL first)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from keepword.cli.app import app


@app.command("store")
def store_command(
    config: Annotated[Path | None, typer.Option("--config", metavar="FILE", help="The store YAML (see scenarios/stores/demo-store.yaml).")] = None,
    host: Annotated[str, typer.Option(metavar="HOST", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(metavar="PORT", min=0, max=65535, help="Port; 0 picks a free one.")] = 0,
    smtp_host: Annotated[str | None, typer.Option(metavar="HOST", help="Where confirmation e-mails go (overrides mail.host).")] = None,
    smtp_port: Annotated[int | None, typer.Option(metavar="PORT", min=1, max=65535, help="SMTP port of the mail sink (overrides mail.port).")] = None,
    clock_speed: Annotated[float | None, typer.Option(metavar="X", help="Store hours per real hour, e.g. 3600 (overrides clock.speed).")] = None,
    currency: Annotated[str | None, typer.Option(metavar="CODE", help="ISO currency, e.g. GBP, RUB, UAH.")] = None,
    locale: Annotated[str | None, typer.Option(metavar="LOCALE", help="CLDR locale, e.g. en_GB, ru_RU, uk_UA.")] = None,
    ground_truth: Annotated[Path | None, typer.Option(metavar="FILE", help="Where the log of injected faults goes (JSON lines).")] = None,
) -> int:
    """Run the demo store on HOST:PORT until Ctrl-C. The first line printed is its URL.

    Exit codes: 0 stopped, 2 bad input (a config that does not validate).
    """
    import os

    from demo_store import load_config, serve

    settings = load_config(config, {
        "currency": currency, "locale": locale, "mail.host": smtp_host, "mail.port": smtp_port,
        "clock.speed": clock_speed, "ground_truth": ground_truth,
    })
    generated = settings.admin_token is None and not os.environ.get("KEEPWORD_STORE_ADMIN_TOKEN")

    def ready(url: str, shop: object) -> None:
        truth = shop.truth.path  # type: ignore[attr-defined]
        print(url, flush=True)
        print(f"  currency {settings.currency}, locale {settings.locale}, clock x{settings.clock.speed:g}", flush=True)
        mail = settings.mail
        print(f"  e-mails to {mail.host}:{mail.port}" if mail.port else "  e-mails: none (no --smtp-port)", flush=True)
        print(f"  ground truth: {truth}", flush=True)
        if generated:
            print(f"  admin token (generated): {settings.admin_token}", flush=True)
        print("  Ctrl-C stops it.", flush=True)

    serve(settings, host=host, port=port, on_ready=ready, log_level="warning")
    return 0
