"""The confirmation e-mail: written from the order as charged, sent over SMTP (smtplib in a
worker thread), with the e-mail faults (missing, late, wrong total) applied and logged here."""

from __future__ import annotations

import asyncio
import logging
import smtplib
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from demo_store.shop import Order, Shop

__all__ = ["Mailer", "confirmation_email"]

log = logging.getLogger("demo_store.mail")


def confirmation_email(shop: Shop, order: Order, *, total_shown: str | None = None) -> EmailMessage:
    """The plain-text confirmation, in the form PAGES.md documents."""
    fmt = shop.locale.format
    promise = order.promise
    lines = [
        f"Thank you for your order at {shop.config.name}.",
        "",
        f"Order number: {order.number}",
    ]
    for line in order.lines:
        unit = "" if shop.config.checkout.line_totals_only else f" at {fmt(line.unit)}"
        lines.append(f"{line.quantity} x {line.product.name} ({line.product.sku}){unit} = {fmt(line.total)}")
    lines += [
        f"Subtotal: {fmt(order.subtotal)}",
        f"Shipping ({order.method.name}): {fmt(order.shipping)}",
        f"Total: {total_shown or fmt(order.total)}",
        f"Promised delivery: {promise_text(shop, order)} ({promise.latest.isoformat()})",
        f"Order status: {order.status_url}",
        "",
    ]
    message = EmailMessage()
    message["Subject"] = f"Order {order.number} confirmed"
    message["From"] = shop.config.mail.sender
    message["To"] = order.email
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain="demo-store.test")
    message["X-Keepword-Order"] = order.number
    message.set_content("\n".join(lines))
    return message


def promise_text(shop: Shop, order: Order) -> str:
    from demo_store.pages import promise_words

    return promise_words(shop, order.promise)


class Mailer:
    """Sends confirmations without holding up the order page; keeps its tasks to finish them."""

    def __init__(self, shop: Shop) -> None:
        self.shop = shop
        self._tasks: set[asyncio.Task[None]] = set()

    def __repr__(self) -> str:
        mail = self.shop.config.mail
        return f"<Mailer {mail.host}:{mail.port}>"

    def confirm(self, order: Order) -> None:
        """Schedule the confirmation of `order` (the faults decide if, when and what)."""
        shop = self.shop
        now = shop.clock.now()
        if shop.faults.get("email_missing", order.fault_key) is not None:
            shop.truth.record("email_missing", where="email", session=order.session_id, order=order.number,
                              honest="sent", shown=None, store_time=now)
            return
        delay = 0.0
        late = shop.faults.get("email_late", order.fault_key)
        if late is not None:
            delay = late.delay_seconds
            shop.truth.record("email_late", where="email", session=order.session_id, order=order.number,
                              honest=0, shown=delay, store_time=now)
        total_shown = None
        wrong = shop.faults.get("email_wrong_total", order.fault_key)
        if wrong is not None:
            lie = order.total + shop.locale.money(wrong.amount)
            total_shown = shop.locale.format(lie)
            shop.truth.record("email_wrong_total", where="email", session=order.session_id, order=order.number,
                              honest=order.total, shown=lie, store_time=now)
        message = confirmation_email(shop, order, total_shown=total_shown)
        task = asyncio.get_running_loop().create_task(self._send(message, delay))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, message: EmailMessage, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
            del message["Date"]
            message["Date"] = format_datetime(datetime.now(UTC))
        mail = self.shop.config.mail
        if mail.port is None:
            log.info("no mail.port configured; not sending %s", message["Subject"])
            return
        try:
            await asyncio.to_thread(_send_now, mail.host, mail.port, message)
        except OSError as exc:
            log.warning("could not send %s to %s:%s: %s", message["Subject"], mail.host, mail.port, exc)


def _send_now(host: str, port: int, message: EmailMessage) -> None:
    with smtplib.SMTP(host, port, timeout=10) as smtp:
        smtp.send_message(message)
