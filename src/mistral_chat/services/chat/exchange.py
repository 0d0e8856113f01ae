"""One request for an answer, whole or streamed, and what the history keeps of it.

An `Exchange` is made by the session for each answer it asks for: it sends the messages,
draws the answer through the view as it arrives, saves it in the history (a streamed answer at
least once a second, through `StreamCheckpoint`) and returns the new assistant `Turn` with its
`TurnResult`. A stream that breaks, or Ctrl-C, keeps what arrived, marked "interrupted", with the
error in `TurnResult.error`; when nothing of an answer arrived, the error propagates and nothing
of the answer is left in the history.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mistral_chat.api import content as chunks
from mistral_chat.api.errors import StreamInterrupted
from mistral_chat.errors import LocalStorageError
from mistral_chat.services.chat.results import (
    CostEstimator,
    Turn,
    TurnResult,
    TurnView,
    text_of,
    thinking_of,
)
from mistral_chat.services.chat.tooling import ToolCall

if TYPE_CHECKING:
    from mistral_chat.api import Client
    from mistral_chat.storage import HistoryStore
    from mistral_chat.storage.checkpoint import StreamCheckpoint

__all__ = ["Exchange"]


@dataclass
class Exchange:
    """Ask `model` for the answer to `messages` and record it under `conversation_id`."""

    client: Client
    model: str
    messages: Sequence[dict[str, Any]]
    options: Mapping[str, Any]
    store: HistoryStore | None
    conversation_id: str | None
    cost: CostEstimator | None
    checkpoint_interval_s: float = 1.0

    @property
    def _logged(self) -> bool:
        return self.store is not None and self.conversation_id is not None

    def complete(self, view: TurnView) -> tuple[Turn, TurnResult]:
        """Ask for the whole answer at once, save it, then draw its reasoning and text."""
        started = time.monotonic()
        answer = self.client.chat.complete(self.model, list(self.messages), **self.options)
        elapsed = _ms(started)
        choice = answer.choices[0] if answer.choices else None
        content = choice.message.content if choice is not None else None
        calls = (choice.message.tool_calls or []) if choice is not None else []
        result = TurnResult(
            text=text_of(content),
            thinking=thinking_of(content),
            usage=_usage(answer.usage),
            finish_reason=choice.finish_reason if choice is not None else None,
            model=answer.model or self.model,
            ttft_ms=elapsed,
            duration_ms=elapsed,
            tool_calls=[ToolCall.from_api(_call_dict(c), i) for i, c in enumerate(calls)],
        )
        result.cost_usd = self._cost(result.usage)
        if result.finish_reason == "error":  # the model failed mid-answer: keep what it wrote
            result.status = "interrupted"
            result.error = StreamInterrupted(
                "the model stopped with finish_reason 'error'", partial_text=result.text, chunks=0
            )
            result.tool_calls = []  # a failed answer's calls are not run
            if not result.text:
                raise result.error
        turn = Turn(result.message())
        if self.store is not None and self.conversation_id is not None:
            turn.message_id = self.store.add_message(
                self.conversation_id,
                "assistant",
                result.stored_content(),
                model=result.model,
                **result.record(),
            ).id
        try:
            if result.thinking:
                view.on_thinking(result.thinking)
            if result.text:
                view.on_text(result.text)
        except KeyboardInterrupt as exc:  # the answer is whole and saved; report the Ctrl-C
            result.error = exc
        return turn, result

    def stream(self, view: TurnView) -> tuple[Turn, TurnResult]:
        """Stream the answer to the view delta by delta, saving the text as it arrives.

        Whatever ends the stream early (a cut, Ctrl-C, a signal, a bug) keeps the text that
        arrived, marked interrupted, with the error in the result; only when no text arrived
        does the error propagate. A disk that fails mid-answer does not stop the answer: it is
        reported once the answer is whole (`LocalStorageError`, exit 6).
        """
        started = time.monotonic()
        stream = self.client.chat.stream(self.model, list(self.messages), **self.options)
        # the stream is open (first event read): from here on, an answer is being written
        turn = Turn(chunks.message("assistant", ""))
        result = TurnResult(text="", model=self.model)
        checkpoint: StreamCheckpoint | None = None
        try:
            checkpoint = self._start(turn)
            for _chunk in stream:
                delta = stream.delta  # the stream's accumulator keeps the answer's text
                thought = stream.thinking_delta
                if (delta or thought) and result.ttft_ms is None:
                    result.ttft_ms = _ms(started)  # reasoning tokens are the first tokens too
                if thought:
                    view.on_thinking(thought)
                if not delta:
                    continue
                if checkpoint is not None:
                    checkpoint.add(delta)
                view.on_text(delta)
            if stream.finish_reason == "error":  # ended "normally", but the model failed
                raise StreamInterrupted(
                    "the model stopped with finish_reason 'error'",
                    partial_text=stream.text,
                    chunks=0,
                )
        except BaseException as exc:  # noqa: BLE001 - kept in the result, raised by the caller
            result.status = "interrupted"
            result.error = exc
        finally:
            stream.close()
            self._fill(result, stream, started)
            if result.error is not None:
                result.tool_calls = []  # calls cut short are not run, nor sent back
            turn.message = result.message()
        self._record(turn, checkpoint, result)
        if result.error is not None and not result.text:
            raise result.error
        return turn, result

    def _record(self, turn: Turn, checkpoint: StreamCheckpoint | None, result: TurnResult) -> None:
        """Finish the streamed answer in the history (or drop it when no text arrived)."""
        try:
            if result.text or result.tool_calls:
                self._finish(turn, checkpoint, result)
            else:
                self._forget(turn)  # an empty streaming message would read as interrupted
        except LocalStorageError as exc:
            # the answer is on screen; the disk is what failed: say so (exit 6)
            if result.error is None:
                result.error = exc

    def _fill(self, result: TurnResult, stream: Any, started: float) -> None:
        result.text = stream.text
        result.thinking = stream.thinking
        result.duration_ms = _ms(started)
        result.usage = _usage(stream.usage)
        result.finish_reason = stream.finish_reason
        result.model = stream.model or self.model
        result.cost_usd = self._cost(result.usage)
        result.tool_calls = [ToolCall.from_api(c, i) for i, c in enumerate(stream.tool_calls)]

    def _start(self, turn: Turn) -> StreamCheckpoint | None:
        if self.store is None or self.conversation_id is None:
            return None
        from mistral_chat.storage.checkpoint import StreamCheckpoint

        message = self.store.start_message(self.conversation_id, model=self.model)
        turn.message_id = message.id
        return StreamCheckpoint(self.store, message.id, interval_s=self.checkpoint_interval_s)

    def _finish(self, turn: Turn, checkpoint: StreamCheckpoint | None, result: TurnResult) -> None:
        if self.store is None or turn.message_id is None or checkpoint is None:
            return
        checkpoint.flush()
        self.store.finish_message(
            turn.message_id, content=result.stored_content(), **result.record()
        )

    def _forget(self, turn: Turn) -> None:
        if self.store is not None and turn.message_id is not None:
            self.store.delete_message(turn.message_id)
            turn.message_id = None

    def _cost(self, usage: Mapping[str, int] | None) -> float | None:
        if self.cost is None or not usage:
            return None
        return self.cost(self.model, usage)


def _call_dict(call: Any) -> dict[str, Any]:
    """A decoded `ToolCall` struct in the API's dict shape."""
    function = call.function
    return {"id": call.id, "function": {"name": function.name, "arguments": function.arguments}}


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
