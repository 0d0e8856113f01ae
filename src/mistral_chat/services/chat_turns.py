"""One turn of a chat: asking for the answer, whole or streamed, and keeping what arrives.

`complete_answer` and `stream_answer` send a `ChatSession`'s current messages, append the
answer to its turns and to its history conversation, and return a `TurnResult` with the usage,
timings and estimated cost. A streamed answer is saved as it arrives (`StreamCheckpoint`); a
stream that breaks, or Ctrl-C, keeps what arrived, marked "interrupted", and puts the error in
`TurnResult.error`. When nothing of an answer arrived, the error propagates and the answer's
turn is gone (the session then takes the user turn back too).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from mistral_chat.api import content as chunks
from mistral_chat.api.errors import StreamInterrupted

if TYPE_CHECKING:
    from mistral_chat.services.conversation import ChatSession
    from mistral_chat.storage import HistoryStore
    from mistral_chat.storage.checkpoint import StreamCheckpoint

__all__ = [
    "CostEstimator",
    "Turn",
    "TurnResult",
    "complete_answer",
    "forget",
    "list_price_cost",
    "stored_content",
    "stream_answer",
    "text_of",
    "thinking_of",
]

#: (model id, usage) -> estimated cost in USD, or None when the price is unknown
CostEstimator = Callable[[str, Mapping[str, int]], "float | None"]

Status = Literal["complete", "interrupted", "error"]


def list_price_cost(model: str, usage: Mapping[str, int]) -> float | None:
    """Estimated USD at the bundled list prices (no network); None when the price is unknown."""
    from mistral_chat.services.model_info import model_from_card
    from mistral_chat.services.model_prices import estimate_cost

    return estimate_cost(model_from_card({"id": model}), usage)


@dataclass
class TurnResult:
    """What one `send` produced. `error` is set when the answer was cut or Ctrl-C was pressed
    (the caller reports it: exit 5 or 130); what arrived is in `text` and in the history."""

    text: str
    status: Status = "complete"
    #: a reasoning model's reasoning ("" when it gave none); saved, never sent back
    thinking: str = ""
    usage: dict[str, int] | None = None
    finish_reason: str | None = None
    model: str = ""
    ttft_ms: int | None = None
    duration_ms: int | None = None
    cost_usd: float | None = None
    conversation_id: str | None = None
    error: BaseException | None = None


@dataclass
class Turn:
    """A message of the session: what goes to the API and its id in the history."""

    message: dict[str, Any]
    message_id: str | None = None
    attachments: list[Any] = field(default_factory=list)


def forget(store: HistoryStore | None, turn: Turn) -> None:
    """Delete the turn's message from the history, if it was saved there."""
    if store is not None and turn.message_id is not None:
        store.delete_message(turn.message_id)
        turn.message_id = None


def complete_answer(
    session: ChatSession,
    on_text: Callable[[str], None] | None,
    on_thinking: Callable[[str], None] | None = None,
) -> TurnResult:
    """Ask for the whole answer at once, save it, then hand its reasoning to `on_thinking`
    and its text to `on_text`."""
    started = time.monotonic()
    answer = session.client.chat.complete(session.model, session.messages, **session.options)
    elapsed = _ms(started)
    choice = answer.choices[0] if answer.choices else None
    text = text_of(choice.message.content) if choice is not None else ""
    result = TurnResult(
        text=text,
        thinking=thinking_of(choice.message.content) if choice is not None else "",
        usage=_usage(answer.usage),
        finish_reason=choice.finish_reason if choice is not None else None,
        model=answer.model or session.model,
        ttft_ms=elapsed,
        duration_ms=elapsed,
    )
    result.cost_usd = _cost(session, result.usage)
    if result.finish_reason == "error":  # the model failed mid-answer: keep what it wrote
        result.status = "interrupted"
        result.error = StreamInterrupted(
            "the model stopped with finish_reason 'error'", partial_text=text, chunks=0
        )
        if not text:
            raise result.error
    turn = Turn(chunks.message("assistant", text))
    session.turns.append(turn)
    if session.store is not None and session.conversation_id is not None:
        turn.message_id = session.store.add_message(
            session.conversation_id,
            "assistant",
            stored_content(result),
            model=result.model,
            **_answer_record(result),
        ).id
    try:
        if on_thinking is not None and result.thinking:
            on_thinking(result.thinking)
        if on_text is not None and text:
            on_text(text)
    except KeyboardInterrupt as exc:  # the answer is whole and saved; report the Ctrl-C
        result.error = exc
    return result


def stream_answer(
    session: ChatSession,
    on_text: Callable[[str], None] | None,
    on_thinking: Callable[[str], None] | None = None,
) -> TurnResult:
    """Stream the answer to `on_text` (and its reasoning to `on_thinking`) delta by delta,
    saving the text as it arrives."""
    started = time.monotonic()
    stream = session.client.chat.stream(session.model, session.messages, **session.options)
    # the stream is open (first event read): from here on, an answer is being written
    turn = Turn(chunks.message("assistant", ""))
    result = TurnResult(text="", model=session.model)
    checkpoint: StreamCheckpoint | None = None
    try:
        session.turns.append(turn)
        checkpoint = _start_answer(session, turn)
        for _chunk in stream:
            delta = stream.delta  # the stream's accumulator keeps the answer's text
            thought = stream.thinking_delta
            if (delta or thought) and result.ttft_ms is None:
                result.ttft_ms = _ms(started)  # reasoning tokens are the first tokens too
            if thought and on_thinking is not None:
                on_thinking(thought)
            if not delta:
                continue
            if checkpoint is not None:
                checkpoint.add(delta)
            if on_text is not None:
                on_text(delta)
        if stream.finish_reason == "error":  # ended "normally", but the model failed mid-answer
            raise StreamInterrupted(
                "the model stopped with finish_reason 'error'", partial_text=stream.text, chunks=0
            )
    except (StreamInterrupted, KeyboardInterrupt) as exc:
        result.status = "interrupted"
        result.error = exc
    except BaseException:
        result.status = "error"
        raise
    finally:
        stream.close()
        result.text = stream.text
        result.thinking = stream.thinking
        result.duration_ms = _ms(started)
        result.usage = _usage(stream.usage)
        result.finish_reason = stream.finish_reason
        result.model = stream.model or session.model
        result.cost_usd = _cost(session, result.usage)
        turn.message = chunks.message("assistant", result.text)
        if result.status == "error" or (result.error is not None and not result.text):
            # no answer to keep: the turn goes, and `send` takes the user message back
            if turn in session.turns:
                session.turns.remove(turn)
            forget(session.store, turn)
        else:
            _finish_answer(session.store, turn, checkpoint, result)
    if result.error is not None and not result.text:
        raise result.error
    return result


def _start_answer(session: ChatSession, turn: Turn) -> StreamCheckpoint | None:
    if session.store is None or session.conversation_id is None:
        return None
    from mistral_chat.storage.checkpoint import StreamCheckpoint

    message = session.store.start_message(session.conversation_id, model=session.model)
    turn.message_id = message.id
    return StreamCheckpoint(session.store, message.id, interval_s=session.checkpoint_interval_s)


def _finish_answer(
    store: HistoryStore | None,
    turn: Turn,
    checkpoint: StreamCheckpoint | None,
    result: TurnResult,
) -> None:
    if store is None or turn.message_id is None or checkpoint is None:
        return
    checkpoint.flush()
    store.finish_message(turn.message_id, content=stored_content(result), **_answer_record(result))


def _answer_record(result: TurnResult) -> dict[str, Any]:
    """What the history keeps of an answer besides its content, whole or streamed."""
    return {
        "status": result.status,
        "usage": result.usage,
        "finish_reason": result.finish_reason,
        "ttft_ms": result.ttft_ms,
        "duration_ms": result.duration_ms,
        "cost_usd": result.cost_usd,
    }


def _cost(session: ChatSession, usage: Mapping[str, int] | None) -> float | None:
    if session.cost is None or not usage:
        return None
    return session.cost(session.model, usage)


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


def stored_content(result: TurnResult) -> str | list[dict[str, Any]]:
    """What the history keeps of an answer: its reasoning (if any) as a `thinking` chunk,
    then its text."""
    if not result.thinking:
        return result.text
    return [chunks.thinking(result.thinking), chunks.text(result.text)]


def thinking_of(content: str | list[dict[str, Any]] | None) -> str:
    """The reasoning in a message's `thinking` chunks, joined (read as the history reads it)."""
    from mistral_chat.storage.records import content_thinking

    return content_thinking(content) if isinstance(content, list) else ""


def text_of(content: str | list[dict[str, Any]] | None) -> str:
    """The text chunks of a message's content, joined."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "".join(str(c.get("text", "")) for c in content if c.get("type") == "text")
