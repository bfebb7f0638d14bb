"""Fault injection: each fault (rate 1.0) shows in pages or e-mail exactly where the store's
ground-truth log says, with the logged honest and shown values, and nowhere else."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from demo_store.faults import FAULT_KINDS, FaultPlan, FaultsConfig
from demo_store.testing import HttpShopper, Page, StoreHandle, running_store
from keepword.errors import BadInput, HarnessError
from keepword.mail import Mailbox, Message
from keepword.money import parse_money

SKU = "GAR-001"  # £9.99, 30 in stock



def gbp(text: str) -> Decimal:
    return parse_money(text, locale="en_GB", currency="GBP").amount


class Trip:
    """One shopper's way through the store, keeping every page it saw."""

    counter = 0

    def __init__(self, store: StoreHandle, sink: Any) -> None:
        Trip.counter += 1
        self.store, self.sink = store, sink
        self.shopper = HttpShopper(store.url)
        self.email = f"shopper{Trip.counter}-{time.monotonic_ns()}@example.com"
        self.pages: dict[str, Page] = {}

    def listing_price(self) -> str:
        page = self.pages["listing"] = self.shopper.get("/")
        card = next(c for c in page.all("product-card") if c.attrs["data-sku"] == SKU)
        return page.text("product-price", within=card)

    def product(self) -> Page:
        self.pages["product"] = self.shopper.get(f"/product/{SKU}")
        return self.pages["product"]

    def to_preview(self, method: str = "standard") -> Page:
        self.listing_price()
        self.product()
        self.pages["basket"] = self.shopper.add(SKU, 1)
        self.shopper.post("/checkout/email", {"email": self.email})
        self.pages["shipping"] = self.shopper.post("/checkout/address", {
            "name": "Ann", "address1": "1 High St", "city": "London", "postcode": "SW1A 1AA", "phone": "02079460000"})
        self.shopper.post("/checkout/shipping", {"shipping_method": method})
        self.pages["preview"] = self.shopper.post("/checkout/payment", {
            "card_number": "4242 4242 4242 4242", "card_expiry": "12/30", "card_cvc": "123", "card_name": "Ann"})
        return self.pages["preview"]

    def order(self, method: str = "standard") -> Page:
        self.to_preview(method)
        self.placed_at = datetime.now(UTC)
        self.pages["confirmation"] = self.shopper.place()
        return self.pages["confirmation"]

    @property
    def number(self) -> str:
        return self.pages["confirmation"].text("order-number")

    def mail(self, timeout: float = 10) -> Message:
        return Mailbox(self.sink.dir).wait_for(to=self.email, subject_contains=self.number, timeout=timeout)

    def truth(self, *, every_sku: bool = False) -> list[dict[str, Any]]:
        """The ground-truth lines of this shopper's session (for SKU and order-wide ones)."""
        sid = self.shopper.session_id
        return [line for line in self.store.ground_truth()
                if line["session"] == sid and (every_sku or line["sku"] in (SKU, None))]

    def unit(self, page: str) -> str:
        p = self.pages[page]
        if page in ("product",):
            return p.text("product-price")
        line = p.all({"basket": "basket-line", "preview": "preview-line", "confirmation": "order-line"}[page])[0]
        return p.text("line-unit-price", within=line)


def only(lines: list[dict[str, Any]], fault: str) -> dict[str, Any]:
    assert [line["fault"] for line in lines] == [fault], lines
    return lines[0]


# --- one check per fault: run the journey, then find the fault where the log says ----------

def price_drift_listing(trip: Trip) -> None:
    listed = trip.listing_price()
    product = trip.product().text("product-price")
    line = only(trip.truth(), "price_drift")
    assert (line["where"], line["sku"]) == ("listing", SKU)
    every = trip.truth(every_sku=True)  # one line per card the listing showed, all on the listing
    assert len(every) == len(trip.pages["listing"].all("product-card")) and {x["where"] for x in every} == {"listing"}
    assert gbp(listed) == Decimal(line["shown"]) and gbp(product) == Decimal(line["honest"])
    assert gbp(listed) - gbp(product) == Decimal("1.00")


def _drift(step: str, where: str) -> Callable[[Trip], None]:
    def check(trip: Trip) -> None:
        trip.order()
        line = only(trip.truth(), "price_drift")
        assert (line["where"], line["sku"]) == (where, SKU)
        order = ["product", "basket", "preview", "confirmation"]
        for page in order:
            expected = line["shown"] if order.index(page) >= order.index(where) else line["honest"]
            assert gbp(trip.unit(page)) == Decimal(expected), page
        assert Decimal(line["shown"]) - Decimal(line["honest"]) == Decimal("1.00")
        listed = trip.pages["listing"]
        card = next(c for c in listed.all("product-card") if c.attrs["data-sku"] == SKU)
        assert gbp(listed.text("product-price", within=card)) == Decimal(line["honest"])
        if where == "confirmation":
            assert f"at {trip.unit('confirmation')} =" in trip.mail().text
        if where == "product":  # the JSON-LD follows the visible page
            assert Decimal(trip.pages["product"].jsonld()[0]["offers"]["price"]) == Decimal(line["shown"])

    check.__name__ = f"price_drift_{step}"
    return check


def stale_add(trip: Trip) -> None:
    shown = trip.product().text("product-availability")
    refused = trip.shopper.add(SKU, 1)
    line = only(trip.truth(), "stale_availability")
    assert shown.startswith("In stock") and line["shown"] == shown and line["honest"] == "OutOfStock"
    assert (line["where"], line["sku"]) == ("add", SKU)
    assert refused.status == 409 and refused.get("sorry").attrs["data-sku"] == SKU


def stale_checkout(trip: Trip) -> None:
    stock = trip.store.stock()[SKU]
    trip.to_preview()
    refused = trip.shopper.place()
    line = only(trip.truth(), "stale_availability")
    assert (line["where"], line["sku"]) == ("place", SKU)
    assert refused.status == 409 and refused.get("sorry").attrs["data-sku"] == SKU
    assert trip.store.stock()[SKU] == stock


def shipping_preview(trip: Trip) -> None:
    trip.order()
    line = only(trip.truth(), "shipping_change")
    option = next(o for o in trip.pages["shipping"].all("shipping-option") if o.attrs["data-method"] == "standard")
    chosen = trip.pages["shipping"].text("shipping-charge", within=option)
    assert line["where"] == "preview" and gbp(chosen) == Decimal(line["honest"])
    assert gbp(trip.pages["preview"].text("preview-shipping")) == Decimal(line["shown"])
    assert gbp(trip.pages["confirmation"].text("order-shipping")) == Decimal(line["shown"])


def shipping_order(trip: Trip) -> None:
    trip.order()
    line = only(trip.truth(), "shipping_change")
    assert line["where"] == "confirmation"
    assert gbp(trip.pages["preview"].text("preview-shipping")) == Decimal(line["honest"])
    assert gbp(trip.pages["confirmation"].text("order-shipping")) == Decimal(line["shown"])


def total_mismatch(trip: Trip) -> None:
    trip.order()
    line = only(trip.truth(), "total_mismatch")
    assert (line["where"], line["order"]) == ("confirmation", trip.number)
    assert gbp(trip.pages["preview"].text("preview-total")) == Decimal(line["honest"])
    assert gbp(trip.pages["confirmation"].text("order-total")) == Decimal(line["shown"])
    assert f"Total: {trip.pages['confirmation'].text('order-total')}" in trip.mail().text


def late_delivery(trip: Trip) -> None:
    trip.order()
    line = only(trip.truth(), "late_delivery")
    promised = trip.pages["confirmation"].get("delivery-promise").attrs["data-latest"]
    assert (line["where"], line["order"], line["shown"]) == ("status", trip.number, promised)
    trip.store.advance_clock(24 * 10)
    status = trip.shopper.get(trip.pages["confirmation"].get("order-status-link").attrs["href"])
    assert status.get("order-status").attrs["data-status"] == "delivered"
    delivered = date.fromisoformat((status.get("status-delivered-at").time or "")[:10])
    assert delivered.isoformat() == line["honest"]
    assert delivered - date.fromisoformat(promised) == timedelta(days=2)


def email_missing(trip: Trip) -> None:
    trip.order()
    line = only(trip.truth(), "email_missing")
    assert (line["where"], line["order"]) == ("email", trip.number)
    trip.store.set_faults({})
    control = Trip(trip.store, trip.sink)
    control.order()
    control.mail()  # the honest order's e-mail arrives, so the sink works
    with pytest.raises(HarnessError):
        trip.mail(timeout=0.5)


def email_late(trip: Trip) -> None:
    trip.order()
    line = only(trip.truth(), "email_late")
    assert (line["where"], line["order"], line["shown"]) == ("email", trip.number, 1.0)
    message = trip.mail()
    assert message.received_at - trip.placed_at >= timedelta(seconds=1.0)


def email_wrong_total(trip: Trip) -> None:
    trip.order()
    line = only(trip.truth(), "email_wrong_total")
    assert (line["where"], line["order"]) == ("email", trip.number)
    assert gbp(trip.pages["confirmation"].text("order-total")) == Decimal(line["honest"])
    total = next(t for t in trip.mail().text.splitlines() if t.startswith("Total: "))
    assert gbp(total.removeprefix("Total: ")) == Decimal(line["shown"])


def jsonld_price(trip: Trip) -> None:
    page = trip.product()
    line = only(trip.truth(), "jsonld_mismatch")
    assert (line["where"], line["sku"], line["field"]) == ("json-ld", SKU, "price")
    assert gbp(page.text("product-price")) == Decimal(line["honest"])
    assert Decimal(page.jsonld()[0]["offers"]["price"]) == Decimal(line["shown"])


def jsonld_availability(trip: Trip) -> None:
    page = trip.product()
    line = only(trip.truth(), "jsonld_mismatch")
    assert (line["where"], line["field"], line["page_text"]) == ("json-ld", "availability",
                                                                 page.text("product-availability"))
    assert page.jsonld()[0]["offers"]["availability"] == line["shown"] == "https://schema.org/OutOfStock"


def server_error(trip: Trip) -> None:
    trip.listing_price()
    trip.product()
    failed = trip.shopper.add(SKU, 1)  # the redirect to the basket fails, once for the session
    line = only(trip.truth(), "server_error")
    assert (failed.status, line["where"], line["shown"]) == (500, "basket", 500)
    assert trip.shopper.get("/basket").status == 200  # a retry works: the store came back
def _product_lines(trip: Trip, fault: str) -> list[dict[str, Any]]:
    """Catalogue faults are keyed on the product, not the session: their lines name no session."""
    return [line for line in trip.store.ground_truth()
            if line["fault"] == fault and line["sku"] == SKU and line["session"] is None]


def _feed_row(trip: Trip) -> dict[str, str]:
    lines = trip.shopper.client.get("/feed.tsv").text.splitlines()
    header = lines[0].split("\t")
    return next(row for row in (dict(zip(header, line.split("\t"), strict=True)) for line in lines[1:])
                if row["id"] == SKU)


def feed_stale_price(trip: Trip) -> None:
    row = _feed_row(trip)
    page = trip.product()
    [line] = _product_lines(trip, "feed_stale_price")
    assert (line["where"], line["session"]) == ("feed", None)
    assert row["price"] == f"{line['shown']} GBP" and gbp(page.text("product-price")) == Decimal(line["honest"])
    assert Decimal(line["honest"]) - Decimal(line["shown"]) == Decimal("1.00")


def feed_availability(trip: Trip) -> None:
    row = _feed_row(trip)
    [line] = _product_lines(trip, "feed_availability")
    assert (line["where"], line["honest"], line["shown"]) == ("feed", "in_stock", "out_of_stock")
    assert row["availability"] == "out_of_stock" and "In stock" in trip.product().text("product-availability")


def js_only_price(trip: Trip) -> None:
    page = trip.product()
    [line] = _product_lines(trip, "js_only_price")
    assert (line["where"], line["shown"]) == ("product", None)
    assert page.text("product-price") == "" and page.get("product-price").attrs["data-price-from"]
    shown = trip.shopper.client.get(page.get("product-price").attrs["data-price-from"]).json()["price"]
    assert gbp(shown) == Decimal(line["honest"]) == Decimal(page.jsonld()[0]["offers"]["price"])


def jsonld_per_product(trip: Trip) -> None:
    page = trip.product()
    again = HttpShopper(trip.store.url).get(f"/product/{SKU}")  # another visitor meets the same lie
    [line] = _product_lines(trip, "jsonld_mismatch")
    assert line["field"] == "price"  # one line for both visitors: the lie is the product's
    for seen in (page, again):
        assert Decimal(seen.jsonld()[0]["offers"]["price"]) == Decimal(line["shown"])


CASES: list[tuple[dict[str, Any], Callable[[Trip], None]]] = [
    ({"price_drift": {"step": "listing"}}, price_drift_listing),
    ({"price_drift": {"step": "product"}}, _drift("product", "product")),
    ({"price_drift": {"step": "basket"}}, _drift("basket", "basket")),
    ({"price_drift": {"step": "checkout"}}, _drift("checkout", "preview")),
    ({"price_drift": {"step": "order"}}, _drift("order", "confirmation")),
    ({"stale_availability": {"where": "add"}}, stale_add),
    ({"stale_availability": {"where": "checkout"}}, stale_checkout),
    ({"shipping_change": {"where": "preview"}}, shipping_preview),
    ({"shipping_change": {"where": "order"}}, shipping_order),
    ({"total_mismatch": {}}, total_mismatch),
    ({"late_delivery": {"days": 2}}, late_delivery),
    ({"email_missing": {}}, email_missing),
    ({"email_late": {"delay_seconds": 1.0}}, email_late),
    ({"email_wrong_total": {}}, email_wrong_total),
    ({"jsonld_mismatch": {"field": "price"}}, jsonld_price),
    ({"jsonld_mismatch": {"field": "availability"}}, jsonld_availability),
    ({"server_error": {"where": "basket"}}, server_error),
    ({"jsonld_mismatch": {"field": "price", "per": "product"}}, jsonld_per_product),
    ({"feed_stale_price": {}}, feed_stale_price),
    ({"feed_availability": {}}, feed_availability),
    ({"js_only_price": {}}, js_only_price),
]


@pytest.mark.parametrize(("faults", "check"), CASES, ids=[c.__name__ for _, c in CASES])
def test_fault_shows_where_the_ground_truth_says(store: StoreHandle, sink, faults, check) -> None:
    store.set_faults({kind: {"rate": 1.0, "seed": 3, **options} for kind, options in faults.items()})
    try:
        check(Trip(store, sink))
    finally:
        store.set_faults({})


def test_every_fault_kind_has_a_case() -> None:
    assert {kind for faults, _ in CASES for kind in faults} == set(FAULT_KINDS)


def test_decisions_are_deterministic_and_follow_the_rate() -> None:
    plan = FaultPlan(FaultsConfig.model_validate({"price_drift": {"rate": 0.3, "seed": 11}}))
    hits = [plan.get("price_drift", f"session-{i}") is not None for i in range(2000)]
    assert hits == [plan.get("price_drift", f"session-{i}") is not None for i in range(2000)]
    assert 0.25 < sum(hits) / len(hits) < 0.35
    other = FaultPlan(FaultsConfig.model_validate({"price_drift": {"rate": 0.3, "seed": 12}}))
    assert hits != [other.get("price_drift", f"session-{i}") is not None for i in range(2000)]
    never = FaultPlan(FaultsConfig.model_validate({"price_drift": {"rate": 0.0}}))
    assert not any(never.get("price_drift", f"s{i}") for i in range(200))
    assert plan.get("total_mismatch", "anything") is None


def test_a_partial_rate_keeps_each_session_consistent(store: StoreHandle, sink) -> None:
    store.set_faults({"price_drift": {"rate": 0.5, "seed": 5, "step": "basket"}})
    try:
        drifted = honest = 0
        for _ in range(8):
            trip = Trip(store, sink)
            trip.order()
            units = {page: trip.unit(page) for page in ("basket", "preview", "confirmation")}
            assert len(set(units.values())) == 1  # the same price on every later page
            lines = trip.truth()
            if gbp(units["basket"]) != gbp(trip.unit("product")):
                drifted += 1
                assert [line["where"] for line in lines] == ["basket"]
            else:
                honest += 1
                assert lines == []
        assert drifted and honest
    finally:
        store.set_faults({})


def test_faults_from_the_store_yaml_apply_from_the_start(tmp_path) -> None:
    config = tmp_path / "store.yaml"
    config.write_text(
        "clock: {speed: 0, start: 2026-11-23T09:00:00+00:00}\n"
        "ground_truth: truth.jsonl\n"
        "faults:\n  jsonld_mismatch: {rate: 1.0, field: price, amount: '0.25'}\n", encoding="utf-8")
    with running_store(config) as store:
        page = HttpShopper(store.url).get(f"/product/{SKU}")
        assert Decimal(page.jsonld()[0]["offers"]["price"]) == gbp(page.text("product-price")) + Decimal("0.25")
        assert store.ground_truth_path == tmp_path / "truth.jsonl"
        assert [line["fault"] for line in store.ground_truth()] == ["jsonld_mismatch"]
        assert store.faults()["jsonld_mismatch"]["amount"] == "0.25"


def test_a_second_order_in_the_same_session_is_logged_again(store: StoreHandle, sink) -> None:
    store.set_faults({"price_drift": {"rate": 1.0, "step": "basket"}})
    try:
        trip = Trip(store, sink)
        trip.order()
        first = trip.number
        trip.order()
        assert trip.number != first
        assert [(x["where"], x["sku"]) for x in trip.truth()] == [("basket", SKU), ("basket", SKU)]
    finally:
        store.set_faults({})


def test_a_dict_config_with_a_bad_field_is_bad_input() -> None:
    with pytest.raises(BadInput, match=r"^store config: clock\.speed: "):
        with running_store({"clock": {"speed": "fast"}}):
            pass


def test_a_store_given_no_ground_truth_file_takes_its_temporary_log_with_it(tmp_path) -> None:
    """Every store started without `ground_truth` (each `keepword shop` of a demo-store profile,
    most tests) left a demo-store-* folder in /tmp for good. Now it goes with the store; a log
    the config names stays."""
    faults = {"price_drift": {"rate": 1.0, "seed": 1, "step": "product", "amount": "1.00"}}
    with running_store({"faults": faults}) as store:
        HttpShopper(store.url).get(f"/product/{next(iter(store.stock()))}")
        temporary = store.ground_truth_path
        assert temporary.exists() and store.ground_truth()
    assert not temporary.parent.exists()
    named = tmp_path / "truth.jsonl"
    with running_store({"faults": faults, "ground_truth": str(named)}) as store:
        HttpShopper(store.url).get(f"/product/{next(iter(store.stock()))}")
    assert named.exists() and named.read_text(encoding="utf-8")
