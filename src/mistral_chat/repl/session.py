"""The chat REPL: read a line, run a slash command or send a message, render the answer.

``ChatRepl`` owns the loop and what the commands act on (the ``ChatSession``, the pending
attachments); everything it prints goes through ``render.console.Terminal``. The rules:

- an API, input or history error prints one ``error: ...`` line and the loop goes on; a failed
  question stays in the conversation (and the history): ``/retry`` sends it again;
- Ctrl-C while an answer streams stops it; the partial answer stays in the conversation, marked
  interrupted; Ctrl-C on an empty prompt asks before leaving; Ctrl-D (or ``/quit``) leaves;
- finished markdown blocks are printed once, only the last one is live; a spinner runs until the
  first token; a usage line follows each answer.

    repl = ChatRepl(app, ChatSession(client, store, model="mistral-small-latest"),
                    describe=lambda exc: str(exc))
    repl.run()
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from mistral_chat.errors import MistralChatError, Terminated
from mistral_chat.repl import (  # noqa: F401 - they register their slash commands
    context_window,
    editing,
    templates,
    tool_commands,
)
from mistral_chat.repl.commands import REGISTRY, CommandError, expand_path
from mistral_chat.services.attachments import (
    AttachmentError,
    AudioClip,
    DocumentFile,
    ImageFile,
    TextFile,
    classify,
)
from mistral_chat.services.content import VisionRequired
from mistral_chat.services.images import ImageError, TooManyImages, test_image

if TYPE_CHECKING:
    from mistral_chat.api import Client
    from mistral_chat.render.answer import AnswerView
    from mistral_chat.render.console import Terminal
    from mistral_chat.repl.prompt import LineReader
    from mistral_chat.services.catalog import ModelCatalog, ModelInfo
    from mistral_chat.services.chat import ChatSession, Pending, TurnResult
    from mistral_chat.services.chat.tooling import Answer, ToolCall
    from mistral_chat.services.settings import Settings
    from mistral_chat.storage.history import HistoryStore

__all__ = ["EXPECTED_ERRORS", "ChatRepl", "ReplApp"]

#: what a command or a turn may raise that is the user's or the server's doing, not a bug: the
#: error tree (API, input, history, settings...) and the operating system's file errors
EXPECTED_ERRORS: tuple[type[BaseException], ...] = (MistralChatError, OSError)


class ReplApp(Protocol):
    """What the REPL needs of the application (``cli.context.AppContext`` is one)."""

    terminal: Terminal
    settings: Settings

    def client(self) -> Client: ...

    def history(self) -> HistoryStore: ...

    def catalog(self) -> ModelCatalog: ...


class ChatRepl:
    """The loop. ``describe(exc)`` gives an expected exception's one-line message; ``reader``
    reads a line (prompt_toolkit by default); ``open_browser`` returns the chosen model."""

    def __init__(
        self,
        app: ReplApp,
        chat: ChatSession,
        *,
        describe: Callable[[BaseException], str],
        reader: LineReader | None = None,
        open_browser: Callable[[], ModelInfo | None] | None = None,
        open_files: Callable[[], None] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.app = app
        self.terminal = app.terminal
        self.chat = chat
        self.describe = describe
        self.reader = reader
        self.open_browser = open_browser
        self.open_files = open_files
        self.cwd = cwd or Path.cwd()
        self.running = True
        self._pending_told = False  # the last line's output already showed the attachments
        self._uploads: dict[str, bool] = {}  # document name -> its upload finished
        self.show_thinking = app.settings.show_thinking  # a reasoning model's reasoning
        #: what lives as long as the chat: MCP servers started with /mcp add
        self.resources = contextlib.ExitStack()
        self.prompt_template: str | None = None  # `/template`'s prompt, wrapping each message
        self.clipboard = app.settings.clipboard  # how /copy reaches the clipboard
        self.last_message = ""  # the last message typed (sent or not): what /edit starts from

    # -- the loop ------------------------------------------------------------------------------
    def run(self) -> int:
        """Read and act until /quit, Ctrl-D or a confirmed Ctrl-C; the exit code (0)."""
        read = self.reader or self._default_reader()
        self.terminal.say(f"chatting with {self.chat.model}; /help lists the commands")
        self._check_model(self.chat.model)
        with self.resources:  # MCP servers stop when the chat ends, however it ends
            while self.running:
                if not self._pending_told:
                    self.show_pending()  # a reminder, unless the last command just showed them
                try:
                    line = read(f"{self.chat.model}> ")
                except EOFError:
                    break
                except Terminated:
                    raise  # SIGTERM or SIGHUP at the prompt: nothing to save, the chat ends
                except KeyboardInterrupt:
                    if self._confirm_leave(read):
                        break
                    continue
                self.handle(line)
        self.terminal.out("bye")
        return 0

    def handle(self, line: str) -> None:
        """One line: a command or a message. Expected errors print one line."""
        text = line.strip()
        if not text:
            return
        self._pending_told = False
        try:
            if text.startswith("/") and not text.startswith("//"):
                cmd, arg = REGISTRY.parse(text)
                cmd.handler(self, arg)
            else:
                self.send(line.strip().removeprefix("/") if text.startswith("//") else line)
        except Terminated:
            raise  # what had arrived is saved; SIGTERM and SIGHUP end the chat, Ctrl-C does not
        except KeyboardInterrupt:
            self.terminal.err_line("interrupted")
        except EXPECTED_ERRORS as exc:
            self.terminal.error(self.describe(exc))
        except Exception as exc:  # noqa: BLE001 - a bug must not end the session: one line
            if self.app.settings.debug:
                import traceback

                traceback.print_exception(exc, file=self.terminal.stderr)
            self.terminal.error(self.describe(exc))

    def _confirm_leave(self, read: LineReader) -> bool:
        try:
            answer = read("leave the chat? [y/N] ")
        except (EOFError, KeyboardInterrupt):
            return True
        return answer.strip().lower() in ("y", "yes")

    def _default_reader(self) -> LineReader:
        from mistral_chat.repl.completion import ChatCompleter
        from mistral_chat.repl.prompt import chat_key_bindings, make_reader

        completer = ChatCompleter(REGISTRY, self._model_ids, self._conversations)
        reader = make_reader(
            history_path=self.app.settings.history_path.parent / "input-history",
            completer=completer,
            key_bindings=chat_key_bindings(),
            multiline=True,
        )
        self.reader = reader
        return reader

    def _model_ids(self) -> list[str]:
        try:
            models = self.app.catalog().models(max_age=24 * 3600).models
            aliases = [a for m in models for a in m.aliases if a != m.id]
            return list(dict.fromkeys([*(m.id for m in models), *aliases]))
        except EXPECTED_ERRORS:
            return []

    def _conversations(self) -> list[tuple[str, str]]:
        try:
            return [(c.id, c.title or "") for c in self.store().list_conversations(limit=30)]
        except EXPECTED_ERRORS:
            return []

    # -- turns ---------------------------------------------------------------------------------
    def send(self, text: str) -> None:
        """Send a message with the pending attachments and render the answer."""
        self.last_message = text
        self._uploads.clear()
        attached = bool(self.chat.outbox)
        if self.prompt_template is not None:
            from mistral_chat.services.templates import fill_input

            text = fill_input(self.prompt_template, text)
        asked = len(self.chat.turns)
        try:
            self._turn(lambda view: self.chat.send(text, view=view))
        except (AttachmentError, ImageError) as exc:
            if not attached or isinstance(exc, VisionRequired):
                raise
            # e.g. a file deleted since it was attached: say how to get unstuck
            raise CommandError(f"{exc}; /detach N drops attachment N") from exc
        except EXPECTED_ERRORS as exc:
            if len(self.chat.turns) == asked:
                raise  # refused before the question was saved
            self.terminal.error(self.describe(exc))
            self.terminal.err_line("the question is kept: /retry asks again")

    def edit(self, index: int, text: str) -> None:
        """Resend the question `chat.turns[index]` as `text`, on a new branch."""
        self.last_message = text
        old = self.chat.turns[index] if index < len(self.chat.turns) else None
        try:
            self._turn(lambda view: self.chat.edit(index, text, view))
        except EXPECTED_ERRORS as exc:
            if index >= len(self.chat.turns) or self.chat.turns[index] is old:
                raise  # refused before the edited question was saved
            self.terminal.error(self.describe(exc))
            self.terminal.err_line("the edited question is kept: /retry asks again")

    def retry(self) -> None:
        if not any(t.message["role"] == "user" for t in self.chat.turns):
            raise CommandError("nothing to retry: no message has been sent yet")
        self._turn(lambda view: self.chat.retry(view))

    def _turn(self, call: Callable[[AnswerView], TurnResult]) -> TurnResult | None:
        """Run one request with a spinner and streaming markdown; None if nothing arrived."""
        from mistral_chat.render.answer import AnswerView
        from mistral_chat.repl.prompt import input_echo_off

        view = AnswerView(
            self.terminal,
            "Thinking",
            show_thinking=self.show_thinking,
            markdown=not self.chat.answers_in_json,
            uploads=self._upload_note,
        )
        try:
            with input_echo_off():
                result = call(view)
        except KeyboardInterrupt as exc:
            self.terminal.err_line(
                "interrupted before the answer began; the question is kept (/retry asks again)"
            )
            if isinstance(exc, Terminated):
                raise
            return None
        self._after_answer(result)
        if isinstance(result.error, Terminated):
            raise result.error  # the partial answer is kept; the signal ends the chat
        return result

    def _after_answer(self, result: TurnResult) -> None:
        if result.status == "interrupted":
            if isinstance(result.error, KeyboardInterrupt) or result.error is None:
                self.terminal.err_line("[interrupted; the partial answer is kept]")
            else:
                self.terminal.error(self.describe(result.error))
        from mistral_chat.render.formats import finish_note, turn_summary

        note = finish_note(result.finish_reason, in_chat=True)
        if note is not None and result.status == "complete":
            self.terminal.warning(note)
        if result.usage or result.cost_usd is not None:
            note, warning = context_window.context_note(self, self.chat.model, result)
            self.terminal.err_line(turn_summary(result) + note)
            if warning is not None:
                self.terminal.warning(warning)

    def _upload_note(self, name: str, done: int, total: int | None) -> None:
        # the callback may never report 0 bytes, and may report the end more than once
        if name not in self._uploads:
            self._uploads[name] = False
            self.terminal.err_line(f"uploading {name}")
        if total is not None and done >= total and not self._uploads[name]:
            self._uploads[name] = True
            self.terminal.err_line(f"uploaded {name}")

    def _catalog_or_none(self) -> ModelCatalog | None:
        try:
            return self.app.catalog()
        except EXPECTED_ERRORS:
            return None

    # -- what the commands call ----------------------------------------------------------------
    def store(self) -> HistoryStore:
        return self.app.history()

    def show_model(self) -> None:
        model = self.chat.model
        info = None
        try:
            info = self.app.catalog().get(model)
        except EXPECTED_ERRORS:
            info = None
        if info is None:
            self.terminal.out(f"model: {model}")
            return
        from mistral_chat.repl.browser import capability_label

        caps = ", ".join(capability_label(c) for c in info.capabilities)
        context = f", context {info.context_length:,}" if info.context_length else ""
        self.terminal.say(f"model: {info.id}{context}; {caps}")
        self._warn_if_deprecated(model, info)

    def _warn_if_deprecated(self, model_id: str, info: ModelInfo | None = None) -> None:
        if info is None:
            try:
                info = self.app.catalog().get(model_id)
            except EXPECTED_ERRORS:
                return  # a warning is not worth an error
        if info is not None and info.deprecated is not None:
            from mistral_chat.render.formats import retirement

            replacement = f"; use {info.replacement}" if info.replacement else ""
            self.terminal.warning(
                f"{info.id} is deprecated ({retirement(info.deprecated)}){replacement}"
            )

    def _known_to_the_api(self, model_id: str) -> bool:
        """False only when the API's own list lacks the model (no list: no verdict)."""
        catalog = self._catalog_or_none()
        if catalog is None:
            return True
        try:
            result = catalog.models(max_age=24 * 3600)
            if result.source == "cache" and not _knows(result.models, model_id):
                result = catalog.models()  # the cached list may predate the model: ask the API
        except EXPECTED_ERRORS:
            return True
        return result.source != "api" or _knows(result.models, model_id)

    def _check_model(self, model_id: str) -> None:
        """At start: warn (not refuse) about a model the API does not list, or a deprecated one."""
        if not self._known_to_the_api(model_id):
            self.terminal.warning(
                f"{model_id} is not in the API's model list; /models lists them, /model ID switches"
            )
            return
        self._warn_if_deprecated(model_id)

    def switch_model(self, model_id: str) -> None:
        if not self._known_to_the_api(model_id):
            raise CommandError(f"unknown model {model_id!r}; /models lists them")
        self.chat.set_model(model_id)
        self.terminal.say(f"model: {model_id} (the conversation is kept)")
        self._warn_if_deprecated(model_id)

    def browse_models(self) -> None:
        if self.open_browser is None:
            raise CommandError("the model browser is not available here")
        chosen = self.open_browser()
        if chosen is not None:
            self.chat.set_model(chosen.id)
            self.terminal.say(f"model: {chosen.id} (the conversation is kept)")
            self._warn_if_deprecated(chosen.id)

    def manage_files(self) -> None:
        if self.open_files is None:
            raise CommandError("the file manager is not available here")
        self.open_files()

    def approve(self, call: ToolCall) -> Answer:
        """Ask before a tool runs: yes, no, or always for this tool this session (Ctrl-C
        stops the turn)."""
        read = self.reader or self._default_reader()
        while True:
            try:
                line = read(f"run {call.name}? [y]es, [n]o, [a]lways: ")
            except EOFError:
                return "no"
            answer = line.strip().lower()
            if answer in ("y", "yes"):
                return "yes"
            if answer in ("n", "no"):
                return "no"
            if answer in ("a", "always"):
                return "always"

    def add_mcp_server(self, text: str) -> tuple[str, list[str]]:
        """Start an MCP server (stopped when the chat ends) and offer its tools."""
        from mistral_chat.services.chat.tooling import Approvals, Tools
        from mistral_chat.services.tools import (
            Toolbox,
            log_dir,
            server_spec,
            servers_in_config,
            start_server,
        )

        settings = self.app.settings
        spec = server_spec(text, servers_in_config(settings.config_path))
        server = start_server(spec, log_dir=log_dir(settings.history_path.parent))
        self.resources.callback(server.close)
        if self.chat.tools is None:
            approvals = Approvals(self.approve, approve_all=settings.approve_tools)
            self.chat.tools = Tools(Toolbox(), approvals)
        toolbox: Any = self.chat.tools.runner
        toolbox.add(server)
        return server.name, [t.name for t in toolbox.offered() if t.source is server]

    def resume(self, ref: str) -> None:
        from mistral_chat.services.chat import open_session

        old = self.chat
        self.chat = open_session(
            self.app,
            ref,
            stream=old.stream,
            vision=old.outbox.vision,
            on_warning=self.terminal.warning,
            guard=old.before_send,
        )
        self.chat.tools = old.tools  # the servers and functions stay on
        if self.chat.hosted is None and old.hosted is not None and old.hosted.on:
            from mistral_chat.services.chat.hosted import Hosted

            self.chat.hosted = Hosted(old.hosted.tools, old.hosted.agent_id)
        count = len(self.chat.turns)
        self.terminal.say(
            f"resumed {self.chat.conversation_id} ({count} message{'s' * (count != 1)}), "
            f"model {self.chat.model}"
        )

    def attach(self, arg: str, *, want: str | None) -> None:
        """Classify and check an attachment now, so errors show before the message is sent."""
        spec = classify(str(expand_path(arg, self.cwd)) if not _is_remote(arg) else arg)
        local = isinstance(spec, ImageFile | AudioClip | TextFile | DocumentFile)
        with _count_hint():
            pending = self.chat.outbox.add(
                spec, label=arg if local else spec.label, want=want, describe=True
            )  # a path as typed
        self._told(pending)

    def attach_test_image(self, color: str, size: str) -> None:
        """The seed's coloured square, written to the cache so it travels like any image."""
        image = test_image(color, size)
        folder = self.app.settings.cache_dir / "test-images"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / image.source_name
        path.write_bytes(image.data)
        with _count_hint():
            pending = self.chat.outbox.add(ImageFile(path), label=image.source_name, describe=True)
        self._told(pending)

    def attach_uploaded_image(self, arg: str) -> None:
        """Upload an image through the Files API and attach it by its signed URL."""

        def note(name: str, state: str) -> None:
            done = state != "uploading"
            self.terminal.err_line(f"uploaded {name}: {state}" if done else f"uploading {name}")

        with _count_hint():
            pending = self.chat.outbox.add_uploaded_image(
                expand_path(arg, self.cwd), self.app.client(), label=arg, on_upload=note
            )
        self._told(pending)

    def show_pending(self, always: bool = False) -> None:
        self._pending_told = True
        pending = self.chat.outbox.items
        if not pending:
            if always:
                self.terminal.out("nothing attached")
            return
        items = "  ".join(f"[{i}] {p.label} ({p.detail})" for i, p in enumerate(pending, start=1))
        self.terminal.say(f"attached: {items}")

    def _told(self, pending: Pending) -> None:
        # more than one: the reminder before the next prompt lists them all
        self._pending_told = len(self.chat.outbox) == 1
        self.terminal.say(
            f"attached {pending.label} ({pending.detail}); it goes with your next message"
        )


@contextlib.contextmanager
def _count_hint() -> Iterator[None]:
    """Too many images: say how to drop some (the REPL's own words)."""
    try:
        yield
    except TooManyImages as exc:
        raise TooManyImages(f"{exc} (/detach drops attachments)") from None


def _knows(models: list[ModelInfo], model_id: str) -> bool:
    from mistral_chat.services.catalog import find_model

    return find_model(models, model_id) is not None


def _is_remote(arg: str) -> bool:
    return arg.lower().startswith(("http://", "https://", "file:"))
