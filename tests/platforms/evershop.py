"""EverShop 2.2.1 as a test store: `running_evershop` starts one from the installed cache (a
private PostgreSQL cluster from the template, `evershop start` on a free port), and the
`EverShop` handle breaks its promises through its own database and admin REST API between a
test's steps.

    with running_mail_sink(tmp / "mail") as sink, running_evershop(sink) as shop:
        shop.set_price(shop.product("Ceramic Coffee Cup - White").id, Decimal("9.00"))
        ...
        shop.restore()  # every change undone, in reverse order

Store facts a test needs: the clock is the machine's real clock in UTC (`shop.timezone` in
EverShop's config, the PostgreSQL session time zone and the node processes' TZ all say UTC;
EverShop has no clock of its own); prices are US dollars with a 0 % tax rate; order e-mails are
sent by EverShop's event process a moment after the order (LISTEN/NOTIFY, with a 10 s poll as
the fallback), not during the request that places it.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from keepword.mail import MailSinkHandle

from .databases import PG_BIN, PostgreSQL, literal
from .processes import PlatformError, free_port, scratch_dir, start
from .store import Order, OrderLine, PlatformStore, Product, cache_root, not_installed

__all__ = ["ADMIN_EMAIL", "EVERSHOP_VERSION", "EverShop", "evershop_home", "running_evershop"]

EVERSHOP_VERSION = "2.2.1"
FILES = Path(__file__).with_name("files") / "evershop"
INSTALL = "tests/platforms/install-evershop.sh"
TIMEZONE = "UTC"
ADMIN_EMAIL = "admin@evershop.example.test"
ADMIN_PASSWORD = "keepword-admin-1"  # a test store on 127.0.0.1; the install script sets the same


def evershop_home() -> Path:
    """The installed EverShop in the cache; raises NotInstalled (naming the command) if it is not."""
    home = cache_root() / f"evershop-{EVERSHOP_VERSION}"
    node = home / ".node"
    if (not (home / ".installed").is_file() or not node.is_file() or not Path(node.read_text().strip()).exists()
            or not (PG_BIN / "postgres").exists()):
        not_installed(f"EverShop {EVERSHOP_VERSION}", home, INSTALL)
    return home


@dataclass(repr=False)
class EverShop(PlatformStore):
    """A running EverShop store and the levers a test pulls to make it break its word."""

    _token: str | None = field(default=None)

    # -- reading ---------------------------------------------------------------------------------
    def products(self) -> list[Product]:
        """Enabled, visible products by id: name, price, stock, SKU and product page URL."""
        rows = self.db.query(
            "SELECT p.product_id, d.name, p.price, i.qty, p.sku, COALESCE(u.request_path, '') "
            "FROM product p JOIN product_description d ON d.product_description_product_id = p.product_id "
            "JOIN product_inventory i ON i.product_inventory_product_id = p.product_id "
            "LEFT JOIN url_rewrite u ON u.entity_uuid = p.uuid AND u.entity_type = 'product' "
            "WHERE p.status AND p.visibility ORDER BY p.product_id")
        return [Product(int(pid), name, Decimal(price), int(qty), sku, self.url.rstrip("/") + path)
                for pid, name, price, qty, sku, path in rows]

    def orders(self) -> list[Order]:
        """Every order, oldest first; `id` is the number the store shows ("10001"), `uuid` the
        key of its URLs and of the admin API."""
        heads = self.db.query(
            'SELECT order_id, order_number, uuid, customer_email, grand_total, currency, created_at, '
            "status, COALESCE(shipping_method_data::jsonb #>> '{snapshot,name}', '') "
            'FROM "order" ORDER BY order_id')
        lines: dict[str, list[OrderLine]] = {}
        for order_id, name, qty, price, total in self.db.query(
                "SELECT order_item_order_id, product_name, qty, final_price_incl_tax, line_total_incl_tax "
                "FROM order_item ORDER BY order_item_id"):
            lines.setdefault(order_id, []).append(OrderLine(name, int(qty), Decimal(price), Decimal(total)))
        return [Order(number, email, Decimal(total).quantize(Decimal("0.01")), currency,
                      datetime.fromisoformat(created).astimezone(UTC), status, shipping,
                      tuple(lines.get(order_id, [])), uuid)
                for order_id, number, uuid, email, total, currency, created, status, shipping in heads]

    # -- the admin REST API -----------------------------------------------------------------------
    def admin(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call EverShop's admin REST API (`/api/...`) as the admin user; the `data` of its answer."""
        if self._token is None:
            self._token = self._call("POST", "/api/user/tokens",
                                     {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}, None)["accessToken"]
        return self._call(method, path, body, self._token)

    def ship(self, order_uuid: str, *, carrier: str = "custom", tracking_number: str = "KW0001") -> Any:
        """Ship every line of the order (by its uuid, `Order.uuid`) through the admin API, telling
        the customer: EverShop e-mails the tokenised order-tracking link. `carrier` "custom" is
        the one carrier EverShop registers out of the box ("Custom / Other")."""
        items = self.db.query(f"SELECT order_item_id, qty FROM order_item i JOIN \"order\" o "
                              f"ON o.order_id = i.order_item_order_id WHERE o.uuid = {literal(order_uuid)}")
        return self.admin("POST", f"/api/orders/{order_uuid}/shipments", {
            "items": [{"order_item_id": int(item), "qty": int(qty)} for item, qty in items],
            "carrier": carrier, "tracking_number": tracking_number, "notifyCustomer": True})

    # -- breaking promises (each change is undone by restore()) ---------------------------------
    def set_price(self, product_id: int, price: Decimal) -> None:
        """The product's price (tax is 0 %, so what every page shows)."""
        self._change("product", "price", f"product_id = {int(product_id)}", Decimal(price))

    def set_stock(self, product_id: int, quantity: int) -> None:
        """The product's stock (managed for every demo product)."""
        self._change("product_inventory", "qty", f"product_inventory_product_id = {int(product_id)}", int(quantity))

    def set_shipping_charge(self, cost: Decimal) -> None:
        """The flat rate of the one shipping method ("Standard Delivery", 6.00 after install)."""
        self._change("core_shipping_method_rate", "cost", "TRUE", Decimal(cost))

    def set_order_total(self, order_number: str, total: Decimal) -> None:
        """The order's grand total as stored (what the admin and the tracking page show)."""
        self._change('"order"', "grand_total", f"order_number = {literal(str(order_number))}", Decimal(total))

    def fail(self, path_prefix: str, status: int = 500, method: str = "*") -> None:
        """Answer every request whose path starts with `path_prefix` (and whose method is `method`,
        "*" for any) with `status` and a bare "Internal Server Error" page, until `heal`."""
        with self._fail_file().open("a") as rules:
            rules.write(f"{method} {path_prefix} {int(status)}\n")
        self._undo.append(self.heal)

    def settle(self, timeout: float = 30.0) -> None:
        # An UPDATE of a product fires EverShop's product_updated event, and its subscriber
        # rebuilds the product's URL rewrite in two steps: until the event process is done, the
        # product page can answer 404. Wait for the event queue to drain, as an admin would wait
        # for the page to come back.
        deadline = time.monotonic() + timeout
        while self.db.query("SELECT count(*) FROM event WHERE status IN ('pending', 'processing')") != [["0"]]:
            if time.monotonic() > deadline:
                raise PlatformError(f"EverShop's event process left events unhandled for {timeout:g} s; "
                                    f"its log: {self.web.log}")
            time.sleep(0.05)

    def _call(self, method: str, path: str, body: dict[str, Any] | None, token: str | None) -> Any:
        request = urllib.request.Request(self.url.rstrip("/") + path, method=method,
                                         data=json.dumps(body).encode() if body is not None else None,
                                         headers={"Content-Type": "application/json"})
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.load(response).get("data")
        except urllib.error.HTTPError as error:
            raise PlatformError(f"EverShop admin API {method} {path}: HTTP {error.code}: "
                                f"{error.read().decode(errors='replace')[:300]}") from None


@contextmanager
def running_evershop(mail: MailSinkHandle) -> Iterator[EverShop]:
    """Start EverShop (PostgreSQL, then `evershop start`) on free ports; stop both and remove
    its folder at the end. Raises `PlatformError` naming the server and its log."""
    home = evershop_home()
    node = (home / ".node").read_text().strip()
    root = scratch_dir("keepword-evershop-")
    with ExitStack() as stopping:  # newest first, each even when one before it fails
        stopping.callback(shutil.rmtree, root, ignore_errors=True)
        db = PostgreSQL.start(home / "pg-template", root / "pg", database="evershop", user="postgres")
        stopping.callback(db.stop)
        (root / "smtp-target").write_text(f"{mail.host} {mail.port}\n")
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        env = {**os.environ, "PORT": str(port), "EVERSHOP_HOME_URL": url.rstrip("/"),
               "DB_HOST": "127.0.0.1", "DB_PORT": str(db.port), "DB_NAME": "evershop",
               "DB_USER": "postgres", "DB_PASSWORD": "postgres", "TZ": TIMEZONE,
               "KEEPWORD_SMTP_TARGET_FILE": str(root / "smtp-target"),
               "KEEPWORD_ES_FAIL_FILE": str(root / "fail-routes"),
               "NODE_OPTIONS": f"--import={FILES / 'keepword-preload.mjs'}",
               # EverShop spawns its event and cron processes as plain `node`: the same one, first.
               "PATH": f"{Path(node).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
        web = start("evershop start", [node, str(home / "node_modules" / "@evershop" / "evershop" / "dist" / "bin"
                                                 / "evershop.js"), "start"],
                    log=root / "evershop.log", env=env, cwd=home)
        stopping.callback(web.stop)
        web.wait_for_port(port, 180)
        yield EverShop(url, home, root, db, web, mail)
