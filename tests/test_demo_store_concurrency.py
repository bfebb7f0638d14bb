"""Many shoppers at once: the last unit is sold exactly once, and 20 shoppers all finish."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from demo_store.testing import HttpShopper, running_store
from keepword.mail import Mailbox, running_mail_sink

START = "2026-11-23T09:00:00+00:00"


def test_concurrent_checkouts_of_the_last_unit_sell_it_once(tmp_path) -> None:
    config = {"clock": {"speed": 0, "start": START}, "ground_truth": str(tmp_path / "t.jsonl"),
              "stock": {"KIT-001": 1}}
    with running_store(config) as store:
        shoppers = [HttpShopper(store.url) for _ in range(10)]
        for i, shopper in enumerate(shoppers):  # everyone gets to the preview while one unit is left
            shopper.add("KIT-001")
            assert shopper.checkout(email=f"s{i}@example.com").url.endswith("/checkout/preview")
        barrier = threading.Barrier(len(shoppers))

        def place(shopper: HttpShopper):
            barrier.wait()
            return shopper.place()

        with ThreadPoolExecutor(len(shoppers)) as pool:
            pages = list(pool.map(place, shoppers))
        won = [p for p in pages if p.status == 200]
        lost = [p for p in pages if p.status == 409]
        assert len(won) == 1 and len(lost) == 9
        assert won[0].all("order-number")
        assert all(p.get("sorry").attrs["data-sku"] == "KIT-001" for p in lost)
        assert store.stock()["KIT-001"] == 0
        assert HttpShopper(store.url).get("/product/KIT-001").text("product-availability") == "Out of stock"


def test_twenty_concurrent_shoppers_complete_orders(tmp_path) -> None:
    skus = ["KIT-001", "KIT-006", "GAR-001", "GAR-005", "BOK-001", "DIG-001"]
    with running_mail_sink(tmp_path / "mail") as sink, running_store(
        {"clock": {"speed": 0, "start": START}, "mail": {"port": sink.port},
         "ground_truth": str(tmp_path / "t.jsonl")}
    ) as store:
        before = store.stock()
        barrier = threading.Barrier(20)

        def shop(i: int) -> tuple[str, str, str]:
            shopper = HttpShopper(store.url)
            barrier.wait()
            shopper.get("/")
            sku = skus[i % len(skus)]
            shopper.get(f"/product/{sku}")
            shopper.add(sku, 1)
            preview = shopper.checkout(email=f"crowd{i}@example.com", method="economy")
            done = shopper.place()
            assert done.status == 200, done.html[:300]
            assert done.text("order-total") == preview.text("preview-total")
            shopper.close()
            return sku, done.text("order-number"), f"crowd{i}@example.com"

        with ThreadPoolExecutor(20) as pool:
            results = list(pool.map(shop, range(20)))
        assert len({number for _, number, _ in results}) == 20
        after = store.stock()
        for sku in skus:
            assert before[sku] - after[sku] == sum(1 for s, _, _ in results if s == sku)
        box = Mailbox(sink.dir)
        for _, number, email in results:
            box.wait_for(to=email, subject_contains=number, timeout=60)
        assert store.ground_truth() == []
