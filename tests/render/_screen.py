"""A tiny terminal model for tests: applies the live region's erase sequence, drops colours."""

from __future__ import annotations

import io
import re
from typing import TextIO

from mistral_chat.render.console import Terminal

_SGR = re.compile(r"\x1b\[[0-9;]*m|\x1b\]8;[^\x1b]*\x1b\\")
_ERASE_UP = re.compile(r"\r\x1b\[(\d+)A\x1b\[J")


def visible(raw: str) -> str:
    """What stays on screen: erased lines removed, colours stripped, trailing spaces dropped."""
    text = ""
    pos = 0
    for match in _ERASE_UP.finditer(raw):
        text += raw[pos : match.start()]
        count = int(match.group(1))
        lines = text.split("\n")
        assert lines[-1] == "", "the live region is always erased from a line start"
        assert len(lines) > count, "erased more lines than were drawn"
        text = "\n".join(lines[: len(lines) - 1 - count]) + ("\n" if len(lines) - 1 > count else "")
        pos = match.end()
    text += raw[pos:]
    text = _SGR.sub("", text)
    assert "\x1b" not in text, f"unexpected escape sequence: {text[text.index(chr(27)) :][:20]!r}"
    return "\n".join(line.rstrip() for line in text.split("\n"))


def color_terminal(width: int = 80, height: int = 24) -> Terminal:
    return Terminal(
        stdout=io.StringIO(),
        stderr=io.StringIO(),
        stdout_isatty=True,
        stderr_isatty=True,
        color=True,
        stderr_color=True,
        width=width,
        height=height,
    )


def piped_terminal() -> Terminal:
    return Terminal(stdout=io.StringIO(), stderr=io.StringIO())


def written(stream: TextIO) -> str:
    """Everything written to a test terminal's stream."""
    assert isinstance(stream, io.StringIO)
    return stream.getvalue()
