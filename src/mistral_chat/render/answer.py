"""An answer arriving on screen: a spinner until the first token, then streaming markdown
(raw text when piped), and the last line ended cleanly whatever happens.

A reasoning model's reasoning is shown only when asked for (``show_thinking``): on stderr, so
stdout stays the answer alone, dimmed on a colour terminal. Otherwise the spinner says the
model is reasoning.

    result = session.send(prompt, attachments, AnswerView(terminal, "Thinking"))
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING

from mistral_chat.render.console import Terminal, shown_controls
from mistral_chat.render.markdown import StreamingMarkdown
from mistral_chat.render.spinner import Spinner

if TYPE_CHECKING:
    from mistral_chat.services.chat.tooling import ToolCall, ToolOutcome

__all__ = ["AnswerView", "show_thinking", "tool_call_line", "tool_result_line"]

#: how much of a tool's arguments and result the running answer shows
_SHOWN = 160

_DIM, _RESET = "\x1b[2;3m", "\x1b[0m"


class AnswerView:
    """A turn's view (``services.chat.TurnView``): it is entered while the answer is awaited and
    fed deltas through ``on_text`` and ``on_thinking``. With ``show=False`` (e.g. ``--json``)
    only the spinner runs; with ``markdown=False`` the text is written as it comes. Leaving the
    block, normally or by an exception, renders what arrived."""

    def __init__(
        self,
        terminal: Terminal,
        waiting: str = "Thinking",
        *,
        show: bool = True,
        show_thinking: bool = False,
        reasoning: str = "Reasoning",
        markdown: bool = True,
        uploads: Callable[[str, int, int | None], None] | None = None,
    ):
        self.terminal = terminal
        self._uploads = uploads
        self._show = show
        self._markdown_mode = markdown
        self._waiting = waiting
        self._spinner = Spinner(terminal, waiting)
        # markdown=False (e.g. a JSON answer): the text as it comes, never reflowed
        self._raw = not (markdown and terminal.color)
        live = None if markdown else False
        self._markdown = StreamingMarkdown(terminal, live) if show else None
        self._show_thinking = show and show_thinking
        self._reasoning = reasoning
        self._last = ""
        self._thinking_open = False  # reasoning written to stderr, its line not yet ended

    @property
    def received(self) -> bool:
        """Whether any text of the answer has arrived."""
        return bool(self._last)

    def on_upload(self, name: str, done: int, total: int | None) -> None:
        """A document uploading before the question goes (progress drawn by `uploads`)."""
        if self._uploads is not None:
            self._uploads(name, done, total)

    def on_tool_call(self, call: ToolCall) -> None:
        """A tool call, drawn on stderr between the answer's parts (before it is approved)."""
        self._spinner.stop()
        self._end_thinking()
        if self._markdown is not None and self._last:
            # what the model wrote before calling is finished; the rest starts anew below it
            self._markdown.finish()
            if self._raw and not self._last.endswith("\n"):
                self.terminal.out("")
            self._markdown = StreamingMarkdown(
                self.terminal, None if self._markdown_mode else False
            )
            self._last = ""
        self._tool_line(tool_call_line(call, color=self.terminal.stderr_color))

    def on_tool_result(self, call: ToolCall, outcome: ToolOutcome) -> None:
        self._tool_line(tool_result_line(outcome, color=self.terminal.stderr_color))
        self._spinner.message = self._waiting
        self._spinner.start()

    def _tool_line(self, line: str) -> None:
        # already shown safe (shown_controls) and dimmed on a colour terminal: written as is
        self.terminal.stderr.write(line + "\n")
        self.terminal.stderr.flush()

    def on_thinking(self, delta: str) -> None:
        if self._last or not delta:
            return  # reasoning after the answer began would tear the live markdown
        if not self._show_thinking:
            self._spinner.message = self._reasoning
            return
        self._spinner.stop()
        self._thinking_open = True
        if self.terminal.stderr_isatty:
            delta = shown_controls(delta)
        color = self.terminal.stderr_color
        self.terminal.stderr.write(f"{_DIM}{delta}{_RESET}" if color else delta)
        self.terminal.stderr.flush()

    def on_text(self, delta: str) -> None:
        self._spinner.stop()
        if delta:
            self._end_thinking()
            self._last = delta
        if self._markdown is not None:
            self._markdown.feed(delta)

    def _end_thinking(self) -> None:
        if self._thinking_open:
            self._thinking_open = False
            self.terminal.stderr.write("\n\n")  # a blank line between reasoning and answer
            self.terminal.stderr.flush()

    def __enter__(self) -> AnswerView:
        self._spinner.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._spinner.stop()
        if self._thinking_open:  # reasoning only: end its line
            self._thinking_open = False
            self.terminal.stderr.write("\n")
            self.terminal.stderr.flush()
        if self._markdown is None:
            return
        self._markdown.finish()
        if self._raw and self._last and not self._last.endswith("\n"):
            self.terminal.out("")  # raw text: end the answer's last line


def show_thinking(terminal: Terminal, text: str) -> None:
    """Reasoning kept with an answer, on stdout: dimmed on a colour terminal, else quoted."""
    if terminal.color:  # our own dim codes around it, so written past `out`'s neutralising
        terminal.stdout.write(f"{_DIM}{shown_controls(text.rstrip())}{_RESET}\n")
        terminal.stdout.flush()
    else:
        terminal.out("\n".join(f"> {line}".rstrip() for line in text.rstrip().splitlines()))


def tool_call_line(call: ToolCall, *, color: bool = False) -> str:
    """``⚙ get_time {"zone": "Europe/Paris"}``: what the model called, on one line."""
    args = " ".join(call.arguments.split())
    if len(args) > _SHOWN:
        args = args[: _SHOWN - 1] + "…"
    text = shown_controls(f"⚙ {call.name} {args}".rstrip())
    return f"{_DIM}{text}{_RESET}" if color else text


def tool_result_line(outcome: ToolOutcome, *, color: bool = False) -> str:
    """``  → 14:02`` or ``  ✗ not allowed``: a short view of what a tool gave (its size when
    the view is cut)."""
    body = " ".join(outcome.text.split())
    size = ""
    if len(body) > _SHOWN:
        body, size = body[: _SHOWN - 1] + "…", f" ({len(outcome.text):,} chars)"
    mark = "✗" if outcome.is_error else "→"
    cut = " (cut for the model)" if outcome.truncated else ""
    text = shown_controls(f"  {mark} {body}{size}{cut}")
    return f"{_DIM}{text}{_RESET}" if color else text
