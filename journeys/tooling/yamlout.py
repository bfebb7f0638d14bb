"""Writing a drafted profile as YAML a person reads: keys in the profile's order, a comment on
each guessed key saying where it came from, and each key the draft could not fill written as a
commented-out line with a TODO, so the file says itself what is left.

Values are written by PyYAML (`safe_dump`, flow style for mappings), so quoting is always
right; only the layout and the comments are ours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

__all__ = ["Doc", "Entry"]


def _flow(value: Any) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, width=10_000, allow_unicode=True, sort_keys=False)
    return text.strip().removesuffix("...").strip()


@dataclass
class Entry:
    """One key: its value (a scalar, a mapping written in flow style, a list of actions, or a
    nested Doc), the comment after it, and whether it is a TODO (written commented out)."""

    key: str
    value: Any = None
    comment: str = ""
    todo: bool = False


@dataclass
class Doc:
    """An ordered mapping of entries, with a comment above it."""

    comment: str = ""
    entries: list[Entry] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"<Doc {[e.key for e in self.entries]}>"

    def set(self, key: str, value: Any, comment: str = "") -> None:
        """Set a key's value and comment, in its place if it has one, else last."""
        for entry in self.entries:
            if entry.key == key:
                entry.value, entry.comment, entry.todo = value, comment, False
                return
        self.entries.append(Entry(key, value, comment))

    def todo(self, key: str, comment: str, example: Any = "...") -> None:
        """A key the draft could not fill: written commented out, with what to put there."""
        self.set(key, example, comment)
        next(e for e in self.entries if e.key == key).todo = True

    def remark(self, text: str) -> None:
        """A comment line among the keys (an optional key worth knowing about)."""
        self.entries.append(Entry("", None, text))

    def drop(self, key: str) -> None:
        self.entries = [e for e in self.entries if e.key != key or not key]

    def get(self, key: str) -> Any:
        return next((e.value for e in self.entries if e.key == key and not e.todo), None)

    def section(self, key: str, comment: str = "") -> Doc:
        """The nested Doc at `key`, made if missing."""
        found = self.get(key)
        if isinstance(found, Doc):
            return found
        doc = Doc(comment)
        self.set(key, doc)
        return doc

    def todos(self, prefix: str = "") -> list[str]:
        """Dotted names of every TODO key, nested ones included."""
        out: list[str] = []
        for entry in self.entries:
            if not entry.key:
                continue
            name = f"{prefix}{entry.key}"
            if entry.todo:
                out.append(name)
            elif isinstance(entry.value, Doc):
                out.extend(entry.value.todos(name + "."))
        return out

    def render(self, indent: int = 0) -> str:
        return "\n".join(self._lines(indent)) + "\n"

    def _lines(self, indent: int) -> list[str]:
        pad = " " * indent
        lines = [f"{pad}# {line}" for line in self.comment.splitlines() if self.comment]
        for entry in self.entries:
            if not entry.key:
                lines.append(f"{pad}# {entry.comment}")
                continue
            note = f"  # {entry.comment}" if entry.comment else ""
            mark = "# " if entry.todo else ""
            if entry.todo:
                note = f"  # TODO: {entry.comment}"
            if isinstance(entry.value, Doc):
                if entry.value.comment:
                    lines.extend(f"{pad}# {line}" for line in entry.value.comment.splitlines())
                empty = not any(e.key and not e.todo for e in entry.value.entries)
                lines.append(f"{pad}{mark}{entry.key}:{' {}' if empty else ''}{note}")
                inner = Doc("", entry.value.entries)._lines(indent + 2)
                lines.extend(f"{pad}# {line.lstrip()}" if entry.todo else line for line in inner)
            elif isinstance(entry.value, list) and entry.value and all(isinstance(v, dict) for v in entry.value):
                lines.append(f"{pad}{mark}{entry.key}:{note}")
                for raw in entry.value:
                    item = {k: v for k, v in raw.items() if k != "#"}
                    tail = f"  # {raw['#']}" if raw.get("#") else ""
                    text = _flow(item)
                    text = text[1:-1].strip() if len(item) == 1 else text  # `- fill: {...}`, `- {if_url: .., then: [..]}`
                    lines.append(f"{pad}{mark}  - {text}{tail}")
            else:
                lines.append(f"{pad}{mark}{entry.key}: {_flow(entry.value)}{note}")
        return lines
