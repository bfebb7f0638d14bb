"""EverShop 2.2.1 in the test suite: the bare checkout script places a real order that lands in
the store's database, mails a real e-mail to the sink, and opens the tokenised tracking page of
the shipped order; every lever of the break-a-promise API changes what the store serves (then
`restore` puts it back)."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from decimal import Decimal

import pytest

from benchmarks.platforms.evershop_checkout import checkout, place_order

pytestmark = pytest.mark.xdist_group("evershop")  # one store per worker under --dist loadgroup


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_bare_checkout_places_an_order_in_the_database_mails_it_and_tracks_it(evershop, platform_page, platform_browser):
    quantity = 2  # the benchmark runs 1 and 2; 2 is where line totals and unit prices part
    email = f"bare-es-{quantity}@shoppers.example.test"
    result = checkout(platform_page, evershop.url, evershop.mail.mailbox, email=email, quantity=quantity,
                      ship=evershop.ship, browser=platform_browser)

    order = next(o for o in evershop.orders() if o.id == result.placed.order_number)
    assert (order.email, order.uuid) == (email, result.placed.order_uuid)
    assert [(line.name, line.quantity, line.line_total) for line in order.lines] == [
        ("Ceramic Coffee Cup - White", quantity, Decimal("15.00") * quantity)]
    assert order.total == Decimal("15.00") * quantity + Decimal("6.00")
    assert result.placed.success_total.endswith(f"${order.total}")
    assert result.tracking_status == "Shipped"
    subjects = [m.subject for m in evershop.emails() if m.addressed_to(email)]
    assert subjects == ["Your order has been confirmed!", f"Your order #{order.id} is on the way"]

    evershop.set_order_total(order.id, Decimal("1.00"))
    assert next(o for o in evershop.orders() if o.id == order.id).total == Decimal("1.00")


def test_price_and_stock_levers_change_the_product_page_until_restored(evershop):
    cup = evershop.product("Ceramic Coffee Cup - White")
    status, before = _get(cup.url)
    assert status == 200 and "$15.00" in before

    evershop.set_price(cup.id, Decimal("9.50"))
    assert "$9.50" in _get(evershop.url + "accessories")[1]
    evershop.set_stock(cup.id, 0)
    status, after = _get(cup.url)
    assert status == 200 and "$9.50" in after and "$15.00" not in after
    assert "Sold out" in after and "Add to cart" not in after
    assert cup.name not in _get(evershop.url + "accessories")[1]  # out of stock: off the listing

    evershop.restore()
    assert evershop.product("Ceramic Coffee Cup - White") == cup
    assert "$15.00" in _get(cup.url)[1]


def test_fail_lever_makes_matching_requests_answer_500_until_healed(evershop):
    evershop.fail("/cart")
    status, body = _get(evershop.url + "cart")
    assert status == 500 and "Internal Server Error" in body
    assert _get(evershop.url + "accessories")[0] == 200
    evershop.restore()
    assert _get(evershop.url + "cart")[0] == 200


def test_shipping_lever_writes_the_rate(evershop):
    evershop.set_shipping_charge(Decimal("11.25"))
    assert evershop.db.query("SELECT cost FROM core_shipping_method_rate") == [["11.2500"]]
    evershop.restore()
    assert evershop.db.query("SELECT cost FROM core_shipping_method_rate") == [["6.0000"]]


def test_mail_outage_at_place_order_loses_the_email_for_good(evershop, platform_page):
    email = "outage-es@shoppers.example.test"
    evershop.mail_down()
    placed = place_order(platform_page, evershop.url, email=email)

    assert placed.success_text.startswith(f"Order #{placed.order_number} is confirmed. We\u2019ve emailed a receipt")
    assert [o.email for o in evershop.orders() if o.id == placed.order_number] == [email]
    evershop.settle()  # the e-mail is sent by EverShop's event process, after the request
    assert not [m for m in evershop.emails() if m.addressed_to(email)]
    assert "ECONNREFUSED" in evershop.web.log.read_text()
    evershop.mail_up()  # at-most-once delivery: the lost e-mail is not sent again
    time.sleep(1)
    assert not [m for m in evershop.emails() if m.addressed_to(email)]
