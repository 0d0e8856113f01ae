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

from mistral_chat.render.console import Terminal, shown_controls
from mistral_chat.render.markdown import StreamingMarkdown
from mistral_chat.render.spinner import Spinner

__all__ = ["AnswerView", "show_thinking"]

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
    if terminal.stdout_isatty:
        text = shown_controls(text)
    if terminal.color:
        terminal.out(f"{_DIM}{text.rstrip()}{_RESET}")
    else:
        terminal.out("\n".join(f"> {line}".rstrip() for line in text.rstrip().splitlines()))
