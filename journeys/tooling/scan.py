"""What is on a page, found without a profile: money texts, buttons, form fields, messages,
repeated blocks, each with a CSS path that finds it.

One page script (`_LIB`) holds the helpers every scan shares: visibility, an element's text,
and `path`, the shortest CSS that finds an element under a root (a test id, an id, `itemprop`,
a form field's name, the element's own classes, then an ancestor's, then its position as the
last resort). Scans run in the page in one round trip each; Python decides what the texts mean
(money through the profile's own money format, never a regex here).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from journeys.reading import Unreadable, read_money
from keepword.money import Money
from keepword.profile import MoneyFormat

if TYPE_CHECKING:
    from playwright.sync_api import ElementHandle, Page

__all__ = ["ADD_WORDS", "CHECKOUT_WORDS", "PLACE_WORDS", "Spot", "alerts", "buttons", "fields",
           "labelled_rows", "money_spots", "pure_money", "repeated", "run", "texts"]

ADD_WORDS = r"add to (basket|cart|bag)|add$|^add\b|in (den )?warenkorb|ajouter|buy now|\bcart\b|\bbasket\b"
CHECKOUT_WORDS = r"check ?out|proceed|kasse|commander"
PLACE_WORDS = r"place (my )?order|confirm (the )?order|complete (the )?order|pay now|^buy$|submit order|order now"

_LIB = r"""
  // Classes worth a locator: not generated (css-1x2y), not state (active), not a utility class
  // of a CSS framework (Tailwind's mt-6, flex, hover:underline; Bootstrap's col-sm, text-end).
  const UTILITY = /[:\/\[\]()%.!]|^-?(m|p|[mp][trblxy]|w|h|min-[wh]|max-[wh]|size|gap|space-[xy]|text|font|bg|border|rounded|flex|grid|col|cols|row|rows|items|justify|shrink|grow|inline|block|relative|absolute|fixed|sticky|z|top|left|right|bottom|inset|shadow|opacity|transition|duration|ease|cursor|overflow|leading|tracking|whitespace|truncate|underline|capitalize|uppercase|lowercase|sr|order|self|place|content|aspect|object|divide|ring|outline|select|pointer|group|peer|animate|d|float|align|g|gx|gy|fw|fs|lh|mw|mh|vw|vh|container|clearfix)(-|$)/;
  const GOOD = c => c.length < 40 && !UTILITY.test(c) && !/\d{4,}|^(css|sc|jsx|ng|svelte|emotion|chakra)-|^(active|selected|show|open|hover|focus|collapsed|in|fade|disabled|hidden|visible)$/.test(c);
  const q = v => /^[A-Za-z_][\w-]*$/.test(v) ? v : JSON.stringify(v);
  const visible = e => {
    if (!e || !e.getBoundingClientRect) return false;
    const r = e.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) return false;
    const s = getComputedStyle(e);
    return s.visibility !== 'hidden' && s.display !== 'none';
  };
  const text = e => (e.innerText !== undefined ? e.innerText : e.textContent || '').replace(/\s+/g, ' ').trim();
  const sig = (e, ids = true) => {
    const tag = e.tagName.toLowerCase();
    for (const a of ['data-testid', 'data-test', 'data-qa', 'data-cy']) {
      const v = e.getAttribute(a); if (v) return `[${a}=${q(v)}]`;
    }
    if (ids && e.id && !/\d{3,}|^:|_r_|^(radix|base-ui|headlessui|mui|react-aria|rc-)/i.test(e.id)) return /^[A-Za-z][\w-]*$/.test(e.id) ? '#' + e.id : `[id=${q(e.id)}]`;
    const ip = e.getAttribute('itemprop'); if (ip) return `[itemprop=${q(ip)}]`;
    const nm = e.getAttribute('name');
    if (nm && /^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(e.tagName)) return `${tag}[name=${q(nm)}]`;
    const cls = [...e.classList].filter(GOOD).slice(0, 2);
    return tag + cls.map(c => '.' + CSS.escape(c)).join('');
  };
  const all = (root, css) => { try { return [...root.querySelectorAll(css)]; } catch (err) { return []; } };
  const path = (e, root) => {
    // The shortest CSS that finds `e` under `root`: its own signature, else with one ancestor's;
    // where none is unique, the one that finds it first, else the one that finds it at all
    // (then `count` says how many it finds: several alike, such as every card's price).
    root = root || document;
    const own = sig(e);
    let found = all(root, own);
    if (found.length === 1 && found[0] === e) return [own, 1, true];
    let first = found[0] === e ? [own, found.length, true] : null;
    let some = [own, found.length, false];
    for (let a = e.parentElement, depth = 0; a && a !== root && a !== document.documentElement && depth < 8;
         a = a.parentElement, depth++) {
      const css = sig(a) + ' ' + own;
      found = all(root, css);
      if (found.length === 1 && found[0] === e) return [css, 1, true];
      if (!first && found[0] === e) first = [css, found.length, true];
    }
    const column = e.parentElement && e.parentElement.tagName === 'TR';
    if ((!first || (column && first[1] > 1)) && e.parentElement) {  // a row's column, or the second of two alike: by place
      const nth = own + `:nth-child(${[...e.parentElement.children].indexOf(e) + 1})`;
      found = all(root, nth);
      if (found[0] === e && (!first || found.length < first[1])) return [nth, found.length, true];
    }
    if (!first) {  // by the place of an ancestor: the second column's link, `td:nth-child(2) a`
      for (let a = e.parentElement, depth = 0; a && a !== root && a.parentElement && depth < 3; a = a.parentElement, depth++) {
        const css = sig(a, false) + `:nth-child(${[...a.parentElement.children].indexOf(a) + 1}) ` + own;
        found = all(root, css);
        if (found[0] === e) return [css, found.length, true];
      }
    }
    return first || some;
  };
  const rect = e => {
    const r = e.getBoundingClientRect();
    return (r.width || r.height) ? [r.left + window.scrollX, r.top + window.scrollY, r.width, r.height] : null;
  };
  const spot = (e, root, extra) => {
    const [css, count, first] = path(e, root);
    return Object.assign({css, count, first, text: text(e).slice(0, 120), rect: rect(e)}, extra || {});
  };
  const leaves = (root, max) => {
    const out = [];
    for (const e of root.querySelectorAll('*')) {
      if (/^(SCRIPT|STYLE|NOSCRIPT|TEMPLATE|SVG|PATH|HTML|HEAD|BODY|OPTION|SELECT)$/i.test(e.tagName)) continue;
      const t = (e.textContent || '').replace(/\s+/g, ' ').trim();
      if (!t || t.length > max * 2) continue;
      if ([...e.children].some(c => (c.textContent || '').replace(/\s+/g, ' ').trim() === t)) continue;
      if (!visible(e) || text(e).length > max) continue;
      out.push([e, t]);
    }
    return out;
  };
"""


def run(page: Page, body: str, root: ElementHandle | None = None, arg: Any = None) -> Any:
    """Run a page script `body` with the shared helpers (`path`, `sig`, `text`, `leaves`,
    `visible`, `rect`), `root` (the document's body when None) and `arg` in scope."""
    script = "([root, arg]) => {" + _LIB + "\n  root = root || document.body;\n" + body + "\n}"
    return page.evaluate(script, [root, arg])


@dataclass(frozen=True, slots=True)
class Spot:
    """Something found on a page: a CSS path to it (`count`: how many elements that path finds
    under the root it was made for, 1 when unique), its text, and what else the scan noted."""

    css: str
    text: str
    count: int = 1
    info: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"Spot({self.css!r}, {self.text[:30]!r})"


def _spots(found: list[dict[str, Any]]) -> list[Spot]:
    out: list[Spot] = []
    seen: set[str] = set()
    for item in found:
        css = str(item.pop("css"))
        if css in seen:
            continue
        seen.add(css)
        out.append(Spot(css, str(item.pop("text", "")), int(item.pop("count", 1)), item))
    return out


def money_spots(page: Page, money: MoneyFormat, root: ElementHandle | None = None,
                limit: int = 12, *, outside: str | None = None) -> list[tuple[Spot, Money]]:
    """Elements whose whole text reads as money in the profile's format ("£12.99", "2 200
    грн"), innermost first: the candidates for a price, a total or a charge; none inside an
    element `outside` matches (the lines, when a total is wanted)."""
    found = run(page, """
  const skip = e => { if (!arg) return false; try { return !!e.closest(arg); } catch (err) { return false; } };
  const inner = e => [...e.children].some(c => /\\d/.test(c.textContent || ''));
  return leaves(root, 40).filter(([e, t]) => /\\d/.test(t) && !skip(e) && !inner(e)).slice(0, 400)
    .map(([e, t]) => spot(e, root === document.body ? document : root));""", root, outside)
    out: list[tuple[Spot, Money]] = []
    for spot in _spots(found):
        if not _looks_like_money(spot.text, money):
            continue
        try:
            out.append((spot, read_money(spot.text, money)))
        except Unreadable:
            continue
        if len(out) >= limit:
            break
    return out


def _looks_like_money(text: str, money: MoneyFormat) -> bool:
    """A currency sign or code, or the currency's minor digits: "3" alone is a quantity."""
    from babel.numbers import get_currency_symbol

    symbol = get_currency_symbol(money.currency, locale=money.locale)
    return (any(ch in "$£€¥₽₴₹₩₺₪₫₦₱฿₲₡" for ch in text) or money.currency in text or symbol in text
            or re.search(r"\d[.,]\d{2}(?!\d)", text) is not None) and len(text) <= 40


def pure_money(text: str, money: MoneyFormat) -> bool:
    """An amount and nothing else ("$121.20", "2 200 грн"), not "Ex Tax: $101.00"."""
    from babel.numbers import get_currency_symbol

    rest = text.replace(money.currency, "").replace(get_currency_symbol(money.currency, locale=money.locale), "")
    rest = re.sub(r"[\d.,'\s\u00a0\u202f+\-]", "", rest)
    rest = "".join(ch for ch in rest if not (0x20A0 <= ord(ch) <= 0x20CF or ch in "$£€¥"))
    return len(rest) <= 3


def buttons(page: Page, words: str, root: ElementHandle | None = None) -> list[Spot]:
    """Buttons, submit inputs and links whose words (text, value, aria-label, title) match the
    regular expression `words` (case ignored): "Add to basket", "Checkout"."""
    found = run(page, """
  const re = new RegExp(arg, 'i');
  const out = [];
  for (const e of root.querySelectorAll('button, input[type=submit], input[type=button], a, [role=button]')) {
    if (!visible(e)) continue;
    const said = [text(e), e.value, e.getAttribute('aria-label'), e.getAttribute('title')].filter(Boolean);
    const hit = said.find(s => re.test(String(s).trim()));
    if (!hit) continue;
    const form = e.form || e.closest('form');
    out.push(spot(e, root === document.body ? document : root, {
      text: String(hit).trim().slice(0, 80), tag: e.tagName.toLowerCase(), type: e.getAttribute('type') || '',
      plain: !!(e.id || e.getAttribute('data-testid') || e.getAttribute('name')),
      form_action: form ? form.action : null, form_method: form ? (form.getAttribute('method') || 'get') : null,
      href: e.tagName === 'A' ? e.href : null}));
  }
  return out.slice(0, 12);""", root, words)
    return _spots(found)


def fields(page: Page, root: ElementHandle | None = None) -> list[Spot]:
    """The form fields a customer can fill or choose, in page order, with what names them:
    name, id, type, autocomplete, placeholder, label, and a <select>'s first options."""
    found = run(page, """
  const out = [];
  for (const e of root.querySelectorAll('input, select, textarea')) {
    const type = (e.getAttribute('type') || (e.tagName === 'INPUT' ? 'text' : e.tagName.toLowerCase())).toLowerCase();
    if (/^(hidden|submit|button|image|reset|file)$/.test(type)) continue;
    let label = e.getAttribute('aria-label') || '';
    if (!label && e.id) { const l = document.querySelector(`label[for="${CSS.escape(e.id)}"]`); if (l) label = text(l); }
    if (!label && e.closest('label')) label = text(e.closest('label'));
    const shown = visible(e) || (label && /^(radio|checkbox)$/.test(type));
    if (!shown) continue;
    out.push(spot(e, document, {
      text: label.slice(0, 80), tag: e.tagName.toLowerCase(), type, name: e.getAttribute('name') || '',
      id: e.id || '', autocomplete: e.getAttribute('autocomplete') || '',
      placeholder: e.getAttribute('placeholder') || '', required: e.required,
      value: e.value || '', checked: !!e.checked, readonly: e.readOnly || e.disabled,
      form: e.form ? [e.form.getAttribute('method') || 'get', e.form.action] : null,
      modal: (() => { const m = e.closest('.modal, [role=dialog], dialog'); return m ? path(m, document)[0] : null; })(),
      options: e.tagName === 'SELECT' ? [...e.options].slice(0, 6).map(o => text(o)) : []}));
  }
  for (const e of root.querySelectorAll('[role=radio]:not(input)')) {  // a component library's styled radios
    if (!visible(e)) continue;
    const group = e.closest('[role=radiogroup]');
    out.push(spot(e, document, {
      text: (e.getAttribute('aria-label') || text(e) || text(e.closest('label') || e.parentElement)).slice(0, 80),
      tag: e.tagName.toLowerCase(), type: 'radio',
      name: group ? (group.getAttribute('aria-label') || group.id || path(group, document)[0]) : 'radios',
      id: e.id || '', autocomplete: '', placeholder: '', required: false, value: e.getAttribute('value') || '',
      checked: e.getAttribute('aria-checked') === 'true', readonly: e.disabled, form: null,
      modal: (() => { const m = e.closest('.modal, [role=dialog], dialog'); return m ? path(m, document)[0] : null; })(),
      options: []}));
  }
  return out.slice(0, 60);""", root, None)
    return _spots(found)


def texts(page: Page, pattern: str, root: ElementHandle | None = None, *, limit: int = 8) -> list[Spot]:
    """Elements whose whole text (80 characters at most) matches `pattern` (case ignored)."""
    found = run(page, """
  const re = new RegExp(arg, 'i');
  const hits = leaves(root, 80).filter(([e, t]) => re.test(t)).map(([e]) => e);
  return hits.filter(e => !hits.some(o => o !== e && e.contains(o))).slice(0, 40)  // the innermost
    .map(e => spot(e, root === document.body ? document : root));""", root, pattern)
    return _spots(found)[:limit]


def alerts(page: Page) -> list[Spot]:
    """Messages the page shows after an action: alerts, toasts, flash and notice boxes."""
    found = run(page, """
  const css = '[role=alert], [role=status], [aria-live], .alert, [class*=alert], [class*=toast], ' +
              '[class*=flash], [class*=notice], [class*=message], [class*=notification], [data-testid*=flash]';
  return all(document, css).filter(e => visible(e) && text(e)).slice(0, 10).map(e => spot(e, document));""",
                 None, None)
    return _spots(found)


def labelled_rows(page: Page, money: MoneyFormat, *, outside: str | None = None) -> list[Spot]:
    """Rows that hold a label and an amount ("Sub-Total:" | "$202.00"), as a profile's labelled
    locator takes them: `css` finds the rows, `info['label']` is this row's label, `text` its
    amount: candidates for totals, found by what they say rather than where they are."""
    found = run(page, r"""
  const out = [];
  const seen = new Set();
  const skip = e => { if (!arg) return false; try { return !!e.closest(arg); } catch (err) { return false; } };
  for (const [m] of leaves(document.body, 40)) {
    const t = text(m);
    if (skip(m)) continue;
    if (!/\d/.test(t) || [...m.children].some(c => /\d/.test(c.textContent || ''))) continue;
    let row = m;
    for (let depth = 0; depth < 4 && row.parentElement && row.parentElement !== document.body; depth++) {
      row = row.parentElement;
      const parts = [...row.children].map(c => [c, text(c)]).filter(([c, x]) => x);
      const label = parts.find(([c, x]) => !c.contains(m) && !/\d[.,]?\d/.test(x) && x.length <= 30);
      if (parts.length >= 2 && parts.length <= 3 && label && text(row).length <= 80) {
        const css = (row.parentElement ? path(row.parentElement, document)[0] + ' > ' : '') + sig(row, false);
        const last = row.lastElementChild;
        const value = last && last.contains(m) ? null : path(m, row)[0];  // the amount is not the last cell
        if (!seen.has(css + label[1])) out.push({css, count: all(document, css).length, text: t, label: label[1],
                                                  value, rect: rect(row)});
        seen.add(css + label[1]);
        break;
      }
    }
  }
  return out.slice(0, 40);""", None, outside)
    out: list[Spot] = []
    for item in found:
        spot = Spot(str(item["css"]), str(item["text"]), int(item["count"]),
                    {"label": str(item["label"]), "value": item.get("value"), "rect": item.get("rect")})
        if _looks_like_money(spot.text, money):
            out.append(spot)
    return out


def repeated(page: Page, need: str = "a[href]") -> list[Spot]:
    """Blocks that repeat, each holding one money text and an element matching `need` (a link
    for product cards; a link or an input for basket lines): candidates for a card or a line.
    `count` is how many there are; `info['inner']` the money text's path inside the first."""
    found = run(page, r"""
  const moneyish = t => /\d/.test(t) && (/[\p{Sc}]|\b[A-Z]{3}\b|\u0433\u0440\u043d|\u0440\u0443\u0431|z\u0142|kr\b/u.test(t) || /\d[.,]\d{2}(?!\d)/.test(t));
  const monies = leaves(document.body, 40).filter(([e, t]) => moneyish(t)).map(([e]) => e);
  const count = x => monies.filter(m => x.contains(m)).length;
  const groups = new Map();
  for (const m of monies) {
    let a = m.parentElement;
    while (a && a !== document.body && !a.querySelector(arg)) a = a.parentElement;
    if (!a || a === document.body) continue;
    const chain = [a];
    const own = count(a);
    while (chain[chain.length - 1].parentElement && chain[chain.length - 1].parentElement !== document.body
           && count(chain[chain.length - 1].parentElement) === own) chain.push(chain[chain.length - 1].parentElement);
    const named = chain.filter(x => /product|card|item|thumb|tile|line|cart|basket|row/i.test(
      (x.className && x.className.baseVal === undefined ? x.className : '') + ' ' + (x.getAttribute('data-testid') || '')));
    const card = named.length ? named[named.length - 1] : a;
    const key = sig(card, false);
    if (!groups.has(key)) groups.set(key, new Set());
    groups.get(key).add(card);
  }
  const out = [];
  for (const [key, set] of groups) {
    const members = [...set];
    if (members.length < 1) continue;
    let css = key;
    let hits = all(document, css);
    if (hits.length !== members.length || !members.every(m => hits.includes(m))) {
      const parent = members[0].parentElement;
      if (parent && members.every(m => m.parentElement === parent)) css = path(parent, document)[0] + ' > ' + key;
      hits = all(document, css);
    }
    const first = members[0];
    const money = monies.find(m => first.contains(m));
    out.push({css, count: hits.length, text: text(first).slice(0, 120), members: members.length,
              inner: money ? path(money, first)[0] : null});
  }
  out.sort((a, b) => b.members - a.members);
  return out.slice(0, 6);""", None, need)
    return _spots(found)
