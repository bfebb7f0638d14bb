"""The order e-mails: whether the promised confirmation came in time, and what it says (lines,
shipping, total, promise) against the confirmation page. Also where a store tells only by
e-mail: the order number its success page did not show, a tracking link."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING

from journeys import checks
from journeys.memory import ORDER
from journeys.notebook import Reading
from journeys.pages.lines import judge_line
from journeys.reading import EmailReading, Unreadable, read_email
from keepword.errors import HarnessError
from keepword.kinds import ClaimKind
from keepword.records import Value, now

if TYPE_CHECKING:
    from journeys.shopper import Shopper
    from keepword.mail import Mailbox, Message
    from keepword.profile import EmailFormat

__all__ = ["AWAITS_EMAIL", "find_order_mail", "judge_email", "names_order", "wait_for_email"]

# The note on an order_total claim that the confirmation e-mail (not yet read) must keep.
AWAITS_EMAIL = "awaits the confirmation e-mail"


def subject_pattern(fmt: EmailFormat, number: str | None) -> re.Pattern[str]:
    """The order e-mail's subject: the profile's `subject` with {order} the number as a whole
    (order 1's is not "Order 12"), or any number when it is not known yet; case ignored."""
    parts = [re.escape(part) for part in fmt.subject.split("{order}")]
    order = rf"{re.escape(number)}(?!\w)" if number else r"\S+"
    return re.compile(order.join(parts), re.IGNORECASE)


def names_order(fmt: EmailFormat, message: Message, number: str) -> bool:
    """Whether an e-mail is about order `number`. By the number it names where the profile says
    how to read one (its subject template, `order_number`); else by the number standing on its
    own in the text: order 1 is not in "Order 12", "$1,200.00" or "2026-11-01"."""
    named = False  # it names an order, this one or another
    if "{order}" in fmt.subject and subject_pattern(fmt, None).search(message.subject):
        if subject_pattern(fmt, number).search(message.subject):
            return True
        named = True
    if fmt.order_number:
        for line in message.text.splitlines():
            if (m := re.search(fmt.order_number, line)) is not None:
                if m.group("value").strip() == number:
                    return True
                named = True
    if named:
        return False
    alone = re.compile(rf"(?<![\w$£€¥₹.,/-]){re.escape(number)}(?![\w/-]|[.,]\d)")
    return alone.search(message.subject + "\n" + message.text) is not None


def find_order_mail(mailbox: Mailbox, fmt: EmailFormat, *, to: str, number: str | None,
                    since: datetime | None = None) -> Message | None:
    """The first order e-mail to `to` (for order `number`, where known)."""
    wanted = subject_pattern(fmt, number)
    return next((m for m in mailbox.find(to=to, since=since) if wanted.search(m.subject)), None)


def wait_for_email(shopper: Shopper) -> bool:
    """Wait (up to the time limit, or the scenario's mail.wait_seconds) for the confirmation
    e-mail; judge its arrival and what it says. Leaves the claim open if the limit is ahead."""
    memory = shopper.memory
    fmt = shopper.profile.email
    if memory.email_claim is None or shopper.target.mail_dir is None or fmt is None:
        return False
    import time

    from keepword.mail import Mailbox

    with shopper.step("email"):
        deadline = memory.email_claim.value
        assert isinstance(deadline, datetime)
        left = max(0.0, (deadline - now()).total_seconds())
        wait = min(left, shopper.scenario.mail.wait_seconds) if shopper.scenario.mail.wait_seconds is not None else left
        mailbox = Mailbox(shopper.target.mail_dir)
        to = memory.email_to or shopper.persona.email
        stop = time.monotonic() + wait
        while (message := find_order_mail(mailbox, fmt, to=to, number=memory.order_number,
                                          since=memory.placed_at)) is None and time.monotonic() < stop:
            time.sleep(0.05)
        arrived = message.received_at if message else None
        judgement = checks.arrived_in_time(deadline, arrived, now())
        if judgement is not None:
            seen = shopper.reading(arrived, message.text if message else None, source="email")
            shopper.notebook.close(memory.email_claim, seen, judgement)
        if message is None:
            # What the e-mail will say is still a promise: the confirmation's total, for
            # `follow-up` to judge when the message comes (late, or after the shopper left).
            total = memory.seen.get((ClaimKind.ORDER_TOTAL, ORDER))
            if total is not None and fmt.total:
                claim = shopper.notebook.claim(ClaimKind.ORDER_TOTAL, memory.order_key, total)
                shopper.notebook.note(claim.id, AWAITS_EMAIL)
            return False
        judge_email(shopper, message.text, message.path.as_posix())
        shopper.remember_order()
    return True


def judge_email(shopper: Shopper, body: str, where: str, *, confirmation: bool = True) -> EmailReading:
    """Judge what an order e-mail says against what the pages said. A later e-mail (a dispatch
    notice) need not state a total (`confirmation=False`)."""
    fmt = shopper.profile.email
    memory = shopper.memory
    assert fmt is not None
    try:
        said = read_email(body, fmt, shopper.profile.money, need_total=confirmation)
    except Unreadable as exc:
        raise HarnessError(f"{shopper.profile_name}: email: {exc} (message {where})") from None

    def seen(value: Value) -> Reading:
        return Reading(value, shopper.step_name, where, body, "email", store_at=shopper.notebook.store_at)

    if said.order_number and not memory.order_number:
        memory.order_number = said.order_number
    for line in said.lines:
        key = memory.key_of(line.sku, line.title)
        judge_line(shopper, key, line.quantity, seen(line.unit) if line.unit is not None else None,
                   seen(line.total) if line.total is not None else None)
    if said.shipping is not None and memory.shipping_code:
        code = memory.shipping_code
        shopper.judge(ClaimKind.SHIPPING_CHARGE, code, memory.seen.get((ClaimKind.SHIPPING_CHARGE, code)),
                      seen(said.shipping))
    if said.total is not None:
        shopper.judge(ClaimKind.ORDER_TOTAL, memory.order_key, memory.seen.get((ClaimKind.ORDER_TOTAL, ORDER)),
                      seen(said.total))
    if said.promise_latest is not None:
        shopper.judge(ClaimKind.DELIVERY_DATE, memory.order_key, memory.seen.get((ClaimKind.DELIVERY_DATE, ORDER)),
                      seen(said.promise_latest))
    if said.status_link:
        from journeys.pages.confirmation import set_status_url

        set_status_url(shopper, said.status_link)
    elif said.order_number and memory.status_url is None and shopper.profile.status is not None \
            and shopper.profile.status.url:
        from journeys.actions import url_value
        from journeys.pages.confirmation import set_status_url

        set_status_url(shopper, shopper.target.url(url_value(shopper, shopper.profile.status.url)))
    return said
