"""Plain result objects of the history store (no behaviour beyond small derived views)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ROLES",
    "STATUSES",
    "Attachment",
    "Conversation",
    "Message",
    "SearchHit",
    "UsageRow",
]

ROLES = ("system", "user", "assistant", "tool")
#: "streaming" is only ever seen by the process that is writing the message; any other reader
#: sees a message whose writer stopped (or was killed) mid-answer as "interrupted".
STATUSES = ("complete", "streaming", "interrupted", "error")


@dataclass(frozen=True)
class Attachment:
    """What was attached to a message: metadata only, never the bytes.

    ``kind`` is ``image``, ``document``, ``audio`` or ``file``; ``file_id`` is set for files
    uploaded to the API, ``url`` for ``http(s)`` links (data: URLs are not kept).
    """

    kind: str
    name: str | None = None
    mime_type: str | None = None
    size: int | None = None
    sha256: str | None = None
    file_id: str | None = None
    url: str | None = None


@dataclass
class Message:
    id: str
    conversation_id: str
    seq: int
    role: str
    content: list[dict[str, Any]]
    created_at: str
    updated_at: str
    status: str = "complete"
    model: str | None = None
    usage: dict[str, Any] | None = None
    finish_reason: str | None = None
    ttft_ms: int | None = None
    duration_ms: int | None = None
    cost_usd: float | None = None
    attachments: list[Attachment] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The message's text chunks joined by blank lines (what search indexes)."""
        return content_text(self.content)

    @property
    def thinking(self) -> str:
        """A reasoning model's reasoning kept with its answer ("" when there is none)."""
        return content_thinking(self.content)


@dataclass
class Conversation:
    id: str
    title: str | None
    model: str
    system: str | None
    options: dict[str, Any]
    created_at: str
    updated_at: str
    message_count: int = 0
    #: Estimated USD: the sum of its messages' ``cost_usd``; None when none of them has one.
    #: Set by ``list_conversations``, ``get_conversation`` and ``latest_conversation``.
    cost_usd: float | None = None
    #: Filled by ``get_conversation``/``latest_conversation``; empty in listings.
    messages: list[Message] = field(default_factory=list)


@dataclass(frozen=True)
class SearchHit:
    conversation_id: str
    title: str | None
    #: None for a match in the conversation's system prompt (``role`` is then ``system``)
    message_id: str | None
    role: str
    #: A short excerpt around the match, each matched term wrapped in the store's markers.
    snippet: str
    created_at: str


@dataclass(frozen=True)
class UsageRow:
    """The answers of one group (a model, a local day, a conversation) and what they used."""

    key: str  # the model id, the day (YYYY-MM-DD) or the conversation id
    label: str  # the same, or the conversation's title
    answers: int
    prompt_tokens: int
    completion_tokens: int
    #: the sum of the answers' estimated costs; None when none of them had a known price
    cost_usd: float | None
    priced: int  # how many answers had a cost estimate
    first_at: str
    last_at: str

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


def content_thinking(content: list[dict[str, Any]]) -> str:
    """The text inside ``thinking`` chunks (``{"type": "thinking", "thinking": [text...]}``)."""
    return "".join(
        str(inner.get("text", ""))
        for chunk in content
        if isinstance(chunk, dict) and chunk.get("type") == "thinking"
        for inner in chunk.get("thinking") or []
        if isinstance(inner, dict) and inner.get("type") == "text"
    )


def content_text(content: list[dict[str, Any]]) -> str:
    parts = [
        str(chunk.get("text", ""))
        for chunk in content
        if isinstance(chunk, dict) and chunk.get("type") == "text"
    ]
    return "\n\n".join(part for part in parts if part)
