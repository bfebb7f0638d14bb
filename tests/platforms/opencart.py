"""OpenCart 4.1.0.4 as a test store: `running_opencart` starts one from the installed cache (a
private MariaDB from the template, `php -S` with keepword's env-driven config), and the
`OpenCart` handle breaks its promises through its own database between a test's steps.

    with running_mail_sink(tmp / "mail") as sink, running_opencart(sink) as shop:
        shop.set_price(shop.product("iPhone").id, Decimal("99.00"))
        ...
        shop.restore()  # every change undone, in reverse order

Store facts a test needs: the clock is the machine's real clock in UTC (`config_timezone`, PHP's
`date.timezone` and MariaDB's session time zone all say UTC; OpenCart has no clock of its own);
prices are stored before tax and shown with UK VAT (20 %) where the product's tax class says so
(the demo's fixed eco tax and the tax on shipping are removed at install); the currency is US
dollars.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from keepword.mail import MailSinkHandle

from .databases import MariaDB
from .processes import free_port, scratch_dir, start
from .store import Order, OrderLine, PlatformStore, Product, cache_root, not_installed

__all__ = ["OPENCART_VERSION", "OpenCart", "opencart_home", "running_opencart"]

OPENCART_VERSION = "4.1.0.4"
FILES = Path(__file__).with_name("files") / "opencart"
INSTALL = "tests/platforms/install-opencart.sh"
TIMEZONE = "UTC"


def opencart_home() -> Path:
    """The installed OpenCart in the cache; raises NotInstalled (naming the command) if it is not."""
    home = cache_root() / f"opencart-{OPENCART_VERSION}"
    if not (home / ".installed").is_file() or shutil.which("php") is None or not Path("/usr/sbin/mariadbd").exists():
        not_installed(f"OpenCart {OPENCART_VERSION}", home, INSTALL)
    return home


class OpenCart(PlatformStore):
    """A running OpenCart store and the levers a test pulls to make it break its word."""

    @property
    def admin_url(self) -> str:
        return self.url + "admin/"

    # -- reading ---------------------------------------------------------------------------------
    def products(self) -> list[Product]:
        """Enabled products, by id: name, price before tax, stock, product page URL."""
        rows = self.db.query(
            "SELECT p.product_id, pd.name, p.price, p.quantity, p.model FROM oc_product p "
            "JOIN oc_product_description pd ON pd.product_id = p.product_id AND pd.language_id = 1 "
            "WHERE p.status = 1 ORDER BY p.product_id")
        return [Product(int(pid), name, Decimal(price), int(quantity), model,
                        f"{self.url}index.php?route=product/product&product_id={pid}")
                for pid, name, price, quantity, model in rows]

    def orders(self) -> list[Order]:
        """Every order the store has, oldest first, with its lines (prices as charged, with tax)."""
        heads = self.db.query(
            "SELECT o.order_id, o.email, o.total, o.currency_code, o.date_added, "
            "COALESCE(s.name, 'missing'), o.shipping_method FROM oc_order o "
            "LEFT JOIN oc_order_status s ON s.order_status_id = o.order_status_id AND s.language_id = 1 "
            "ORDER BY o.order_id")
        lines: dict[str, list[OrderLine]] = {}
        for order_id, name, quantity, price, tax in self.db.query(
                "SELECT order_id, name, quantity, price, tax FROM oc_order_product ORDER BY order_product_id"):
            unit = Decimal(price) + Decimal(tax)
            lines.setdefault(order_id, []).append(OrderLine(name, int(quantity), unit, unit * int(quantity)))
        return [Order(order_id, email, Decimal(total).quantize(Decimal("0.01")), currency,
                      datetime.fromisoformat(added).replace(tzinfo=UTC), status, shipping,
                      tuple(lines.get(order_id, [])))
                for order_id, email, total, currency, added, status, shipping in heads]

    # -- breaking promises (each change is undone by restore()) ---------------------------------
    def set_price(self, product_id: int, price: Decimal) -> None:
        """The product's price before tax, as the admin's product form sets it."""
        self._change("oc_product", "price", f"product_id = {int(product_id)}", Decimal(price))

    def set_stock(self, product_id: int, quantity: int) -> None:
        """The product's stock; at 0 the store refuses checkout (`config_stock_checkout` is 0)."""
        self._change("oc_product", "quantity", f"product_id = {int(product_id)}", int(quantity))

    def set_shipping_charge(self, cost: Decimal) -> None:
        """The flat-rate shipping cost (5.00 after install; shipping is untaxed)."""
        self._change("oc_setting", "`value`", "`key` = 'shipping_flat_cost' AND store_id = 0", str(Decimal(cost)))

    def set_order_total(self, order_id: int, total: Decimal) -> None:
        """The order's total as stored (what the admin and any later page would show)."""
        self._change("oc_order", "total", f"order_id = {int(order_id)}", Decimal(total))

    def fail(self, route: str, status: int = 500) -> None:
        """Make every request to `route` (and its methods: "checkout/cart" fails "checkout/cart.add")
        answer `status` with a bare "Internal Server Error" page, until `heal`."""
        with self._fail_file().open("a") as rules:
            rules.write(f"{route} {int(status)}\n")
        self._undo.append(self.heal)

    def settle(self) -> None:
        # OpenCart caches product lists for an hour (catalog/model/catalog/product.php getProducts);
        # its admin clears them on every product edit, and so do we after every change.
        for cached in (self.root / "storage" / "cache").glob("cache.product.*"):
            cached.unlink(missing_ok=True)


@contextmanager
def running_opencart(mail: MailSinkHandle, *, workers: int = 1) -> Iterator[OpenCart]:
    """Start OpenCart (MariaDB, then `php -S` with `workers` workers) on free ports; stop both
    and remove its folder at the end. Raises `PlatformError` naming the server and its log.

    One worker by default: OpenCart 4.1.0.4's file sessions have no lock, so two requests of one
    shopper at once (the checkout page fires several AJAX calls together) can lose each other's
    session writes, and the next step then fails with "Payment method required!" or "Shipping
    method required!" on a correct choice. With `workers=4` that race is real and frequent under
    load: a store error to inject on purpose, not a baseline."""
    home = opencart_home()
    root = scratch_dir("keepword-opencart-")
    with ExitStack() as stopping:  # newest first, each even when one before it fails
        stopping.callback(shutil.rmtree, root, ignore_errors=True)
        db = MariaDB.start(home / "mysql-template", root / "mysql", database="opencart", user="opencart",
                           password="opencart")
        stopping.callback(db.stop)
        storage = root / "storage"
        for sub in ("cache", "download", "logs", "session", "upload", "backup", "marketplace"):
            (storage / sub).mkdir(parents=True)
        (storage / "vendor").symlink_to(home / "upload" / "system" / "storage" / "vendor")
        # Compiled Twig templates depend only on the code: shared, so only the first store compiles.
        (home / "twig-cache").mkdir(exist_ok=True)
        (storage / "cache" / "template").symlink_to(home / "twig-cache")
        (root / "smtp-target").write_text(f"{mail.host} {mail.port}\n")
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        env = {**os.environ, "KEEPWORD_OC_URL": url, "KEEPWORD_OC_STORAGE": f"{storage}/",
               "KEEPWORD_OC_DB_PORT": str(db.port), "KEEPWORD_OC_FAIL_FILE": str(root / "fail-routes"),
               "PHP_CLI_SERVER_WORKERS": str(workers), "TZ": TIMEZONE}
        sendmail = f"{sys.executable} {FILES / 'sendmail.py'} {root / 'smtp-target'}"
        web = start("php -S (OpenCart)", [
            "php", "-d", f"date.timezone={TIMEZONE}", "-d", f"auto_prepend_file={FILES / 'prepend.php'}",
            "-d", f"sendmail_path={sendmail}", "-d", "display_errors=0", "-d", "log_errors=1",
            "-S", f"127.0.0.1:{port}", "-t", str(home / "upload")], log=root / "php.log", env=env)
        stopping.callback(web.stop)
        web.wait_for_port(port, 30)
        yield OpenCart(url, home, root, db, web, mail)
