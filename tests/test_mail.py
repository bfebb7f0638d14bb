"""keepword's mail sink over real SMTP: messages kept as .eml and .json, parsed with the
email package, and found by Mailbox.wait_for."""

from __future__ import annotations

import json
import smtplib
import threading
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from keepword.errors import HarnessError
from keepword.mail import Mailbox, running_mail_sink


def send(host: str, port: int, *, to: str, subject: str, text: str, html: str | None = None,
         rcpt: list[str] | None = None) -> None:
    message = EmailMessage()
    message["From"] = "Shop <orders@shop.test>"
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = "Mon, 23 Nov 2026 09:00:00 +0000"
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    with smtplib.SMTP(host, port, timeout=60) as smtp:
        smtp.send_message(message, to_addrs=rcpt)


@pytest.fixture
def sink(tmp_path: Path):
    with running_mail_sink(tmp_path / "mail") as handle:
        yield handle


def test_a_message_is_kept_as_eml_and_parsed_json(sink) -> None:
    send(sink.host, sink.port, to="Ann Example <ann@example.com>", subject="Заказ KW-1 подтверждён",
         text="Итого: 2 200,00 ₽\n", html="<p>Итого: <b>2 200,00 ₽</b></p>")
    message = Mailbox(sink.dir).wait_for(to="ann@example.com", timeout=60)
    assert message.subject == "Заказ KW-1 подтверждён"
    assert message.text == "Итого: 2 200,00 ₽"  # what a mail client shows: the HTML part, as text
    assert message.to == ("ann@example.com",) and message.recipients == ("ann@example.com",)
    assert message.mail_from == "orders@shop.test"
    assert message.date == datetime(2026, 11, 23, 9, tzinfo=UTC)
    assert message.headers["From"] == "Shop <orders@shop.test>"
    raw = message.path.read_bytes()
    assert message.path.suffix == ".eml" and b"Subject: =?utf-8?" in raw
    stored = json.loads(message.path.with_suffix(".json").read_text(encoding="utf-8"))
    assert stored["subject"] == message.subject and stored["eml"] == message.path.name
    html = message.email().get_body(preferencelist=("html",))
    assert html is not None and "<b>2 200,00 ₽</b>" in html.get_content()


def test_wait_for_matches_recipient_and_subject_and_waits(sink) -> None:
    box = Mailbox(sink.dir)
    send(sink.host, sink.port, to="bob@example.com", subject="Order KW-2 confirmed", text="two")

    def later() -> None:
        time.sleep(0.3)
        send(sink.host, sink.port, to="bob@example.com", subject="Order KW-3 confirmed", text="three")

    threading.Thread(target=later).start()
    assert box.wait_for(to="BOB@example.com", subject_contains="kw-3", timeout=60).text.strip() == "three"
    assert box.wait_for(to="bob@example.com", subject_contains="KW-2", timeout=1).text.strip() == "two"
    assert [m.subject for m in box.messages()] == ["Order KW-2 confirmed", "Order KW-3 confirmed"]
    assert box.find(to="someone@else.test") == []
    since = box.messages()[1].received_at
    assert [m.subject for m in box.find(since=since)] == ["Order KW-3 confirmed"]


def test_envelope_recipients_count_as_addressed(sink) -> None:
    send(sink.host, sink.port, to="list@example.com", subject="Bcc'd", text="x", rcpt=["hidden@example.com"])
    message = Mailbox(sink.dir).wait_for(to="hidden@example.com", timeout=60)
    assert message.recipients == ("hidden@example.com",) and message.to == ("list@example.com",)


def test_wait_for_times_out_with_a_harness_error_naming_what_it_waited_for(sink) -> None:
    with pytest.raises(HarnessError, match=r"to='nobody@example.com'.*within 0.2 s"):
        Mailbox(sink.dir).wait_for(to="nobody@example.com", timeout=0.2)


def test_concurrent_senders_are_all_kept(sink) -> None:
    threads = [threading.Thread(target=send, args=(sink.host, sink.port),
                                kwargs={"to": f"p{i}@example.com", "subject": f"n{i}", "text": str(i)})
               for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    box = Mailbox(sink.dir)
    for i in range(12):
        assert box.wait_for(to=f"p{i}@example.com", timeout=60).text.strip() == str(i)
    assert len(box.messages()) == 12 and len(list(Path(sink.dir).glob("*.eml"))) == 12


def test_a_missing_folder_reads_as_empty(tmp_path: Path) -> None:
    assert Mailbox(tmp_path / "nowhere").messages() == []


def test_a_store_that_always_logs_in_may_without_tls(tmp_path):
    """OpenCart sends AUTH LOGIN whatever it is told: the sink takes any login, no TLS."""
    with running_mail_sink(tmp_path) as sink:
        client = smtplib.SMTP(sink.host, sink.port, timeout=10)
        client.ehlo("store.test")
        client.login("shop@store.test", "any password")
        client.sendmail("shop@store.test", ["ann@shoppers.example.test"], "Subject: Order 7\r\n\r\nThanks")
        client.quit()
        assert [m.subject for m in Mailbox(sink.dir).messages()] == ["Order 7"]


def test_an_html_only_email_reads_as_text_a_pattern_can_match(tmp_path):
    """Stores such as EverShop send HTML only: rows, cells, entities and links as a client shows them."""
    from keepword.mail import save_message

    html = ("<html><head><style>td{}</style></head><body><h1>Order Number #10001</h1><table>"
            "<tr><td>Ceramic Cup - White</td><td>2 | $15</td></tr><tr><td>Total:</td><td>$36</td></tr></table>"
            '<p><a href="http://127.0.0.1:5/orders/u/track?token&#x3D;abc">View order details</a></p></body></html>')
    raw = ("Subject: Your order has been confirmed!\r\nTo: ann@shoppers.example.test\r\n"
           "Content-Type: text/html; charset=utf-8\r\n\r\n" + html).encode()
    message = save_message(tmp_path, raw, "shop@store.test", ["ann@shoppers.example.test"])
    assert message.text.splitlines() == [
        "Order Number #10001", "Ceramic Cup - White 2 | $15", "Total: $36",
        "View order details (http://127.0.0.1:5/orders/u/track?token=abc)"]


@pytest.mark.parametrize(("subject", "text", "number", "about"), [
    ("Your Store - Order 1", "Order ID: 1\nMacBook 1 $1,200.00", "1", True),
    ("Your Store - Order 12", "Order ID: 12\nMacBook 1 $1,200.00", "1", False),  # "1" is all over it
    ("Your Store - Order 12", "MacBook 1 $1,200.00", "1", False),  # by its subject alone
    ("Your order has been confirmed!", "Order Number #10001 Order Date Nov 30, 2026", "10001", True),
    ("Your order has been confirmed!", "Order Number #10002 Order Date Nov 30, 2026", "10001", False),
    ("Your order #10001 is on the way", "Tracking #: KW0001", "10001", True),  # no number line: the text
    ("Your order #10002 is on the way", "Total $10001.00 on 2026-11-01", "10001", False),
])
def test_an_email_is_about_an_order_by_the_number_it_names(subject, text, number, about):
    """Follow-up reads an order's e-mails again: another order's e-mail to the same customer must
    not be taken for this one's (OpenCart numbers orders 1, 2, 3...)."""
    from journeys.pages.email import names_order
    from keepword.profile import EmailFormat

    class Sent:
        def __init__(self) -> None:
            self.subject, self.text = subject, text

    template = "Your Store - Order {order}" if subject.startswith("Your Store") else "Your order has been confirmed!"
    numbered = r"^Order ID: (?P<value>\d+)$" if subject.startswith("Your Store") else r"Order Number #(?P<value>\d+)"
    fmt = EmailFormat(subject=template, order_number=numbered)
    assert names_order(fmt, Sent(), number) is about  # type: ignore[arg-type]


def test_an_order_email_subject_names_the_whole_number():
    """Order 1's confirmation is not order 12's ("Your Store - Order 12" to the same customer)."""
    from journeys.pages.email import subject_pattern
    from keepword.profile import EmailFormat

    fmt = EmailFormat(subject="Your Store - Order {order}")
    assert subject_pattern(fmt, "1").search("Your Store - Order 1")
    assert subject_pattern(fmt, "1").search("Your Store - Order 12") is None
    assert subject_pattern(fmt, None).search("Your Store - Order 12")
