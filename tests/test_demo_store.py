"""The demo store over real HTTP and SMTP: catalogue, a guest order end to end, the e-mail,
the status page on the store clock, and an honest store agreeing with itself everywhere."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from demo_store.testing import HttpShopper, StoreHandle, running_store
from keepword.mail import Mailbox
from keepword.money import parse_money

START = "2026-11-23T09:00:00+00:00"  # a Monday morning, before the 14:00 cut-off (as in conftest.py)


@pytest.fixture
def shopper(store: StoreHandle):
    client = HttpShopper(store.url)
    yield client
    client.close()


def gbp(text: str) -> Decimal:
    return parse_money(text, locale="en_GB", currency="GBP").amount


def test_catalogue_has_the_documented_shape(shopper: HttpShopper) -> None:
    page = shopper.get("/")
    cards = page.all("product-card")
    availability = [page.text("product-availability", within=c) for c in cards]
    prices = [page.text("product-price", within=c) for c in cards]
    titles = [page.get("product-title", within=c) for c in cards]
    assert len(cards) >= 20
    assert len(page.all("nav-category")) >= 3
    assert "Out of stock" in availability
    assert {"Only 1 left", "Only 2 left"} <= set(availability)
    assert any(a.startswith("In stock (") for a in availability)
    assert "£1,234.00" in prices
    cut = [t for t in titles if t.text.endswith("…")]
    assert cut and all(len(t.attrs["title"]) > len(t.text) for t in cut)
    out = next(c for c, a in zip(cards, availability, strict=True) if a == "Out of stock")
    assert not page.all("add-to-basket", within=out)
    kitchen = shopper.get("/category/kitchen").all("product-card")
    assert 0 < len(kitchen) < len(cards)


def test_product_page_json_ld_agrees_with_the_page(shopper: HttpShopper, store: StoreHandle) -> None:
    for sku in ("KIT-004", "GAR-002", "KIT-005", "DIG-001"):
        page = shopper.get(f"/product/{sku}")
        (data,) = page.jsonld()
        offer = data["offers"]
        stock = store.stock()[sku]
        assert data["@type"] == "Product" and data["sku"] == sku
        assert data["name"] == page.text("product-title")
        assert Decimal(offer["price"]) == gbp(page.text("product-price"))
        assert isinstance(offer["price"], str) and offer["priceCurrency"] == "GBP"
        expected = ("https://schema.org/OutOfStock" if stock == 0 else
                    "https://schema.org/LimitedAvailability" if stock <= 2 else "https://schema.org/InStock")
        assert offer["availability"] == expected
        assert offer["shippingDetails"][0]["deliveryTime"]["transitTime"]["unitCode"] == "DAY"
        if stock:
            assert page.get("quantity").attrs["max"] == str(stock)
        else:
            assert page.text("product-availability") == "Out of stock" and not page.all("quantity")


def test_guest_order_end_to_end_with_email_and_status(shopper: HttpShopper, store: StoreHandle, sink) -> None:
    listed = shopper.get("/category/garden")
    card = next(c for c in listed.all("product-card") if c.attrs["data-sku"] == "GAR-003")
    listed_price = listed.text("product-price", within=card)
    assert shopper.get("/product/GAR-003").text("product-price") == listed_price
    basket = shopper.add("GAR-003", 2)
    line = basket.get("basket-line")
    assert basket.url.endswith("/basket") and line.attrs["data-sku"] == "GAR-003"
    assert basket.text("line-unit-price", within=line) == listed_price
    assert gbp(basket.text("line-total", within=line)) == 2 * gbp(listed_price)
    shipping = _to_shipping_step(shopper, "ann.e2e@example.com")
    options = {o.attrs["data-method"]: o for o in shipping.all("shipping-option")}
    assert set(options) == {"express", "standard", "economy"}
    standard = options["standard"]
    promise = shipping.get("delivery-promise", within=standard)
    assert promise.text == "Arrives by Thu 26 Nov" and promise.attrs["data-latest"] == "2026-11-26"
    assert "working days" in shipping.text("delivery-promise", within=options["economy"])
    shopper.post("/checkout/shipping", {"shipping_method": "standard"})
    preview = shopper.post("/checkout/payment", {"card_number": "4242 4242 4242 4242", "card_expiry": "12/30",
                                                 "card_cvc": "123", "card_name": "Ann"})
    assert preview.get("checkout-step").attrs["data-step"] == "preview"
    assert preview.text("preview-shipping") == shipping.text("shipping-charge", within=standard)
    total = gbp(preview.text("preview-total"))
    assert total == 2 * gbp(listed_price) + Decimal("3.95")
    done = shopper.place()
    number = done.text("order-number")
    assert done.url.endswith(f"/order/{number}/confirmation")
    assert gbp(done.text("order-total")) == total
    assert done.get("delivery-promise").attrs["data-latest"] == "2026-11-26"
    assert store.stock()["GAR-003"] == 13

    mail = Mailbox(sink.dir).wait_for(to="ann.e2e@example.com", subject_contains=number, timeout=60)
    assert f"Order number: {number}" in mail.text
    assert f"Total: {done.text('order-total')}" in mail.text
    assert "2 x Bypass Pruning Shears (GAR-003) at £22.00 = £44.00" in mail.text
    assert "Promised delivery: Arrives by Thu 26 Nov (2026-11-26)" in mail.text
    assert mail.email()["X-Keepword-Order"] == number and mail.path.read_bytes()

    status_url = done.get("order-status-link").attrs["href"]
    assert status_url in mail.text
    seen = []
    # Mon 09:00, Mon 17:00, Tue, Wed and Thu at 17:00, then midnight at the end of the promised
    # Thursday: the store delivers between 08:00 and 18:00 (a seeded draw on the order number,
    # whose tag is random per store), so one order in twenty arrives on Thursday after 17:00.
    for hours in (0, 8, 24, 24, 24, 7):
        store.advance_clock(hours)
        page = HttpShopper(store.url).get(status_url)
        seen.append(page.get("order-status").attrs["data-status"])
        if seen[-1] == "delivered":
            break
    assert seen[0] == "placed" and "dispatched" in seen and seen[-1] == "delivered"
    placed, dispatched, delivered = (page.get(f"status-{s}-at").time or "" for s in ("placed", "dispatched", "delivered"))
    assert placed < dispatched < delivered and placed.startswith("2026-11-23T09:00")
    assert date.fromisoformat(delivered[:10]) <= date(2026, 11, 26)


def _to_shipping_step(shopper: HttpShopper, email: str):
    shopper.post("/checkout/email", {"email": email})
    return shopper.post("/checkout/address", {"name": "Ann Example", "address1": "1 High St", "city": "London",
                                              "postcode": "SW1A 1AA", "phone": "020 7946 0000"})


def test_order_status_needs_the_matching_email(shopper: HttpShopper) -> None:
    shopper.add("BOK-005")
    shopper.checkout(email="bob@example.com")
    number = shopper.place().text("order-number")
    assert shopper.get("/order-status", order=number, email="BOB@example.com").text("order-number") == number
    wrong = shopper.get("/order-status", order=number, email="eve@example.com")
    assert wrong.status == 404 and wrong.text("status-error") and not wrong.all("order-status")
    assert shopper.get("/order-status").all("status-form")


def test_basket_updates_by_json_and_by_plain_form(shopper: HttpShopper) -> None:
    shopper.add("BOK-003")
    answer = shopper.client.post("/basket/update", data={"sku": "BOK-003", "quantity": "3"},
                                 headers={"Accept": "application/json"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["lines"] == [{"sku": "BOK-003", "quantity": 3, "unit_price": "£14.99", "line_total": "£44.97"}]
    assert body["subtotal"] == "£44.97" and body["count"] == 3
    too_many = shopper.client.post("/basket/update", data={"sku": "BOK-003", "quantity": "99"},
                                   headers={"Accept": "application/json"})
    assert too_many.status_code == 409 and "available" in too_many.json()["error"]
    page = shopper.post("/basket/update", {"sku": "BOK-003", "quantity": "2"})
    assert page.text("basket-subtotal") == "£29.98" and page.text("basket-count") == "2"
    assert shopper.post("/basket/update", {"sku": "BOK-003", "quantity": "0"}).all("basket-empty")


def test_address_errors_are_per_field(shopper: HttpShopper) -> None:
    shopper.add("BOK-001")
    shopper.post("/checkout/email", {"email": "cat@example.com"})
    page = shopper.post("/checkout/address", {"name": "", "address1": "1 Lane", "city": "Leeds",
                                              "postcode": "12345", "phone": "abc"})
    errors = {e.attrs["data-field"]: e.text for e in page.all("field-error")}
    assert page.status == 422 and set(errors) == {"name", "postcode", "phone"}
    assert "postcode" in errors["postcode"].lower()
    assert page.get("address1").attrs["value"] == "1 Lane"
    bad_mail = shopper.post("/checkout/email", {"email": "not-an-address"})
    assert bad_mail.status == 422 and bad_mail.get("field-error").attrs["data-field"] == "email"


def test_only_documented_test_cards_are_accepted(shopper: HttpShopper) -> None:
    shopper.add("BOK-001")
    page = shopper.checkout(email="dan@example.com", card="4111 1111 1111 1111")
    assert page.status == 422 and "test cards" in page.text("field-error")
    assert "4242 4242 4242 4242" in page.text("test-cards")
    declined = shopper.post("/checkout/payment", {"card_number": "4000 0000 0000 0002", "card_expiry": "12/30",
                                                  "card_cvc": "123", "card_name": "Dan"})
    assert declined.text("field-error") == "Your card was declined."
    assert shopper.get("/checkout/preview").url.endswith("/checkout/payment")  # no skipping ahead
    ok = shopper.post("/checkout/payment", {"card_number": "5555555555554444", "card_expiry": "01/29",
                                            "card_cvc": "321", "card_name": "Dan"})
    assert ok.url.endswith("/checkout/preview")


def test_shipping_step_is_skipped_for_a_digital_basket(shopper: HttpShopper) -> None:
    shopper.add("DIG-002")
    page = _to_shipping_step(shopper, "eve@example.com")
    assert page.url.endswith("/checkout/payment")
    preview = shopper.checkout(email="eve@example.com")
    assert preview.get("preview-shipping").attrs["data-method"] == "digital"
    assert gbp(preview.text("preview-total")) == Decimal("9.99")


def test_single_shipping_method_flag_skips_the_step(tmp_path: Path) -> None:
    config = {"clock": {"speed": 0, "start": START}, "checkout": {"single_shipping_method": True},
              "ground_truth": str(tmp_path / "t.jsonl")}
    with running_store(config) as store:
        shopper = HttpShopper(store.url)
        shopper.add("KIT-001")
        assert _to_shipping_step(shopper, "fay@example.com").url.endswith("/checkout/payment")
        assert shopper.checkout(email="fay@example.com").get("preview-shipping").attrs["data-method"] == "express"


def test_admin_endpoints_need_the_token(store: StoreHandle) -> None:
    for method, path in (("GET", "admin/faults"), ("PUT", "admin/faults"), ("POST", "admin/clock"),
                         ("GET", "admin/stock")):
        assert httpx.request(method, store.url + path, json={}).status_code == 401
        assert httpx.request(method, store.url + path, json={},
                             headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert store.faults() == {}
    bad = httpx.put(store.url + "admin/faults", json={"price_drift": {"rate": 2}},
                    headers={"Authorization": f"Bearer {store.admin_token}"})
    assert bad.status_code == 400 and "rate" in bad.json()["error"]


def test_honest_store_agrees_everywhere(store: StoreHandle, sink) -> None:
    """listing = product = JSON-LD = basket = preview = confirmation = e-mail, for several SKUs."""
    store.set_faults({})
    before = len(store.ground_truth())
    shopper = HttpShopper(store.url)
    skus = {"KIT-001": 1, "KIT-003": 1, "GAR-005": 3, "BOK-002": 1}
    listing = shopper.get("/")
    listed = {c.attrs["data-sku"]: listing.text("product-price", within=c) for c in listing.all("product-card")}
    for sku, quantity in skus.items():
        product = shopper.get(f"/product/{sku}")
        assert product.text("product-price") == listed[sku]
        assert Decimal(product.jsonld()[0]["offers"]["price"]) == gbp(listed[sku])
        shopper.add(sku, quantity)
    basket = shopper.get("/basket")
    for line in basket.all("basket-line"):
        assert basket.text("line-unit-price", within=line) == listed[line.attrs["data-sku"]]
    subtotal = sum(gbp(listed[s]) * q for s, q in skus.items())
    assert gbp(basket.text("basket-subtotal")) == subtotal
    shipping = _to_shipping_step(shopper, "gil@example.com")
    express = next(o for o in shipping.all("shipping-option") if o.attrs["data-method"] == "express")
    charge = shipping.text("shipping-charge", within=express)
    promise = shipping.get("delivery-promise", within=express)
    shopper.post("/checkout/shipping", {"shipping_method": "express"})
    preview = shopper.post("/checkout/payment", {"card_number": "4242424242424242", "card_expiry": "12/30",
                                                 "card_cvc": "123", "card_name": "Gil"})
    assert preview.text("preview-shipping") == charge
    assert gbp(preview.text("preview-subtotal")) == subtotal
    assert gbp(preview.text("preview-total")) == subtotal + gbp(charge)
    for line in preview.all("preview-line"):
        assert preview.text("line-unit-price", within=line) == listed[line.attrs["data-sku"]]
    done = shopper.place()
    number = done.text("order-number")
    assert done.text("order-total") == preview.text("preview-total")
    assert done.text("order-shipping") == charge
    assert done.get("delivery-promise").attrs == promise.attrs
    mail = Mailbox(sink.dir).wait_for(to="gil@example.com", subject_contains=number, timeout=60)
    assert f"Total: {preview.text('preview-total')}" in mail.text
    assert f"Shipping (Express delivery): {charge}" in mail.text
    assert f"({promise.attrs['data-latest']})" in mail.text
    store.advance_clock(24 * 7)
    status = shopper.get(done.get("order-status-link").attrs["href"])
    delivered = status.get("status-delivered-at").time or ""
    assert date.fromisoformat(delivered[:10]) <= date.fromisoformat(promise.attrs["data-latest"])
    assert len(store.ground_truth()) == before  # an honest store logs nothing


def test_adding_more_than_the_stock_or_a_non_number_is_refused_on_the_product_page(shopper: HttpShopper) -> None:
    too_many = shopper.add("GAR-002", 2)  # one left
    assert too_many.status == 409 and too_many.text("flash") == "Only 1 of " + too_many.text("product-title") + " available."
    word = shopper.post("/basket/add", {"sku": "GAR-002", "quantity": "two"})
    assert word.status == 409 and "whole number" in word.text("flash")
    sold_out = shopper.add("KIT-005")
    assert sold_out.status == 409 and sold_out.get("sorry").attrs["data-sku"] == "KIT-005"
    assert shopper.get("/basket").all("basket-empty")
