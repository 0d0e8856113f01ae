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
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from mistral_chat.api import content as chunks
from mistral_chat.api.errors import StreamInterrupted
from mistral_chat.services.content import PreparedAttachments, user_content

if TYPE_CHECKING:
    from mistral_chat.api import Client
    from mistral_chat.storage import Conversation, HistoryStore, Message
    from mistral_chat.storage.checkpoint import StreamCheckpoint

__all__ = [
    "OPTION_NAMES",
    "ChatSession",
    "CostEstimator",
    "InvalidOption",
    "TurnResult",
    "list_price_cost",
    "validate_option",
]

#: the generation options a user may set, with the spec's field name each maps to
OPTION_NAMES: dict[str, str] = {
    "temperature": "temperature",
    "top_p": "top_p",
    "top-p": "top_p",
    "max_tokens": "max_tokens",
    "max-tokens": "max_tokens",
    "random_seed": "random_seed",
    "seed": "random_seed",
    "safe_prompt": "safe_prompt",
    "safe-prompt": "safe_prompt",
}

#: (model id, usage) -> estimated cost in USD, or None when the price is unknown
CostEstimator = Callable[[str, Mapping[str, int]], "float | None"]

Status = Literal["complete", "interrupted", "error"]
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def list_price_cost(model: str, usage: Mapping[str, int]) -> float | None:
    """Estimated USD at the bundled list prices (no network); None when the price is unknown."""
    from mistral_chat.services.catalog import estimate_cost, model_from_card

    return estimate_cost(model_from_card({"id": model}), usage)


class InvalidOption(ValueError):
    """An option name or value outside what the API accepts; one line for the user."""


def validate_option(name: str, value: object) -> tuple[str, Any]:
    """The spec's field name and the checked value (strings are parsed, as typed in a REPL).

    `None` (or the string "none"/"default") unsets the option.

        >>> validate_option("temperature", "0.3")
        ('temperature', 0.3)
        >>> validate_option("seed", 7)
        ('random_seed', 7)
    """
    key = OPTION_NAMES.get(name.strip().lower())
    if key is None:
        known = "temperature, top_p, max_tokens, random_seed (seed), safe_prompt"
        raise InvalidOption(f"unknown option {name!r}; options are {known}")
    if value is None or (isinstance(value, str) and value.strip().lower() in ("none", "default")):
        return key, None
    if key == "safe_prompt":
        return key, _bool(value)
    if key in ("temperature", "top_p"):
        number = _number(key, value, float)
        if key == "temperature" and not 0 <= number <= 1.5:
            raise InvalidOption(f"temperature must be between 0 and 1.5, got {value}")
        if key == "top_p" and not 0 < number <= 1:
            raise InvalidOption(f"top_p must be greater than 0 and at most 1, got {value}")
        return key, number
    integer = int(_number(key, value, int))
    if integer < 0:
        raise InvalidOption(f"{key} must be 0 or more, got {value}")
    return key, integer


def _number(key: str, value: object, kind: type[float] | type[int]) -> float:
    what = "a whole number" if kind is int else "a number"
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InvalidOption(f"{key} must be {what}, got {value!r}")
    if isinstance(value, float) and kind is int and not value.is_integer():
        raise InvalidOption(f"{key} must be {what}, got {value!r}")
    try:
        number = kind(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError, OverflowError):
        raise InvalidOption(f"{key} must be {what}, got {value!r}") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise InvalidOption(f"{key} must be a finite number, got {value}")
    return number


def _bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InvalidOption(f"safe_prompt must be on or off, got {value!r}")


@dataclass
class TurnResult:
    """What one `send` produced. `error` is set when the answer was cut or Ctrl-C was pressed
    (the caller reports it: exit 5 or 130); what arrived is in `text` and in the history."""

    text: str
    status: Status = "complete"
    usage: dict[str, int] | None = None
    finish_reason: str | None = None
    model: str = ""
    ttft_ms: int | None = None
    duration_ms: int | None = None
    cost_usd: float | None = None
    conversation_id: str | None = None
    error: BaseException | None = None

    @property
    def tokens_per_second(self) -> float | None:
        """Completion tokens per second of generation (after the first token)."""
        if not self.usage or self.duration_ms is None:
            return None
        tokens = self.usage.get("completion_tokens") or 0
        seconds = (self.duration_ms - (self.ttft_ms or 0)) / 1000
        return tokens / seconds if tokens and seconds > 0 else None


@dataclass
class _Turn:
    """A message of the session: what goes to the API and its id in the history."""

    message: dict[str, Any]
    message_id: str | None = None
    attachments: list[Any] = field(default_factory=list)


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
        self.turns: list[_Turn] = []
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
    ) -> TurnResult:
        """Send one user message and return the answer (see the module docstring)."""
        content = user_content(text, attachments)
        if not content:
            raise ValueError("nothing to send: the message has no text and no attachments")
        turn = _Turn(chunks.message("user", content))
        if attachments is not None:
            turn.attachments = list(attachments.attachments)
        self.turns.append(turn)
        created = self._log_user(turn, content)
        try:
            return self._answer(on_text)
        except BaseException:
            # nothing of an answer arrived: the user turn goes back out, as if never sent
            self.turns.remove(turn)
            self._forget(turn)
            if created and self.store is not None and self.conversation_id is not None:
                self.store.delete_conversation(self.conversation_id)
                self.conversation_id = None
            raise

    def retry(self, *, on_text: Callable[[str], None] | None = None) -> TurnResult:
        """Ask again for an answer to the last user message (the previous answer is dropped)."""
        while self.turns and self.turns[-1].message["role"] != "user":
            self._forget(self.turns.pop())
        if not self.turns:
            raise ValueError("nothing to retry: no message has been sent yet")
        return self._answer(on_text)

    def _log_user(self, turn: _Turn, content: list[dict[str, Any]]) -> bool:
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

    def _forget(self, turn: _Turn) -> None:
        if self.store is not None and turn.message_id is not None:
            self.store.delete_message(turn.message_id)
            turn.message_id = None

    def _answer(self, on_text: Callable[[str], None] | None) -> TurnResult:
        """Request the answer to the current messages; raises if nothing arrived."""
        result = self._stream(on_text) if self.stream else self._complete(on_text)
        result.conversation_id = self.conversation_id
        self._count(result)
        return result

    def _complete(self, on_text: Callable[[str], None] | None) -> TurnResult:
        started = time.monotonic()
        answer = self.client.chat.complete(self.model, self.messages, **self.options)
        elapsed = _ms(started)
        choice = answer.choices[0] if answer.choices else None
        text = _text_of(choice.message.content) if choice is not None else ""
        result = TurnResult(
            text=text,
            usage=_usage(answer.usage),
            finish_reason=choice.finish_reason if choice is not None else None,
            model=answer.model or self.model,
            ttft_ms=elapsed,
            duration_ms=elapsed,
        )
        result.cost_usd = self._cost(result.usage)
        turn = _Turn(chunks.message("assistant", text))
        self.turns.append(turn)
        if self.store is not None and self.conversation_id is not None:
            turn.message_id = self.store.add_message(
                self.conversation_id,
                "assistant",
                text,
                model=result.model,
                usage=result.usage,
                finish_reason=result.finish_reason,
                ttft_ms=result.ttft_ms,
                duration_ms=result.duration_ms,
                cost_usd=result.cost_usd,
            ).id
        if on_text is not None and text:
            try:
                on_text(text)
            except KeyboardInterrupt as exc:  # the answer is whole and saved; report the Ctrl-C
                result.error = exc
        return result

    def _stream(self, on_text: Callable[[str], None] | None) -> TurnResult:
        started = time.monotonic()
        stream = self.client.chat.stream(self.model, self.messages, **self.options)
        # the stream is open (first event read): from here on, an answer is being written
        turn = _Turn(chunks.message("assistant", ""))
        result = TurnResult(text="", model=self.model)
        checkpoint: StreamCheckpoint | None = None
        try:
            self.turns.append(turn)
            checkpoint = self._start_answer(turn)
            for _chunk in stream:
                delta = stream.delta  # the stream's accumulator keeps the answer's text
                if not delta:
                    continue
                if result.ttft_ms is None:
                    result.ttft_ms = _ms(started)
                if checkpoint is not None:
                    checkpoint.add(delta)
                if on_text is not None:
                    on_text(delta)
        except (StreamInterrupted, KeyboardInterrupt) as exc:
            result.status = "interrupted"
            result.error = exc
        except BaseException:
            result.status = "error"
            raise
        finally:
            stream.close()
            result.text = stream.text
            result.duration_ms = _ms(started)
            result.usage = _usage(stream.usage)
            result.finish_reason = stream.finish_reason
            result.model = stream.model or self.model
            result.cost_usd = self._cost(result.usage)
            turn.message = chunks.message("assistant", result.text)
            if result.status == "error" or (result.error is not None and not result.text):
                # no answer to keep: the turn goes, and `send` takes the user message back
                if turn in self.turns:
                    self.turns.remove(turn)
                self._forget(turn)
            else:
                self._finish_answer(turn, checkpoint, result)
        if result.error is not None and not result.text:
            raise result.error
        return result

    def _start_answer(self, turn: _Turn) -> StreamCheckpoint | None:
        if self.store is None or self.conversation_id is None:
            return None
        from mistral_chat.storage.checkpoint import StreamCheckpoint

        message = self.store.start_message(self.conversation_id, model=self.model)
        turn.message_id = message.id
        return StreamCheckpoint(self.store, message.id, interval_s=self.checkpoint_interval_s)

    def _finish_answer(
        self, turn: _Turn, checkpoint: StreamCheckpoint | None, result: TurnResult
    ) -> None:
        if self.store is None or turn.message_id is None or checkpoint is None:
            return
        checkpoint.flush()
        self.store.finish_message(
            turn.message_id,
            content=result.text,
            status=result.status,
            usage=result.usage,
            finish_reason=result.finish_reason,
            ttft_ms=result.ttft_ms,
            duration_ms=result.duration_ms,
            cost_usd=result.cost_usd,
        )

    def _cost(self, usage: Mapping[str, int] | None) -> float | None:
        if self.cost is None or not usage:
            return None
        return self.cost(self.model, usage)

    def _count(self, result: TurnResult) -> None:
        for key in ("prompt_tokens", "completion_tokens", "total_tokens"):
            self.usage_total[key] += (result.usage or {}).get(key, 0)
        self.usage_total["cost_usd"] += result.cost_usd or 0.0


def _ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def _usage(usage: Any) -> dict[str, int] | None:
    if usage is None:
        return None
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
    }


def _text_of(content: str | list[dict[str, Any]] | None) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "".join(str(c.get("text", "")) for c in content if c.get("type") == "text")


def _turn_from_history(m: Message) -> _Turn | None:
    """A stored message as it can be sent again; None for what cannot (empty, system...)."""
    if m.role not in ("user", "assistant"):
        return None
    content: list[dict[str, Any]] = []
    for chunk in m.content:
        url = chunk.get("image_url")
        if chunk.get("type") == "image_url" and isinstance(url, dict):
            url = url.get("url")
        if chunk.get("type") == "image_url" and not str(url).startswith(("http://", "https://")):
            # inline image bytes are not kept in the history: say so rather than resend nothing
            content.append(chunks.text("[an image was attached here; it is not kept in history]"))
        else:
            content.append(chunk)
    if not content or (m.role == "assistant" and not _text_of(content)):
        return None
    return _Turn(chunks.message(m.role, content), message_id=m.id, attachments=m.attachments)
