"""Locators checked without a browser: what a profile's selectors, roles and regexes must be.

A profile's locator string is a Playwright selector: parts joined by `>>`, each `engine=body`
(`text=Add`, `role=button[name="Add"]`, `xpath=//a`, `nth=0`...) or, with no engine, CSS with
Playwright's extensions (`:has-text("…")`, `:text-is()`, `:text-matches()`, `:visible`,
`:nth-match()`, `:right-of()` and the other layout pseudo-classes). The split into parts follows
Playwright's own rules (quotes protect `>>` and `=`); CSS is tokenised and parsed by cssselect,
and Playwright's pseudo-classes, whose arguments are text or selectors rather than CSS tokens,
are checked on their own and their inner selectors recursively. A pseudo-class cssselect parses
but Chromium does not know (`:hass-text`) is refused with the nearest known name.

`check_locator` is the validator of `keepword.locators.Find`, so every locator field, present
or added later, is checked when a profile loads. Everything here raises ValueError with a message that names the locator and what to fix;
pydantic turns it into `file:line: field: message`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

__all__ = ["ARIA_ROLES", "ENGINES", "check_css", "check_locator", "check_role", "check_selector"]

ENGINES = frozenset({
    "css", "text", "xpath", "role", "id", "data-testid", "data-test-id", "data-test", "nth", "visible",
    "_react", "_vue", "aria-ref",
})
"""Playwright's selector engines a profile may name (`internal:*` engines are accepted too)."""

ARIA_ROLES = frozenset({
    "alert", "alertdialog", "application", "article", "banner", "blockquote", "button", "caption", "cell",
    "checkbox", "code", "columnheader", "combobox", "complementary", "contentinfo", "definition",
    "deletion", "dialog", "directory", "document", "emphasis", "feed", "figure", "form", "generic", "grid",
    "gridcell", "group", "heading", "img", "insertion", "link", "list", "listbox", "listitem", "log",
    "main", "marquee", "math", "menu", "menubar", "menuitem", "menuitemcheckbox", "menuitemradio",
    "meter", "navigation", "none", "note", "option", "paragraph", "presentation", "progressbar", "radio",
    "radiogroup", "region", "row", "rowgroup", "rowheader", "scrollbar", "search", "searchbox",
    "separator", "slider", "spinbutton", "status", "strong", "subscript", "superscript", "switch", "tab",
    "table", "tablist", "tabpanel", "term", "textbox", "time", "timer", "toolbar", "tooltip", "tree",
    "treegrid", "treeitem",
})
"""The roles `role=` and `{role: ...}` may name: the WAI-ARIA roles of Playwright's `get_by_role`
(tests/test_hostile.py checks this list against the installed Playwright's)."""

_ROLE_OPTIONS = frozenset({"name", "checked", "disabled", "expanded", "include-hidden", "level", "pressed",
                           "selected"})
# Pseudo-classes Chromium (and Playwright's CSS engine) know, with no arguments or CSS-token ones.
_PSEUDO_CLASSES = frozenset({
    "active", "any-link", "autofill", "checked", "default", "defined", "dir", "disabled", "empty",
    "enabled", "first", "first-child", "first-of-type", "focus", "focus-visible", "focus-within",
    "fullscreen", "has", "host", "hover", "in-range", "indeterminate", "invalid", "is", "lang",
    "last-child", "last-of-type", "link", "modal", "not", "nth-child", "nth-last-child",
    "nth-last-of-type", "nth-of-type", "only-child", "only-of-type", "open", "optional", "out-of-range",
    "paused", "picture-in-picture", "placeholder-shown", "playing", "popover-open", "read-only",
    "read-write", "required", "root", "scope", "state", "target", "user-invalid", "user-valid", "valid",
    "visited", "where", "visible",
})
_TEXT_FUNCTIONS = {"has-text": 1, "text": 1, "text-is": 1, "text-matches": 2}  # Playwright: text arguments
_SELECTOR_FUNCTIONS = {  # their arguments are selectors (and a number for Playwright's)
    "nth-match", "right-of", "left-of", "above", "below", "near", "host", "host-context", "slotted",
    "-webkit-any", "-moz-any",
}
_SERIES = {"nth-child", "nth-last-child", "nth-of-type", "nth-last-of-type"}
_ENGINE_NAME = re.compile(r"^[a-zA-Z_0-9\-+:*]+$")
F = TypeVar("F")


def check_locator(find: F) -> F:
    """A locator model (the profile's `Find`) whose `css` parses and whose `role` exists."""
    css, role = getattr(find, "css", None), getattr(find, "role", None)
    if css is not None:
        check_selector(css)
    if role is not None:
        check_role(role)
    return find


def check_selector(selector: str) -> str:
    """`selector` if Playwright can parse it as written, else ValueError saying what is wrong."""
    if not selector.strip():
        raise ValueError("an empty locator; give CSS, text=..., role=... or a mapping")
    for engine, body in _parts(selector):
        try:
            _check_part(engine, body)
        except ValueError as exc:
            raise ValueError(f"locator {selector!r}: {exc}") from None
    return selector


def check_role(role: str) -> str:
    """`role` if it is an ARIA role Playwright's `get_by_role` knows."""
    if role not in ARIA_ROLES:
        close = difflib.get_close_matches(role, sorted(ARIA_ROLES), n=1)
        hint = f"did you mean {close[0]!r}?" if close else "e.g. button, link, heading, textbox"
        raise ValueError(f"{role!r} is not an ARIA role; {hint}")
    return role


def _parts(selector: str) -> Iterator[tuple[str, str]]:
    """Playwright's split of a selector into `>>` parts and each part's engine
    (parseSelectorString in Playwright's selectorParser.ts)."""
    index, start, quote = 0, 0, ""
    pieces = []
    while index < len(selector):
        char = selector[index]
        if char == "\\" and index + 1 < len(selector):
            index += 2
        elif quote and char == quote:
            quote = ""
            index += 1
        elif not quote and char in "\"'`":
            quote = char
            index += 1
        elif not quote and selector.startswith(">>", index):
            pieces.append(selector[start:index])
            index += 2
            start = index
        else:
            index += 1
    pieces.append(selector[start:])
    for raw in pieces:
        part = raw.strip()
        if not part:
            raise ValueError(f"locator {selector!r}: an empty part around `>>`")
        equals = part.find("=")
        if equals > 0 and _ENGINE_NAME.match(part[:equals].strip()):
            yield part[:equals].strip(), part[equals + 1:]
        elif len(part) > 1 and part[0] in "\"'" and part[-1] == part[0]:
            yield "text", part
        elif re.match(r"^\(*//", part) or part.startswith(".."):
            yield "xpath", part
        else:
            yield "css", part


def _check_part(engine: str, body: str) -> None:
    name = engine.removesuffix(":light")
    if name.startswith("internal:"):
        return
    if name not in ENGINES:
        close = difflib.get_close_matches(name, sorted(ENGINES), n=1)
        hint = f"did you mean {close[0]}=?" if close else "e.g. css=, text=, role=, xpath="
        raise ValueError(f"unknown selector engine {engine}=; {hint}")
    if not body.strip():
        raise ValueError(f"{engine}= needs something after the `=`")
    if name == "css":
        check_css(body)
    elif name == "role":
        _check_role_selector(body.strip())
    elif name == "nth" and not re.fullmatch(r"\s*-?\d+\s*", body):
        raise ValueError(f"nth={body} needs a whole number, e.g. nth=0 or nth=-1")
    elif name == "visible" and body.strip() not in ("true", "false"):
        raise ValueError(f"visible={body} needs true or false")


def _check_role_selector(body: str) -> None:
    found = re.match(r"[a-z]+", body)
    if found is None:
        raise ValueError(f"role={body} needs a role name first, e.g. role=button[name=\"Add\"]")
    check_role(found.group(0))
    rest = body[found.end():]
    if not rest.strip():
        return
    from cssselect import SelectorSyntaxError
    from cssselect.parser import tokenize

    # Options are `[name]` or `[name=value]`, the value quoted, a word, a number or a /regex/:
    # read with cssselect's tokenizer, not as CSS (CSS has no numbers or regexes there).
    try:
        tokens = [t for t in tokenize(rest) if t.type not in ("EOF", "S")]
    except SelectorSyntaxError as exc:
        raise ValueError(f"role={body}: {exc}") from None
    index = 0
    while index < len(tokens):
        opening = tokens[index]
        if (opening.type, opening.value) != ("DELIM", "[") or index + 1 >= len(tokens) or tokens[index + 1].type != "IDENT":
            raise ValueError(f"role={body}: options go in brackets, e.g. role=button[name=\"Add\"]")
        option = str(tokens[index + 1].value)
        if option not in _ROLE_OPTIONS:
            raise ValueError(f"role={body}: [{option}] is not a role option; use {', '.join(sorted(_ROLE_OPTIONS))}")
        index += 2
        while index < len(tokens) and (tokens[index].type, tokens[index].value) != ("DELIM", "]"):
            index += 1
        if index == len(tokens):
            raise ValueError(f"role={body}: [{option} is never closed")
        index += 1


def check_css(css: str) -> None:
    """CSS with Playwright's extensions, or ValueError."""
    import cssselect
    from cssselect.parser import parse_series, tokenize

    text = css
    try:
        tokens = [t for t in tokenize(css) if t.type != "EOF"]
    except cssselect.SelectorSyntaxError as exc:
        raise ValueError(f"not a CSS selector ({exc}); check brackets and quotes") from None
    cuts: list[tuple[int, int]] = []
    i = 0
    while i < len(tokens) - 2:
        colon, name, paren = tokens[i], tokens[i + 1], tokens[i + 2]
        is_function = (colon.type, colon.value, name.type, paren.type, paren.value) == \
            ("DELIM", ":", "IDENT", "DELIM", "(")
        name_text = str(name.value).lower()
        if not is_function or not (name_text in _TEXT_FUNCTIONS or name_text in _SELECTOR_FUNCTIONS
                                   or (name_text in _SERIES and _has_of(tokens, i + 3))):
            i += 1
            continue
        close = _closing(tokens, i + 2)
        if close is None:
            raise ValueError(f":{name_text}( is never closed")
        args = css[int(paren.pos) + 1:int(tokens[close].pos)]
        _check_function(name_text, args, tokens[i + 3:close], int(paren.pos) + 1, parse_series)
        cuts.append((int(colon.pos), int(tokens[close].pos) + 1))
        i = close + 1
    for begin, end in reversed(cuts):  # a known argument-less pseudo-class stands in for each
        text = text[:begin] + ":visible" + text[end:]
    try:
        parsed = cssselect.parse(text)
    except cssselect.SelectorSyntaxError as exc:
        raise ValueError(f"not a CSS selector ({exc}); check brackets and quotes") from None
    for selector in parsed:
        if selector.pseudo_element is not None:
            element = selector.pseudo_element
            element_name = getattr(element, "name", element)
            raise ValueError(f"::{element_name} is a pseudo-element, which a locator cannot find")
    for node in _nodes(parsed):
        kind = type(node).__name__
        pseudo = node.ident if kind == "Pseudo" else node.name if kind == "Function" else None
        if pseudo is None:
            continue
        pseudo = str(pseudo).lower()
        if pseudo not in _PSEUDO_CLASSES and not pseudo.startswith("-"):
            close_names = difflib.get_close_matches(pseudo, sorted(_PSEUDO_CLASSES | set(_TEXT_FUNCTIONS)), n=1)
            hint = f"did you mean :{close_names[0]}?" if close_names else "check its spelling"
            raise ValueError(f"unknown pseudo-class :{pseudo}; {hint}")
        if kind == "Function" and pseudo in _SERIES:
            try:
                parse_series(node.arguments)
            except ValueError:
                raise ValueError(f":{pseudo}() needs An+B, odd or even") from None


def _has_of(tokens: Sequence[Any], start: int) -> bool:
    depth = 0
    for token in tokens[start:]:
        if token.type == "DELIM" and token.value == "(":
            depth += 1
        elif token.type == "DELIM" and token.value == ")":
            if depth == 0:
                return False
            depth -= 1
        elif depth == 0 and token.type == "IDENT" and str(token.value).lower() == "of":
            return True
    return False


def _closing(tokens: Sequence[Any], open_index: int) -> int | None:
    depth = 0
    for index in range(open_index, len(tokens)):
        token = tokens[index]
        if token.type == "DELIM" and token.value == "(":
            depth += 1
        elif token.type == "DELIM" and token.value == ")":
            depth -= 1
            if depth == 0:
                return index
    return None


def _split_arguments(args: str, tokens: Sequence[Any], offset: int) -> list[str]:
    """The text of each top-level comma-separated argument."""
    pieces, start, depth = [], 0, 0
    for token in tokens:
        if token.type != "DELIM":
            continue
        if token.value in "([":
            depth += 1
        elif token.value in ")]":
            depth -= 1
        elif token.value == "," and depth == 0:
            pieces.append(args[start:int(token.pos) - offset])
            start = int(token.pos) - offset + 1
    pieces.append(args[start:])
    return [p.strip() for p in pieces]


def _check_function(name: str, args: str, tokens: Sequence[Any], offset: int, parse_series: Any) -> None:
    pieces = _split_arguments(args, tokens, offset)
    if name in _TEXT_FUNCTIONS:
        if not 1 <= len(pieces) <= _TEXT_FUNCTIONS[name] or not pieces[0]:
            raise ValueError(f":{name}() takes {'a text' if _TEXT_FUNCTIONS[name] == 1 else 'a pattern and flags'}, "
                             f"e.g. :{name}(\"Add to basket\")")
        return
    if name in _SERIES:
        series, _, of = args.partition(" of ")
        from cssselect.parser import tokenize

        try:
            parse_series([t for t in tokenize(series) if t.type not in ("EOF", "S")])
        except ValueError:
            raise ValueError(f":{name}({args}) needs An+B, odd or even before `of`") from None
        check_css(of)
        return
    selectors = pieces
    if name in {"nth-match", "right-of", "left-of", "above", "below", "near"} and len(pieces) > 1:
        if not re.fullmatch(r"\d+", pieces[-1]):
            raise ValueError(f":{name}({args}): the last argument must be a whole number")
        selectors = pieces[:-1]
    elif name == "nth-match":
        raise ValueError(f":nth-match({args}) needs a selector and a number, e.g. :nth-match(.card, 2)")
    for inner in selectors:
        if not inner:
            raise ValueError(f":{name}() needs a selector inside")
        check_selector(inner)


def _nodes(tree: Any) -> Iterator[Any]:
    """Every node of a cssselect parse tree, whatever its class."""
    stack = list(tree) if isinstance(tree, list | tuple) else [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, list | tuple):
            stack.extend(node)
            continue
        if not type(node).__module__.startswith("cssselect"):
            continue
        yield node
        for value in vars(node).values() if hasattr(node, "__dict__") else ():
            if isinstance(value, list | tuple) or type(value).__module__.startswith("cssselect"):
                stack.append(value)
