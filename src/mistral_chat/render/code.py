"""The fenced code blocks of a markdown answer, for `ask -x` and the REPL's `/copy N`.

A fence opens on a line of three or more backticks or tildes, at any indentation (models put
code inside list items), and closes on a line of the same character, at least as long, with
nothing else on it. The code is the lines between, less the opening fence's indentation. A
fence still open at the end of the text is returned with ``closed=False``: the answer was cut
there (or the model forgot to close it).

    >>> [(b.language, b.code) for b in code_blocks("Run:\\n\\n```sh\\nls -l\\n```\\n")]
    [('sh', 'ls -l\\n')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["CodeBlock", "code_blocks"]

_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")


@dataclass(frozen=True)
class CodeBlock:
    """One fenced block: its code (each line ending in a newline) and its info string's first
    word (``""`` when none)."""

    code: str
    language: str
    closed: bool = True

    @property
    def lines(self) -> int:
        return self.code.count("\n")


def code_blocks(text: str) -> list[CodeBlock]:
    """Every fenced code block of ``text``, in order."""
    blocks: list[CodeBlock] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        opened = _OPEN.match(lines[i])
        i += 1
        if opened is None:
            continue
        fence, info = opened["fence"], opened["info"].strip()
        if fence[0] == "`" and "`" in info:
            continue  # an inline code span, not a fence
        indent = len(opened["indent"].expandtabs(4))
        code: list[str] = []
        closed = False
        while i < len(lines):
            line = lines[i]
            i += 1
            if _closes(line, fence):
                closed = True
                break
            code.append(_dedent(line, indent))
        language = info.split()[0] if info else ""
        blocks.append(CodeBlock("".join(f"{line}\n" for line in code), language, closed))
    return blocks


def _closes(line: str, fence: str) -> bool:
    body = line.strip()
    return len(body) >= len(fence) and body == fence[0] * len(body)


def _dedent(line: str, indent: int) -> str:
    """Remove up to ``indent`` columns of leading whitespace (the fence's own indentation)."""
    expanded = line.expandtabs(4) if line[:1] == "\t" else line
    strip = len(expanded) - len(expanded.lstrip(" "))
    return expanded[min(strip, indent) :]
