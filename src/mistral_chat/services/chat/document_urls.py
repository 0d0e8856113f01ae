"""Documents sent earlier in a chat, signed again before their URLs expire.

A document goes to the API as a signed URL of its upload (`content.upload_document`), and a
signed URL works for 24 hours (`files.signed_url`). A chat continued the next day, or left open
that long, sends its earlier messages again with URLs the API can no longer fetch, and the
whole request fails. So before a question goes, the document chunks of turns signed more than
`REFRESH_AFTER_S` ago, or loaded from the history (age unknown), are signed again from the
upload's file id, in the request copy only. An upload that is gone (chat uploads expire after
`upload_reuse.CHAT_UPLOAD_EXPIRY_HOURS`, or were deleted) becomes a note, as a lost image does.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from mistral_chat.api import content as chunks
from mistral_chat.api.errors import NotFoundError

if TYPE_CHECKING:
    from mistral_chat.api import Client
    from mistral_chat.services.chat.results import Turn

__all__ = ["GONE_DOCUMENT_NOTE", "REFRESH_AFTER_S", "refresh_documents"]

#: signed again well before the 24 hours are up (a turn may take a while to send)
REFRESH_AFTER_S = 20 * 3600
GONE_DOCUMENT_NOTE = "[a document was attached here: {name}; it is no longer on the server]"


def refresh_documents(
    turns: Iterable[Turn], client: Client, now: Callable[[], float] = time.time
) -> list[str]:
    """Sign again the document URLs of `turns` that are old or of unknown age; the warnings
    (one per document no longer on the server)."""
    warnings: list[str] = []
    for turn in turns:
        uploads = {
            a.name: a.file_id
            for a in turn.attachments
            if getattr(a, "kind", None) == "document" and getattr(a, "file_id", None)
        }
        content = turn.message.get("content")
        if not uploads or not isinstance(content, list) or now() - turn.signed_at < REFRESH_AFTER_S:
            continue
        turn.message = {
            **turn.message,
            "content": [_again(c, uploads, client, warnings) for c in content],
        }
        turn.signed_at = now()
    return warnings


def _again(
    chunk: dict[str, Any], uploads: dict[str, str], client: Client, warnings: list[str]
) -> dict[str, Any]:
    name = chunk.get("document_name")
    if chunk.get("type") != "document_url" or name not in uploads:
        return chunk  # not ours to sign (a public URL, an image, text)
    try:
        return {**chunk, "document_url": client.files.signed_url(uploads[name])}
    except NotFoundError:
        warnings.append(
            f"{name} is no longer on the server (chat uploads expire after 7 days); the model "
            "gets a note in its place: attach it again to ask about it"
        )
        return chunks.text(GONE_DOCUMENT_NOTE.format(name=name))
