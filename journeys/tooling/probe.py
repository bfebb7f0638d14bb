"""Looking at one role on a page: how many elements its locator matches, the text read (as the
shopper reads it, `journeys.roles`), the value parsed, and where it is, for the boxes.

A role's elements are found by Playwright (so CSS, `role=`, `text=` and test ids all count the
same way the shopper's locators do), then read in the page in one call: the first element's text
or attribute, or for a labelled role (`{css, label}`) every row's label and the first row whose
label matches. `overlay` draws a box and a label per matched element into the page, for the
screenshot, and takes it out again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from journeys.reading import Unreadable, read_availability, read_date, read_money
from keepword.errors import HarnessError
from keepword.profile import Find, StoreProfile

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

    from journeys.roles import Roles

__all__ = ["MONEY_ROLES", "Look", "kind_of", "look", "overlay", "parse_value"]

MONEY_ROLES = frozenset({"price", "unit_price", "line_total", "subtotal", "shipping", "total", "charge"})
_DATE_ROLES = frozenset({"promise_earliest", "promise_latest", "delivered_at"})
_CLICKED = frozenset({"open", "add", "checkout", "place", "update", "choose"})

_LOOK = r"""(els, spec) => {
  const read = (e, attr) => {
    if (attr) return e.getAttribute(attr);
    if (e.tagName === 'INPUT' || e.tagName === 'SELECT' || e.tagName === 'TEXTAREA') return e.value;
    return e.textContent;
  };
  const rect = e => {
    const r = e.getBoundingClientRect();
    return (r.width || r.height) ? [r.left + window.scrollX, r.top + window.scrollY, r.width, r.height] : null;
  };
  const flat = t => (t || '').replace(/\s+/g, ' ').trim();
  if (spec.label === null) {
    const e = els[0];
    return {count: els.length, text: e ? read(e, spec.attribute) : null, rects: els.slice(0, 30).map(rect),
            tag: e ? e.tagName.toLowerCase() : null, form: e && e.form ? [e.form.getAttribute('method') || 'get', e.form.action] : null};
  }
  const re = new RegExp('^(?:' + spec.label + ')$', 'i');
  const labels = [];
  let hits = 0, picked = null;
  for (const e of els) {
    const texts = [e, ...e.children].map(x => flat(x.textContent));
    const own = texts.slice(1).find(t => t && !/\d/.test(t)) || texts.slice(1).find(Boolean) || texts[0];
    labels.push(own.slice(0, 60));
    if (texts.some(t => re.test(t))) {
      hits++;
      if (!picked) picked = spec.value ? e.querySelector(spec.value) : (e.lastElementChild || e);
    }
  }
  return {count: hits, rows: els.length, labels, text: picked ? read(picked, spec.attribute) : null,
          rects: picked ? [rect(picked)] : [], tag: picked ? picked.tagName.toLowerCase() : null, form: null};
}"""


@dataclass
class Look:
    """One role as the walk saw it. `count`: elements matched (rows whose label matches, for a
    labelled role); `status`: ok, missing, ambiguous (more than one; the first is used),
    unreadable (found, but its text is not what the profile says it is), unsafe (a place button
    whose request `safety.order_urls` does not cover), wrong (an error page of the profile that
    matches a page the store served fine), absent (not there, as expected) or skipped (not
    looked at: there was no enclosing element)."""

    key: str
    locator: str
    count: int = 0
    text: str | None = None
    value: str | None = None
    status: str = "ok"
    note: str = ""
    tries: list[str] = field(default_factory=list)
    rects: list[list[float]] = field(default_factory=list, repr=False)
    labels: list[str] = field(default_factory=list, repr=False)
    tag: str | None = field(default=None, repr=False)
    form: tuple[str, str] | None = field(default=None, repr=False)

    @property
    def problem(self) -> bool:
        return self.status in ("missing", "unreadable", "unsafe", "wrong")

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "locator": self.locator, "count": self.count, "text": self.text,
                "value": self.value, "status": self.status, "note": self.note, "tries": self.tries,
                "boxes": len([r for r in self.rects if r])}


def kind_of(role: str) -> str:
    """How a role's text is read: money, availability, date, quantity, state, click or text."""
    if role in MONEY_ROLES:
        return "money"
    if role in _DATE_ROLES:
        return "date"
    if role in ("availability", "quantity", "state"):
        return role
    if role in _CLICKED:
        return "click"
    return "text"


def parse_value(role: str, text: str, profile: StoreProfile) -> str:
    """The value the shopper would take from `text` for this role, as a short string; raises
    Unreadable as the shopper's readers do."""
    kind = kind_of(role)
    if kind == "money":
        money = read_money(text, profile.money)
        return f"{money.quantized()} {money.currency}"
    if kind == "availability":
        state = read_availability(text, profile.availability)
        return state.state + (f" ({state.count})" if state.count is not None else "")
    if kind == "date":
        return read_date(text).isoformat()
    if kind == "quantity":
        digits = re.sub(r"\D", "", text)
        if not digits:
            raise Unreadable(f"{text!r} has no number in it")
        return digits
    if kind == "state" and profile.status is not None:
        done = text.strip().lower() in {s.lower() for s in profile.status.delivered_states}
        return "delivered" if done else "not delivered yet"
    return text


def look(roles: Roles, key: str, find: Find, scope: Locator | None, profile: StoreProfile) -> Look:
    """Count, read and parse one role inside `scope` (the page when None)."""
    from playwright.sync_api import Error as PlaywrightError

    seen = Look(key, find.describe())
    try:
        if find.is_self:
            if scope is None:
                seen.status, seen.note = "missing", "an attribute-only role needs an enclosing element"
                return seen
            locator = scope.first
        else:
            locator = roles.locate(find.model_copy(update={"label": None, "value": None, "attribute": None}), scope)
        found = locator.evaluate_all(_LOOK, {"attribute": find.attribute, "label": find.label, "value": find.value})
    except PlaywrightError as exc:
        seen.status, seen.note = "missing", str(exc).strip().splitlines()[0]
        return seen
    seen.count, seen.rects, seen.tag = int(found["count"]), [r for r in found["rects"] if r], found["tag"]
    seen.form = tuple(found["form"]) if found.get("form") else None
    seen.labels = list(found.get("labels") or [])
    if seen.count == 0:
        seen.status = "missing"
        if find.label is not None:
            seen.note = f"{found['rows']} rows, none labelled /{find.label}/"
        return seen
    if seen.count > 1 and kind_of(key.rsplit(".", 1)[-1]) != "click":
        seen.status, seen.note = "ambiguous", f"{seen.count} match; the first is used"
    elif seen.count > 1:
        seen.note = f"{seen.count} match; the first is clicked"
    raw = found["text"]
    if raw is None:
        seen.status, seen.note = "unreadable", f"it has no attribute {find.attribute!r}"
        return seen
    flat = " ".join(str(raw).split())
    seen.text = flat
    value = find.value_of(flat)
    if value is None:
        seen.status, seen.note = "unreadable", f"its text does not match pattern {find.pattern!r}"
        return seen
    if kind_of(key.rsplit(".", 1)[-1]) == "click":
        seen.value = f"({seen.tag})"
        return seen
    try:
        seen.value = parse_value(key.rsplit(".", 1)[-1], value, profile)
    except Unreadable as exc:
        seen.status, seen.note = "unreadable", str(exc)
    if not value.strip():  # a name or code read as nothing: lines would match nothing, silently
        seen.status, seen.note = "unreadable", "it is empty: point at the element with the words"
    return seen


_OVERLAY = r"""(boxes) => {
  const old = document.getElementById('__keepword_overlay'); if (old) old.remove();
  const layer = document.createElement('div');
  layer.id = '__keepword_overlay';
  layer.style.cssText = 'position:absolute;left:0;top:0;width:0;height:0;z-index:2147483647;pointer-events:none';
  const colours = {ok: '#ff00ff', ambiguous: '#ff8c00', row: '#1e90ff', outcome: '#00a000'};
  for (const [x, y, w, h, label, status] of boxes) {
    const c = colours[status] || colours.ok;
    const box = document.createElement('div');
    box.style.cssText = `position:absolute;left:${x - 2}px;top:${y - 2}px;width:${w + 4}px;height:${h + 4}px;` +
      `border:3px solid ${c};box-sizing:border-box`;
    const tag = document.createElement('div');
    tag.className = '__keepword_label';
    tag.textContent = label;
    const top = status === 'row' ? y + h + 2 : Math.max(0, y - 18);  // rows labelled below, roles above
    tag.style.cssText = `position:absolute;left:${x - 2}px;top:${top}px;background:${c};color:#fff;` +
      'font:bold 11px/16px monospace;padding:0 4px;white-space:nowrap';
    layer.append(box, tag);
  }
  document.body.append(layer);
  return document.querySelectorAll('#__keepword_overlay .__keepword_label').length;  // in the page, not just built
}"""

_REMOVE = """() => { const o = document.getElementById('__keepword_overlay'); if (o) o.remove();
  return document.querySelectorAll('.__keepword_label').length; }"""


def overlay(page: Page, boxes: list[tuple[list[float], str, str]], path: str) -> int:
    """Screenshot the page (full length) into `path` with every box drawn and labelled, then
    take the boxes out again; returns how many labels were in the page when it was taken."""
    from playwright.sync_api import Error as PlaywrightError

    spec = [[*rect, label, status] for rect, label, status in boxes]
    try:
        drawn = int(page.evaluate(_OVERLAY, spec))
    except PlaywrightError:
        return 0
    try:
        page.screenshot(path=path, full_page=True, timeout=10_000)
    finally:
        left = int(page.evaluate(_REMOVE))
    if left:
        raise HarnessError(f"keepword walk: its overlay is still in the page after the screenshot ({left} labels)")
    return drawn
