"""YAML loading that knows where every value came from, so errors can name file, line and field.

Every scenario, store profile and store config is read here: `yaml.SafeLoader` only (no Python
objects from YAML), duplicate keys refused (YAML would silently keep the last), and pydantic
validation whose first error becomes one line:

    scenarios/acme.yaml:12: pages.basket.total: Field required

Models should set `model_config = ConfigDict(extra="forbid")` so a misspelt key is an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar

import yaml
from pydantic import AfterValidator, BaseModel, ValidationError

from keepword.errors import BadInput

__all__ = ["Document", "LocaleName", "known_locale", "load_document", "load_model"]

M = TypeVar("M", bound=BaseModel)


def known_locale(value: str) -> str:
    """A CLDR locale name Babel knows (en_GB, ru_RU, uk_UA); money is read and written in it."""
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(value)
    except (UnknownLocaleError, ValueError):
        raise ValueError(f"unknown locale {value!r}; use a CLDR name such as en_GB, ru_RU or uk_UA") from None
    return value


LocaleName = Annotated[str, AfterValidator(known_locale)]
"""A locale field in any YAML model, checked against Babel's CLDR data."""
Path_ = tuple[str | int, ...]


class Document:
    """A parsed YAML file with the line of every key and item, for precise error messages."""

    def __init__(self, path: Path, data: Any, lines: dict[Path_, int]) -> None:
        self.path = path
        self.data = data
        self._lines = lines

    def __repr__(self) -> str:
        return f"<Document {self.path}>"

    def line_of(self, where: Sequence[str | int]) -> int:
        """The line of `where`, or of its nearest ancestor that is in the file (missing fields)."""
        key = tuple(where)
        while key:
            if key in self._lines:
                return self._lines[key]
            key = key[:-1]
        return self._lines.get((), 1)

    def section(self, at: Sequence[str | int]) -> Any:
        data = self.data
        for part in at:
            try:
                data = data[part]
            except (KeyError, IndexError, TypeError):
                raise self.error(at, "missing section") from None
        return data

    def error(self, where: Sequence[str | int], message: str) -> BadInput:
        """A BadInput naming this file, the line of `where`, and the field path."""
        field = ".".join(str(p) for p in where) or "(top)"
        return BadInput(f"{self.path}:{self.line_of(where)}: {field}: {message}")

    def validate(self, model: type[M], *, at: Sequence[str | int] = (), context: dict[str, Any] | None = None) -> M:
        """Validate the section at `at` (the whole file by default) against a pydantic model."""
        data = self.section(at)
        try:
            return model.model_validate(data, context={"document": self, **(context or {})})
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
            first = errors[0]
            loc = tuple(at) + tuple(p for p in first["loc"] if not _is_union_tag(p))
            message = _message(first)
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            raise self.error(loc, message + more) from None


def _is_union_tag(part: str | int) -> bool:
    # pydantic puts the tried union member ("function-after[...]", "str") into loc; users never wrote it
    return isinstance(part, str) and ("[" in part or part in {"str", "int", "float", "list", "dict"})


def _message(error: Any) -> str:
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        return "unknown key; check its spelling against the documented keys"
    if kind == "missing":
        return "required field is missing"
    msg = str(error.get("msg", "invalid"))
    got = error.get("input")
    if kind not in ("value_error",) and not isinstance(got, dict | list) and got is not None:
        msg += f" (got {got!r})"
    return msg


def load_document(path: str | Path) -> Document:
    """Read a YAML file into a Document; syntax errors and duplicate keys become BadInput."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInput(f"{p}: no such file; check the path (relative paths start from the current directory)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"{p}: cannot read: {exc}") from None
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = exc.problem or exc.context or "YAML syntax error"
        raise BadInput(f"{p}:{line}: YAML syntax error: {problem}") from None
    except yaml.YAMLError as exc:
        raise BadInput(f"{p}: YAML error: {exc}") from None
    finally:
        loader.dispose()
    lines: dict[Path_, int] = {}
    if node is not None:
        _walk(p, node, (), lines)
    if data is None:
        raise BadInput(f"{p}:1: the file is empty; see the README for an example")
    return Document(p, data, lines)


def _walk(path: Path, node: yaml.Node, where: Path_, lines: dict[Path_, int]) -> None:
    lines.setdefault(where, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                field = ".".join(str(x) for x in (*where, key))
                raise BadInput(f"{path}:{key_node.start_mark.line + 1}: {field}: duplicate key")
            seen.add(key)
            lines[(*where, key)] = key_node.start_mark.line + 1
            _walk(path, value_node, (*where, key), lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(path, item, (*where, index), lines)


def load_model(path: str | Path, model: type[M], *, at: Sequence[str | int] = ()) -> M:
    """Load a YAML file and validate it (or its section `at`) against `model`."""
    return load_document(path).validate(model, at=at)
