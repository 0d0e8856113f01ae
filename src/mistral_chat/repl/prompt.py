"""Reading lines: prompt_toolkit on a terminal, plain ``readline`` otherwise.

A reader is a callable ``reader(prompt) -> str`` that raises ``EOFError`` on Ctrl-D (or end of
input) and ``KeyboardInterrupt`` on Ctrl-C, so the chat loop, the browser and the file manager
work the same with a real terminal, a pipe, or a scripted list in tests.

On the chat prompt Enter sends, Alt-Enter (Esc then Enter) starts a new line (pasted text keeps
its newlines), Ctrl-X Ctrl-E opens the message in $EDITOR (what is saved replaces it, to send
with Enter), Tab completes, Up/Down walk the input history, which is kept in a file; Ctrl-C
clears a line that has text and raises KeyboardInterrupt on an empty one.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.completion import Completer
    from prompt_toolkit.key_binding import KeyBindings
    from prompt_toolkit.key_binding.key_processor import KeyPressEvent

__all__ = ["LineReader", "ScriptedReader", "StreamReader", "input_echo_off", "make_reader"]

LineReader = Callable[[str], str]


class StreamReader:
    """Lines from a text stream (stdin when it is not a terminal); the prompt goes to stderr."""

    def __init__(self, stream: TextIO | None = None, prompt_out: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stdin
        self.prompt_out = prompt_out if prompt_out is not None else sys.stderr

    def __call__(self, prompt: str) -> str:
        self.prompt_out.write(prompt)
        self.prompt_out.flush()
        line = self.stream.readline()
        if not line:
            raise EOFError
        return line.rstrip("\n")


class ScriptedReader:
    """Lines from a list, for tests: a line "^C" raises KeyboardInterrupt; the end, EOFError."""

    def __init__(self, lines: Iterable[str]) -> None:
        self.lines = list(lines)
        self.prompts: list[str] = []

    def __call__(self, prompt: str) -> str:
        self.prompts.append(prompt)
        if not self.lines:
            raise EOFError
        line = self.lines.pop(0)
        if line == "^C":
            raise KeyboardInterrupt
        return line


def make_reader(
    *,
    history_path: Path | None = None,
    completer: Completer | None = None,
    key_bindings: KeyBindings | None = None,
    multiline: bool = False,
) -> LineReader:
    """A prompt_toolkit reader when stdin and stdout are terminals, else a StreamReader."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        return StreamReader()
    session = _session(history_path, completer, key_bindings, multiline)

    def read(prompt: str) -> str:
        return session.prompt(prompt)

    return read


def _session(
    history_path: Path | None,
    completer: Completer | None,
    key_bindings: KeyBindings | None,
    multiline: bool,
) -> PromptSession[str]:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory, InMemoryHistory

    history: FileHistory | InMemoryHistory = InMemoryHistory()
    if history_path is not None:
        try:
            history_path.parent.mkdir(parents=True, exist_ok=True)
            history = FileHistory(str(history_path))
        except OSError:
            pass  # no persistent history is better than no prompt
    return PromptSession(
        history=history,
        completer=completer,
        complete_while_typing=False,
        key_bindings=key_bindings,
        multiline=multiline,
        prompt_continuation=lambda width, line, wrap: "." * max(width - 1, 0) + " ",
        enable_open_in_editor=False,
        mouse_support=False,
    )


def chat_key_bindings() -> KeyBindings:
    """Enter sends, Alt-Enter inserts a newline, Ctrl-X Ctrl-E edits in $EDITOR, Ctrl-C clears
    or interrupts."""
    from prompt_toolkit.key_binding import KeyBindings

    kb = KeyBindings()

    @kb.add("enter")
    def _send(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        state = buffer.complete_state
        if state is not None and state.current_completion is not None:
            buffer.apply_completion(state.current_completion)
            return
        buffer.validate_and_handle()

    @kb.add("escape", "enter")
    def _newline(event: KeyPressEvent) -> None:
        event.current_buffer.insert_text("\n")

    @kb.add("c-c")
    def _interrupt(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        if buffer.text:
            buffer.reset()
        else:
            event.app.exit(exception=KeyboardInterrupt, style="class:aborting")

    kb.add("c-x", "c-e")(_open_in_editor)
    return kb


def _open_in_editor(event: KeyPressEvent) -> None:
    """The message typed so far goes to $EDITOR; what is saved replaces it (not sent: Enter
    sends it). The prompt is suspended while the editor has the terminal."""
    from prompt_toolkit.application import run_in_terminal
    from prompt_toolkit.document import Document

    from mistral_chat.repl.editor import EditorError, edit_text

    buffer = event.current_buffer

    def edit() -> str | None:
        try:
            return edit_text(buffer.text)
        except EditorError as exc:
            sys.stderr.write(f"error: {exc}\n")
            return None

    async def run() -> None:
        text = await run_in_terminal(edit, in_executor=True)
        if text is not None:
            buffer.document = Document(text, len(text))

    event.app.create_background_task(run())


def browser_key_bindings() -> KeyBindings:
    """On an empty line, PageDown/Right is `next` and PageUp/Left is `prev`, at once."""
    from prompt_toolkit.filters import Condition
    from prompt_toolkit.key_binding import KeyBindings

    kb = KeyBindings()

    @Condition
    def empty() -> bool:
        from prompt_toolkit.application.current import get_app

        return not get_app().current_buffer.text

    def submit(word: str) -> Callable[[KeyPressEvent], None]:
        def handler(event: KeyPressEvent) -> None:
            event.current_buffer.text = word
            event.current_buffer.validate_and_handle()

        return handler

    for key in ("pagedown", "right"):
        kb.add(key, filter=empty)(submit("next"))
    for key in ("pageup", "left"):
        kb.add(key, filter=empty)(submit("prev"))
    return kb


@contextmanager
def input_echo_off(stream: TextIO | None = None) -> Iterator[None]:
    """While an answer streams, keys typed ahead (and the ``^C`` of Ctrl-C) are not echoed
    into it, where they would break the redrawing of its live part; they stay in the input
    queue for the next prompt, and Ctrl-C still interrupts. A no-op off a terminal."""
    stream = sys.stdin if stream is None else stream
    saved = _tty_attributes(stream)
    if saved is None:
        yield
        return
    import termios

    fd = stream.fileno()
    quiet = list(saved)
    quiet[3] &= ~termios.ECHO  # the local modes
    try:
        termios.tcsetattr(fd, termios.TCSANOW, quiet)
        yield
    finally:
        with suppress(termios.error):  # the terminal went away
            termios.tcsetattr(fd, termios.TCSANOW, saved)


def _tty_attributes(stream: TextIO) -> list[Any] | None:
    """The stream's terminal attributes; None when it is not a POSIX terminal."""
    try:
        import termios

        if not stream.isatty():
            return None
        return termios.tcgetattr(stream.fileno())
    except (ImportError, OSError, ValueError, AttributeError):
        return None
