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

_READ = """(e, attr) => {
  let v;
  if (attr) v = e.getAttribute(attr);
  else if (e.tagName === 'INPUT' || e.tagName === 'SELECT' || e.tagName === 'TEXTAREA') v = e.value;
  else v = e.textContent;
  return [v, e.outerHTML.slice(0, 1500)];
}"""

_READ_ROWS = """(rows, spec) => rows.map(row => {
  const out = {};
  for (const [key, css, attr] of spec) {
    const e = css ? row.querySelector(css) : row;
    if (!e) { out[key] = null; continue; }
    let v;
    if (attr) v = e.getAttribute(attr);
    else if (e.tagName === 'INPUT' || e.tagName === 'SELECT' || e.tagName === 'TEXTAREA') v = e.value;
    else v = e.textContent;
    out[key] = v;
  }
  out.__html = row.outerHTML.slice(0, 1500);
  return out;
})"""

_READ_MANY = """(root, spec) => {
  const out = {};
  for (const [key, css, attr] of spec) {
    const e = css ? (root || document).querySelector(css) : root;
    if (!e) { out[key] = null; continue; }
    let v;
    if (attr) v = e.getAttribute(attr);
    else if (e.tagName === 'INPUT' || e.tagName === 'SELECT' || e.tagName === 'TEXTAREA') v = e.value;
    else v = e.textContent;
    out[key] = v === null ? null : [v, e.outerHTML.slice(0, 1500)];
  }
  return out;
}"""

_SNAPSHOT = """(spec) => {
  const read = (e, attr) => {
    if (attr) return e.getAttribute(attr);
    if (e.tagName === 'INPUT' || e.tagName === 'SELECT' || e.tagName === 'TEXTAREA') return e.value;
    return e.textContent;
  };
  const root = spec.scope ? document.querySelector(spec.scope) : document;
  const out = {rows: [], singles: {}, jsonld: []};
  if (spec.row) {
    out.rows = Array.from(document.querySelectorAll(spec.row)).map(row => {
      const item = {__html: row.outerHTML.slice(0, 1500)};
      for (const [key, css, attr] of spec.inner) {
        const e = css ? row.querySelector(css) : row;
        item[key] = e ? read(e, attr) : null;
      }
      return item;
    });
  }
  for (const [key, css, attr] of spec.singles) {
    const e = root ? root.querySelector(css) : null;
    const v = e ? read(e, attr) : null;
    out.singles[key] = v === null ? null : [v, e.outerHTML.slice(0, 1500)];
  }
  if (spec.jsonld) out.jsonld = Array.from(document.querySelectorAll('script[type="application/ld+json"]')).map(s => s.textContent);
  return out;
}"""

_PLAYWRIGHT_ONLY = (">>", ":has-text", ":text", ":visible", "text=", "role=", "internal:", ":nth-match", "xpath=")


def plain_css(find: Find) -> bool:
    """True when the role is CSS a browser's querySelector (or an HTML parser) understands, or an
    attribute of the enclosing element: no Playwright extension (role=, text=, >>, :has-text)."""
    if find.is_self:
        return True
    css = find.css
    return css is not None and not any(mark in css for mark in _PLAYWRIGHT_ONLY)


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

        locator = self.locate(find, scope)
        if not find.is_self:
            locator = locator.first
        try:
            value, html = locator.evaluate(_READ, find.attribute, timeout=self.timeout if wait else 1)
        except PlaywrightError as exc:
            raise self.missing(where, find, f" ({_first_line(exc)})") from None
        if value is None:
            raise self.missing(where, find, f" (it has no attribute {find.attribute!r})")
        return " ".join(str(value).split()), str(html)

    def read_optional(self, where: str, find: Find | None, scope: Locator | None = None) -> tuple[str, str] | None:
        """Like `read`, but None (at once, no waiting) when the page has no such element."""
        if find is None:
            return None
        if not find.is_self and self.locate(find, scope).count() == 0:
            return None
        return self.read(where, find, scope)

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
            spec = [[k, f.css, f.attribute] for k, f in wanted.items()]
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
                if value is not None:
                    out[key] = (" ".join(str(value[0]).split()), str(value[1]))
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
            read = self.read_many(where, wanted, scope_locator, required=required)
            blocks = self.page.locator('script[type="application/ld+json"]').all_text_contents() if jsonld else []
            return rows, read, blocks
        spec = {
            "row": row.css if row is not None else None,
            "inner": [[k, None if f.is_self else f.css, f.attribute] for k, f in cells.items()],
            "singles": [[k, f.css, f.attribute] for k, f in wanted.items()],
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
                if key != "__html" and value is not None:
                    item[key] = " ".join(str(value).split())
        out: dict[str, tuple[str, str] | None] = {k: None for k in (singles or {})}
        for key, value in found["singles"].items():
            if value is not None:
                out[key] = (" ".join(str(value[0]).split()), str(value[1]))
        return rows, out, list(found["jsonld"])

    def present(self, find: Find | None) -> bool:
        return find is not None and self.locate(find).count() > 0

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
            spec = [[k, None if f.is_self else f.css, f.attribute] for k, f in wanted.items()]
            try:
                found: list[dict[str, Any]] = rows.evaluate_all(_READ_ROWS, spec)
            except PlaywrightError as exc:
                raise self.missing(where, row, f" ({_first_line(exc)})") from None
            for item in found:
                for key, value in list(item.items()):
                    if key != "__html" and value is not None:
                        item[key] = " ".join(str(value).split())
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
