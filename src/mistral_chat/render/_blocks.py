"""Split markdown that arrives in chunks into top-level blocks, without rendering anything.

A block is *finished* when nothing that arrives later can change how it renders:

- a fenced code block (```` ``` ```` or ``~~~``) at its closing fence, never earlier;
- a heading (ATX ``# x`` or setext ``x`` + ``===``) and a thematic break at their newline;
- a paragraph, table or block quote at the blank line after it;
- a list or an indented code block at the first non-blank line after a blank line that does not
  continue it (a loose list's next item, or an indented continuation, keeps it open).

Merging two blocks into one is always safe (they are then rendered together), so the rules err
on the side of merging; splitting inside a construct would change its rendering.

    >>> [b.kind for b in split_blocks("# Title\\n\\nSome *text*.\\n\\n```py\\nx = 1\\n```\\n")]
    ['heading', 'para', 'fence']
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["Block", "BlockSplitter", "OpenFence", "split_blocks"]

_FENCE_OPEN = re.compile(r"^( {0,3})(`{3,}|~{3,})(.*)$")
_ATX_HEADING = re.compile(r"^ {0,3}#{1,6}(?:[ \t]|$)")
_SETEXT_UNDERLINE = re.compile(r"^ {0,3}(?:=+|-+)[ \t]*$")
_THEMATIC_BREAK = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_LIST_MARKER = re.compile(r"^ {0,3}(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)")


@dataclass(frozen=True, slots=True)
class Block:
    """One finished top-level block: its markdown source (no trailing newline) and its kind.

    Kinds: ``fence``, ``heading``, ``hr``, ``list``, ``icode`` (indented code), ``para``
    (paragraphs, tables, block quotes and anything else).
    """

    text: str
    kind: str


@dataclass(slots=True)
class OpenFence:
    """A fenced code block that has opened and not yet closed (for incremental code output)."""

    indent: int
    char: str
    length: int
    info: str
    lines: list[str] = field(default_factory=list)  # complete code lines, opening line excluded

    @property
    def lexer_name(self) -> str:
        return self.info.strip().partition(" ")[0] or "text"

    def closes(self, line: str) -> bool:
        stripped = line.rstrip(" \t")
        body = stripped.lstrip(" ")
        if len(stripped) - len(body) > 3 or len(body) < self.length:
            return False
        return body == self.char * len(body)


def _is_blank(line: str) -> bool:
    return not line.strip(" \t")


def _fence_open(line: str) -> OpenFence | None:
    match = _FENCE_OPEN.match(line)
    if match is None:
        return None
    indent, marks, info = match.groups()
    if marks[0] == "`" and "`" in info:
        return None  # not a fence: an inline code span
    return OpenFence(len(indent), marks[0], len(marks), info)


class BlockSplitter:
    """Incremental splitter: ``feed`` chunks, get back the blocks each chunk finished.

    Work is linear in the input: every character is scanned a bounded number of times.

        >>> s = BlockSplitter()
        >>> s.feed("Hello wor")
        []
        >>> s.feed("ld.\\n\\nNext")
        [Block(text='Hello world.', kind='para')]
        >>> s.tail()
        'Next'
        >>> s.close()
        [Block(text='Next', kind='para')]
    """

    def __init__(self) -> None:
        self._partial = ""  # the current line, not yet ended by a newline
        self._held_cr = False  # a chunk ended in "\r": it may be half of "\r\n"
        self._lines: list[str] = []  # complete lines of the open block
        self._kind: str | None = None  # kind of the open block, None between blocks
        self._blank_run = 0  # blank lines seen after an open list or indented code block
        self.fence: OpenFence | None = None  # set while a top-level fence is open
        self._closed = False

    # -- public -------------------------------------------------------------------------------
    def feed(self, chunk: str) -> list[Block]:
        """Take the next piece of text; return the blocks it finished, in order."""
        if self._closed:
            raise ValueError("feed() after close()")
        if self._held_cr:
            chunk = "\r" + chunk
            self._held_cr = False
        if chunk.endswith("\r"):
            self._held_cr = True
            chunk = chunk[:-1]
        if "\r" in chunk:
            chunk = chunk.replace("\r\n", "\n").replace("\r", "\n")
        done: list[Block] = []
        start = 0
        while True:
            end = chunk.find("\n", start)
            if end < 0:
                self._partial += chunk[start:]
                return done
            line = self._partial + chunk[start:end]
            self._partial = ""
            self._line(line, done)
            start = end + 1

    def close(self) -> list[Block]:
        """End of input: finish whatever is open (an unclosed fence runs to the end)."""
        if self._closed:
            return []
        self._closed = True
        done: list[Block] = []
        if self._partial or self._held_cr:
            line, self._partial, self._held_cr = self._partial, "", False
            self._line(line, done)
        self._finish(done)
        return done

    def tail(self) -> str:
        """Source of the unfinished part: the open block plus the current partial line."""
        if not self._lines:
            return self._partial
        return "\n".join(self._lines) + "\n" + self._partial

    @property
    def partial(self) -> str:
        """The current line, not yet ended by a newline."""
        return self._partial

    @property
    def open_kind(self) -> str | None:
        return self._kind

    # -- line handling ------------------------------------------------------------------------
    def _finish(self, done: list[Block], kind: str | None = None) -> None:
        if self._lines and self._kind is not None:
            done.append(Block("\n".join(self._lines), kind or self._kind))
        self._lines = []
        self._kind = None
        self._blank_run = 0
        self.fence = None

    def _start(self, line: str, kind: str) -> None:
        self._lines = [line]
        self._kind = kind

    def _line(self, line: str, done: list[Block]) -> None:
        if self._kind == "fence":
            self._fence_line(line, done)
        elif _is_blank(line):
            if self._kind in ("list", "icode"):
                self._blank_run += 1  # the next non-blank line decides whether it goes on
            elif self._kind is not None:
                self._finish(done)
        elif self._blank_run:
            if self._continues_after_blank(line):
                self._lines.extend([""] * self._blank_run)
                self._lines.append(line)
                self._blank_run = 0
            else:
                self._finish(done)
                self._new_line(line, done)
        else:
            self._new_line(line, done)

    def _fence_line(self, line: str, done: list[Block]) -> None:
        fence = self.fence
        assert fence is not None
        self._lines.append(line)
        if fence.closes(line):
            self._finish(done)
        else:
            fence.lines.append(line)

    def _continues_after_blank(self, line: str) -> bool:
        if self._kind == "icode":
            return line.startswith(("    ", "\t"))
        return line[0] in " \t" or _LIST_MARKER.match(line) is not None

    def _new_line(self, line: str, done: list[Block]) -> None:
        kind = self._kind
        if kind == "list" and line[0] in " \t":
            self._lines.append(line)  # indented content of a list item, even a heading or fence
            return
        fence = _fence_open(line)
        if fence is not None:
            self._finish(done)
            self._start(line, "fence")
            self.fence = fence
            return
        if _ATX_HEADING.match(line):
            self._finish(done)
            done.append(Block(line, "heading"))
            return
        if kind == "para" and _SETEXT_UNDERLINE.match(line):
            self._lines.append(line)
            self._finish(done, "heading")
            return
        if _THEMATIC_BREAK.match(line):
            self._finish(done)
            done.append(Block(line, "hr"))
            return
        if kind is None:
            if _LIST_MARKER.match(line):
                self._start(line, "list")
            elif line.startswith(("    ", "\t")):
                self._start(line, "icode")
            else:
                self._start(line, "para")
            return
        if kind == "para" and _LIST_MARKER.match(line):
            self._kind = "list"  # a list interrupting a paragraph: keep them together
        elif kind == "icode" and not line.startswith(("    ", "\t")):
            self._finish(done)  # a paragraph cannot continue an indented code block
            self._start(line, "list" if _LIST_MARKER.match(line) else "para")
            return
        self._lines.append(line)


def split_blocks(text: str) -> list[Block]:
    """Split a finished text into its top-level blocks."""
    splitter = BlockSplitter()
    return splitter.feed(text) + splitter.close()
