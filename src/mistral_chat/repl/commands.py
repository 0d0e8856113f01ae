"""The slash commands: a registry of one function per command.

A command is ``def name(repl: ChatRepl, arg: str) -> None``, registered with ``@command``; it
raises ``CommandError`` (or an API, image, attachment or history error) to report one line, and
the session goes on. ``REGISTRY.parse("/model codestral-latest")`` finds the command (unique
prefixes and aliases work: ``/q``, ``/exit``). The editing commands (/edit, /messages, /branch,
/copy) are registered by ``repl.editing``, which the chat loop imports.

    >>> cmd, arg = REGISTRY.parse("/set temperature 0.2")
    >>> cmd.name, arg
    ('/set', 'temperature 0.2')
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from mistral_chat.errors import UsageError
from mistral_chat.render.formats import local_time

if TYPE_CHECKING:
    from mistral_chat.render.console import Terminal
    from mistral_chat.services.catalog import ModelCatalog
    from mistral_chat.services.chat import ChatSession
    from mistral_chat.services.settings import Settings
    from mistral_chat.storage.history import HistoryStore

__all__ = ["REGISTRY", "ChatRepl", "Command", "CommandError", "CommandRegistry"]


class CommandApp(Protocol):
    """What a command may use of the application (`cli.context.AppContext` is one)."""

    settings: Settings

    def catalog(self) -> ModelCatalog: ...


class ChatRepl(Protocol):
    """What a command may act on: the loop (`repl.session.ChatRepl`) as the commands see it."""

    terminal: Terminal
    chat: ChatSession
    cwd: Path
    running: bool
    show_thinking: bool
    clipboard: str
    last_message: str
    prompt_template: str | None  # a template's prompt that wraps each message (`{input}`)

    @property
    def app(self) -> CommandApp: ...

    def store(self) -> HistoryStore: ...
    def send(self, text: str) -> None: ...
    def edit(self, index: int, text: str) -> None: ...
    def show_model(self) -> None: ...
    def switch_model(self, model_id: str) -> None: ...
    def browse_models(self) -> None: ...
    def manage_files(self) -> None: ...
    def retry(self) -> None: ...
    def resume(self, ref: str) -> None: ...
    def attach(self, arg: str, *, want: str | None) -> None: ...
    def attach_test_image(self, color: str, size: str) -> None: ...
    def attach_uploaded_image(self, arg: str) -> None: ...
    def show_pending(self, always: bool = False) -> None: ...


Handler = Callable[[ChatRepl, str], None]


class CommandError(UsageError, ValueError):
    """A slash command that cannot be carried out; the message is one line for the user."""


@dataclass(frozen=True)
class Command:
    name: str
    handler: Handler
    usage: str
    summary: str
    aliases: tuple[str, ...] = ()
    complete: str | None = None  # what its argument is, for completion (see repl.completion)


class CommandRegistry:
    """Commands by name; ``parse`` resolves exact names, aliases and unique prefixes."""

    def __init__(self) -> None:
        self._commands: dict[str, Command] = {}
        self._aliases: dict[str, str] = {}

    def command(
        self,
        usage: str,
        summary: str,
        *,
        aliases: tuple[str, ...] = (),
        complete: str | None = None,
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            name = usage.split()[0]
            self._commands[name] = Command(name, handler, usage, summary, aliases, complete)
            for alias in aliases:
                self._aliases[alias] = name
            return handler

        return register

    def commands(self) -> list[Command]:
        return list(self._commands.values())

    def find(self, name: str) -> Command | None:
        name = name.lower()
        name = self._aliases.get(name, name)
        if name in self._commands:
            return self._commands[name]
        matches = [c for c in self._commands.values() if c.name.startswith(name)]
        return matches[0] if len(matches) == 1 else None

    def parse(self, line: str) -> tuple[Command, str]:
        """The command a ``/...`` line names and the rest of the line."""
        name, _, arg = line.strip().partition(" ")
        found = self.find(name)
        if found is None:
            similar = [c.name for c in self._commands.values() if c.name.startswith(name.lower())]
            if similar:
                choices = ", ".join(similar[:-1]) + f" or {similar[-1]}"
                raise CommandError(f"{name} could be {choices}; type more of it")
            raise CommandError(f"unknown command {name}; /help lists the commands")
        return found, arg.strip()


REGISTRY = CommandRegistry()
command = REGISTRY.command


# -- the conversation ---------------------------------------------------------------------------


@command("/help [COMMAND]", "list the commands, or explain one", aliases=("/?",))
def help_(repl: ChatRepl, arg: str) -> None:
    if arg:
        cmd, _ = REGISTRY.parse(arg if arg.startswith("/") else "/" + arg)
        repl.terminal.out(f"{cmd.usage}\n  {cmd.summary}")
        return
    repl.terminal.refresh_size()
    rows = [(c.usage, c.summary) for c in REGISTRY.commands()]
    repl.terminal.out("\n".join(help_table(rows, repl.terminal.width)))


_KEYS = (
    "Enter sends; Alt-Enter (or Esc then Enter) starts a new line; Ctrl-X Ctrl-E edits the "
    "message in $EDITOR; Tab completes; "
    "Ctrl-C stops an answer; Ctrl-D leaves."
)


def help_table(rows: list[tuple[str, str]], width: int) -> list[str]:
    """Usage and summary side by side, summaries wrapped between words to fit ``width``
    (the terminal would otherwise break them mid-word); the keys line last."""
    import textwrap

    column = max(len(usage) for usage, _ in rows)
    indent = 2 + column + 2
    lines: list[str] = []
    for usage, summary in rows:
        if width - indent >= 24:
            lines += textwrap.wrap(
                summary,
                width,
                initial_indent=f"  {usage.ljust(column)}  ",
                subsequent_indent=" " * indent,
            )
        else:  # too narrow for two columns: the summary goes under its command
            lines += textwrap.wrap(usage, width, initial_indent="  ", subsequent_indent="    ")
            lines += textwrap.wrap(
                summary, width, initial_indent="      ", subsequent_indent="      "
            )
    lines += textwrap.wrap(_KEYS, width)
    return lines


@command("/model [ID]", "show the model, or switch (the conversation is kept)", complete="model")
def model(repl: ChatRepl, arg: str) -> None:
    if not arg:
        repl.show_model()
        return
    repl.switch_model(arg)


@command("/models", "browse the models and choose one")
def models(repl: ChatRepl, arg: str) -> None:
    repl.browse_models()


@command("/system [TEXT]", "show or set the system message (`/system -` removes it)")
def system(repl: ChatRepl, arg: str) -> None:
    chat = repl.chat
    if not arg:
        repl.terminal.out(f"system: {chat.system}" if chat.system else "no system message")
        return
    chat.set_system(None if arg == "-" else arg)
    repl.terminal.say("system message removed" if arg == "-" else "system message set")


@command(
    "/set [KEY VALUE]",
    "temperature, top_p, max_tokens, safe_prompt, seed, reasoning_effort, stop, format json|text",
    complete="set",
)
def set_(repl: ChatRepl, arg: str) -> None:
    chat = repl.chat
    if not arg:
        shown = ", ".join(f"{k}={v}" for k, v in chat.options.items()) or "API defaults"
        repl.terminal.say(f"options: {shown}")
        return
    key, _, value = arg.partition(" ")
    if not value.strip():
        raise CommandError(f"/set {key} needs a value (or `default` to unset it)")
    name, checked = chat.set_option(key, value.strip())
    repl.terminal.out(f"{name} = {checked}" if checked is not None else f"{name} unset")


@command("/thinking [on|off]", "show or hide a reasoning model's reasoning")
def thinking(repl: ChatRepl, arg: str) -> None:
    if arg:
        value = arg.strip().lower()
        if value not in ("on", "off"):
            raise CommandError(f"usage: /thinking [on|off], got {arg!r}")
        repl.show_thinking = value == "on"
    state = "shown" if repl.show_thinking else "hidden"
    repl.terminal.say(f"reasoning is {state} (`config set show_thinking true|false` to keep it)")


@command("/clear", "start a new conversation (the system message is kept)")
def clear(repl: ChatRepl, arg: str) -> None:
    repl.chat.clear()
    repl.terminal.out("conversation cleared")


@command("/retry", "ask again for the last answer")
def retry(repl: ChatRepl, arg: str) -> None:
    repl.retry()


@command("/undo", "remove the last question and its answer")
def undo(repl: ChatRepl, arg: str) -> None:
    removed = repl.chat.undo()
    if not removed:
        raise CommandError("nothing to undo")
    repl.terminal.say(f"removed the last exchange ({removed} message{'s' * (removed != 1)})")


@command("/usage", "tokens and estimated cost of this session")
def usage(repl: ChatRepl, arg: str) -> None:
    total = repl.chat.usage_total
    text = (
        f"session: {int(total['prompt_tokens'])} prompt + {int(total['completion_tokens'])} "
        f"completion = {int(total['total_tokens'])} tokens"
    )
    if total.get("cost_usd"):
        from mistral_chat.render.formats import money

        text += f", about {money(total['cost_usd'])}"
    repl.terminal.say(text)


# -- attachments --------------------------------------------------------------------------------


@command(
    "/image PATH|URL | test [COLOR] [WxH] | upload PATH | on|off",
    "attach an image to the next message (on|off: hosted image generation)",
    complete="image",
)
def image(repl: ChatRepl, arg: str) -> None:
    words = _split(arg)
    if not words:
        raise CommandError("usage: /image PATH|URL, /image test [COLOR] [WxH], /image upload PATH")
    if words[0] in ("on", "off") and len(words) == 1:  # hosted image generation
        from mistral_chat.repl.hosted_switch import hosted_switch

        hosted_switch(repl, "image", words[0])
        return
    if words[0] == "test":
        repl.attach_test_image(*_test_image_args(words[1:]))
    elif words[0] == "upload":
        if len(words) != 2:
            raise CommandError("usage: /image upload PATH")
        repl.attach_uploaded_image(words[1])
    else:
        if len(words) != 1:
            raise CommandError("one image per /image (quote a path with spaces)")
        repl.attach(words[0], want="image")


@command(
    "/attach [PATH|URL|file:ID]", "attach a document (or list what is attached)", complete="path"
)
def attach(repl: ChatRepl, arg: str) -> None:
    words = _split(arg)
    if not words:
        repl.show_pending(always=True)
        return
    for word in words:
        repl.attach(word, want=None)


@command("/detach [N]", "drop attachment N (or all) before sending")
def detach(repl: ChatRepl, arg: str) -> None:
    outbox = repl.chat.outbox
    if not outbox:
        raise CommandError("nothing is attached")
    if not arg:
        outbox.clear()
        repl.terminal.out("attachments dropped")
        return
    if not arg.isdecimal() or not 1 <= int(arg) <= len(outbox):
        raise CommandError(f"no attachment {arg}; they are numbered 1 to {len(outbox)}")
    dropped = outbox.drop(int(arg))
    repl.terminal.out(f"dropped {dropped.label}")


@command("/files", "the file manager: upload, list, download, delete, signed URL")
def files(repl: ChatRepl, arg: str) -> None:
    repl.manage_files()


# -- history ------------------------------------------------------------------------------------


_MAX_LISTED = 1_000_000


@command("/history [N]", "recent conversations")
def history(repl: ChatRepl, arg: str) -> None:
    if arg and not (arg.isdecimal() and int(arg) > 0):
        raise CommandError(f"usage: /history [N] (N a number of conversations), got {arg!r}")
    limit = min(int(arg), _MAX_LISTED) if arg else 10  # SQLite's integers end at 2**63
    conversations = repl.store().list_conversations(limit=limit)
    if not conversations:
        repl.terminal.out("no conversations yet")
        return
    current = repl.chat.conversation_id
    for conv in conversations:
        mark = "*" if conv.id == current else " "
        when = local_time(conv.updated_at)
        count = conv.message_count
        repl.terminal.out(f"{mark} {conv.id}  {when}  {count:>3} msgs  {conv.model}  {conv.title}")
    repl.terminal.out("/resume ID continues one")


@command("/search TEXT", "find messages in every saved conversation")
def search(repl: ChatRepl, arg: str) -> None:
    if not arg.strip():
        raise CommandError("usage: /search TEXT (words every message found contains)")
    from mistral_chat.render.search import HIT_MARKS, hits_table

    hits = repl.store().search(arg, limit=10, marks=HIT_MARKS)
    if not hits:
        repl.terminal.out(f"no message matches {arg.strip()!r}")
        return
    hits_table(repl.terminal, hits)
    repl.terminal.out("/resume ID continues one")


@command("/resume ID", "continue a saved conversation", complete="conversation")
def resume(repl: ChatRepl, arg: str) -> None:
    if not arg:
        raise CommandError("usage: /resume ID (/history lists them)")
    repl.resume(arg)


@command(
    "/export [PATH]",
    "save this branch as Markdown (or every branch as JSON, for .json)",
    complete="path",
)
def export(repl: ChatRepl, arg: str) -> None:
    conv_id = repl.chat.conversation_id
    if conv_id is None:
        raise CommandError(
            "nothing to export: this conversation is not in the history yet "
            "(send a message first; with history off nothing is kept)"
        )
    words = _split(arg)
    if len(words) > 1:
        raise CommandError("usage: /export [PATH] (quote a path with spaces)")
    path = expand_path(words[0] if words else f"{conv_id}.md", repl.cwd)
    if path.exists():
        raise CommandError(f"{path} already exists; give another path (nothing was written)")
    if not path.parent.is_dir():
        raise CommandError(f"no such directory: {path.parent}")
    store = repl.store()
    if path.suffix.lower() == ".json":
        import json

        text = json.dumps(store.export_json(conv_id), ensure_ascii=False, indent=2) + "\n"
    else:
        from mistral_chat.services.chat.branches import session_branches

        _, mine = session_branches(repl.chat)  # the branch this session is on
        text = store.export_markdown(conv_id, branch=mine.number if mine else None)
    from mistral_chat.services.transfers import write_text_atomic

    write_text_atomic(path, text)
    repl.terminal.say(f"exported to {path}")


@command("/quit", "leave", aliases=("/exit", "/q"))
def quit_(repl: ChatRepl, arg: str) -> None:
    repl.running = False


# -- helpers ------------------------------------------------------------------------------------


def _split(arg: str) -> list[str]:
    try:
        return shlex.split(arg)
    except ValueError as exc:
        raise CommandError(f"cannot read the arguments: {exc}") from None


def _test_image_args(words: list[str]) -> tuple[str, str]:
    color, size = "red", "100x100"
    for word in words:
        if word[0].isdigit():
            size = word
        else:
            color = word
    return color, size


def expand_path(text: str, cwd: Path) -> Path:
    path = Path(text).expanduser()
    return path if path.is_absolute() else cwd / path
