"""What both platform handles share: the records they return (products, orders, their lines), the
`PlatformStore` base with the levers every platform has, the cache folder, and the one way a
fixture learns that a platform is not installed.

A new platform is a subclass of `PlatformStore` that implements `products`, `orders`, the
`set_*` levers (each through `_change`, so that `restore` undoes it), `fail`, and `settle` if
an edit needs more than the UPDATE, plus a `running_<platform>` context manager that starts it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import NoReturn, Protocol

from keepword.mail import MailSinkHandle, Message

from .databases import literal
from .processes import PlatformError, Service, free_port

__all__ = ["NotInstalled", "Order", "OrderLine", "PlatformStore", "Product", "cache_root", "not_installed"]


@dataclass(frozen=True)
class Product:
    """A product as the platform's database holds it (on OpenCart, the price before tax)."""

    id: int
    name: str
    price: Decimal
    stock: int
    sku: str
    url: str

    def __repr__(self) -> str:
        return f"Product({self.id}, {self.name!r}, {self.price}, stock {self.stock})"


@dataclass(frozen=True)
class OrderLine:
    name: str
    quantity: int
    unit_price: Decimal
    line_total: Decimal


@dataclass(frozen=True)
class Order:
    """An order as the platform's database holds it; `id` is the number the customer is shown,
    `uuid` the key of its URLs where the platform has one (EverShop)."""

    id: str
    email: str
    total: Decimal
    currency: str
    placed_at: datetime
    status: str
    shipping_method: str
    lines: tuple[OrderLine, ...]
    uuid: str | None = None

    def __repr__(self) -> str:
        return f"Order({self.id}, {self.email}, {self.total} {self.currency}, {self.status!r})"


class Database(Protocol):
    def query(self, sql: str) -> list[list[str]]: ...


@dataclass
class PlatformStore:
    """A running platform store: where it is, its database, its web server, the mail sink its
    e-mails go to, and the changes made to it so far (undone by `restore`)."""

    url: str
    home: Path
    root: Path
    db: Database
    web: Service
    mail: MailSinkHandle
    timezone: str = "UTC"
    _undo: list[Callable[[], object]] = field(default_factory=list, repr=False)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url}>"

    def products(self) -> list[Product]:
        raise NotImplementedError

    def product(self, name: str) -> Product:
        """The enabled product whose name is `name` (exactly, as the store shows it)."""
        for product in self.products():
            if product.name == name:
                return product
        raise PlatformError(f"{type(self).__name__} has no enabled product named {name!r}")

    def emails(self) -> list[Message]:
        """Every e-mail the store sent to the sink, oldest first."""
        return self.mail.mailbox.messages()

    def mail_down(self) -> None:
        """Point the store's mail at a port where nothing listens: its next e-mails fail."""
        self._smtp_target().write_text(f"127.0.0.1 {free_port()}\n")
        self._undo.append(self.mail_up)

    def mail_up(self) -> None:
        """The store's mail goes to the sink again."""
        self._smtp_target().write_text(f"{self.mail.host} {self.mail.port}\n")

    def heal(self) -> None:
        """Nothing fails on purpose any more (see `fail`)."""
        self._fail_file().unlink(missing_ok=True)

    def restore(self) -> None:
        """Undo every change made through this handle, newest first."""
        changed = bool(self._undo)
        while self._undo:
            self._undo.pop()()
        if changed:
            self.settle()

    def _change(self, table: str, column: str, where: str, value: str | int | Decimal) -> None:
        """UPDATE one value (the same in every row `where` picks), remembering the old one."""
        olds = {row[0] for row in self.db.query(f"SELECT {column} FROM {table} WHERE {where}")}
        if len(olds) != 1:
            raise PlatformError(f"{type(self).__name__}: {table}.{column} where {where}: "
                                f"{'no row' if not olds else 'rows differ'}; nothing changed")
        old = olds.pop()
        self.db.query(f"UPDATE {table} SET {column} = {literal(value)} WHERE {where}")
        self._undo.append(lambda: self.db.query(f"UPDATE {table} SET {column} = {literal(old)} WHERE {where}"))
        self.settle()

    def settle(self) -> None:
        """Until the store has done what follows a change or an order (clear a cache, let its
        event process catch up: EverShop sends its e-mails there), so that the next page shows
        the change and nothing half-done. Every lever calls it; tests may too."""

    def _fail_file(self) -> Path:
        return self.root / "fail-routes"

    def _smtp_target(self) -> Path:
        return self.root / "smtp-target"


class NotInstalled(PlatformError):
    """The platform is not in the cache; the message names the install command."""


def cache_root() -> Path:
    """Where the install scripts keep installed platforms (the same rule as _common.sh)."""
    explicit = os.environ.get("KEEPWORD_PLATFORMS_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "keepword" / "platforms"


def not_installed(what: str, home: Path, command: str) -> NoReturn:
    """Raise NotInstalled with the one line a skipped test shows."""
    raise NotInstalled(f"{what} is not installed in {home}: run {command} (once per machine, as root)")
