"""Page roles: the profile's locators made into Playwright locators, and read.

Reading a role returns its value text and an HTML snippet (evidence) in one round trip. Rows of
a repeated element (cards, basket lines, shipping options) are read in one `evaluate_all` when
every inner role is plain CSS, which keeps a journey close to the cost of a bare script; other
locators (role=, text=, Playwright's CSS extensions) fall back to one read per element.
A role that matches nothing within the profile's timeout raises HarnessError naming the role,
the locator and the page, never a guess.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from keepword.errors import HarnessError
from keepword.profile import Find

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

__all__ = ["Roles", "plain_css"]

# One page-side reader for every plain locator: `read` takes an element's value (an attribute,
# a form field's value, or its text); `pick` finds a locator's element under a root, and for a
# labelled locator the first match whose own text or a child's text is the label (the value is
# then its `value` part, or its last child).
_PRELUDE = """
  const read = (e, attr) => {
    if (attr) return e.getAttribute(attr);
    if (e.tagName === 'INPUT' || e.tagName === 'SELECT' || e.tagName === 'TEXTAREA') return e.value;
    return e.textContent;
  };
  const pick = (root, css, label, value) => {
    if (!root) return null;
    if (!css) return root;
    if (label === null || label === undefined) return root.querySelector(css);
    const re = new RegExp('^(?:' + label + ')$', 'i');
    for (const e of root.querySelectorAll(css)) {
      const texts = [e, ...e.children].map(x => (x.textContent || '').replace(/\\s+/g, ' ').trim());
      if (texts.some(t => re.test(t))) return value ? e.querySelector(value) : (e.lastElementChild || e);
    }
    return null;
  };
"""

_READ = """(e, attr) => {""" + _PRELUDE + """
  return [read(e, attr), e.outerHTML.slice(0, 1500)];
}"""

_READ_ROWS = """(rows, spec) => {""" + _PRELUDE + """
  return rows.map(row => {
    const out = {};
    for (const [key, css, attr, label, value] of spec) {
      const e = pick(row, css, label, value);
      out[key] = e ? read(e, attr) : null;
    }
    out.__html = row.outerHTML.slice(0, 1500);
    return out;
  });
}"""

_READ_MANY = """(root, spec) => {""" + _PRELUDE + """
  const out = {};
  for (const [key, css, attr, label, value] of spec) {
    const e = css ? pick(root || document, css, label, value) : root;
    const v = e ? read(e, attr) : null;
    out[key] = v === null ? null : [v, e.outerHTML.slice(0, 1500)];
  }
  return out;
}"""

_SNAPSHOT = """(spec) => {""" + _PRELUDE + """
  const root = spec.scope ? document.querySelector(spec.scope) : document;
  const out = {rows: [], singles: {}, jsonld: []};
  if (spec.row) {
    out.rows = Array.from(document.querySelectorAll(spec.row)).map(row => {
      const item = {__html: row.outerHTML.slice(0, 1500)};
      for (const [key, css, attr, label, value] of spec.inner) {
        const e = pick(row, css, label, value);
        item[key] = e ? read(e, attr) : null;
      }
      return item;
    });
  }
  for (const [key, css, attr, label, value] of spec.singles) {
    const e = pick(root, css, label, value);
    const v = e ? read(e, attr) : null;
    out.singles[key] = v === null ? null : [v, e.outerHTML.slice(0, 1500)];
  }
  if (spec.jsonld) out.jsonld = Array.from(document.querySelectorAll('script[type="application/ld+json"]')).map(s => s.textContent);
  return out;
}"""


def plain_css(find: Find) -> bool:
    """True when the role is CSS a browser's querySelector (or an HTML parser) understands, or an
    attribute of the enclosing element: no Playwright extension (role=, text=, >>, :has-text)."""
    return find.plain


def _spec(key: str, find: Find) -> list[Any]:
    """A plain locator as the page scripts take it: [key, css, attribute, label, value]."""
    return [key, None if find.is_self else find.css, find.attribute, find.label, find.value]


def _value(find: Find, text: Any) -> str | None:
    """The text read, whitespace folded, and cut to the locator's `pattern` if it has one."""
    if text is None:
        return None
    return find.value_of(" ".join(str(text).split()))


class Roles:
    """Builds and reads the locators of one page; `where` names the role in messages."""

    def __init__(self, page: Page, timeout_ms: int, profile_name: str = "profile") -> None:
        self.page = page
        self.timeout = timeout_ms
        self.profile_name = profile_name

    def __repr__(self) -> str:
        return f"<Roles {self.page.url}>"

    def locate(self, find: Find, scope: Locator | Page | None = None) -> Locator:
        """The Playwright locator for a role, inside `scope` (the page by default)."""
        base: Any = scope if scope is not None else self.page
        if find.is_self:
            if scope is None:
                raise HarnessError(f"{self.profile_name}: an attribute-only locator needs an enclosing element")
            return base  # type: ignore[no-any-return]
        if find.css:
            return base.locator(find.css)  # type: ignore[no-any-return]
        if find.role:
            return base.get_by_role(find.role, name=find.name, exact=find.exact)  # type: ignore[no-any-return]
        if find.text:
            return base.get_by_text(find.text, exact=find.exact)  # type: ignore[no-any-return]
        return base.get_by_test_id(find.testid)  # type: ignore[no-any-return]

    def missing(self, where: str, find: Find, detail: str = "") -> HarnessError:
        path = self.page.url
        return HarnessError(
            f"{self.profile_name}: {where}: no element matched `{find.describe()}` on {path}{detail}; "
            "check the selector or re-record the profile",
            url=path,
        )

    def read(self, where: str, find: Find, scope: Locator | None = None, *, wait: bool = True) -> tuple[str, str]:
        """(value, html) of the first element of a role; waits up to the profile's timeout."""
        from playwright.sync_api import Error as PlaywrightError

        if find.label is not None:
            return self._read_labelled(where, find, scope, wait=wait)
        locator = self.locate(find, scope)
        if not find.is_self:
            locator = locator.first
        try:
            value, html = locator.evaluate(_READ, find.attribute, timeout=self.timeout if wait else 1)
        except PlaywrightError as exc:
            raise self.missing(where, find, f" ({_first_line(exc)})") from None
        if value is None:
            raise self.missing(where, find, f" (it has no attribute {find.attribute!r})")
        text = _value(find, value)
        if text is None:
            raise self.missing(where, find, f" (its text {' '.join(str(value).split())!r} does not match "
                                            f"pattern {find.pattern!r})")
        return text, str(html)

    def _read_labelled(self, where: str, find: Find, scope: Locator | None, *, wait: bool) -> tuple[str, str]:
        """A labelled row's value: waits for the rows, then picks by label in the page."""
        from playwright.sync_api import Error as PlaywrightError

        assert find.css is not None
        rows = self.locate(find.model_copy(update={"label": None, "value": None, "attribute": None}), scope)
        try:
            rows.first.wait_for(state="attached", timeout=self.timeout if wait else 1)
        except PlaywrightError as exc:
            raise self.missing(where, find, f" ({_first_line(exc)})") from None
        root = scope.first if scope is not None else None
        script = f"([root, spec]) => ({_READ_MANY})(root, spec)"
        found = self.page.evaluate(script, [root.element_handle() if root is not None else None,
                                            [_spec("v", find)]])["v"]
        text = _value(find, found[0]) if found is not None else None
        if text is None:
            raise self.missing(where, find, " (no such label among them)" if found is None else
                               f" (its text does not match pattern {find.pattern!r})")
        return text, str(found[1])

    def read_optional(self, where: str, find: Find | None, scope: Locator | None = None) -> tuple[str, str] | None:
        """Like `read`, but None (at once, no waiting) when the page has no such element."""
        if find is None:
            return None
        if not find.is_self and self.locate(find.model_copy(update={"label": None, "value": None}),
                                            scope).count() == 0:
            return None
        try:
            return self.read(where, find, scope, wait=find.label is None)
        except HarnessError:
            if find.label is not None or find.pattern is not None:
                return None  # the rows are there, but not this label (or not this pattern)
            raise

    def read_many(
        self,
        where: str,
        finds: Mapping[str, Find | None],
        scope: Locator | None = None,
        *,
        required: tuple[str, ...] = (),
    ) -> dict[str, tuple[str, str] | None]:
        """Several roles of one page in one round trip when they are plain CSS: {name: (value,
        html) or None}. A `required` role that is not there yet is read again with waiting, so
        it still raises HarnessError naming the role if it never comes."""
        wanted = {k: f for k, f in finds.items() if f is not None}
        out: dict[str, tuple[str, str] | None] = {k: None for k in finds}
        if all(plain_css(f) and not f.is_self for f in wanted.values()):
            spec = [_spec(k, f) for k, f in wanted.items()]
            if scope is None:
                found = self.page.evaluate(f"spec => ({_READ_MANY})(null, spec)", spec)
            else:
                from playwright.sync_api import Error as PlaywrightError

                try:
                    found = scope.first.evaluate(_READ_MANY, spec, timeout=self.timeout)
                except PlaywrightError as exc:
                    raise HarnessError(f"{self.profile_name}: {where}: the enclosing element never appeared on "
                                       f"{self.page.url} ({_first_line(exc)})", url=self.page.url) from None
            for key, value in found.items():
                text = _value(wanted[key], value[0]) if value is not None else None
                if text is not None:
                    out[key] = (text, str(value[1]))
        else:
            for key, find in wanted.items():
                out[key] = self.read_optional(f"{where}.{key}", find, scope)
        for key in required:
            if out.get(key) is None and key in wanted:
                out[key] = self.read(f"{where}.{key}", wanted[key], scope)
        return out

    def snapshot(
        self,
        where: str,
        *,
        row: Find | None = None,
        inner: Mapping[str, Find | None] | None = None,
        singles: Mapping[str, Find | None] | None = None,
        scope: Find | None = None,
        required: tuple[str, ...] = (),
        rows_required: bool = True,
        jsonld: bool = False,
    ) -> tuple[list[dict[str, Any]], dict[str, tuple[str, str] | None], list[str]]:
        """Rows, single roles and JSON-LD blocks of the current page in ONE round trip when all
        locators are plain CSS (the common case), else role by role. Required singles and rows
        that are not there yet are waited for, and raise HarnessError if they never come."""
        cells = {k: f for k, f in (inner or {}).items() if f is not None}
        wanted = {k: f for k, f in (singles or {}).items() if f is not None}
        plain = (
            (row is None or (plain_css(row) and not row.is_self))
            and all(plain_css(f) for f in cells.values())
            and all(plain_css(f) and not f.is_self for f in wanted.values())
            and (scope is None or (plain_css(scope) and not scope.is_self))
        )
        if not plain:
            scope_locator = self.locate(scope) if scope is not None else None
            rows = self.rows(where, row, cells, wait=rows_required) if row is not None else []
            read = self.read_many(where, dict(singles or {}), scope_locator, required=required)  # every key, None too
            blocks = self.page.locator('script[type="application/ld+json"]').all_text_contents() if jsonld else []
            return rows, read, blocks
        spec = {
            "row": row.css if row is not None else None,
            "inner": [_spec(k, f) for k, f in cells.items()],
            "singles": [_spec(k, f) for k, f in wanted.items()],
            "scope": scope.css if scope is not None else None,
            "jsonld": jsonld,
        }
        found = self.page.evaluate(_SNAPSHOT, spec)
        missing_rows = row is not None and rows_required and not found["rows"]
        missing = [k for k in required if k in wanted and found["singles"].get(k) is None]
        if missing_rows or missing:  # not rendered yet (or gone): wait the Playwright way, once
            if missing_rows:
                assert row is not None
                self.rows(where, row, cells)
            scope_locator = self.locate(scope) if scope is not None else None
            for key in missing:
                self.read(f"{where}.{key}", wanted[key], scope_locator)
            found = self.page.evaluate(_SNAPSHOT, spec)
        rows = found["rows"]
        for item in rows:
            for key, value in list(item.items()):
                if key != "__html":
                    item[key] = _value(cells[key], value)
        out: dict[str, tuple[str, str] | None] = {k: None for k in (singles or {})}
        for key, value in found["singles"].items():
            text = _value(wanted[key], value[0]) if value is not None else None
            if text is not None:
                out[key] = (text, str(value[1]))
        return rows, out, list(found["jsonld"])

    def present(self, find: Find | None) -> bool:
        if find is None:
            return False
        if find.label is not None:
            return self.read_optional("present", find) is not None
        return self.locate(find).count() > 0

    def rows(self, where: str, row: Find, inner: Mapping[str, Find | None], *, wait: bool = True) -> list[dict[str, Any]]:
        """Every element of a repeated role, each read into {name: value text or None, __html}.

        With `wait`, waits for a first row and raises HarnessError if none comes; without, a
        page with no such rows gives an empty list at once."""
        from playwright.sync_api import Error as PlaywrightError

        rows = self.locate(row)
        if wait:
            try:
                rows.first.wait_for(state="attached", timeout=self.timeout)
            except PlaywrightError as exc:
                raise self.missing(where, row, f" ({_first_line(exc)})") from None
        wanted = {k: f for k, f in inner.items() if f is not None}
        if all(plain_css(f) for f in wanted.values()):
            spec = [_spec(k, f) for k, f in wanted.items()]
            try:
                found: list[dict[str, Any]] = rows.evaluate_all(_READ_ROWS, spec)
            except PlaywrightError as exc:
                raise self.missing(where, row, f" ({_first_line(exc)})") from None
            for item in found:
                for key, value in list(item.items()):
                    if key != "__html":
                        item[key] = _value(wanted[key], value)
            return found
        out = []
        for element in rows.all():
            cell: dict[str, Any] = {"__html": element.evaluate("e => e.outerHTML.slice(0, 1500)")}
            for key, find in wanted.items():
                read = self.read_optional(f"{where}.{key}", find, element)
                cell[key] = read[0] if read else None
            out.append(cell)
        return out


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
