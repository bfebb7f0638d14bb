"""Run one installed platform by hand, as the tests run it, until Ctrl-C: to try `keepword draft`,
`walk` and `shop` on a real store (README: "Write a profile for your store").

    .venv/bin/python -m tests.platforms.serve opencart [--mail-dir DIR]

It prints the store's address and the mail folder its e-mails land in (give both to a scenario:
`base_url:` and `mail: {dir: …}`). The store starts from its installed data and everything is
removed when it stops. Exit codes: 0 stopped with Ctrl-C, 2 an unknown platform, 3 not installed
or it would not start (the line names the install command or the server's log).
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from keepword.mail import MailSinkHandle, running_mail_sink

from .evershop import running_evershop
from .opencart import running_opencart
from .processes import PlatformError
from .store import NotInstalled

# Each platform's `running_<platform>(mail)`: the store started, until the `with` block ends.
PLATFORMS: dict[str, Callable[[MailSinkHandle], AbstractContextManager[Any]]] = {
    "opencart": running_opencart, "evershop": running_evershop}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.platforms.serve", description=__doc__.split("\n\n")[0])
    parser.add_argument("platform", choices=sorted(PLATFORMS))
    parser.add_argument("--mail-dir", type=Path, default=None,
                        help="where its e-mails are saved (default: a new temporary folder)")
    args = parser.parse_args(argv)
    mail_dir = args.mail_dir or Path(tempfile.mkdtemp(prefix=f"keepword-{args.platform}-mail-"))
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):  # SIGINT too: a shell's background job ignores it otherwise
        signal.signal(sig, lambda *_: stop.set())
    try:
        with running_mail_sink(mail_dir) as sink, PLATFORMS[args.platform](sink) as store:
            print(f"{args.platform} at {store.url} (e-mails to {sink.dir}); Ctrl-C stops it", flush=True)
            stop.wait()
    except (NotInstalled, PlatformError) as exc:
        print(f"{args.platform}: {exc}", file=sys.stderr)
        return 3
    print(f"{args.platform} stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
