"""A prompt template: ``{column}`` placeholders filled from each row; ``{{`` and ``}}`` for braces.

>>> t = Template("Summarise {title} in {{three}} words")
>>> t.columns
('title',)
>>> t.bind(["id", "title"])(["7", "Dune"])
'Summarise Dune in {three} words'
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from mistral_chat.errors import UsageError

__all__ = ["Template", "TemplateError", "as_text"]


class TemplateError(UsageError, ValueError):
    """A template that cannot be read, or a row that lacks one of its columns."""


def as_text(value: Any) -> str:
    """A field's value as it goes into a prompt: strings as they are, others as JSON."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False)


class Template:
    """A parsed template; ``flag`` names the option it came from, for messages."""

    def __init__(self, text: str, flag: str = "--prompt") -> None:
        self.text = text
        self.flag = flag
        # literal pieces and column names alternate: literal, column, literal, ...
        literals: list[str] = []
        columns: list[str] = []
        piece: list[str] = []
        i = 0
        while i < len(text):
            ch = text[i]
            if ch in "{}" and text[i : i + 2] == ch * 2:
                piece.append(ch)
                i += 2
                continue
            if ch == "}":
                raise TemplateError(
                    f"{flag} has a '}}' with no '{{' at character {i + 1}; write }}}} for a brace"
                )
            if ch == "{":
                end = text.find("}", i + 1)
                name = text[i + 1 : end] if end > 0 else ""
                if end < 0 or "{" in name:
                    raise TemplateError(
                        f"{flag} has a '{{' with no '}}' at character {i + 1}; "
                        "write {{ for a brace"
                    )
                if not name.strip():
                    raise TemplateError(
                        f"{flag} has an empty {{}} at character {i + 1}; name a column, "
                        "like {title}"
                    )
                literals.append("".join(piece))
                columns.append(name)
                piece = []
                i = end + 1
                continue
            piece.append(ch)
            i += 1
        literals.append("".join(piece))
        self._literals = literals
        self.columns = tuple(columns)
        # one %-format: the fastest way CPython fills a string from a row
        self._format = "%s".join(lit.replace("%", "%%") for lit in literals)

    def missing(self, available: Sequence[str]) -> list[str]:
        """The template's columns that ``available`` lacks, in template order."""
        have = set(available)
        return [c for c in dict.fromkeys(self.columns) if c not in have]

    def bind(self, header: Sequence[str]) -> Callable[[Sequence[str]], str]:
        """A renderer for CSV rows laid out as ``header``; every column must be in it."""
        missing = self.missing(header)
        if missing:
            raise TemplateError(self.missing_message(missing, header))
        position = {name: i for i, name in enumerate(header)}
        fmt = self._format
        if not self.columns:
            text = fmt % ()
            return lambda row: text
        if len(self.columns) == 1:
            index = position[self.columns[0]]
            return lambda row: fmt % (row[index],)
        getter = operator.itemgetter(*(position[c] for c in self.columns))
        return lambda row: fmt % getter(row)

    def render(self, row: Mapping[str, Any]) -> str:
        """Fill from a mapping (a JSONL object); KeyError names a missing column."""
        return self._format % tuple(as_text(row[c]) for c in self.columns)

    def missing_message(self, missing: Sequence[str], available: Sequence[str]) -> str:
        names = ", ".join(repr(c) for c in available) or "none"
        which = "column" if len(missing) == 1 else "columns"
        return (
            f"{self.flag} names the {which} {', '.join(repr(m) for m in missing)}, which the "
            f"input does not have (its columns: {names}); nothing was sent"
        )
