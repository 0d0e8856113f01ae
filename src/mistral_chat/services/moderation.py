"""Checking text with Mistral's moderation model: inputs, and which categories flagged.

>>> flagged_categories({"pii": True, "law": False})
['pii']
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from mistral_chat.errors import UsageError

if TYPE_CHECKING:
    from mistral_chat.api import Client
    from mistral_chat.api.endpoint_types import ModerationResponse

__all__ = ["DEFAULT_MODERATION_MODEL", "conversation_messages", "flagged_categories", "moderate"]

DEFAULT_MODERATION_MODEL: Final = "mistral-moderation-2603"


def flagged_categories(categories: dict[str, bool]) -> list[str]:
    return [name for name, flagged in categories.items() if flagged]


def moderate(client: Client, model: str, texts: list[str]) -> ModerationResponse:
    if not texts or any(not t.strip() for t in texts):
        raise UsageError("the text to moderate is empty; give TEXT, a FILE, or pipe it on stdin")
    return client.moderations.create(model, texts if len(texts) > 1 else texts[0])


def conversation_messages(history: Any, ref: str) -> list[dict[str, Any]]:
    """A stored conversation as the chat moderation endpoint takes it (text only)."""
    conversation = history.get_conversation(ref)
    messages = [
        {"role": m.role, "content": m.text}
        for m in conversation.messages
        if m.role in ("user", "assistant") and m.text.strip()
    ]
    if not messages:
        raise UsageError(f"conversation {ref} has no text to moderate")
    return messages
