"""`keepword draft` on the demo store over real HTTP, in real Chromium: a profile that loads once
its TODOs are filled, whose roles `keepword walk` finds, drafted without placing an order."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import yaml

from keepword.cli import main

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "scenarios" / "stores" / "demo.yaml"


def _todo(err: str) -> list[str]:
    """The keys the draft says are left to fill."""
    found = re.search(r"keys to fill \(commented out, marked TODO\): (.+?); until then", " ".join(err.split()))
    return found.group(1).split(", ") if found else []


def _fill(path: Path, keys: list[str]) -> None:
    """Fill each TODO key with the demo profile's own value, as a person would from the walk."""
    demo = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    draft = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key in keys:
        section, name = key.split(".")
        draft.setdefault(section, {})[name] = demo[section][name]
    path.write_text(yaml.safe_dump(draft, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _walk(tmp: Path, profile: Path, url: str) -> dict:
    main(["walk", str(profile), "--base-url", url, "--out", str(tmp / "walk")])
    return json.loads((tmp / "walk" / "walk.json").read_text(encoding="utf-8"))


def test_a_draft_without_the_checkout_lists_its_todos_and_walks_once_filled(store, tmp_path, capsys):
    out = tmp_path / "drafted.yaml"
    assert main(["draft", store.url, "-o", str(out), "--no-checkout"]) == 0
    err = capsys.readouterr().err
    todo = _todo(err)
    assert {"checkout.steps", "preview.place", "preview.total", "safety.order_urls"} <= set(todo), err
    text = out.read_text(encoding="utf-8")
    assert "# TODO:" in text
    # every guessed key says where it came from
    assert "'[data-testid=product-price]'  # reads '£" in text and "the price JSON-LD gives" in text
    assert main(["check", str(out)]) == 2
    assert f"{out}:" in capsys.readouterr().err  # one line naming the file and the first key missing
    _fill(out, todo)
    assert main(["check", str(out)]) == 0
    capsys.readouterr()
    walked = _walk(tmp_path, out, store.url)
    roles = {role["key"]: role for page in walked["pages"] for role in page["roles"]}
    for page in ("listing", "product", "basket"):
        mine = {k: r for k, r in roles.items() if k.startswith(page + ".")}
        assert mine and all(r["status"] in ("ok", "absent") for r in mine.values()), mine
    assert store.shop.orders == {}


def test_a_draft_that_goes_through_the_checkout_loads_as_it_is_and_places_nothing(store, tmp_path, capsys):
    out = tmp_path / "drafted.yaml"
    assert main(["draft", store.url, "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "loads as it is" in err, err
    profile = yaml.safe_load(out.read_text(encoding="utf-8"))
    # the place button's request, found with every request aborted: nothing reached the store
    assert profile["safety"]["order_urls"] == ["**/checkout/place"]
    assert profile["safety"]["card_urls"] == ["**/checkout/payment"]
    assert {"fill": {"[data-testid=email]": "{persona.email}"}} in profile["checkout"]["steps"]
    assert {"choose_shipping": "first"} in profile["checkout"]["steps"]
    assert store.shop.orders == {}
    walked = _walk(tmp_path, out, store.url)
    assert walked["exit_code"] == 0 and [p["name"] for p in walked["pages"]][-1] == "preview"
    assert store.shop.orders == {}


def test_bad_addresses(tmp_path, capsys):
    assert main(["draft", "ftp://example.test/"]) == 2
    assert "keepword shops http:// and https:// stores only" in capsys.readouterr().err
    with socket.socket() as probe:  # a port nothing listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert main(["draft", f"http://127.0.0.1:{port}/", "-o", str(tmp_path / "x.yaml")]) == 3
    err = capsys.readouterr().err.strip()
    assert err == (f"keepword: error: draft: http://127.0.0.1:{port}/ refused the connection: the store is not "
                   "running. Start it, or check the address and port you gave draft"), err
    assert not (tmp_path / "x.yaml").exists()
    assert main(["draft", f"http://127.0.0.1:{port}/", "-o", str(tmp_path)]) == 2  # a folder: before any browsing
    assert capsys.readouterr().err.strip() == (f"keepword: error: -o {tmp_path}: a folder; give the path of the "
                                               f"profile to write, e.g. {tmp_path / 'store.yaml'}")


def test_o_replaces_only_a_draft_unless_forced(tmp_path, capsys):
    """`draft -o` wrote over any file: a profile finished by hand, or a file that is not
    keepword's at all. It is refused before the store is read (exit 2: here the store is not
    running, which would be exit 3), and left as it was."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/"
    finished = tmp_path / "store.yaml"
    finished.write_text("# my store, finished by hand\nname: Mine\n", encoding="utf-8")
    assert main(["draft", url, "-o", str(finished)]) == 2
    assert capsys.readouterr().err.strip() == (
        f"keepword: error: -o {finished}: the file exists and is not a draft keepword wrote (its first line is not "
        "'# Drafted by `keepword draft`'); keepword leaves it as it is: pick another path, or add --force to "
        "replace it")
    assert finished.read_text(encoding="utf-8") == "# my store, finished by hand\nname: Mine\n"
    assert main(["draft", url, "-o", str(finished), "--force"]) == 3  # on to the store, which is not there
    earlier = tmp_path / "draft.yaml"
    earlier.write_text(f"# Drafted by `keepword draft` from {url}.\nname: x\n", encoding="utf-8")
    empty = tmp_path / "empty.yaml"
    empty.touch()
    saved_by_notepad = tmp_path / "bom.yaml"
    saved_by_notepad.write_text(f"\ufeff# Drafted by `keepword draft` from {url}.\n", encoding="utf-8")
    for output in (earlier, empty, saved_by_notepad):
        assert main(["draft", url, "-o", str(output)]) == 3
        assert "refused the connection" in capsys.readouterr().err
    # a file where the folder should be: said before the store is read, not as an internal error after
    assert main(["draft", url, "-o", str(finished / "store.yaml")]) == 2
    assert capsys.readouterr().err.strip() == (f"keepword: error: -o {finished / 'store.yaml'}: {finished} is a file, "
                                               "not a folder; pick another path")
