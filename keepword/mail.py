"""keepword's own mail catcher: a real SMTP server (aiosmtpd) that keeps every message in a
folder, and the `Mailbox` journeys read and wait on.

Each message is kept twice: the raw `.eml` exactly as received (evidence), and a `.json` of its
envelope, parsed headers and plain text (what checks read). The `.json` is written last, by
rename, so a reader never sees half a message. Parsing uses the standard library's `email`
package with `policy=default` (encoded words, charsets, multipart), never regexes.

    with running_mail_sink(tmp_path) as sink:          # host, port, dir
        ...  # the store sends to sink.host:sink.port
        message = Mailbox(sink.dir).wait_for(to="ann@example.com", subject_contains="KW-", timeout=10)
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from keepword.errors import BadInput, HarnessError, listen_error

__all__ = ["MailSinkHandle", "Mailbox", "Message", "html_text", "running_mail_sink", "save_message",
           "serve_mail_sink"]


@dataclass(frozen=True)
class Message:
    """One captured e-mail: envelope, headers, plain text, and the path of its raw `.eml`."""

    id: str
    path: Path
    mail_from: str
    recipients: tuple[str, ...]
    to: tuple[str, ...]
    subject: str
    date: datetime | None
    received_at: datetime
    text: str
    headers: dict[str, str] = field(repr=False)

    def __repr__(self) -> str:
        return f"Message({self.subject!r} to {', '.join(self.to or self.recipients)}, {self.received_at:%H:%M:%S})"

    def email(self) -> EmailMessage:
        """The raw message parsed again, for anything the JSON does not keep (HTML parts)."""
        from email import message_from_bytes, policy

        parsed = message_from_bytes(self.path.read_bytes(), policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    def addressed_to(self, address: str) -> bool:
        wanted = address.strip().casefold()
        return any(a.casefold() == wanted for a in (*self.recipients, *self.to))

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "eml": self.path.name, "mail_from": self.mail_from,
            "recipients": list(self.recipients), "to": list(self.to), "subject": self.subject,
            "date": self.date.isoformat() if self.date else None,
            "received_at": self.received_at.isoformat(), "text": self.text, "headers": self.headers,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], folder: Path) -> Message:
        return cls(
            id=data["id"], path=folder / data["eml"], mail_from=data["mail_from"],
            recipients=tuple(data["recipients"]), to=tuple(data["to"]), subject=data["subject"],
            date=datetime.fromisoformat(data["date"]) if data["date"] else None,
            received_at=datetime.fromisoformat(data["received_at"]), text=data["text"],
            headers=dict(data["headers"]),
        )


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


_BLOCKS = {"address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "footer", "form", "h1",
           "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table",
           "tbody", "tfoot", "thead", "tr", "ul"}


def html_text(html: str) -> str:
    """An HTML e-mail's text, one line per block (a paragraph, a table row; a row's cells on one
    line), entities decoded, and each link's address after its text ("View order (https://…)"),
    so a profile's line patterns read it as they read a plain e-mail."""
    from html.parser import HTMLParser

    parts: list[str] = []

    class _Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.skip = 0
            self.rows = 0  # inside a table row, blocks in its cells stay on the row's line
            self.links: list[str | None] = []

        def _break(self, tag: str) -> None:
            parts.append(" " if self.rows and tag != "br" else "\n")

        def handle_starttag(self, tag: str, attrs: Any) -> None:
            if tag == "a":
                self.links.append(dict(attrs).get("href"))
            if tag in ("script", "style", "head", "title"):
                self.skip += 1
            elif tag == "tr":
                parts.append("\n")
                self.rows += 1
            elif tag in _BLOCKS:
                self._break(tag)
            elif tag in ("td", "th"):
                parts.append(" ")

        def handle_endtag(self, tag: str) -> None:
            if tag == "a" and self.links:
                href = self.links.pop()
                if href and href.startswith(("http://", "https://", "/")):
                    parts.append(f" ({href})")
            if tag in ("script", "style", "head", "title"):
                self.skip = max(0, self.skip - 1)
            elif tag == "tr":
                self.rows = max(0, self.rows - 1)
                parts.append("\n")
            elif tag in _BLOCKS:
                self._break(tag)
            elif tag in ("td", "th"):
                parts.append(" ")

        def handle_data(self, data: str) -> None:
            if not self.skip:  # in HTML a run of white space is one space
                text = " ".join(data.split())
                parts.append((" " if data[:1].isspace() else "") + text + (" " if text and data[-1:].isspace() else ""))

    reader = _Text()
    reader.feed(html)
    reader.close()
    lines = (" ".join(line.split()) for line in "".join(parts).splitlines())
    return "\n".join(line for line in lines if line)


def save_message(folder: Path, raw: bytes, mail_from: str, recipients: list[str]) -> Message:
    """Parse and keep one received message in `folder` (the `.eml`, then the `.json`)."""
    from email import message_from_bytes, policy
    from email.utils import getaddresses, parsedate_to_datetime

    received = datetime.now(UTC)
    ident = f"{received:%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}"
    eml = folder / f"{ident}.eml"
    _write_atomically(eml, raw)
    parsed = message_from_bytes(raw, policy=policy.default)
    # What a mail client shows: the HTML part where there is one (a store's plain part is often
    # its HTML with the tags stripped, a table cell to a line), else the plain text.
    body = parsed.get_body(preferencelist=("html", "plain")) if isinstance(parsed, EmailMessage) else None
    text = body.get_content().replace("\r\n", "\n") if body is not None else ""  # SMTP sends CRLF
    if body is not None and body.get_content_subtype() == "html":
        text = html_text(text)  # an HTML-only e-mail: its text as a mail client shows it
    try:
        date = parsedate_to_datetime(str(parsed["Date"])) if parsed["Date"] else None
    except (TypeError, ValueError):
        date = None
    to = tuple(addr for _, addr in getaddresses([str(v) for v in parsed.get_all("To", [])]) if addr)
    headers = {str(k): str(v) for k, v in parsed.items()}
    message = Message(ident, eml, mail_from, tuple(recipients), to, str(parsed["Subject"] or ""), date,
                      received, text, headers)
    _write_atomically(folder / f"{ident}.json",
                      json.dumps(message.to_dict(), ensure_ascii=False, indent=1).encode("utf-8"))
    return message


class Mailbox:
    """The messages in a sink's folder, oldest first; `wait_for` polls until one matches."""

    def __init__(self, directory: str | Path) -> None:
        self.dir = Path(directory)

    def __repr__(self) -> str:
        return f"<Mailbox {self.dir}>"

    def messages(self) -> list[Message]:
        if not self.dir.is_dir():
            return []
        found = []
        for path in sorted(self.dir.glob("*.json")):
            try:
                found.append(Message.from_dict(json.loads(path.read_text(encoding="utf-8")), self.dir))
            except (OSError, ValueError, KeyError):
                continue  # not one of ours, or removed while reading
        return found

    def find(self, *, to: str | None = None, subject_contains: str | None = None,
             since: datetime | None = None) -> list[Message]:
        """The messages matching every given condition (case-insensitive for the subject)."""
        wanted = subject_contains.casefold() if subject_contains else None
        return [
            m for m in self.messages()
            if (to is None or m.addressed_to(to))
            and (wanted is None or wanted in m.subject.casefold())
            and (since is None or m.received_at >= since)
        ]

    def wait_for(self, *, to: str | None = None, subject_contains: str | None = None,
                 timeout: float = 30.0, since: datetime | None = None, poll: float = 0.1) -> Message:
        """The first matching message, waiting up to `timeout` seconds for it to arrive.

        Raises HarnessError on timeout: a missing e-mail is for the checks to judge (they know
        what was promised); the mailbox only says it did not come."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.find(to=to, subject_contains=subject_contains, since=since)
            if found:
                return found[0]
            if time.monotonic() >= deadline:
                conditions = ", ".join(f"{k}={v!r}" for k, v in
                                       (("to", to), ("subject_contains", subject_contains)) if v)
                raise HarnessError(
                    f"no e-mail ({conditions or 'any'}) arrived in {self.dir} within {timeout:g} s; "
                    f"{len(self.messages())} other message(s) there; check the store's SMTP host and port"
                )
            time.sleep(poll)


@dataclass(frozen=True)
class MailSinkHandle:
    host: str
    port: int
    dir: Path

    def __repr__(self) -> str:
        return f"<MailSinkHandle {self.host}:{self.port} -> {self.dir}>"

    @property
    def mailbox(self) -> Mailbox:
        return Mailbox(self.dir)


class _Keeper:
    """aiosmtpd handler: keep every message, accept every recipient."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        with self._lock:
            save_message(self.folder, raw, str(envelope.mail_from), [str(r) for r in envelope.rcpt_tos])
        return "250 Message accepted for delivery"


def _controller(folder: Path, host: str, port: int) -> Any:
    from aiosmtpd.controller import Controller

    class _AnyPort(Controller):
        # aiosmtpd's Controller needs a fixed port; bind first, then read the real one back.
        def _create_server(self) -> Any:
            async def create() -> Any:
                server = await self.loop.create_server(self._factory_invoker, host=self.hostname,
                                                       port=self.port, ssl=self.ssl_context)
                self.port = server.sockets[0].getsockname()[1]
                return server

            return create()

    import warnings

    from aiosmtpd.smtp import AuthResult

    warnings.filterwarnings("ignore", message="Session.login_data is deprecated", category=DeprecationWarning)

    def anyone(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        return AuthResult(success=True)

    # Stores that always log in (OpenCart sends AUTH LOGIN whatever it is told) may: any name and
    # password, without TLS. The sink keeps mail for tests on loopback; it is no real mailbox.
    return _AnyPort(_Keeper(folder), hostname=host, port=port, server_hostname="keepword-mail-sink",
                    ready_timeout=10.0, auth_require_tls=False, authenticator=anyone)


def _prepare(directory: str | Path) -> Path:
    folder = Path(directory)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInput(f"{folder}: cannot create the mail folder: {exc.strerror}") from None
    return folder


@contextmanager
def running_mail_sink(directory: str | Path, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[MailSinkHandle]:
    """Run the SMTP sink in a thread for the `with` block (port 0: any free port)."""
    folder = _prepare(directory)
    _can_listen(host, port)
    controller = _controller(folder, host, port)
    try:
        controller.start()
    except Exception as exc:  # aiosmtpd re-raises the bind error from its thread
        raise BadInput(f"cannot start the mail sink on {host}:{port}: {exc}") from None
    try:
        yield MailSinkHandle(host, int(controller.port), folder)
    finally:
        controller.stop()


def _can_listen(host: str, port: int) -> None:
    """Bad input at once: aiosmtpd reports a port in use or an unknown host only after its
    ten-second start-up wait, and in bind()'s words."""
    import socket

    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]  # ::1 as well as 127.0.0.1
        with socket.create_server((host, port), family=family):
            pass
    except OSError as exc:
        raise BadInput(listen_error(host, port, exc)) from None


def serve_mail_sink(directory: str | Path, *, host: str = "127.0.0.1", port: int = 0,
                    on_ready: Callable[[MailSinkHandle], None] | None = None) -> None:
    """Run the sink until interrupted (the `keepword mail` command)."""
    with running_mail_sink(directory, host=host, port=port) as sink:
        if on_ready is not None:
            on_ready(sink)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
