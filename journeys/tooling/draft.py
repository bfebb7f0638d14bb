"""`keepword draft URL`: a first store profile from what a store's pages show.

A browser opens the address, finds the product cards (blocks that repeat, each with a link and
an amount), opens one, reads the product page's structured data (JSON-LD, microdata, Open
Graph) and finds the visible elements that say the same, adds two to the basket, watches how
the page says it took them, and reads the basket's lines and totals. On a host where orders may
be tried (loopback addresses, or --checkout), it goes on through the checkout with a made-up
customer (`draftcheckout`), never clicking a button that places an order: the place button is
probed with every request aborted, which shows the request `safety.order_urls` must cover.

Every key it writes carries a comment saying where the guess came from; every key it could not
guess is written commented out with a TODO, and listed, so the draft either loads (`keepword
check`) or says exactly what is left. `keepword walk` then checks it on the live store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from journeys.tooling import detect, scan
from journeys.tooling.platforms import Platform, platform_of
from journeys.tooling.yamlout import Doc
from keepword.errors import BadInput, HarnessError, harness_line
from keepword.money import Money
from keepword.profile import MoneyFormat

if TYPE_CHECKING:
    from playwright.sync_api import Page

__all__ = ["DRAFT_HEADER", "DraftResult", "draft"]

DRAFT_HEADER = "# Drafted by `keepword draft`"
"""How a draft begins: `draft -o` replaces a file that begins so, and no other unless --force."""

SECTIONS = ("listing", "product", "basket", "checkout", "shipping", "preview", "confirmation", "safety")
_SYMBOLS = {"£": "GBP", "€": "EUR", "₽": "RUB", "₴": "UAH", "грн": "UAH", "zł": "PLN", "¥": "JPY", "₹": "INR",
            "$": "USD", "kr": "SEK", "Kč": "CZK", "CHF": "CHF"}
_LOCALES = {"GBP": "en_GB", "USD": "en_US", "EUR": "de_DE", "RUB": "ru_RU", "UAH": "uk_UA", "PLN": "pl_PL",
            "JPY": "ja_JP", "INR": "en_IN", "SEK": "sv_SE", "CZK": "cs_CZ", "CHF": "de_CH"}


@dataclass
class DraftResult:
    """The draft: its YAML, the keys left to fill, whether it loads as it is (and if not, the
    one-line error `keepword check` gives), the platform recognised, and what was noticed."""

    url: str
    text: str
    todo: list[str]
    error: str | None = None
    platform: str | None = None
    notes: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)
    path: Path | None = None


class Drafter:
    """Reads one store and fills `doc`; each step leaves the browser on the next page."""

    def __init__(self, page: Page, url: str, *, checkout: bool) -> None:
        self.page = page
        self.url = url
        self.explore_checkout = checkout
        self.doc = Doc(DRAFT_HEADER[2:] + " from " + url + ".\nEvery guess says where it came from; "
                       "check each one with `keepword walk` (README: \"Write a profile for your store\").")
        self.notes: list[str] = []
        self.pages: list[str] = []
        self.money = MoneyFormat()
        self.platform: Platform | None = None
        self.title: str | None = None
        self.price: Money | None = None
        self.quantity = 1
        self.card_link: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"<Drafter {self.url}>"

    def goto(self, url: str) -> None:
        from playwright.sync_api import Error as PlaywrightError

        try:
            response = self.page.goto(url, wait_until="load")
        except PlaywrightError as exc:
            said = harness_line(exc, advice="Start it, or check the address and port you gave draft")
            if "refused the connection" not in said:  # the browser's own words, with the address
                said = f"could not open {url}: {said}"
            raise HarnessError(f"draft: {said}", url=url) from None
        if response is not None and response.status >= 500:
            raise HarnessError(f"draft: the store answered HTTP {response.status} for {url}; try again when it is up",
                               url=url)
        self.settle()

    def settle(self) -> None:
        """Let a page finish what it loads (a hydrating storefront, an AJAX panel)."""
        from playwright.sync_api import Error as PlaywrightError

        try:
            self.page.wait_for_load_state("networkidle", timeout=5000)
        except PlaywrightError:
            pass
        self.pages.append(self.page.url)

    def path(self, url: str | None = None) -> str:
        parts = urlsplit(url or self.page.url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    # -- the store as a whole ----------------------------------------------------------------------
    def store(self) -> None:
        self.goto(self.url)
        found = detect.facts(self.page)
        self.platform = platform_of(self.page, found)
        doc = self.doc
        title = self.page.title()
        doc.set("name", re.split(r"\s+[-|\u00b7\u2013]\s+", title)[-1].strip() or urlsplit(self.url).hostname,
                "from the page title")
        parts = urlsplit(self.url)
        doc.set("base_url", f"{parts.scheme}://{parts.netloc}/", "the address given")
        self.money = self._money(found)
        doc.set("money", {"locale": self.money.locale, "currency": self.money.currency}, self._money_why)
        doc.set("availability", "", "")  # its place: filled from the first availability text seen, else dropped
        doc.remark("clock: {timezone: Europe/London}   # the store's time zone (default UTC): "
                   "delivery dates are judged on it")
        for name in SECTIONS:
            doc.section(name)

    def _money(self, found: detect.Facts) -> MoneyFormat:
        """The currency from structured data, else from the sign on the page; the locale from
        <html lang>, else the currency's home; kept only if the page's amounts read in it."""
        texts = [spot.text for spot, _ in scan.money_spots(self.page, MoneyFormat(locale="en_US", currency="USD"),
                                                           limit=20)]
        currency, why = found.currency, f"currency from {found.source.get('currency')}"
        if not currency:
            joined = " ".join(texts)
            currency = next((code for sign, code in _SYMBOLS.items() if sign in joined), "USD")
            why = f"currency from the {next((s for s in _SYMBOLS if s in joined), 'lack of a')} sign on the page"
        lang = found.lang.replace("-", "_")
        candidates = [lang[:2].lower() + lang[2:].upper()] if len(lang) == 5 else []
        candidates += [_LOCALES.get(currency.upper(), "en_US"), "en_US", "de_DE", "fr_FR"]
        best, score = candidates[0] if candidates else "en_US", -1
        for locale in dict.fromkeys(candidates):
            try:
                fmt = MoneyFormat(locale=locale, currency=currency.upper())
            except ValueError:
                continue
            read = sum(1 for text in texts if _reads(text, fmt))
            if read > score:
                best, score = locale, read
        self._money_why = f"{why}; locale {best}: {score} of {len(texts)} amounts on the page read in it; check this"
        return MoneyFormat(locale=best, currency=currency.upper())

    # -- the listing ---------------------------------------------------------------------------------
    def listing(self) -> None:
        cards = self._cards()
        if cards is None:
            for link in scan.buttons(self.page, r"shop|products|all|catalog|categor|collection|new|sale")[:4]:
                href = link.info.get("href")
                if href and urlsplit(href).netloc == urlsplit(self.url).netloc:
                    self.goto(href)
                    cards = self._cards()
                    if cards is not None:
                        break
        if cards is None:
            raise HarnessError(f"draft: no product cards on {self.page.url} (blocks that repeat, each with a link "
                               "and an amount); give the address of a category or search page", url=self.page.url)
        section = self.doc.section("listing")
        section.set("url", self.path(), "where the cards were found")
        section.set("card", cards.css, f"{cards.count} blocks alike, each with a link and an amount")
        self._card_parts(section, cards)

    def _cards(self) -> detect.Block | None:
        known = self.platform.listing_card if self.platform else None
        candidates = [known] if known and self.page.locator(known).count() else []
        candidates += [spot.css for spot in scan.repeated(self.page, "a[href]") if spot.count >= 2]
        for css in candidates:
            found = detect.block(self.page, css)
            if found is not None and found.links and found.monies:
                return found
        return None

    def _card_parts(self, section: Doc, cards: detect.Block) -> None:
        sku = next((i for i in cards.ids if i["css"] is None and "sku" in i["attr"]), None)
        if sku is not None:
            section.set("sku", {"attribute": sku["attr"]}, f"the card's own {sku['attr']} ({sku['value']!r})")
        else:
            section.remark("sku: leave out where the store shows no SKU on the card: products are known by title")
        link = max(cards.links, key=lambda a: len(a["text"] or ""))
        cut = link["text"].endswith(("…", "...")) or (link["title"] and len(link["title"]) > len(link["text"]))
        title: Any = {"css": link["css"], "attribute": "title"} if cut else link["css"]
        why = "the card's link with the longest text" + (" (its title: the text is cut)" if cut else "")
        if re.search(r"\d[.,]\d{2}", link["text"]) and not cut:  # the link holds the price too: its name part
            named = next((t for t in cards.texts if t["text"] and t["text"] in link["text"]
                          and not re.search(r"\d[.,]\d{2}", t["text"])), None)
            if named is not None:
                title, why = named["css"], f"the name inside the card's link ({named['text'][:30]!r})"
        section.set("title", title, why)
        price = self._price_of(cards.monies)
        if price is not None:
            section.set("price", price["css"], f"reads {price['text']!r}")
        else:
            section.todo("price", "no amount in the card reads as money; see `keepword walk`", ".price")
        if cards.stock:
            css = cards.stock[0]["css"]
            section.set("availability", css, f"reads {cards.stock[0]['text']!r}")
            self.availability(self.page.locator(cards.css).locator(css).all_inner_texts())
        section.set("open", link["css"], "the title link opens the product")
        self.card_link = link

    def _price_of(self, monies: list[dict[str, Any]]) -> dict[str, Any] | None:
        """The amount that is a price: only an amount, the new one where there are two."""
        pure = [m for m in monies if scan.pure_money(m["text"], self.money) and _reads(m["text"], self.money)]
        if not pure:
            return None
        fresh = [m for m in pure if re.search(r"new|sale|special|current|final", m["css"], re.I)]
        return (fresh or pure)[0]

    def availability(self, texts: list[str]) -> None:
        """Availability rules from every wording seen (numbers become the `count` group), each
        sold-out wording apart; nothing when the defaults ("in stock", "out of stock", "sold
        out") read them all."""
        from journeys.reading import Unreadable, read_availability
        from keepword.profile import AvailabilityRules

        flats = list(dict.fromkeys(" ".join(t.split()).split(":", 1)[-1].strip() for t in texts if t.strip()))
        if not flats:
            return
        out_words = re.compile(r"out of stock|sold out|unavailable|not available|no stock", re.I)
        unread = []
        for flat in flats:
            try:
                read_availability(flat, AvailabilityRules())
            except Unreadable:
                unread.append(flat)
        if not unread and not any(re.search(r"\d", f) for f in flats):
            return
        in_stock = [_pattern(f) for f in flats if not out_words.search(f)]
        out = [re.escape(f).replace("\\ ", " ") for f in flats if out_words.search(f)]
        self.doc.set("availability", {"in_stock": [*dict.fromkeys(in_stock), "in stock"],
                                      "out_of_stock": [*dict.fromkeys(out), "out of stock", "sold out"]},
                     f"from the wordings seen: {', '.join(repr(f) for f in flats[:4])}; add any other the store uses")


def _pattern(flat: str) -> str:
    """A wording as a regex, its first number the `count` group ("Only (?P<count>\\d+) left")."""
    return re.sub(r"\d+", r"(?P<count>\\d+)", re.escape(flat).replace("\\ ", " "), count=1)


def _reads(text: str, money: MoneyFormat) -> bool:
    from journeys.reading import Unreadable, read_money

    try:
        read_money(text, money)
    except Unreadable:
        return False
    return True


def draft(url: str, *, out: Path | None = None, checkout: bool | None = None) -> DraftResult:
    """Draft a profile from the store at `url` (see the module docstring); write it to `out`."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    from journeys.tooling.draftpages import basket, product
    from keepword.browser import launch_args
    from keepword.patterns import check_http_url
    from keepword.scenario import host_allowed

    try:
        url = check_http_url(url)
    except ValueError as exc:
        raise BadInput(f"URL {exc}") from None
    host = urlsplit(url).hostname or ""
    explore = checkout if checkout is not None else host_allowed(host, ["127.0.0.1", "localhost", "::1"])
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**launch_args())
        try:
            context = browser.new_context(service_workers="block")
            context.set_default_timeout(10_000)
            drafter = Drafter(context.new_page(), url, checkout=explore)
            drafter.store()  # the store itself: not reachable is the draft's failure (exit 3)
            from journeys.tooling.draftcheckout import rest

            try:
                drafter.listing()
                product(drafter)
                basket(drafter)
            except (HarnessError, PlaywrightError) as exc:  # what was found so far is still a draft
                drafter.notes.append(f"stopped on {drafter.page.url}: {str(exc).strip().splitlines()[0]}")
            else:
                rest(drafter)
        finally:
            browser.close()
    _required(drafter.doc)
    if drafter.doc.get("availability") == "":
        drafter.doc.drop("availability")
    text = drafter.doc.render()
    result = DraftResult(url, text, drafter.doc.todos(), platform=drafter.platform.name if drafter.platform else None,
                         notes=drafter.notes, pages=list(dict.fromkeys(drafter.pages)), path=out)
    result.error = _loads(text, out)
    return result


def _required(doc: Doc) -> None:
    """Every key a profile must have that the draft has not filled becomes a TODO, so the list
    of keys to fill is complete whatever stopped the draft."""
    from pydantic import BaseModel

    from keepword import profile as model

    sections: dict[str, type[BaseModel]] = {"listing": model.ListingPage, "product": model.ProductPage, "basket": model.BasketPage,
                "checkout": model.CheckoutSpec, "preview": model.PreviewPage, "safety": model.SafetySpec}
    for name, cls in sections.items():
        section = doc.section(name)
        for key, info in cls.model_fields.items():
            if info.is_required() and section.get(key) is None and key not in section.todos():
                section.todo(key, "the draft found nothing for it: walk the store and fill it in",
                             ["**/checkout/place"] if key == "order_urls" else
                             [{"click": "button[type=submit]"}] if key == "steps" else f".{key}")


def _loads(text: str, out: Path | None) -> str | None:
    """Write the draft (to `out`, or a scratch file) and load it as `keepword check` would."""
    import tempfile

    from keepword.profile import load_profile

    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        target = out
    else:
        handle = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False, encoding="utf-8")
        with handle:
            handle.write(text)
        target = Path(handle.name)
    try:
        load_profile(target)
    except BadInput as exc:
        return str(exc)
    finally:
        if out is None:
            target.unlink()
    return None
