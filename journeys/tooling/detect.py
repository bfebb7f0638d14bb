"""What `keepword draft` reads off a page in one round trip each: the structured data a store
publishes (JSON-LD, microdata, Open Graph), the page's language and platform marks, and the
parts of one repeated block (a product card, a basket line): its links, money texts, numbers,
fields, stock words and data attributes, each with a CSS path inside the block and how many of
the page's blocks that path finds exactly once in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from journeys.tooling.scan import run

if TYPE_CHECKING:
    from playwright.sync_api import Page

__all__ = ["Block", "Facts", "block", "facts", "line_of"]

_FACTS = r"""
  const meta = n => { const m = document.querySelector(`meta[property="${n}"], meta[name="${n}"]`); return m ? m.content : null; };
  const micro = {};
  for (const e of document.querySelectorAll('[itemprop]')) {
    const k = e.getAttribute('itemprop');
    if (k in micro) continue;
    const v = e.getAttribute('content') || e.getAttribute('href') || text(e);
    micro[k] = {value: (v || '').slice(0, 200), css: path(e, document)[0], attr: e.getAttribute('content') !== null ? 'content' : null};
  }
  const h1 = document.querySelector('h1');
  const product = document.querySelector('[itemtype*="schema.org/Product"], [data-testid=product]');
  return {
    lang: document.documentElement.lang || '', generator: meta('generator'),
    jsonld: [...document.querySelectorAll('script[type="application/ld+json"]')].map(s => s.textContent),
    og: {title: meta('og:title'), type: meta('og:type'), price: meta('og:price:amount') || meta('product:price:amount'),
         currency: meta('og:price:currency') || meta('product:price:currency')},
    micro, h1: h1 ? {css: path(h1, document)[0], text: text(h1)} : null,
    root: product ? path(product, document)[0] : null,
    marks: [document.body.className, [...document.scripts].map(s => s.src).join(' ').slice(0, 2000),
            typeof window.Shopify !== 'undefined' ? 'Shopify' : '', document.querySelector('#app, #root') ? 'spa' : ''].join(' '),
  };
"""

_BLOCK = r"""
  const blocks = all(document, arg.css);
  const b = blocks[arg.index];
  if (!b) return null;
  const inside = (css) => blocks.filter(x => all(x, css).length === 1).length;
  const part = (e, extra) => { const [css] = path(e, b); return Object.assign({css, text: text(e).slice(0, 120), alike: inside(css)}, extra || {}); };
  const out = {count: blocks.length, text: text(b).slice(0, 200), links: [], monies: [], numbers: [], inputs: [], stock: [],
               texts: [], attrs: {}};
  for (const a of b.getAttributeNames()) if (a.startsWith('data-') || a === 'id') out.attrs[a] = b.getAttribute(a);
  for (const a of b.querySelectorAll('a[href]')) if (visible(a)) out.links.push(part(a, {
    title: a.getAttribute('title'), href: a.href,
    before: a.previousSibling && a.previousSibling.nodeType === 3 ? a.previousSibling.textContent.trim() : '',  // "2x"
    parent: a.parentElement && a.parentElement !== b ? path(a.parentElement, b)[0] : null}));
  for (const [e, t] of leaves(b, 60)) {
    const inner = [...e.children].some(c => /\d/.test(c.textContent || ''));  // its digits are a child's
    if (!inner && /\d/.test(t) && /[\p{Sc}]|\b[A-Z]{3}\b|\d[.,]\d{2}(?!\d)/u.test(t)) out.monies.push(part(e));
    else if (!inner && /^\d{1,4}$/.test(t)) out.numbers.push(part(e));
    if (/stock|available|availability|sold out|left\b|backorder|pre-?order/i.test(t)) out.stock.push(part(e));
    if (/[^\W\d_]{2}/u.test(t) && out.texts.length < 30) out.texts.push(part(e));
  }
  for (const e of b.querySelectorAll('input, select')) {
    const type = (e.getAttribute('type') || '').toLowerCase();
    if (type === 'hidden') continue;
    out.inputs.push(part(e, {name: e.getAttribute('name') || '', type, value: e.value}));
  }
  const attrs = [];
  for (const e of [b, ...b.querySelectorAll('*')]) for (const a of e.getAttributeNames())
    if (/^data-.*(sku|product|id)/.test(a) && e.getAttribute(a)) attrs.push({css: e === b ? null : path(e, b)[0], attr: a, value: e.getAttribute(a)});
  out.ids = attrs.slice(0, 6);
  return out;
"""


@dataclass
class Facts:
    """A page's structured data and marks: `offer` from JSON-LD, else microdata, else Open
    Graph (name, sku, price, currency, availability), and where each came from."""

    lang: str = ""
    generator: str | None = None
    marks: str = ""
    name: str | None = None
    sku: str | None = None
    price: Decimal | None = None
    currency: str | None = None
    availability: str | None = None
    source: dict[str, str] = field(default_factory=dict)
    micro: dict[str, dict[str, Any]] = field(default_factory=dict)
    h1: dict[str, str] | None = None
    root: str | None = None
    jsonld_blocks: int = 0


def _put(found: Facts, key: str, value: Any, source: str) -> None:
    if value in (None, "") or getattr(found, key) is not None:
        return
    if key == "price":
        try:
            value = Decimal(str(value).replace(",", "."))
        except ArithmeticError:
            return
    setattr(found, key, value if key == "price" else str(value))
    found.source[key] = source


def facts(page: Page) -> Facts:
    """Read the page's structured data: JSON-LD first, then microdata, then Open Graph."""
    raw = run(page, _FACTS)
    found = Facts(lang=raw["lang"], generator=raw["generator"], marks=raw["marks"], micro=raw["micro"],
                  h1=raw["h1"], root=raw["root"], jsonld_blocks=len(raw["jsonld"]))
    for block in raw["jsonld"]:
        try:
            data = json.loads(block)
        except ValueError:
            continue
        for node in _nodes(data):
            kinds = node.get("@type")
            if "Product" not in ([kinds] if isinstance(kinds, str) else list(kinds or [])):
                continue
            _put(found, "name", node.get("name"), "JSON-LD")
            _put(found, "sku", node.get("sku"), "JSON-LD")
            offers = node.get("offers")
            offer = offers[0] if isinstance(offers, list) and offers else offers
            if isinstance(offer, dict):
                _put(found, "price", offer.get("price") or offer.get("lowPrice"), "JSON-LD")
                _put(found, "currency", offer.get("priceCurrency"), "JSON-LD")
                _put(found, "availability", offer.get("availability"), "JSON-LD")
    micro = raw["micro"]
    for key, prop in (("name", "name"), ("sku", "sku"), ("price", "price"), ("currency", "priceCurrency"),
                      ("availability", "availability")):
        if prop in micro:
            _put(found, key, micro[prop]["value"], "microdata")
    og = raw["og"]
    _put(found, "price", og["price"], "Open Graph")
    _put(found, "currency", og["currency"], "Open Graph")
    if og["type"] and "product" in str(og["type"]).lower():
        _put(found, "name", og["title"], "Open Graph")
    return found


def _nodes(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, list):
        return [n for item in data for n in _nodes(item)]
    if isinstance(data, dict):
        return [data, *(_nodes(data["@graph"]) if "@graph" in data else [])]
    return []


@dataclass
class Block:
    """One repeated block's parts (see the module docstring); `count` is how many blocks the
    page has, and each part's `alike` how many of them its path finds exactly once in."""

    css: str
    count: int
    text: str
    links: list[dict[str, Any]]
    monies: list[dict[str, Any]]
    numbers: list[dict[str, Any]]
    inputs: list[dict[str, Any]]
    stock: list[dict[str, Any]]
    attrs: dict[str, str]
    ids: list[dict[str, Any]]
    texts: list[dict[str, Any]] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"<Block {self.css} x{self.count}>"


def block(page: Page, css: str, index: int = 0) -> Block | None:
    """The parts of the `index`-th block `css` finds (None when there is none)."""
    raw = run(page, _BLOCK, None, {"css": css, "index": index})
    if raw is None:
        return None
    return Block(css, raw["count"], raw["text"], raw["links"], raw["monies"], raw["numbers"], raw["inputs"],
                 raw["stock"], raw["attrs"], raw["ids"], raw["texts"])


_LINE = r"""
  const title = arg.title.toLowerCase();
  const moneyish = t => /\d/.test(t) && (/[\p{Sc}]|\b[A-Z]{3}\b|\d[.,]\d{2}(?!\d)/u.test(t));
  const monies = x => leaves(x, 40).filter(([e, t]) => moneyish(t)).length;
  const all_named = leaves(document.body, 200).filter(([e, t]) => t.toLowerCase().includes(title)).map(([e]) => e);
  const named = all_named.filter(e => !all_named.some(o => o !== e && e.contains(o)));  // the innermost
  const near = [];
  for (const e of named) {
    let a = e.parentElement;
    while (a && a !== document.body && !monies(a)) a = a.parentElement;
    if (a && a !== document.body) near.push(a);
  }
  // the line, not a message or a mini-cart: nearest the element given (the place button), else the smallest
  const anchor = arg.near ? document.querySelector(arg.near) : null;
  const depth = x => {  // minus the depth of the lowest ancestor x shares with the anchor: deeper is nearer
    if (!anchor) return 0;
    let a = x; while (a && !a.contains(anchor)) a = a.parentElement;
    let n = 0; for (let y = a; y; y = y.parentElement) n++;
    return -n;
  };
  near.sort((x, y) => depth(x) - depth(y) || monies(x) - monies(y) || text(x).length - text(y).length);
  for (const a of near) {
    const chain = [a];
    while (chain[chain.length - 1].parentElement && chain[chain.length - 1].parentElement !== document.body &&
           monies(chain[chain.length - 1].parentElement) === monies(a) &&
           !/^(TABLE|BODY|MAIN|FORM)$/.test(chain[chain.length - 1].parentElement.tagName)) chain.push(chain[chain.length - 1].parentElement);
    const good = chain.filter(x => /^(TR|LI)$/.test(x.tagName) || x.getAttribute('data-testid') ||
      /item|line|row|product/i.test(typeof x.className === 'string' ? x.className : ''));
    const line = good.length ? good[0] : a;
    const css = (line.parentElement ? path(line.parentElement, document)[0] + ' > ' : '') + sig(line, false);
    return css;
  }
  return null;
"""


def line_of(page: Page, title: str, near: str | None = None) -> str | None:
    """The CSS of the order lines on a page: the element around the product's name that holds
    its amounts (a table row, a list item, a block named line or item); of several, the one
    nearest the element `near` finds (the place button: not the header's mini-cart)."""
    if not title:
        return None
    found = run(page, _LINE, None, {"title": title[:20], "near": near})
    return str(found) if found else None
