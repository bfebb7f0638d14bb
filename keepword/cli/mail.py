"""`keepword mail`: run keepword's mail sink until stopped (prints host:port first)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from keepword.cli.app import app


@app.command("mail")
def mail_command(
    directory: Annotated[Path, typer.Option("--dir", metavar="DIR", help="Folder that keeps each message (.eml and .json).")] = Path("mail"),
    host: Annotated[str, typer.Option(metavar="HOST", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(metavar="PORT", min=0, max=65535, help="SMTP port; 0 picks a free one.")] = 0,
) -> int:
    """Catch e-mails over SMTP into a folder until Ctrl-C. The first line printed is host:port.

    Exit codes: 0 stopped, 2 bad input (a folder it cannot create).
    """
    from keepword.mail import MailSinkHandle, serve_mail_sink

    def ready(sink: MailSinkHandle) -> None:
        print(f"{sink.host}:{sink.port}", flush=True)
        print(f"  keeping messages in {sink.dir}", flush=True)

    serve_mail_sink(directory, host=host, port=port, on_ready=ready)
    return 0
