"""Reading feeds, sitemaps and landing pages for `keepword catalogue`: Merchant Center's XML and
TSV read exactly; XML bombs and external entities refused in bounded time and memory; a bad row
named in one line, with exit 2 and the ledger untouched; microdata read as structured data."""

from __future__ import annotations

import resource
import subprocess
import sys
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from journeys.catalogue.feed import read_feed
from journeys.catalogue.fetch import user_agent
from journeys.catalogue.items import Spool
from journeys.catalogue.page import read_server_page
from keepword.errors import BadInput
from keepword.money import Money
from keepword.profile import load_profile

ROOT = Path(__file__).resolve().parents[1]
PROFILE = ROOT / "scenarios" / "stores" / "demo.yaml"
G = 'xmlns:g="http://base.google.com/ns/1.0"'


def read(tmp_path: Path, text: str, name: str = "feed.xml") -> Spool:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    spool = Spool(tmp_path / "spool.jsonl")
    read_feed(path, name, spool, base="https://shop.test/", currency="GBP")
    return spool


def test_merchant_center_rss_is_read_exactly(tmp_path: Path) -> None:
    spool = read(tmp_path, f"""<?xml version="1.0"?><rss version="2.0" {G}><channel>
      <item><g:id>A-1</g:id><title>Kettle &amp; stand</title><link>/product/A-1</link>
        <g:price>1,234.00 GBP</g:price><g:sale_price>999.50 GBP</g:sale_price>
        <g:availability>in stock</g:availability>
        <g:shipping><g:country>GB</g:country><g:service>Standard</g:service><g:price>3.95 GBP</g:price></g:shipping>
      </item>
      <item><g:id>A-2</g:id><g:title>Mug</g:title><g:link>https://shop.test/p/2</g:link>
        <g:price>2200.00 RUB</g:price><g:availability>out_of_stock</g:availability></item>
      <item><g:id>A-1</g:id><link>/again</link><g:price>1.00 GBP</g:price></item>
    </channel></rss>""")
    first, second = list(spool)
    assert (first.sku, first.title, first.link) == ("A-1", "Kettle & stand", "https://shop.test/product/A-1")
    assert first.price == Money(Decimal("999.50"), "GBP") and first.availability == "in_stock"
    assert first.shipping == (("Standard", "GB", Money(Decimal("3.95"), "GBP")),)
    assert second.link == "https://shop.test/p/2" and second.availability == "out_of_stock"
    assert spool.duplicates == 1  # a repeated id is dropped, not checked twice


def test_atom_and_tsv_give_the_same_items(tmp_path: Path) -> None:
    atom = read(tmp_path, f"""<feed xmlns="http://www.w3.org/2005/Atom" {G}><entry><g:id>B-1</g:id>
        <title>Trowel</title><link href="/product/B-1"/><g:price>9.99 GBP</g:price>
        <g:availability>preorder</g:availability></entry></feed>""")
    tsv = read(tmp_path / ".." / tmp_path.name, "id\ttitle\tlink\tprice\tavailability\tshipping\n"
               "B-1\tTrowel\t/product/B-1\t9.99 GBP\tpreorder\tGB::Standard:3.95 GBP,GB::Express:6.95 GBP\n",
               name="feed.tsv")
    [a], [t] = list(atom), list(tsv)
    assert (a.sku, a.title, a.link, a.price, a.availability) == (t.sku, t.title, t.link, t.price, t.availability)
    assert [s for s, _, _ in t.shipping] == ["Standard", "Express"]


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
<rss xmlns:g="http://base.google.com/ns/1.0"><channel><item><g:id>X</g:id><title>&lol9;</title>
<link>/x</link><g:price>1.00 GBP</g:price></item></channel></rss>"""


@pytest.mark.parametrize("attack", [
    BILLION_LAUGHS,
    f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss {G}><channel><item>'
    '<g:id>X</g:id><title>&x;</title><link>/x</link></item></channel></rss>',
    f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "http://127.0.0.1:9/evil">]><rss {G}><channel><item>'
    '<g:id>X</g:id><title>&x;</title><link>/x</link></item></channel></rss>',
    f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]><rss {G}></rss>',
], ids=["billion-laughs", "external-file", "external-url", "parameter-entity"])
def test_xml_attacks_are_refused_in_bounded_time_and_memory(tmp_path: Path, attack: str) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.process_time()  # CPU, not wall time: a shared machine's load is not the parser's
    with pytest.raises(BadInput, match="refused: the XML declares entities") as raised:
        read(tmp_path, attack)
    assert time.process_time() - started < 2
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50_000  # KiB
    assert "root:" not in str(raised.value) and "\n" not in str(raised.value)


@pytest.mark.parametrize(("row", "message"), [
    ("B-2\tShears\t/p/B-2\tabc\tin_stock", "feed.tsv:3: price: 'abc' is not a price such as '24.99 GBP'"),
    ("B-2\tShears\t/p/B-2\t9.99 GBP\tmaybe", "feed.tsv:3: availability: 'maybe' is not one of in_stock"),
    ("B-2\tShears\t\t9.99 GBP\tin_stock", "feed.tsv:3: link: product B-2 has no link"),
    ("B-2\tShears", "feed.tsv:3: the row has fewer cells than the header"),
])
def test_a_bad_row_is_one_line_naming_it(tmp_path: Path, row: str, message: str) -> None:
    with pytest.raises(BadInput) as raised:
        read(tmp_path, "id\ttitle\tlink\tprice\tavailability\nB-1\tTrowel\t/p/B-1\t9.99 GBP\tin_stock\n"
             f"{row}\n", name="feed.tsv")
    assert str(raised.value).startswith(message) and "\n" not in str(raised.value)


def test_cli_bad_feed_row_exits_2_and_leaves_the_ledger_alone(tmp_path: Path) -> None:
    profile = tmp_path / "shop.yaml"
    profile.write_text(PROFILE.read_text(encoding="utf-8").replace("feed: /feed.xml", "feed: export.tsv"),
                       encoding="utf-8")
    (tmp_path / "export.tsv").write_text("id\ttitle\tlink\tprice\tavailability\n"
                                         "K-1\tKettle\t/product/K-1\t24.99 GBP\tin_stock\n"
                                         "K-2\tMug\t/product/K-2\t£12\tin_stock\n", encoding="utf-8")
    ledger = tmp_path / "ledger.db"
    done = subprocess.run([sys.executable, "-m", "keepword", "catalogue", str(profile), "--base-url",
                           "http://127.0.0.1:9/", "--no-progress", "--ledger", str(ledger)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.strip().splitlines() == [
        f"keepword: error: {tmp_path / 'export.tsv'}:3: price: '£12' is not a price such as '24.99 GBP'; fix the feed row"]
    from keepword.ledger import open_ledger

    with open_ledger(ledger) as book:
        assert book.runs() == []


def test_microdata_and_jsonld_are_both_structured_data() -> None:
    profile = load_profile(PROFILE)
    html = """<html><head><script type="application/ld+json">{"@context": "https://schema.org", "@graph": [
      {"@type": "Product", "sku": "M-1", "offers": {"@type": "Offer", "price": "12.99", "priceCurrency": "GBP",
       "availability": "https://schema.org/InStock"}}]}</script>
      <script type="application/ld+json">{not json</script></head><body>
      <article data-testid="product" data-sku="M-1" itemscope itemtype="https://schema.org/Product">
      <p data-testid="product-price">£12.99</p><p data-testid="product-availability">Out of stock</p>
      <div itemprop="offers" itemscope itemtype="https://schema.org/Offer">
        <meta itemprop="price" content="13.49"><meta itemprop="priceCurrency" content="GBP">
        <link itemprop="availability" href="https://schema.org/OutOfStock"></div></article></body></html>"""
    page, structured, sku = read_server_page(html, profile)
    assert (page.price, page.availability, sku) == (Money(Decimal("12.99"), "GBP"), "out_of_stock", "M-1")
    jsonld, micro = structured
    assert (jsonld.name, jsonld.price, jsonld.availability) == ("jsonld", Money(Decimal("12.99"), "GBP"), "in_stock")
    assert "not valid JSON" in jsonld.gaps["jsonld"]  # the malformed block is noted, the good one read
    assert (micro.name, micro.price, micro.availability) == ("microdata", Money(Decimal("13.49"), "GBP"),
                                                             "out_of_stock")


def test_a_price_that_is_not_in_the_html_is_a_gap_not_a_guess() -> None:
    profile = load_profile(PROFILE)
    page, _, _ = read_server_page('<article data-testid="product"><p data-testid="product-price" '
                                  'data-price-from="/api/price/X"></p></article>', profile)
    assert page.price is None and "empty" in page.gaps["price"]


def test_the_user_agent_names_keepword_and_where_to_read_about_it() -> None:
    agent = user_agent("https://example.test/about-our-bot")
    assert agent.startswith("keepword-catalogue/") and agent.endswith("(+https://example.test/about-our-bot)")


def test_an_option_out_of_bounds_is_bad_input_naming_it(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "keepword", "catalogue", str(ROOT / "scenarios" / "catalogue.yaml"),
                           "--base-url", "http://127.0.0.1:9/", "--rate", "100000", "--no-progress",
                           "--ledger", str(tmp_path / "ledger.db")], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip() == "keepword: error: --rate: Input should be less than or equal to 10000 (got 100000.0)"


# A page whose price and stock sit in labelled rows, with words around them: a profile reads them
# with `label` and `pattern`, and the HTML as sent must read what the shopper reads in Chromium.
_LABELLED = """<article data-testid="product"><table class="facts">
  <tr><th>Was</th><td>£19.99</td></tr>
  <tr><th>Our price</th><td>now £12.99 <small>incl. VAT</small></td></tr>
  <tr><th>Stock</th><td>Availability: Out of stock</td></tr></table></article>"""


def _labelled_profile() -> Any:
    from keepword.locators import FindModel

    profile = load_profile(PROFILE)
    product = profile.product.model_copy(update={
        "price": FindModel(css=".facts tr", label="our price", pattern=r"now (?P<value>£[\d.]+)"),
        "availability": FindModel(css=".facts tr", label="Stock", value="td", pattern=r": (?P<value>.+)$"),
    })
    return profile.model_copy(update={"product": product})


def test_labelled_rows_and_patterns_read_as_the_shopper_reads_them() -> None:
    from playwright.sync_api import sync_playwright

    from journeys.roles import Roles
    from keepword.browser import launch_args

    profile = _labelled_profile()
    page, _, _ = read_server_page(_LABELLED, profile)
    assert (page.price, page.availability, page.gaps) == (Money(Decimal("12.99"), "GBP"), "out_of_stock", {})
    with sync_playwright() as pw:
        browser = pw.chromium.launch(**launch_args())
        try:
            tab = browser.new_page()
            tab.set_content(_LABELLED)
            roles = Roles(tab, 2000)
            shopper_reads = [roles.read(key, getattr(profile.product, key))[0] for key in ("price", "availability")]
        finally:
            browser.close()
    assert shopper_reads == ["£12.99", "Out of stock"]


def test_a_label_or_pattern_the_page_lacks_is_a_gap() -> None:
    profile = _labelled_profile()
    page, _, _ = read_server_page(_LABELLED.replace("Our price", "Price").replace("Availability:", "Stock"),
                                  profile)
    assert page.price is None and "labelled 'our price'" in page.gaps["price"]
    assert page.availability is None and "availability" in page.gaps


class _ByLanguage(BaseHTTPRequestHandler):
    """A store that prices by the visitor's language (as stores with several markets do): a
    British visitor sees pounds, anyone else dollars. It notes the Accept-Language of each
    product page request."""

    seen: ClassVar[list[tuple[str, str]]] = []

    def do_GET(self) -> None:
        language = self.headers.get("Accept-Language", "")
        if self.path == "/store-time":
            return self._send("application/json", '{"now": "2026-11-23T09:00:00+00:00"}')
        if not self.path.startswith("/product/"):
            self.send_error(404)
            return None
        self.seen.append((self.path, language))
        price = "£24.99" if language.lower().startswith("en-gb") else "$31.99"
        return self._send("text/html; charset=utf-8", f"""<!doctype html><html><body>
            <article data-testid="product" data-sku="K-1"><h1 data-testid="product-title">Kettle</h1>
            <p data-testid="product-price">{price}</p>
            <p data-testid="product-availability">In stock (5 available)</p></article></body></html>""")

    def _send(self, kind: str, body: str) -> None:
        data = body.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


def test_pages_are_asked_for_in_the_profiles_language_as_sent_and_rendered(tmp_path: Path) -> None:
    """The catalogue reads a store as the shopper does: in the profile's locale (en_GB here),
    as sent and in Chromium, so a store that prices by language shows it the British page. Before,
    the HTML as sent carried no Accept-Language and Chromium said en-US: $31.99 for £24.99."""
    from journeys.catalogue import check_catalogue
    from keepword.ledger import open_ledger
    from keepword.scenario import scenario_for_profile

    profile = tmp_path / "shop.yaml"
    profile.write_text(PROFILE.read_text(encoding="utf-8").replace("feed: /feed.xml", "feed: export.tsv"),
                       encoding="utf-8")
    (tmp_path / "export.tsv").write_text("id\ttitle\tlink\tprice\tavailability\n"
                                         "K-1\tKettle\t/product/K-1\t24.99 GBP\tin_stock\n", encoding="utf-8")
    _ByLanguage.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ByLanguage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with open_ledger(tmp_path / "ledger.db") as book:
            result = check_catalogue(scenario_for_profile(profile), ledger=book, base_url=f"http://127.0.0.1:{server.server_port}/",
                                     render=True, render_sample=1, rate=500)
    finally:
        server.shutdown()
    assert {language for _, language in _ByLanguage.seen} == {"en-GB"} and len(_ByLanguage.seen) == 2
    assert (result.checked, result.broken, result.harness_error_count) == (1, 0, 0), result.findings
    assert result.kept >= 2
