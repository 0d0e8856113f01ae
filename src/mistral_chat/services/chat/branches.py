"""Earlier questions edited and resent as a branch, and what a session lists of its branch.

A session is on one branch of its conversation (`storage.branches`): the path from the first
message to `ChatSession.branch_tip`. `listing` numbers that path's messages as `history show`
does (so "message 3" means the same in both); `ChatSession.edit` resends an edited question in
place of one of them, beside the original, and the history keeps both.

    >>> content = [{"type": "text", "text": "old"}, {"type": "image_url", "image_url": "u"}]
    >>> edited_content(content, "new", inline_files=0)
    [{'type': 'text', 'text': 'new'}, {'type': 'image_url', 'image_url': 'u'}]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from mistral_chat.services.chat.results import Turn, text_of

if TYPE_CHECKING:
    from mistral_chat.storage import Branch, HistoryStore, Message

__all__ = [
    "Listed",
    "editable_text",
    "edited_content",
    "inline_files",
    "listing",
    "session_branches",
]


class ChatSession(Protocol):
    """What the listing reads of a session (`session.ChatSession`, which imports this module)."""

    store: HistoryStore | None
    conversation_id: str | None
    branch_tip: str | None
    turns: list[Turn]


@dataclass(frozen=True)
class Listed:
    """One message of the session's branch, as `/messages` shows it."""

    position: int  # from 1, as `history show` numbers it
    role: str
    text: str
    turn: int | None  # its index in `ChatSession.turns` (None: stored, but not sent again)
    versions: int  # how many messages stand in this place across branches (1: never edited)


def editable_text(turn: Turn) -> str:
    """The text typed for a user turn ("" when it had only attachments)."""
    content = turn.message["content"]
    if isinstance(content, str):
        return content
    return str(content[0].get("text", "")) if _typed(content, inline_files(turn)) else ""


def edited_content(
    content: str | list[dict[str, Any]], text: str, *, inline_files: int
) -> list[dict[str, Any]]:
    """`content` with its typed text replaced by `text`; attachments (images, documents, text
    files sent inline after the typed text) are kept as they were sent."""
    chunks = [{"type": "text", "text": content}] if isinstance(content, str) else list(content)
    rest = chunks[1:] if _typed(chunks, inline_files) else chunks
    return ([{"type": "text", "text": text}] if text else []) + rest


def inline_files(turn: Turn) -> int:
    """How many text files went inline in the turn's message (each is a text chunk)."""
    return sum(1 for a in turn.attachments if getattr(a, "kind", None) == "text")


def _typed(chunks: list[dict[str, Any]], inline_files: int) -> bool:
    """Whether the first chunk is typed text: the text comes first, and the inlined files
    (text chunks too) come after it."""
    texts = sum(1 for c in chunks if c.get("type") == "text")
    return bool(chunks) and chunks[0].get("type") == "text" and texts > inline_files


def listing(session: ChatSession) -> list[Listed]:
    """The messages of the session's branch, numbered; from the history when it is kept (the
    numbers of `history show`), else from the turns in memory."""
    stored = _stored(session)
    if stored is None:
        return [
            Listed(i, t.role, text_of(t.message["content"]), i - 1, 1)
            for i, t in enumerate(session.turns, start=1)
        ]
    messages, path = stored
    siblings: dict[str | None, int] = {}
    for m in messages:
        siblings[m.parent_id] = siblings.get(m.parent_id, 0) + 1
    turn_of = {t.message_id: i for i, t in enumerate(session.turns) if t.message_id}
    return [
        Listed(i, m.role, m.text, turn_of.get(m.id), siblings.get(m.parent_id, 1))
        for i, m in enumerate(path, start=1)
    ]


def session_branches(session: ChatSession) -> tuple[list[Branch], Branch | None]:
    """Every branch of the session's conversation, and the one the session is on (the
    lowest-numbered one through its last message); ([], None) without a history."""
    from mistral_chat.storage.branches import branches

    stored = _stored(session)
    if stored is None:
        return [], None
    messages, path = stored
    found = branches(messages)
    if not path:
        return found, None
    tip = path[-1].id
    mine = next((b for b in found if any(m.id == tip for m in b.messages)), None)
    return found, mine


def _stored(session: ChatSession) -> tuple[list[Message], list[Message]] | None:
    """The conversation's messages and the session's path through them (None: not kept)."""
    if session.store is None or session.conversation_id is None:
        return None
    from mistral_chat.storage.branches import path_to

    messages = session.store.get_conversation(session.conversation_id).messages
    tip = session.branch_tip
    return messages, (path_to(messages, tip) if tip is not None else [])
