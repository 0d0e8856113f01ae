"""A conversation in progress: `ChatSession`, shared by `ask` and the REPL.

A session holds the system message, the messages so far, the model and the generation options,
and is bound to a `Client` and (unless history is off) a `HistoryStore`. `send` is one turn:

1. the user message is committed to the history before the request goes out;
2. the answer streams to `on_text` as it arrives and is saved at least once a second
   (`StreamCheckpoint`), so a process killed mid-answer loses at most about a second of it;
3. a stream that breaks, or Ctrl-C, keeps what arrived: in memory and in the history, marked
   "interrupted"; the `TurnResult` carries the error for the caller to report;
4. an API error before any answer (401, 422, 503 after retries...) takes the user turn back out
   of the session and the history, then propagates.

    >>> session = ChatSession(client, store, model="mistral-small-latest")  # doctest: +SKIP
    >>> result = session.send("Bonjour", on_text=print)                      # doctest: +SKIP
    >>> result.status, result.usage                                          # doctest: +SKIP
    ('complete', {'prompt_tokens': 3, 'completion_tokens': 12, 'total_tokens': 15})

Option values are checked against the spec's ranges by `validate_option` before anything is sent.

This module holds the session's state (its turns, model, system message, options and history
conversation); running one turn is in `chat_turns`, the options' checks in `chat_options`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from mistral_chat.api import content as chunks
from mistral_chat.services.chat_options import OPTION_NAMES, InvalidOption, validate_option
from mistral_chat.services.chat_turns import (
    CostEstimator,
    Turn,
    TurnResult,
    complete_answer,
    forget,
    list_price_cost,
    stream_answer,
    text_of,
)
from mistral_chat.services.content import PreparedAttachments, user_content

if TYPE_CHECKING:
    from mistral_chat.api import Client
    from mistral_chat.storage import Conversation, HistoryStore, Message

__all__ = [
    "OPTION_NAMES",
    "ChatSession",
    "CostEstimator",
    "InvalidOption",
    "TurnResult",
    "list_price_cost",
    "validate_option",
]


class ChatSession:
    """The in-memory conversation bound to a client and, optionally, a history store.

    The history conversation is created on the first `send` (an unused session leaves no
    trace). `conversation_id` is None until then, or when history is off.
    """

    def __init__(
        self,
        client: Client,
        store: HistoryStore | None = None,
        *,
        model: str,
        system: str | None = None,
        options: Mapping[str, Any] | None = None,
        cost: CostEstimator | None = list_price_cost,
        stream: bool = True,
        checkpoint_interval_s: float = 1.0,
    ) -> None:
        self.client = client
        self.store = store
        self.model = model
        self.system = system or None
        self.conversation_id: str | None = None
        self.options: dict[str, Any] = {}
        for name, value in (options or {}).items():
            self.set_option(name, value)
        self.cost = cost
        self.stream = stream
        self.checkpoint_interval_s = checkpoint_interval_s
        self.turns: list[Turn] = []
        self.usage_total: dict[str, float] = {
            "prompt_tokens": 0,
            "completion_tokens": 0,
            "total_tokens": 0,
            "cost_usd": 0.0,
        }

    # -- loading -------------------------------------------------------------------------------
    @classmethod
    def resume(
        cls,
        client: Client,
        store: HistoryStore,
        ref: str,
        *,
        log: bool = True,
        **kw: Any,
    ) -> ChatSession:
        """Continue the conversation whose id is or starts with `ref` (`ConversationNotFound`,
        `AmbiguousConversationId` otherwise). `model`, `system`, `options` override its own."""
        return cls._from_conversation(client, store, store.get_conversation(ref), log=log, **kw)

    @classmethod
    def latest(
        cls,
        client: Client,
        store: HistoryStore,
        *,
        log: bool = True,
        default_model: str = "mistral-small-latest",
        **kw: Any,
    ) -> ChatSession:
        """Continue the most recently updated conversation; a new one if there is none."""
        conv = store.latest_conversation()
        if conv is None:
            kw["model"] = kw.get("model") or default_model
            return cls(client, store if log else None, **kw)
        return cls._from_conversation(client, store, conv, log=log, **kw)

    @classmethod
    def _from_conversation(
        cls,
        client: Client,
        store: HistoryStore,
        conv: Conversation,
        *,
        log: bool,
        model: str | None = None,
        system: str | None = None,
        options: Mapping[str, Any] | None = None,
        **kw: Any,
    ) -> ChatSession:
        merged = {**conv.options, **(options or {})}
        session = cls(
            client,
            store if log else None,
            model=model or conv.model,
            system=system if system is not None else conv.system,
            options={k: v for k, v in merged.items() if k in OPTION_NAMES},
            **kw,
        )
        session.conversation_id = conv.id
        for m in conv.messages:
            turn = _turn_from_history(m)
            if turn is not None:
                session.turns.append(turn)
        if log and store is not None:
            if model and model != conv.model:
                store.set_model(conv.id, model)
            if system is not None and system != conv.system:
                store.set_system(conv.id, system)
            if options:
                store.set_options(conv.id, session.options)
        return session

    @property
    def answers_in_json(self) -> bool:
        """Whether answers are asked for as JSON (`response_format`): shown raw, not as markdown."""
        return "response_format" in self.options

    # -- settings ------------------------------------------------------------------------------
    def set_model(self, model: str) -> None:
        self.model = model
        if self.store is not None and self.conversation_id is not None:
            self.store.set_model(self.conversation_id, model)

    def set_system(self, system: str | None) -> None:
        self.system = system or None
        if self.store is not None and self.conversation_id is not None:
            self.store.set_system(self.conversation_id, self.system)

    def set_option(self, name: str, value: object) -> tuple[str, Any]:
        """Check and set (or, with None, unset) one option; raises `InvalidOption`."""
        key, checked = validate_option(name, value)
        if checked is None:
            self.options.pop(key, None)
        else:
            self.options[key] = checked
        if self.store is not None and self.conversation_id is not None:
            self.store.set_options(self.conversation_id, self.options)
        return key, checked

    # -- the messages sent ---------------------------------------------------------------------
    @property
    def messages(self) -> list[dict[str, Any]]:
        """The messages of the next request: the system message, then every turn."""
        head = [chunks.message("system", self.system)] if self.system else []
        # an empty answer (e.g. max_tokens 0) stays in the history but is not sent back
        return head + [t.message for t in self.turns if t.message["content"]]

    def clear(self) -> None:
        """Start afresh (a new conversation in the history), keeping system, model, options."""
        self.turns.clear()
        self.conversation_id = None

    def undo(self) -> int:
        """Remove the last exchange (the last user message and what followed it).

        Returns how many messages were removed (0 when there is nothing to undo).
        """
        for index in range(len(self.turns) - 1, -1, -1):
            if self.turns[index].message["role"] == "user":
                removed = self.turns[index:]
                del self.turns[index:]
                for turn in removed:
                    self._forget(turn)
                return len(removed)
        return 0

    # -- sending -------------------------------------------------------------------------------
    def send(
        self,
        text: str,
        attachments: PreparedAttachments | None = None,
        *,
        on_text: Callable[[str], None] | None = None,
        on_thinking: Callable[[str], None] | None = None,
    ) -> TurnResult:
        """Send one user message and return the answer (see the module docstring).
        A reasoning model's reasoning goes to `on_thinking`, its answer to `on_text`."""
        content = user_content(text, attachments)
        if not content:
            raise ValueError("nothing to send: the message has no text and no attachments")
        turn = Turn(chunks.message("user", content))
        if attachments is not None:
            turn.attachments = list(attachments.attachments)
        self.turns.append(turn)
        created = self._log_user(turn, content)
        try:
            return self._answer(on_text, on_thinking)
        except BaseException:
            # nothing of an answer arrived: the user turn goes back out, as if never sent
            self.turns.remove(turn)
            self._forget(turn)
            if created and self.store is not None and self.conversation_id is not None:
                self.store.delete_conversation(self.conversation_id)
                self.conversation_id = None
            raise

    def retry(
        self,
        *,
        on_text: Callable[[str], None] | None = None,
        on_thinking: Callable[[str], None] | None = None,
    ) -> TurnResult:
        """Ask again for an answer to the last user message. The previous answer is dropped
        once the new one has begun; if nothing of it arrives, the previous answer stays."""
        dropped: list[Turn] = []
        while self.turns and self.turns[-1].message["role"] != "user":
            dropped.append(self.turns.pop())
        if not self.turns:
            self.turns.extend(reversed(dropped))
            raise ValueError("nothing to retry: no message has been sent yet")
        try:
            result = self._answer(on_text, on_thinking)
        except BaseException:
            self.turns.extend(reversed(dropped))  # in memory; the history never lost it
            raise
        for turn in dropped:
            self._forget(turn)
        return result

    def _log_user(self, turn: Turn, content: list[dict[str, Any]]) -> bool:
        """Commit the user message; True if the history conversation was created for it."""
        if self.store is None:
            return False
        created = False
        if self.conversation_id is None:
            conv = self.store.create_conversation(
                self.model, system=self.system, options=self.options or None
            )
            self.conversation_id = conv.id
            created = True
        stored = self.store.add_message(
            self.conversation_id, "user", content, attachments=turn.attachments
        )
        turn.message_id = stored.id
        return created

    def _forget(self, turn: Turn) -> None:
        forget(self.store, turn)

    def _answer(
        self,
        on_text: Callable[[str], None] | None,
        on_thinking: Callable[[str], None] | None,
    ) -> TurnResult:
        """Request the answer to the current messages; raises if nothing arrived."""
        answer = stream_answer if self.stream else complete_answer
        result = answer(self, on_text, on_thinking)
        result.conversation_id = self.conversation_id
        self._count(result)
        return result

    def _count(self, result: TurnResult) -> None:
        for key in ("prompt_tokens", "completion_tokens", "total_tokens"):
            self.usage_total[key] += (result.usage or {}).get(key, 0)
        self.usage_total["cost_usd"] += result.cost_usd or 0.0


def _turn_from_history(m: Message) -> Turn | None:
    """A stored message as it can be sent again; None for what cannot (empty, system...)."""
    if m.role not in ("user", "assistant"):
        return None
    content: list[dict[str, Any]] = []
    for chunk in m.content:
        if chunk.get("type") == "thinking":
            continue  # past reasoning is kept in the history, not sent back
        url = chunk.get("image_url")
        if chunk.get("type") == "image_url" and isinstance(url, dict):
            url = url.get("url")
        if chunk.get("type") == "image_url" and not str(url).startswith(("http://", "https://")):
            # inline image bytes are not kept in the history: say so rather than resend nothing
            content.append(chunks.text("[an image was attached here; it is not kept in history]"))
        else:
            content.append(chunk)
    if not content or (m.role == "assistant" and not text_of(content)):
        return None
    return Turn(chunks.message(m.role, content), message_id=m.id, attachments=m.attachments)
