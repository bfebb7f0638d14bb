"""`keepword walk` on the demo store over real HTTP, in real Chromium: every role found and
boxed, a broken locator reported with what to try, no order without --place, the store's own
failures told as the store's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image
from test_profile_language import profile_with

from keepword.cli import main

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "scenarios" / "stores" / "demo.yaml"
PAGES = ["listing", "product", "add", "basket", "checkout", "shipping", "preview"]


def _scenario(tmp: Path, profile: Path = DEMO, allow: str = "[127.0.0.1]", mail: Path | None = None) -> Path:
    path = tmp / "scenario.yaml"
    path.write_text(f"name: walk\nstore: {profile}\nallow_orders_on: {allow}\n"
                    "persona: {email_domain: shoppers.example.test}\nquantity: [2, 2]\n"
                    f"tolerances: {{email_within_seconds: 20}}\nmail: {{wait_seconds: 10, dir: {mail or tmp}}}\n",
                    encoding="utf-8")
    return path


def _profile(tmp: Path, *changes: tuple[str, str]) -> Path:
    """The demo profile with some text replaced, and a shorter wait for what it no longer finds."""
    return profile_with(tmp, ("timeout_ms: 10000", "timeout_ms: 4000"), *changes)


def _walk(tmp: Path, source: Path, url: str, *extra: str) -> tuple[int, dict, Path]:
    out = tmp / "walk"
    code = main(["walk", str(source), "--base-url", url, "--out", str(out), *extra])
    return code, json.loads((out / "walk.json").read_text(encoding="utf-8")), out


def _magenta(path: str) -> int:
    """Pixels of the walk's box colour (#ff00ff): the demo store has none of its own."""
    image = Image.open(path).convert("RGB")
    return sum(count for count, colour in image.getcolors(image.width * image.height) if colour == (255, 0, 255))


def test_walk_finds_every_role_boxes_them_and_places_no_order(store, tmp_path, capsys):
    code, walked, out = _walk(tmp_path, _scenario(tmp_path), store.url)
    text = capsys.readouterr().out
    assert code == 0, text
    assert [page["name"] for page in walked["pages"]] == PAGES
    roles = [role for page in walked["pages"] for role in page["roles"]]
    assert len(roles) >= 40
    assert {role["status"] for role in roles} <= {"ok", "absent"}, [r for r in roles if r["status"] not in ("ok", "absent")]
    by_key = {role["key"]: role for role in roles}
    assert by_key["basket.quantity"]["value"] == "2"
    assert by_key["preview.total"]["value"].endswith(" GBP")
    assert by_key["basket.empty"]["status"] == "absent"
    assert "on safety.order_urls" in by_key["preview.place"]["note"]
    for page in walked["pages"]:
        assert Path(page["screenshot"]).is_file()
        boxed = [role for role in page["roles"] if role["boxes"]]
        assert page["labels"] >= len(boxed)  # counted in the page's DOM before the overlay was removed
        if boxed:
            assert _magenta(page["screenshot"]) > 200, page["name"]
    # every page's roles, in the console table, and the walk stopped before the order
    assert "basket.subtotal" in text and "preview.place" in text and "no order placed" in text
    assert walked["not_walked"] == ["place", "confirmation", "email", "status"]
    assert store.shop.orders == {}
    assert sorted(p.name for p in out.glob("*.png")) == [f"{i:02d}-{name}.png" for i, name in enumerate(PAGES, 1)]


def test_a_missing_role_is_named_with_what_to_try_and_exit_3(store, tmp_path, capsys):
    profile = _profile(tmp_path, ("add: '[data-testid=add-to-basket]'", "add: '#add-to-cart'"))
    code, walked, _ = _walk(tmp_path, _scenario(tmp_path, profile), store.url)
    text = capsys.readouterr().out
    assert code == 3
    product = next(page for page in walked["pages"] if page["name"] == "product")
    add = next(role for role in product["roles"] if role["key"] == "product.add")
    assert add["status"] == "missing" and add["count"] == 0
    assert any("[data-testid=add-to-basket]" in attempt and "Add to basket" in attempt for attempt in add["tries"])
    assert "✗ product.add (missing). Try:" in text
    assert "1 missing (product.add)" in " ".join(text.split())
    assert walked["not_walked"] == ["basket", "checkout", "preview"]
    assert store.shop.orders == {}


def test_a_missing_total_row_lists_the_labels_and_a_missing_price_the_money_on_the_page(store, tmp_path, capsys):
    profile = _profile(tmp_path, ("subtotal: '[data-testid=basket-subtotal]'",
                                  "subtotal: {css: 'tfoot tr', label: 'Sub-Total'}"))
    code, walked, _ = _walk(tmp_path, _scenario(tmp_path, profile), store.url)
    assert code == 3
    basket = next(page for page in walked["pages"] if page["name"] == "basket")
    subtotal = next(role for role in basket["roles"] if role["key"] == "basket.subtotal")
    assert subtotal["status"] == "missing" and "none labelled" in subtotal["note"]
    assert any("labelled 'Subtotal'" in attempt and "label: Subtotal:?" in attempt for attempt in subtotal["tries"])
    capsys.readouterr()

    profile = _profile(tmp_path, ("  price: '[data-testid=product-price]'\n  availability: '[data-testid=product-availability]'\n"
                                  "  quantity:", "  price: '.cost'\n  availability: '[data-testid=product-availability]'\n"
                                  "  quantity:"))
    code, walked, _ = _walk(tmp_path, _scenario(tmp_path, profile), store.url)
    assert code == 3
    product = next(page for page in walked["pages"] if page["name"] == "product")
    price = next(role for role in product["roles"] if role["key"] == "product.price")
    assert price["status"] == "missing"
    assert "[data-testid=product-price]" in price["tries"][0] and " GBP" in price["tries"][0]


def test_place_only_where_allowed(store, sink, tmp_path, capsys):
    elsewhere = _scenario(tmp_path, allow="[shop.example.test]")
    code = main(["walk", str(elsewhere), "--base-url", store.url, "--out", str(tmp_path / "w"), "--place"])
    assert code == 2
    assert "--place: orders are not allowed on 127.0.0.1" in capsys.readouterr().err
    # Walked without --place where orders are not allowed, the card never leaves: the guard
    # stops the payment step, and the walk says so (exit 4), having checked every page before it.
    code, walked, _ = _walk(tmp_path, elsewhere, store.url)
    assert code == 4, capsys.readouterr().out
    assert "blocked: POST" in walked["guard_stop"] and "/checkout/payment" in walked["guard_stop"]
    assert store.shop.orders == {}

    code, walked, _ = _walk(tmp_path, _scenario(tmp_path, mail=sink.dir), store.url, "--place")
    assert code == 0, capsys.readouterr().out
    assert walked["placed"] and len(store.shop.orders) == 1
    names = [page["name"] for page in walked["pages"]]
    assert names[-4:] == ["place", "confirmation", "email", "status"]
    roles = {role["key"]: role for page in walked["pages"] for role in page["roles"]}
    assert roles["confirmation.order_number"]["text"] in store.shop.orders
    assert roles["status.state"]["status"] == "ok"
    assert roles["email.total"]["value"] == roles["confirmation.total"]["value"]
    assert roles["email.line"]["status"] == "ok" and "quantity=2" in roles["email.line"]["value"]


@pytest.mark.parametrize(("where", "step"), [("basket", "add"), ("product", "product")])
def test_the_store_failing_is_the_stores_not_the_profiles(store, tmp_path, capsys, where, step):
    store.set_faults({"server_error": {"rate": 1.0, "seed": 1, "where": where}})
    try:
        code, walked, _ = _walk(tmp_path, _scenario(tmp_path), store.url)
    finally:
        store.set_faults({})
    text = capsys.readouterr().out
    assert code == 1
    failed = walked["pages"][-1]
    assert failed["name"] == step and "HTTP 500" in failed["store_error"], text
    assert "the store failed, not the profile" in " ".join(text.split())
    assert "missing" not in text.split("walk:")[-1]


def test_a_folder_with_files_a_walk_did_not_write_is_refused_untouched(tmp_path, capsys):
    """The walk deleted every `NN-*.png` in --out before its first check: a user's photos too."""
    out = tmp_path / "my photos"
    out.mkdir()
    (out / "01-wedding.png").write_bytes(b"not keepword's")
    code = main(["walk", str(_scenario(tmp_path)), "--base-url", "http://127.0.0.1:9/", "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err == (f"keepword: error: --out {out}: holds 01-wedding.png, which no earlier walk there "
                                 "wrote; give an empty folder or a walk's own (a walk replaces only its own "
                                 "screenshots)"), err
    assert (out / "01-wedding.png").read_bytes() == b"not keepword's"
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine", encoding="utf-8")
    assert main(["walk", str(_scenario(tmp_path)), "--out", str(a_file)]) == 2
    assert "a file, not a folder" in capsys.readouterr().err and a_file.read_text(encoding="utf-8") == "mine"


def test_a_walk_replaces_only_the_screenshots_its_walk_json_lists(tmp_path):
    from journeys.tooling.walk import _earlier_screenshots

    out = tmp_path / "walk"
    out.mkdir()
    (out / "01-listing.png").write_bytes(b"png")
    (out / "walk.json").write_text(json.dumps({"pages": [{"screenshot": str(out / "01-listing.png")},
                                                         {"screenshot": None}]}), encoding="utf-8")
    assert _earlier_screenshots(out) == ["01-listing.png"]
    assert _earlier_screenshots(tmp_path / "new") == []
