"""OpenCart 4.1.0.4 in the test suite: the bare checkout script places a real order that lands in
the store's database and mails a real e-mail to the sink, and every lever of the break-a-promise
API changes what the store serves (then `restore` puts it back)."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from decimal import Decimal

import pytest

from benchmarks.platforms.opencart_checkout import checkout, place_order

pytestmark = pytest.mark.xdist_group("opencart")  # one store per worker under --dist loadgroup


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_bare_checkout_places_an_order_in_the_database_and_mails_it(opencart, platform_page):
    quantity = 2  # the benchmark runs 1 and 2; 2 is where line totals and unit prices part
    email = f"bare-oc-{quantity}@shoppers.example.test"
    result = checkout(platform_page, opencart.url, opencart.mail.mailbox, email=email, quantity=quantity)

    order = next(o for o in opencart.orders() if o.id == result.order_id)
    assert order.email == email
    assert [(line.name, line.quantity) for line in order.lines] == [("iPhone", quantity)]
    # 101.00 + 20 % VAT = 121.20 an item, plus 5.00 flat-rate shipping (untaxed)
    assert order.total == Decimal("121.20") * quantity + Decimal("5.00")
    assert result.placed.confirm_total == f"${order.total:,}"
    assert result.placed.success_text == "Your order has been placed!"
    mails = [m for m in opencart.emails() if m.addressed_to(email)]
    assert [m.subject for m in mails] == [f"Your Store - Order {order.id}"]
    assert re.search(rf"Order ID:\s*{order.id}\b", mails[0].text)

    opencart.set_order_total(int(order.id), Decimal("1.00"))
    assert next(o for o in opencart.orders() if o.id == order.id).total == Decimal("1.00")


def test_price_and_stock_levers_change_the_product_page_until_restored(opencart):
    iphone = opencart.product("iPhone")
    listing = opencart.url + "index.php?route=product/category&path=20"
    status, before = _get(iphone.url)
    assert status == 200 and "$121.20" in before and "Availability: In Stock" in before
    assert "$121.20" in _get(listing)[1]  # now in OpenCart's product-list cache

    opencart.set_price(iphone.id, Decimal("50.00"))
    opencart.set_stock(iphone.id, 0)
    status, after = _get(iphone.url)
    assert status == 200 and "$60.00" in after and "Availability: Out Of Stock" in after
    assert "$60.00" in _get(listing)[1]  # the product-list cache was cleared, as the admin does

    opencart.restore()
    assert opencart.product("iPhone") == iphone
    assert "$121.20" in _get(iphone.url)[1]


def test_fail_lever_makes_one_route_answer_500_until_healed(opencart):
    cart = opencart.url + "index.php?route=checkout/cart"
    opencart.fail("checkout/cart")
    status, body = _get(cart)
    assert status == 500 and "Internal Server Error" in body
    assert _get(opencart.url + "index.php?route=checkout/cart.add")[0] == 500  # its methods too
    assert _get(opencart.url + "index.php?route=product/category&path=20")[0] == 200  # others not
    opencart.restore()
    assert _get(cart)[0] == 200


def test_shipping_and_order_total_levers_write_the_database(opencart):
    opencart.set_shipping_charge(Decimal("9.50"))
    assert opencart.db.query("SELECT `value` FROM oc_setting WHERE `key` = 'shipping_flat_cost'") == [["9.50"]]
    opencart.restore()
    assert opencart.db.query("SELECT `value` FROM oc_setting WHERE `key` = 'shipping_flat_cost'") == [["5.00"]]


def test_mail_outage_at_place_order_loses_the_email_not_the_order(opencart, platform_page):
    email = "outage-oc@shoppers.example.test"
    opencart.mail_down()
    placed = place_order(platform_page, opencart.url, email=email)

    assert placed.success_text == "Your order has been placed!"  # the shopper is told nothing
    assert [o.email for o in opencart.orders() if o.email == email] == [email]
    assert not [m for m in opencart.emails() if m.addressed_to(email)]  # mail() is synchronous
    assert "sendmail.py: cannot hand the message" in opencart.web.log.read_text()
