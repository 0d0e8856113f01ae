"""The one object that owns stdout, stderr and what the terminal can do (httpie's Environment).

Interfaces (``cli``, ``repl``) build one ``Terminal`` per process and pass it down; tests build
one over ``io.StringIO``. Importing this module does not import rich: rich consoles are built on
first use, so ``--help`` stays fast.

    >>> import io
    >>> term = Terminal(stdout=io.StringIO(), stderr=io.StringIO())
    >>> term.error("no API key found; run `mistral-chat auth login`")
    >>> term.stderr.getvalue()
    'error: no API key found; run `mistral-chat auth login`\\n'
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["CODE_THEMES", "Terminal", "background", "color_allowed", "shown_controls", "word_wrap"]

# What a terminal would obey in server or history text, and what is shown instead: C0 controls
# as the symbols that picture them (ESC -> U+241B), DEL as U+2421, C1 controls (0x9B is a CSI on
# some terminals) and the bidi embeddings, overrides and isolates that reorder a line (U+202E
# "Trojan Source") as their code point, e.g. <U+202E>. Tab and newline stay; a carriage return
# stays only before a newline (alone it moves the cursor back over what the line showed).
_BIDI = (*range(0x202A, 0x202F), *range(0x2066, 0x206A))
_SHOWN: dict[int, str] = {c: chr(0x2400 + c) for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)}
_SHOWN[0x7F] = "\u2421"
_SHOWN.update({c: f"<U+{c:04X}>" for c in (*range(0x80, 0xA0), *_BIDI)})
# one-line text (a table cell, an id, a file name): line breaks and tabs are shown too
_SHOWN_ONE_LINE = {**_SHOWN, 0x09: "\u2409", 0x0A: "\u240a", 0x0D: "\u240d"}
_LONE_CR = re.compile(r"\r(?!\n)")
# what json.dumps(ensure_ascii=False) leaves raw inside strings and a terminal would obey
_JSON_ESCAPES = {c: f"\\u{c:04x}" for c in (0x7F, *range(0x80, 0xA0), *_BIDI)}


#: code blocks' colours (pygments styles, each painting its own background) by terminal
#: background; `auto` reads COLORFGBG ("15;0": light text on black) when the terminal sets it
CODE_THEMES = {"dark": "monokai", "light": "friendly"}
#: rich's markdown styles that assume a dark background (cyan, bright blue), for a light one
_LIGHT_STYLES = {
    "markdown.code": "bold dark_red on grey93",
    "markdown.code_block": "dark_red on grey93",
    "markdown.list": "blue",
    "markdown.item.number": "blue",
    "markdown.link": "blue",
    "markdown.table.border": "blue",
    "markdown.table.header": "not bold blue",
    "markdown.kbd": "bold dark_orange3",
}


def background(theme: str, environ: dict[str, str] | os._Environ[str] | None = None) -> str:
    """``dark`` or ``light``: the theme asked for, or for ``auto`` the terminal's background
    as COLORFGBG tells it (rxvt, Konsole, iTerm2 set it), dark when it does not say.

    >>> background("auto", {"COLORFGBG": "0;15"}), background("auto", {})
    ('light', 'dark')
    """
    if theme in CODE_THEMES:
        return theme
    env = os.environ if environ is None else environ
    last = env.get("COLORFGBG", "").rpartition(";")[2]
    return "light" if last in ("7", "15") else "dark"


def shown_controls(text: str, *, one_line: bool = False) -> str:
    """Text from a server, a model or the history, made safe for a terminal: escape sequences
    and other control characters are shown, never obeyed (they could clear the screen, retitle
    the window or write the clipboard), and bidi overrides are shown as their code point.

    The one function every interface uses for text it did not write itself (`Terminal.out`,
    `err_line`, tables and markdown call it on a terminal). ``one_line`` also shows line
    breaks and tabs, for a value that must stay on its line.

    >>> shown_controls("a\\x1b[2Jb\\n")
    'a\u241b[2Jb\\n'
    >>> shown_controls("invoice\\u202efdp.exe")
    'invoice<U+202E>fdp.exe'
    """
    if one_line:
        return text.translate(_SHOWN_ONE_LINE)
    shown = text.translate(_SHOWN)
    return _LONE_CR.sub("\u240d", shown) if "\r" in shown else shown


def _writable(text: str) -> str:
    r"""`text`, with the bytes of a file name that is not UTF-8 (which Python keeps as lone
    surrogates, and no stream can encode) written as escapes.

    >>> _writable("saved caf\udce9.md")
    'saved caf\\xe9.md'
    """
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raw = text.encode("utf-8", "surrogateescape")
        return raw.decode("utf-8", "backslashreplace")
    return text


def _cells(text: str) -> int:
    if text.isascii():
        return len(text)
    from rich.cells import cell_len  # wide (CJK) characters take two cells

    return cell_len(text)


def word_wrap(text: str, width: int) -> str:
    r"""``text`` with each line longer than ``width`` cells broken between words; a word
    longer than a line (a URL, an id, a path) stays whole on a line of its own.

    >>> word_wrap("error: the answer was cut at the max_tokens limit", 24)
    'error: the answer was\ncut at the max_tokens\nlimit'
    """
    out: list[str] = []
    for line in text.split("\n"):
        if _cells(line) <= width:
            out.append(line)
            continue
        current = ""
        for word in line.split(" "):
            if current and _cells(current) + 1 + _cells(word) > width:
                out.append(current)
                current = word
            else:
                current = f"{current} {word}" if current else word
        out.append(current)
    return "\n".join(out)


def color_allowed(no_color: bool, environ: dict[str, str] | os._Environ[str] | None = None) -> bool:
    """Whether colour and escape codes are allowed at all: not ``--no-color``, ``NO_COLOR``
    (any value, even empty) or ``TERM=dumb``."""
    env = os.environ if environ is None else environ
    return not (no_color or "NO_COLOR" in env or env.get("TERM") == "dumb")


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # detached or closed streams
        return False


@dataclass
class Terminal:
    """stdout, stderr and their capabilities. Defaults describe a pipe: no tty, no colour.

    ``color`` means stdout may carry escape codes (a tty, and colour allowed); ``stderr_color``
    is the same for stderr, so a spinner can run while stdout is redirected to a file.
    """

    stdout: TextIO
    stderr: TextIO
    stdout_isatty: bool = False
    stderr_isatty: bool = False
    color: bool = False
    stderr_color: bool = False
    width: int = 80
    height: int = 24
    track_size: bool = False
    """``refresh_size()`` follows the real window (a terminal that can be resized)."""
    theme: str = "auto"
    """The ``theme`` setting: colours for a ``dark`` or ``light`` background, or ``auto``."""
    _rich_out: Console | None = field(default=None, init=False, repr=False, compare=False)
    _rich_err: Console | None = field(default=None, init=False, repr=False, compare=False)

    @classmethod
    def from_process(cls, no_color: bool = False) -> Terminal:
        """The real process's streams; ``no_color`` is the ``--no-color`` flag."""
        allowed = color_allowed(no_color)
        out_tty, err_tty = _isatty(sys.stdout), _isatty(sys.stderr)
        size = shutil.get_terminal_size(fallback=(80, 24))
        return cls(
            stdout=sys.stdout,
            stderr=sys.stderr,
            stdout_isatty=out_tty,
            stderr_isatty=err_tty,
            color=allowed and out_tty,
            stderr_color=allowed and err_tty,
            width=max(size.columns, 20),
            height=max(size.lines, 5),
            track_size=out_tty,
        )

    def refresh_size(self) -> None:
        """Read the window's size again (it may have been resized since the last drawing);
        rich consoles follow. Call it before drawing something that fills the width."""
        if not self.track_size:
            return
        size = shutil.get_terminal_size(fallback=(self.width, self.height))
        width, height = max(size.columns, 20), max(size.lines, 5)
        if (width, height) == (self.width, self.height):
            return
        self.width, self.height = width, height
        for console in (self._rich_out, self._rich_err):
            if console is not None:
                console.size = (width, height)

    # -- plain writes -------------------------------------------------------------------------
    # Everything written here may hold a server's or the history's words: on a terminal it goes
    # through `shown_controls`; into a pipe or a file it is written byte for byte.
    def out(self, text: str, end: str = "\n") -> None:
        """Write text to stdout (followed by ``end``) and flush; on a terminal, control
        characters in it are shown, never obeyed."""
        if self.stdout_isatty:
            text = shown_controls(text)
        self.stdout.write(_writable(text) + end)
        self.stdout.flush()

    def control(self, sequence: str) -> None:
        """An escape sequence mistral-chat composed itself (OSC 52 for /copy), written as is:
        the one way past `shown_controls`, never for text a server or the history holds."""
        self.stdout.write(sequence)
        self.stdout.flush()

    def say(self, text: str) -> None:
        """A message for a person on stdout: on a terminal, broken between words to fit the
        window (the terminal itself would cut words in two); piped, written as it is."""
        self.out(self._wrapped(text, self.stdout_isatty))

    def err_line(self, text: str, end: str = "\n") -> None:
        """Write one line to stderr (``end=""`` for a question): words for a person, so on a
        terminal they are shown, never obeyed, and broken between words where the line is
        wider than the window."""
        if self.stderr_isatty:
            text = shown_controls(text)
        self.stderr.write(_writable(self._wrapped(text, self.stderr_isatty)) + end)
        self.stderr.flush()

    def _wrapped(self, text: str, tty: bool) -> str:
        if not tty:
            return text
        self.refresh_size()
        return word_wrap(text, self.width)

    def error(self, message: str) -> None:
        """The one-line failure message: ``error: ...`` on stderr (a server's words in it are
        shown, never obeyed, on a terminal)."""
        self.err_line(f"error: {message}")

    def warning(self, message: str) -> None:
        self.err_line(f"warning: {message}")

    def json(self, obj: Any) -> None:
        """Exactly one JSON document, then a newline, on stdout. On a terminal, the characters
        JSON may carry raw that a terminal would obey (C1 controls, bidi overrides) are written
        as ``\\uXXXX`` escapes: the same JSON value, shown."""
        text = json.dumps(obj, ensure_ascii=False, indent=2)
        if self.stdout_isatty:
            text = text.translate(_JSON_ESCAPES)
        self.stdout.write(text + "\n")
        self.stdout.flush()

    # -- rich ---------------------------------------------------------------------------------
    @property
    def code_theme(self) -> str:
        """The pygments style code blocks are drawn in, for this terminal's background."""
        return CODE_THEMES[background(self.theme)]

    def rich_out(self) -> Console:
        """A rich Console on stdout; it emits escape codes only when ``color`` is set."""
        if self._rich_out is None:
            self._rich_out = self._make_console(self.stdout, self.color)
        return self._rich_out

    def rich_err(self) -> Console:
        """A rich Console on stderr; it emits escape codes only when ``stderr_color`` is set."""
        if self._rich_err is None:
            self._rich_err = self._make_console(self.stderr, self.stderr_color)
        return self._rich_err

    def _make_console(self, stream: TextIO, color: bool) -> Console:
        from rich.console import Console
        from rich.theme import Theme

        light = color and background(self.theme) == "light"
        return Console(
            theme=Theme(_LIGHT_STYLES) if light else None,
            file=stream,
            force_terminal=color,  # False: never a terminal, whatever FORCE_COLOR or isatty say
            no_color=not color,
            color_system="auto" if color else None,
            width=self.width,
            height=self.height,
            highlight=False,
            emoji=False,
            legacy_windows=False,
            soft_wrap=False,
        )
