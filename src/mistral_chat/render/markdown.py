"""Markdown on the terminal: once for a finished text, or live while an answer streams in.

How the streaming renderer stays linear in the answer's length:

- ``BlockSplitter`` cuts the text into top-level blocks. A finished block is rendered once,
  printed, and never touched again.
- Only the unfinished tail is *live*: it is redrawn in place (cursor up, erase down), at most
  ``refresh_per_second`` times a second, from at most about a screenful of its source. It is
  drawn as plain wrapped text (cheap), and rendered as markdown once, when it is finished:
  re-rendering markdown 12 times a second would cost several times the whole answer.
- An open code fence is printed line by line: completed code lines are highlighted (with a few
  earlier lines as lexer context) and printed once; only the last lines stay live. A 300-line
  code block therefore costs about what it costs to render it once.

``render_work`` counts the characters handed to rich's markdown/syntax renderer, and
``preview_work`` those of the plain-text live previews, so tests can check linearity without
timing anything.

    >>> import io
    >>> from mistral_chat.render.console import Terminal
    >>> term = Terminal(stdout=io.StringIO(), stderr=io.StringIO())  # a pipe
    >>> with StreamingMarkdown(term) as md:
    ...     md.feed("# Hi")
    ...     md.feed("\\n")
    >>> term.stdout.getvalue()  # piped: the text itself, byte for byte
    '# Hi\\n'
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING

from mistral_chat.render._blocks import Block, BlockSplitter, OpenFence
from mistral_chat.render.console import CODE_THEMES, Terminal, shown_controls

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

__all__ = ["CODE_THEME", "StreamingMarkdown", "render_markdown"]

#: code blocks' colours on a dark background (`Terminal.code_theme` picks per background)
CODE_THEME = CODE_THEMES["dark"]
_LEXER_CONTEXT_LINES = 4  # earlier code lines re-lexed so a line's highlighting has context
_ERASE_DOWN = "\x1b[J"
_SGR = re.compile(r"\x1b\[[0-9;]*m")


def render_markdown(terminal: Terminal, text: str) -> None:
    """Render a finished markdown text once. Without colour, write the text as it is."""
    if terminal.stdout_isatty:
        text = shown_controls(text)  # shown, never obeyed
    if not terminal.color:
        terminal.out(text, end="" if text.endswith("\n") else "\n")
        return
    from rich.markdown import Markdown

    terminal.refresh_size()

    console = terminal.rich_out()
    console.print(Markdown(text, code_theme=terminal.code_theme))
    console.file.flush()


def _wrap_ascii(lines: list[str], width: int) -> list[str] | None:
    """Word-wrap plain ASCII lines to ``width`` (None when a line is not ASCII: cell widths
    then need rich). Cheap on purpose: the live tail is wrapped many times a second."""
    import textwrap

    out: list[str] = []
    for line in lines:
        if not line.isascii():
            return None
        if len(line) <= width:
            out.append(line.rstrip())
        else:
            out.extend(textwrap.wrap(line, width, break_on_hyphens=False) or [""])
    return out


def _fold_ascii(lines: list[str], width: int) -> list[str] | None:
    """Cut plain ASCII lines at ``width`` columns (None when a line is not ASCII)."""
    out: list[str] = []
    for line in lines:
        if not line.isascii():
            return None
        out.extend([line[i : i + width] for i in range(0, len(line), width)] or [""])
    return out


def _capture(console: Console, renderable: RenderableType) -> str:
    with console.capture() as capture:
        console.print(renderable)
    return capture.get()


class StreamingMarkdown:
    """Render markdown that arrives chunk by chunk.

    ``live=None`` (the default) animates when stdout is a colour terminal and otherwise writes
    the chunks straight through. ``live=False`` always writes them straight through.
    ``live=True`` on a terminal that cannot animate prints each block, rendered, once it is
    finished. ``clock`` and ``refresh_per_second`` exist for tests and benchmarks
    (``refresh_per_second=None``: redraw the live tail after every chunk).

        sm = StreamingMarkdown(terminal)
        with sm:
            for chunk in stream:
                sm.feed(chunk)
    """

    def __init__(
        self,
        terminal: Terminal,
        live: bool | None = None,
        *,
        refresh_per_second: float | None = 12.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.terminal = terminal
        terminal.refresh_size()  # the window may have been resized since the last answer
        self._passthrough = not terminal.color if live is None else not live
        self._animate = not self._passthrough and terminal.color and terminal.stdout_isatty
        self._interval = 0.0 if refresh_per_second is None else 1.0 / refresh_per_second
        self._clock = clock
        self._splitter = BlockSplitter()
        self._held_cr = ""  # a carriage return ending a chunk, until the next one shows a CRLF
        self._last_refresh = float("-inf")
        self._last_code_print = float("-inf")
        self._code_interval = 4 * self._interval
        self._live_lines = 0  # screen lines of the live tail currently drawn
        self._live_text: list[str] = []  # those lines, to count their rows after a resize
        self._dirty = False  # text arrived since the live tail was last drawn
        self._prev_kind: str | None = None  # kind of the last block printed
        self._fence_started = False  # the open fence's first lines are already printed
        self._fence_done = 0  # how many code lines of the open fence are printed
        self._fence: OpenFence | None = None  # the open fence being printed line by line
        self._console: Console | None = None
        self._done = False
        self.render_work = 0
        """Characters handed to rich's markdown/syntax renderer (a deterministic measure)."""
        self.preview_work = 0
        """Characters of live tail drawn as plain text (cheap, but counted too)."""

    # -- public -------------------------------------------------------------------------------
    def feed(self, chunk: str) -> None:
        if self._done or not chunk:
            return
        if self.terminal.stdout_isatty:  # an answer's escape sequences are shown, not obeyed
            chunk, self._held_cr = self._held_cr + chunk, ""
            if chunk.endswith("\r"):  # perhaps half a CRLF: the next chunk tells
                chunk, self._held_cr = chunk[:-1], "\r"
            chunk = shown_controls(chunk)
            if not chunk:
                return
        self._feed_shown(chunk)

    def _feed_shown(self, chunk: str) -> None:
        if self._passthrough:
            self.terminal.stdout.write(chunk)
            self.terminal.stdout.flush()
            return
        finished = self._splitter.feed(chunk)
        self._dirty = True
        out = self._commit(finished) if finished else ""
        now = self._clock()
        if finished or now - self._last_refresh >= self._interval:
            out += self._redraw_live()
            self._last_refresh = now
        if out:
            self._write(out)

    def finish(self) -> None:
        """Render whatever is left and stop. Idempotent."""
        if self._done:
            return
        if self._held_cr:  # the answer ended on a lone carriage return
            self._held_cr = ""
            self._feed_shown(shown_controls("\r"))
        self._done = True
        if self._passthrough:
            return
        self._write(self._commit(self._splitter.close()))

    def abort(self) -> None:
        """Interrupted: render what arrived (an open code block is closed) and stop cleanly."""
        self.finish()

    def __enter__(self) -> StreamingMarkdown:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.finish()
        else:
            self.abort()

    # -- rendering ----------------------------------------------------------------------------
    @property
    def console(self) -> Console:
        if self._console is None:
            self._console = self.terminal.rich_out()
        return self._console

    def _write(self, text: str) -> None:
        if text:
            self.terminal.stdout.write(text)
            self.terminal.stdout.flush()

    def _markdown(self, source: str) -> str:
        from rich.markdown import Markdown

        self.render_work += len(source)
        return _capture(self.console, Markdown(source, code_theme=self.terminal.code_theme))

    def _code(self, fence: OpenFence, lines: list[str], first: int, top: int, bottom: int) -> str:
        """Render code lines ``first:first+len(lines)`` of ``fence`` as rich's code block does."""
        from rich.syntax import Syntax

        context = fence.lines[max(0, first - _LEXER_CONTEXT_LINES) : first]
        code = "\n".join([*context, *lines])
        self.render_work += len(code)
        syntax = Syntax(
            code,
            fence.lexer_name,
            theme=self.terminal.code_theme,
            word_wrap=True,
            padding=(top, 1, bottom, 1),
            line_range=(len(context) + 1, len(context) + len(lines)),
        )
        return _capture(self.console, syntax)

    def _block(self, source: str) -> str:
        """A block rendered on its own, preceded by the blank line rich puts between blocks."""
        rendered = self._markdown(source)
        # rich opens a nested block (list, quote, table) with a blank line even at the start of a
        # document: that line already is the separator
        return rendered if rendered.startswith("\n") else self._separator() + rendered

    def _preview(self, source: str) -> str:
        """The live tail as plain wrapped text: drawn many times, so it must be cheap; the
        block is rendered as markdown once, when it is finished."""
        self.preview_work += len(source)
        wrapped = _wrap_ascii(source.split("\n"), self.terminal.width)
        if wrapped is None:
            from rich.text import Text

            return self._separator() + _capture(self.console, Text(source, overflow="fold"))
        return self._separator() + "".join(line + "\n" for line in wrapped)

    def _code_preview(self, lines: list[str], top: int) -> str:
        """Code lines not yet highlighted, on the code block's background."""
        from rich.padding import Padding
        from rich.syntax import Syntax
        from rich.text import Text

        code = "\n".join(lines).expandtabs(4)
        self.preview_work += len(code)
        style = Syntax.get_theme(self.terminal.code_theme).get_background_style()
        inner = self.terminal.width - 2
        folded = _fold_ascii(code.split("\n"), inner)
        if folded is None:
            text = Text(code, style=style, overflow="fold")
            return _capture(self.console, Padding(text, (top, 1, 1, 1), style=style, expand=True))
        blank = [""] * top
        rows = [*blank, *folded, ""]
        return "".join(
            style.render(" " + row.ljust(inner) + " ", color_system=self.console._color_system)
            + "\n"
            for row in rows
        )

    def _separator(self) -> str:
        # rich leaves a blank line between top-level blocks; a rule already ends with one
        return "" if self._prev_kind in (None, "hr") else "\n"

    def _erase_live(self) -> str:
        if not self._animate or not self._live_lines:
            return ""
        rows = self._live_rows()
        self._live_lines = 0
        self._live_text = []
        return f"\r\x1b[{rows}A{_ERASE_DOWN}"

    def _live_rows(self) -> int:
        """The screen rows the live tail takes now. The window may have been resized since it
        was drawn (and the width is read again here, so what follows fits the new one): a
        terminal that rewraps its lines on resize (tmux, VTE, iTerm2, kitty...) has cut each
        line longer than a narrower window into several rows."""
        drawn_at = self.terminal.width
        self.terminal.refresh_size()
        width = self.terminal.width
        if width >= drawn_at:
            return self._live_lines  # lines ended by a newline are not joined again
        from rich.cells import cell_len

        rows = sum(max(1, -(-cell_len(_SGR.sub("", line)) // width)) for line in self._live_text)
        return min(rows, max(1, self.terminal.height - 1))

    def _commit(self, blocks: list[Block]) -> str:
        """Erase the live tail and return the finished blocks, rendered."""
        parts = [self._erase_live()]
        for block in blocks:
            if block.kind == "fence" and self._fence_started:
                parts.append(self._close_fence())
            else:
                parts.append(self._block(block.text))
            self._prev_kind = block.kind
            self._fence_started = False
            self._fence_done = 0
            self._fence = None
        return "".join(parts)

    def _close_fence(self) -> str:
        """The rest of a fence whose first lines are already printed, with bottom padding."""
        fence = self._fence
        assert fence is not None
        code = fence.lines
        end = len(code)
        while end > self._fence_done and not code[end - 1].strip():
            end -= 1  # rich strips trailing blank lines from a code block
        rest = code[self._fence_done : end]
        if not rest:  # only the bottom padding is left to draw
            return self._code(fence, [""], end, 0, 1).split("\n", 1)[-1]
        rest[-1] = rest[-1].rstrip()
        return self._code(fence, rest, self._fence_done, 0, 1)

    def _redraw_live(self) -> str:
        """Print newly completed code lines, then redraw the live tail."""
        if not self._dirty:
            return ""
        self._dirty = False
        out = self._erase_live()
        fence = self._splitter.fence
        tail: str
        if fence is not None and fence.indent == 0:
            self._fence = fence
            out += self._print_code_lines(fence)
            if not self._animate:
                return out
            live_lines = fence.lines[self._fence_done :]
            partial = self._splitter.partial
            if partial or live_lines:
                top = 0 if self._fence_started else 1
                shown = [*live_lines, partial] if partial else live_lines
                sep = "" if self._fence_started else self._separator()
                tail = sep + self._code_preview(shown[-self.terminal.height :], top)
            else:
                tail = ""
        elif not self._animate:
            return out  # nothing can be redrawn: the tail shows once it is finished
        else:
            source = self._bounded(self._splitter.tail())
            tail = self._preview(source) if source.strip() else ""
        lines = tail.split("\n")[:-1]
        keep = max(1, self.terminal.height - 1)
        if len(lines) > keep:
            lines = lines[-keep:]  # the cursor cannot reach lines scrolled off the screen
        self._live_lines = len(lines)
        self._live_text = lines
        return out + "".join(line + "\n" for line in lines)

    def _print_code_lines(self, fence: OpenFence) -> str:
        """Print the open fence's code lines that can no longer change (all but the last
        non-blank one and what follows it, which rich might strip at the end), in batches:
        highlighting has a high fixed cost per call."""
        now = self._clock()
        if now - self._last_code_print < self._code_interval:
            return ""
        code = fence.lines
        end = len(code) - 1
        while end > self._fence_done and not code[end].strip():
            end -= 1
        # batches at least as long as the lexer context keep the work below twice the code
        if end - self._fence_done < _LEXER_CONTEXT_LINES:
            return ""
        self._last_code_print = now
        top = 0 if self._fence_started else 1
        out = "" if self._fence_started else self._separator()
        out += self._code(fence, code[self._fence_done : end], self._fence_done, top, 0)
        self._fence_started = True
        self._fence_done = end
        return out

    def _bounded(self, source: str) -> str:
        """At most about two screenfuls of the tail's source, cut at a line start."""
        limit = 2 * self.terminal.width * self.terminal.height
        if len(source) <= limit:
            return source
        cut = source.find("\n", len(source) - limit)
        return source[cut + 1 :] if 0 <= cut < len(source) - 1 else source[-limit:]
