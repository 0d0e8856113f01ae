"""Tab completion for the chat prompt: slash commands, their arguments, model ids and paths.

``ChatCompleter`` asks the registry which kind of argument a command takes (``Command.complete``:
"model", "path", "image", "set", "conversation" or None) and completes that; the model ids and
conversations come from callables so that nothing is fetched until Tab is pressed.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from prompt_toolkit.completion import CompleteEvent, Completer, Completion, PathCompleter
from prompt_toolkit.document import Document

from mistral_chat.services.chat_options import REASONING_EFFORTS

if TYPE_CHECKING:
    from mistral_chat.repl.commands import CommandRegistry

__all__ = ["ChatCompleter"]

SET_KEYS = (
    "temperature",
    "top_p",
    "max_tokens",
    "safe_prompt",
    "seed",
    "reasoning_effort",
    "stop",
    "format",
)
_BOOLS = ("true", "false")


class ChatCompleter(Completer):
    """Completes ``/com`` -> ``/command``, then the command's argument."""

    def __init__(
        self,
        registry: CommandRegistry,
        model_ids: Callable[[], Iterable[str]] = lambda: (),
        conversations: Callable[[], Iterable[tuple[str, str]]] = lambda: (),
    ) -> None:
        self.registry = registry
        self.model_ids = model_ids
        self.conversations = conversations
        self._paths = PathCompleter(expanduser=True)

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterable[Completion]:
        text = document.text_before_cursor
        if not text.startswith("/") or "\n" in text:
            return
        if " " not in text:
            yield from self._commands(text)
            return
        name, _, arg = text.partition(" ")
        command = self.registry.find(name)
        if command is None or command.complete is None:
            return
        kind = command.complete
        if kind == "model":
            yield from _words(arg, self.model_ids())
        elif kind == "conversation":
            yield from _words(arg, self.conversations())
        elif kind == "set":
            yield from self._set(arg)
        elif kind == "image":
            first, sep, rest = arg.partition(" ")
            if not sep:
                yield from _words(
                    arg, [("test", "a generated square"), ("upload", "via Files API")]
                )
            if sep and first == "test":
                return
            yield from self._path(rest if sep and first == "upload" else arg, complete_event)
        elif kind == "path":
            yield from self._path(arg, complete_event)

    def _commands(self, text: str) -> Iterable[Completion]:
        for command in self.registry.commands():
            if command.name.startswith(text):
                yield Completion(
                    command.name, start_position=-len(text), display_meta=command.summary
                )

    def _set(self, arg: str) -> Iterable[Completion]:
        key, sep, value = arg.partition(" ")
        if not sep:
            yield from _words(key, SET_KEYS)
        elif key == "safe_prompt" and " " not in value:
            yield from _words(value, _BOOLS)
        elif key == "reasoning_effort" and " " not in value:
            yield from _words(value, REASONING_EFFORTS)
        elif key == "format" and " " not in value:
            yield from _words(value, ("json", "text"))

    def _path(self, arg: str, event: CompleteEvent) -> Iterable[Completion]:
        """The last path of ``arg``, read as the command will read it (quotes, backslashes);
        a completed path that needs quoting replaces the typed one, quoted."""
        word, start = last_shell_word(arg)
        typed = arg[start:]
        for completion in self._paths.get_completions(Document(word, len(word)), event):
            full = word[: len(word) + completion.start_position] + completion.text
            if typed == word and shlex.quote(full) == full:
                yield completion  # nothing to quote: the remainder, as PathCompleter gives it
                continue
            if Path(full).expanduser().is_dir() and not full.endswith("/"):
                full += "/"
            yield Completion(
                shlex.quote(full),
                start_position=-len(typed),
                display=completion.display,
                display_meta=completion.display_meta,
            )


def last_shell_word(text: str) -> tuple[str, int]:
    """The last word of ``text`` as ``shlex.split`` reads it (quotes and backslashes removed,
    an unclosed quote allowed, as it is while typing) and the index where it starts.

    >>> last_shell_word("a.pdf 'my docs/q")
    ('my docs/q', 6)
    """
    word, start, quote, escaped, in_word = "", len(text), "", False, False
    for i, ch in enumerate(text):
        if escaped:
            word, escaped = word + ch, False
        elif quote:
            if ch == quote:
                quote = ""
            elif ch == "\\" and quote == '"':
                escaped = True
            else:
                word += ch
        elif ch.isspace():
            word, start, in_word = "", len(text), False
        else:
            if not in_word:
                start, in_word = i, True
            if ch == "\\":
                escaped = True
            elif ch in "'\"":
                quote = ch
            else:
                word += ch
    return word, start


def _words(typed: str, candidates: Iterable[str | tuple[str, str]]) -> Iterable[Completion]:
    for item in candidates:
        word, meta = (item, "") if isinstance(item, str) else item
        if word.startswith(typed):
            yield Completion(word, start_position=-len(typed), display_meta=meta or None)
