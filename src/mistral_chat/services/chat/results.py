"""What a turn produces and reports: `Turn`, `TurnResult`, and the `TurnView` it draws through.

Plain data and pure helpers; no I/O. The session (`session.py`) and the request runner
(`exchange.py`) both build on these, and neither imports the other's module for them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Protocol

from mistral_chat.services.chat.tooling import ToolCall, ToolOutcome
from mistral_chat.storage.records import content_thinking

__all__ = [
    "CostEstimator",
    "QuietView",
    "Status",
    "Turn",
    "TurnResult",
    "TurnView",
    "list_price_cost",
    "text_of",
    "thinking_of",
]

#: (model id, usage) -> estimated cost in USD, or None when the price is unknown
CostEstimator = Callable[[str, Mapping[str, int]], "float | None"]

Status = Literal["complete", "interrupted", "error"]


class TurnView(Protocol):
    """What a turn reports while it runs; the interface draws it (render.answer.AnswerView).

    The view is entered when the request goes out and left when the answer has ended (even by
    an exception), so a spinner or a live region can be set up and torn down around it.
    Uploads happen before, and report through `on_upload`.
    """

    def __enter__(self) -> object: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> object: ...

    def on_text(self, delta: str) -> None: ...

    def on_thinking(self, delta: str) -> None: ...

    def on_upload(self, name: str, done: int, total: int | None) -> None: ...

    def on_tool_call(self, call: ToolCall) -> None:
        """The model called a tool: about to be approved (or not) and run."""
        ...

    def on_tool_result(self, call: ToolCall, outcome: ToolOutcome) -> None: ...


class QuietView:
    """A view that draws nothing (scripts, tests); callbacks may still collect the deltas."""

    def __init__(
        self,
        on_text: Callable[[str], None] | None = None,
        on_thinking: Callable[[str], None] | None = None,
    ) -> None:
        self._on_text = on_text
        self._on_thinking = on_thinking

    def __enter__(self) -> QuietView:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def on_text(self, delta: str) -> None:
        if self._on_text is not None:
            self._on_text(delta)

    def on_thinking(self, delta: str) -> None:
        if self._on_thinking is not None:
            self._on_thinking(delta)

    def on_upload(self, name: str, done: int, total: int | None) -> None:
        return None

    def on_tool_call(self, call: ToolCall) -> None:
        return None

    def on_tool_result(self, call: ToolCall, outcome: ToolOutcome) -> None:
        return None


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
    #: the calls the model asked for in this answer (the loop runs them and asks again)
    tool_calls: list[ToolCall] = field(default_factory=list)
    #: for the whole turn: every call the loop ran (or refused) and what it gave
    tools_run: list[tuple[ToolCall, ToolOutcome]] = field(default_factory=list)
    #: things the user should know that are not errors (a tool-call budget spent ...)
    warnings: list[str] = field(default_factory=list)
    #: the sources hosted tools used (web pages, library passages): title, url, tool
    sources: list[dict[str, Any]] = field(default_factory=list)
    #: files hosted tools made, saved locally (generated images)
    files: list[Path] = field(default_factory=list)

    def record(self) -> dict[str, Any]:
        """What the history keeps of the answer besides its content (whole or streamed)."""
        return {
            "status": self.status,
            "usage": self.usage,
            "finish_reason": self.finish_reason,
            "ttft_ms": self.ttft_ms,
            "duration_ms": self.duration_ms,
            "cost_usd": self.cost_usd,
        }

    def stored_content(self) -> str | list[dict[str, Any]]:
        """What the history keeps of the answer: its reasoning (if any) as a `thinking`
        chunk, then its text, then the tool calls it made."""
        from mistral_chat.api import content as chunks
        from mistral_chat.services.chat.tooling import stored_call_chunks

        if not self.thinking and not self.tool_calls:
            return self.text
        stored = [chunks.thinking(self.thinking)] if self.thinking else []
        if self.text or not self.tool_calls:
            stored.append(chunks.text(self.text))
        return stored + stored_call_chunks(self.tool_calls)

    def message(self) -> dict[str, Any]:
        """The answer as the next request carries it back (its text and any tool calls)."""
        from mistral_chat.api import content as chunks
        from mistral_chat.services.chat.tooling import assistant_message

        if self.tool_calls:
            return assistant_message(self.text, self.tool_calls)
        return chunks.message("assistant", self.text)


@dataclass
class Turn:
    """A message of the session: what goes to the API and its id in the history."""

    message: dict[str, Any]
    message_id: str | None = None
    attachments: list[Any] = field(default_factory=list)
    #: when its documents' URLs were signed (0: unknown, loaded from the history)
    signed_at: float = field(default_factory=time.time)

    @property
    def role(self) -> str:
        return str(self.message["role"])


def list_price_cost(model: str, usage: Mapping[str, int]) -> float | None:
    """Estimated USD at the bundled list prices (no network); None when the price is unknown."""
    from mistral_chat.services.model_info import model_from_card
    from mistral_chat.services.model_prices import estimate_cost

    return estimate_cost(model_from_card({"id": model}), usage)


def thinking_of(content: str | list[dict[str, Any]] | None) -> str:
    """The reasoning in a message's `thinking` chunks, joined (read as the history reads it)."""
    return content_thinking(content) if isinstance(content, list) else ""


def text_of(content: str | list[dict[str, Any]] | None) -> str:
    """The text chunks of a message's content, joined."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "".join(str(c.get("text", "")) for c in content if c.get("type") == "text")


def whole_turn(rounds: list[TurnResult]) -> TurnResult:
    """One result for a turn of several requests: the last answer, with the first one's time
    to first token, summed usage, time and cost, and the calls and warnings of all."""
    first, last = rounds[0], rounds[-1]
    if len(rounds) == 1:
        if first.error is not None and first.status == "complete":  # stopped among its tools
            first.status = "interrupted"
        return first
    usage: dict[str, int] = {}
    for r in rounds:
        for key, value in (r.usage or {}).items():
            usage[key] = usage.get(key, 0) + value
    costs = [r.cost_usd for r in rounds if r.cost_usd is not None]
    last.usage = usage or None
    last.cost_usd = sum(costs) if costs else None
    last.ttft_ms = first.ttft_ms
    last.duration_ms = sum(r.duration_ms or 0 for r in rounds)
    last.thinking = "".join(r.thinking for r in rounds)
    last.tools_run = first.tools_run
    last.warnings = [w for r in rounds for w in r.warnings]
    last.sources = [s for r in rounds for s in r.sources]
    last.files = [f for r in rounds for f in r.files]
    if last.error is None and first.error is not None:
        last.error, last.status = first.error, "interrupted"
    return last
