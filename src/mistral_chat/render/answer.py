"""An answer arriving on screen: a spinner until the first token, then streaming markdown
(raw text when piped), and the last line ended cleanly whatever happens.

    with AnswerView(terminal, "Thinking") as view:
        result = session.send(prompt, on_text=view.on_text)
"""

from __future__ import annotations

from types import TracebackType

from mistral_chat.render.console import Terminal
from mistral_chat.render.markdown import StreamingMarkdown
from mistral_chat.render.spinner import Spinner

__all__ = ["AnswerView"]


class AnswerView:
    """Feed it text deltas through ``on_text``. With ``show=False`` (e.g. ``--json``) only the
    spinner runs. Leaving the block, normally or by an exception, renders what arrived."""

    def __init__(self, terminal: Terminal, waiting: str = "Thinking", *, show: bool = True):
        self.terminal = terminal
        self._spinner = Spinner(terminal, waiting)
        self._markdown = StreamingMarkdown(terminal) if show else None
        self._last = ""

    @property
    def received(self) -> bool:
        """Whether any text has arrived."""
        return bool(self._last)

    def on_text(self, delta: str) -> None:
        self._spinner.stop()
        if delta:
            self._last = delta
        if self._markdown is not None:
            self._markdown.feed(delta)

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
        if self._markdown is None:
            return
        self._markdown.finish()
        if not self.terminal.color and self._last and not self._last.endswith("\n"):
            self.terminal.out("")  # raw text: end the answer's last line
