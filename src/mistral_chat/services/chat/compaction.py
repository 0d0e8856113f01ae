"""`/compact`: older turns summarised into one exchange, to make room in the context.

The session asks its model for a summary of every turn but the last `keep` exchanges (one
request: the system message, those turns, then `SUMMARY_REQUEST`), and from then on sends
the request and its answer in their place:

    system · [user: SUMMARY_REQUEST] · [assistant: the summary] · the kept exchanges · ...

The history keeps every original message: nothing is deleted or rewritten. The summary
exchange is added to the conversation like any other, and its user message carries a marker
chunk, ``{"type": "compaction", "kept": [message ids]}``, that is never sent. A conversation
continued later (`-c`, `/resume`) starts from its latest marker: the summary, the kept messages
it names, then what came after (`resume_point`). `history show` and exports show everything.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol

from mistral_chat.api import content as chunks
from mistral_chat.errors import UsageError
from mistral_chat.services.chat.exchange import Exchange
from mistral_chat.services.chat.results import (
    CostEstimator,
    QuietView,
    Turn,
    TurnResult,
    TurnView,
)

if TYPE_CHECKING:
    from mistral_chat.api import Client
    from mistral_chat.storage import HistoryStore, Message

__all__ = ["MARKER", "SUMMARY_REQUEST", "Compaction", "NothingToCompact", "compact", "resume_point"]

#: the type of the chunk that marks a summary exchange in the history (never sent)
MARKER = "compaction"

SUMMARY_REQUEST = (
    "Summarise our conversation so far in one message that you will continue from. Keep "
    "every fact, decision, name, number, piece of code and open question that still matters; "
    "leave out greetings and repetition. Write only the summary."
)


class Compactable(Protocol):
    """What compaction needs of a session (`session.ChatSession` is one)."""

    turns: list[Turn]
    system: str | None
    model: str
    stream: bool
    cost: CostEstimator | None
    store: HistoryStore | None
    conversation_id: str | None
    usage_total: dict[str, float]
    #: the message the next one follows (branches: `ChatSession.branch_tip`)
    branch_tip: str | None
    before_send: Callable[[str, list[dict[str, Any]], Mapping[str, Any]], None] | None

    @property
    def client(self) -> Client: ...


class NothingToCompact(UsageError, ValueError):
    """Fewer exchanges than would be kept: there is nothing older to summarise."""


@dataclass
class Compaction:
    """What `/compact` did: how many messages it summarised, how many it kept, the answer."""

    summarised: int
    kept: int
    result: TurnResult


def compact(session: Compactable, keep: int = 1, view: TurnView | None = None) -> Compaction | None:
    """Summarise all but the last `keep` exchanges of `session` into one exchange.

    Returns None when the summary did not arrive whole (Ctrl-C, a cut stream): then nothing
    changed. The session's `before_send` check applies to the summary request too.
    """
    if keep < 0:
        raise NothingToCompact(f"the number of exchanges to keep must be 0 or more, got {keep}")
    starts = [i for i, turn in enumerate(session.turns) if turn.role == "user"]
    # the kept exchanges start at the keep-th user message from the end
    cut = starts[-keep] if 0 < keep <= len(starts) else (0 if keep else len(session.turns))
    older, kept = session.turns[:cut], session.turns[cut:]
    if not older:
        have = len(starts)
        raise NothingToCompact(
            f"nothing to compact: the conversation has {have} exchange{'s' * (have != 1)} "
            f"and the last {keep} are kept"
        )
    head = [chunks.message("system", session.system)] if session.system else []
    request = chunks.message("user", SUMMARY_REQUEST)
    messages = [*head, *_as_sent([t.message for t in older], request)]
    if session.before_send is not None:
        session.before_send(session.model, messages, {})
    exchange = Exchange(
        client=session.client,
        model=session.model,
        messages=messages,
        options={},
        store=None,  # saved below, once it is whole
        conversation_id=None,
        cost=session.cost,
    )
    view = view if view is not None else QuietView()
    with view:
        answer, result = exchange.stream(view) if session.stream else exchange.complete(view)
    if result.status != "complete" or not result.text.strip():
        return None
    question = Turn(request)
    _save(session, question, answer, result, kept)
    session.turns[:] = [question, answer, *kept]
    for key in ("prompt_tokens", "completion_tokens", "total_tokens"):
        session.usage_total[key] += (result.usage or {}).get(key, 0)
    session.usage_total["cost_usd"] += result.cost_usd or 0.0
    return Compaction(summarised=len(older), kept=len(kept), result=result)


def _as_sent(messages: list[dict[str, Any]], request: dict[str, Any]) -> list[dict[str, Any]]:
    """`messages` then `request`, as the session sends a conversation: no empty answer, and no
    question that failed and was followed by another one."""
    sent = [m for m in messages if m["content"] or m.get("tool_calls")] + [request]
    return [
        m
        for m, after in zip(sent, [*sent[1:], None], strict=False)
        if not (m["role"] == "user" and after is not None and after["role"] == "user")
    ]


def _save(
    session: Compactable, question: Turn, answer: Turn, result: TurnResult, kept: Sequence[Turn]
) -> None:
    store, conv = session.store, session.conversation_id
    if store is None or conv is None:
        return
    marker = {"type": MARKER, "kept": [t.message_id for t in kept if t.message_id]}
    # on the session's branch, so the next question follows the summary, not what it replaced
    question.message_id = store.add_message(
        conv, "user", [chunks.text(SUMMARY_REQUEST), marker], parent_id=session.branch_tip
    ).id
    answer.message_id = session.branch_tip = store.add_message(
        conv,
        "assistant",
        result.stored_content(),
        model=result.model,
        parent_id=question.message_id,
        **result.record(),
    ).id


def resume_point(messages: Sequence[Message]) -> list[Message]:
    """The messages a continued conversation sends: from its latest summary on (see the
    module docstring), the marker chunk taken out; all of them when it was never compacted."""
    for index in range(len(messages) - 1, -1, -1):
        message = messages[index]
        marker = _marker(message)
        if marker is None:
            continue
        by_id = {m.id: m for m in messages[:index]}
        kept = [by_id[i] for i in marker.get("kept") or [] if i in by_id]
        content = [c for c in message.content if c.get("type") != MARKER]
        summary = messages[index + 1 : index + 2]
        if summary and summary[0].role != "assistant":
            summary = []
        after = messages[index + 1 + len(summary) :]
        return [replace(message, content=content), *summary, *kept, *after]
    return list(messages)


def _marker(message: Message) -> dict[str, Any] | None:
    if message.role != "user":
        return None
    return next((c for c in message.content if c.get("type") == MARKER), None)
