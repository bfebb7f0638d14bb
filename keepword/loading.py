"""YAML loading that knows where every value came from, so errors can name file, line and field.

Every scenario, store profile and store config is read here: `yaml.SafeLoader` only (no Python
objects from YAML), duplicate keys refused (YAML would silently keep the last), and pydantic
validation whose first error becomes one line:

    scenarios/acme.yaml:12: pages.basket.total: Field required

Models should set `model_config = ConfigDict(extra="forbid")` so a misspelt key is an error.

Reading is bounded in time and memory whatever the file holds: at most MAX_BYTES of text, and
the parsed nodes are walked once (an alias is not walked again) to count the values the file
stands for, so an alias bomb is refused before anything is built from it.
"""

from __future__ import annotations

import importlib
import os
import stat
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar

import yaml
from pydantic import AfterValidator, BaseModel, ValidationError

from keepword.errors import BadInput

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_VALUES",
    "Document",
    "LocaleName",
    "deepest_folder",
    "first_bad_utf8_line",
    "first_line",
    "import_object",
    "known_locale",
    "load_document",
    "load_model",
    "regular_file",
    "replaceable",
]

M = TypeVar("M", bound=BaseModel)

MAX_BYTES = 1_000_000
"""The largest YAML file keepword reads; the bundled ones are under 7 kB."""
MAX_VALUES = 100_000
"""The most values (keys, items, scalars) a file may stand for once its aliases are expanded:
a 400-byte "billion laughs" stands for billions, and validating it would never end."""
MAX_DEPTH = 64
"""The deepest nesting of mappings and lists; the bundled files go 6 levels deep."""

# libyaml's parser when installed: about ten times faster, and it refuses runaway nesting itself.
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
    msg = str(error.get("msg", "invalid")).removeprefix("Value error, ")  # pydantic's, not ours
    got = error.get("input")
    if kind not in ("value_error",) and not isinstance(got, dict | list) and got is not None:
        msg += f" (got {got!r})"
    return msg


def load_document(path: str | Path) -> Document:
    """Read a YAML file into a Document; syntax errors, duplicate keys and files too big to be
    keepword's (see MAX_BYTES, MAX_VALUES, MAX_DEPTH) become BadInput."""
    p = Path(path)
    text = _read_text(p)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        lines: dict[Path_, int] = {}
        if node is not None:
            # Before constructing anything: the walk refuses alias bombs in time and memory
            # proportional to the text, whereas building or validating them is exponential.
            _walk(p, node, (), lines, {}, set())
        data = _construct(p, loader, node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = exc.problem or exc.context or "YAML syntax error"
        raise BadInput(f"{p}:{line}: YAML syntax error: {problem}") from None
    except yaml.reader.ReaderError as exc:  # a character YAML forbids (NUL, other control characters)
        line = text[: exc.position].count("\n") + 1
        raise BadInput(f"{p}:{line}: a control character (U+{exc.character:04X}) that YAML does not allow; "
                       "remove it (is this a text file?)") from None
    except yaml.YAMLError as exc:
        raise BadInput(f"{p}: YAML error: {' '.join(str(exc).split())}") from None
    except RecursionError:  # the pure-Python parser (no libyaml) recurses once per nesting level
        raise BadInput(f"{p}: nested more than {MAX_DEPTH} levels deep; keepword's YAML files are "
                       "flat: check the brackets and indentation") from None
    finally:
        loader.dispose()
    if data is None:
        raise BadInput(f"{p}:1: the file is empty; see the README for an example")
    return Document(p, data, lines)


def regular_file(p: Path, *, missing: str, wanted: str) -> os.stat_result:
    """`p`'s stat if it is a regular file keepword may read whole, else BadInput: a FIFO would
    block and /dev/zero never ends. `missing` says what to do when there is no such file,
    `wanted` what to give instead ("the path of a YAML file")."""
    try:
        info = p.stat()
    except FileNotFoundError:
        raise BadInput(f"{p}: no such file; {missing}") from None
    except OSError as exc:
        raise BadInput(f"{p}: cannot read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        raise BadInput(f"{p}: not a regular file; {wanted}")
    return info


def first_line(p: Path) -> str:
    """The first line of a regular file, read in bounded memory; "" for anything else (a FIFO,
    a device, a dangling link, a file that is not UTF-8). An output keepword may replace is one
    whose first line is keepword's own header."""
    try:
        if not stat.S_ISREG(p.stat().st_mode):
            return ""
        with p.open("rb") as handle:
            head = handle.readline(65_536)
        return head.decode("utf-8").rstrip("\r\n")
    except (OSError, UnicodeDecodeError):
        return ""


def replaceable(p: Path, ours: Callable[[str], bool]) -> bool:
    """Whether keepword may write over `p`: nothing is there, an empty file (`mktemp`), or a file
    whose first line `ours` knows as the header keepword writes there. Never a user's file."""
    if not (p.exists() or p.is_symlink()):
        return True
    if p.is_file() and p.stat().st_size == 0:
        return True
    return ours(first_line(p))


def deepest_folder(path: Path) -> Path:
    """The deepest folder that exists on the way to `path` (`path` itself if it is one): where
    keepword would make the rest. ValueError, in words naming the folder, when a file stands
    where a folder should be, or a folder on the way may not be looked in (Python 3.11's stat
    raises there)."""
    found = Path(path.anchor or ".")
    for folder in (*reversed(path.parents), path):
        try:
            there, is_dir = folder.exists(), folder.is_dir()
        except OSError as exc:  # its parent, which was there, may not be looked in
            raise ValueError(f"cannot look in {folder.parent}: {exc.strerror or exc}") from None
        if not there:
            break
        if not is_dir:
            raise ValueError(f"{folder} is a file, not a folder")
        found = folder
    return found


def first_bad_utf8_line(path: Path) -> int:
    """The line the first byte that is not UTF-8 is on, read in bounded pieces: a text reader
    decodes in blocks, so its own line count is ahead of the bad byte (feeds and replayed logs)."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    with path.open("rb") as raw:
        while piece := raw.read(65_536):
            for at in range(0, len(piece), 4096):
                chunk = piece[at:at + 4096]
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    return line + chunk[:max(exc.start, 0)].count(b"\n")
                line += chunk.count(b"\n")
    return line


def _read_text(p: Path) -> str:
    """The file's text, read only if it is a regular file of at most MAX_BYTES of UTF-8."""
    regular_file(p, missing="check the path (relative paths start from the current directory)",
                 wanted="give the path of a YAML file")
    try:
        with p.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise BadInput(f"{p}: cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        raise BadInput(f"{p}:1: the file is over {MAX_BYTES:,} bytes, the limit for keepword's YAML; "
                       "is it the right file? A scenario or profile is a few kilobytes")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise BadInput(f"{p}:{line}: not UTF-8 text (byte {exc.start}); save the file as UTF-8") from None


def _construct(p: Path, loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    """The Python values of the document; a scalar PyYAML cannot convert (a 5,000-digit number,
    the date 2026-13-45) is named by its line, found by converting the scalars one by one."""
    try:
        return loader.construct_document(node)
    except (ValueError, TypeError, OverflowError) as exc:
        line = _first_bad_scalar(node)
        reason = str(exc).split(";")[0]  # Python's own advice (sys.set_int_max_str_digits) is not the user's
        raise BadInput(f"{p}:{line}: cannot read this value: {reason}; check it") from None


def _first_bad_scalar(root: yaml.Node) -> int:
    constructor = yaml.constructor.SafeConstructor()
    stack, seen = [root], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            try:
                constructor.construct_object(node)
            except Exception:
                return int(node.start_mark.line) + 1
        elif isinstance(node, yaml.MappingNode):
            stack.extend(n for pair in reversed(node.value) for n in reversed(pair))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))
    return int(root.start_mark.line) + 1


def _walk(
    path: Path, node: yaml.Node, where: Path_, lines: dict[Path_, int], sizes: dict[int, int], active: set[int],
    used_at: int | None = None,
) -> int:
    """Record the line of every key and item, once per node: an alias is the node it names, so
    it is not walked again. Returns how many values `node` stands for with aliases expanded
    (memoised, so a billion laughs costs one pass over the text), refusing more than MAX_VALUES."""
    if id(node) in sizes:
        return sizes[id(node)]
    line = int(node.start_mark.line) + 1
    field = ".".join(str(x) for x in where[:8]) + (".…" if len(where) > 8 else "") or "(top)"
    if id(node) in active:  # named at the alias, not at the anchor it points back to
        raise BadInput(f"{path}:{used_at or line}: {field}: an alias refers to the value it is inside of; "
                       "write the value out instead")
    if len(where) > MAX_DEPTH:
        raise BadInput(f"{path}:{line}: {field}: nested more than {MAX_DEPTH} levels deep; "
                       "keepword's YAML files are flat: check the indentation")
    lines.setdefault(where, line)
    active.add(id(node))
    size = 1
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            key_line = int(key_node.start_mark.line) + 1
            if not isinstance(key_node, yaml.ScalarNode):
                raise BadInput(f"{path}:{key_line}: {field}: a key must be a plain name, not a list or mapping")
            if key_node.tag in ("tag:yaml.org,2002:null", "tag:yaml.org,2002:bool"):  # `~:`, `yes:`, `off:`
                dotted = ".".join(str(x) for x in (*where, key_node.value or "~"))
                raise BadInput(f"{path}:{key_line}: {dotted}: YAML reads this key as "
                               f"{'null' if key_node.tag.endswith('null') else 'true or false'}, not a name; "
                               f"quote it ('{key_node.value}':) or check its spelling")
            key = key_node.value
            if key in seen:
                dotted = ".".join(str(x) for x in (*where, key))
                raise BadInput(f"{path}:{key_line}: {dotted}: duplicate key")
            seen.add(key)
            lines[(*where, key)] = key_line
            size += 1 + _walk(path, value_node, (*where, key), lines, sizes, active, key_line)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            size += _walk(path, item, (*where, index), lines, sizes, active)
    active.discard(id(node))
    if size > MAX_VALUES:
        raise BadInput(f"{path}:{line}: {field}: holds {size:,} values once its aliases (*name) are "
                       f"expanded, over keepword's limit of {MAX_VALUES:,}; write the values out or use "
                       "fewer aliases")
    sizes[id(node)] = size
    return size


def load_model(path: str | Path, model: type[M], *, at: Sequence[str | int] = ()) -> M:
    """Load a YAML file and validate it (or its section `at`) against `model`."""
    return load_document(path).validate(model, at=at)


def import_object(spec: str, *, folder: Path | None = None, what: str = "name") -> Any:
    """The object a file names as "package.module:name" (a journey, a hooks class), imported
    from `folder` (the folder of the file that names it) first, then from PYTHONPATH, so a
    scenario's own journeys work from any working directory. Any failure, including an error
    inside the module, is one BadInput line."""
    module_name, _, attr = spec.partition(":")
    if folder is not None and str(folder) not in sys.path:
        sys.path.insert(0, str(folder))  # kept: the module may import its neighbours later
    where = f"{folder} and PYTHONPATH" if folder is not None else "PYTHONPATH"
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # a user's module can raise anything while it is imported
        detail = str(exc).splitlines()[0] if str(exc) else ""
        raise BadInput(f"{what} {spec}: cannot import {module_name} (looked in {where}): "
                       f"{type(exc).__name__}: {detail}") from None
    if not attr or not hasattr(module, attr):
        raise BadInput(f"{what} {spec}: cannot import {attr or 'a name after the colon'} from "
                       f"{module_name}; check the spelling (package.module:name)")
    return getattr(module, attr)
