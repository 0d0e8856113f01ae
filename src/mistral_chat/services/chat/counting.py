"""`ask --count`: the next request of a session as it would go, counted, with nothing sent.

The message is built as `ChatSession.send` builds it, except that nothing leaves the machine:
images are encoded and text files inlined as they would be, while documents (which would be
uploaded first) and remote or uploaded files are left as they are, named, and not counted.

    >>> counted = count_request(session, "What is this?", ["photo.png"])   # doctest: +SKIP
    >>> counted.lines()[0]                                                   # doctest: +SKIP
    'mistral-small-latest: ~1,944 tokens (0.7% of its 262,144-token context; input ~$0.0003)'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mistral_chat.api import content as chunks
from mistral_chat.services.attachments import AttachmentSpec, DocumentFile
from mistral_chat.services.chat.budget import estimated_cost, usd
from mistral_chat.services.chat.outbox import Outbox
from mistral_chat.services.content import prepare_attachments, user_content
from mistral_chat.services.tokens import TokenCount, count_messages

if TYPE_CHECKING:
    from mistral_chat.services.chat.session import ChatSession

__all__ = ["RequestCount", "count_request", "draft_messages", "known_context_length"]


@dataclass(frozen=True)
class RequestCount:
    """A request's count, with what the model can hold and what the input costs."""

    model: str
    count: TokenCount
    context_length: int | None
    input_cost_usd: float | None

    def lines(self) -> list[str]:
        """What `ask --count` prints."""
        count, model = self.count, self.model
        extras = []
        if self.context_length:
            share = count.tokens / self.context_length
            shown = f"{share:.1%}" if share >= 0.001 else "<0.1%"
            extras.append(f"{shown} of its {self.context_length:,}-token context")
        if self.input_cost_usd is not None:
            extras.append(f"input {'' if count.exact else '~'}{usd(self.input_cost_usd)}")
        said = f" ({'; '.join(extras)})" if extras else ""
        how = (
            f"{model}'s own tokenizer"
            if count.exact
            else f"the closest shipped tokenizer ({model}'s own is not shipped: ~ approximate)"
        )
        return [
            f"{model}: {count.shown} tokens{said}",
            f"counted with mistral-common {count.tokenizer}, {how}; chat template included",
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "tokens": self.count.tokens,
            "exact": self.count.exact,
            "tokenizer": self.count.tokenizer,
            "context_length": self.context_length,
            "input_cost_usd": self.input_cost_usd,
            "not_counted": list(self.count.not_counted),
        }


def draft_messages(
    session: ChatSession, text: str, attachments: Iterable[AttachmentSpec | str] = ()
) -> list[dict[str, Any]]:
    """The messages `session.send(text, attachments)` would send, built without a request:
    a document becomes a named placeholder instead of being uploaded."""
    outbox = Outbox(max_side=session.outbox.max_side)
    outbox.items.extend(session.outbox.items)  # what the chat has attached already
    for attachment in attachments:
        outbox.add(attachment)  # classified and counted as `send` would
    content = [chunks.text(text)] if text else []
    for pending in outbox.items:
        spec = pending.spec
        if isinstance(spec, DocumentFile):
            content.append(chunks.document_url("", name=spec.path.name))
        else:
            prepared = prepare_attachments([spec], None, max_side=outbox.max_side)
            content.extend(user_content("", prepared))
    return [*session.messages, chunks.message("user", content)]


def known_context_length(model: str) -> int | None:
    """The model's context window from the bundled model facts (no request)."""
    from mistral_chat.services.catalog import find_model
    from mistral_chat.services.model_info import bundled_models

    info = find_model(bundled_models(), model)
    return info.context_length if info is not None else None


def count_request(
    session: ChatSession, text: str, attachments: Iterable[AttachmentSpec | str] = ()
) -> RequestCount:
    """Count the request `send` would make; nothing is sent."""
    messages = draft_messages(session, text, attachments)
    count = count_messages(session.model, messages)
    return RequestCount(
        model=session.model,
        count=count,
        context_length=known_context_length(session.model),
        input_cost_usd=estimated_cost(session.model, count.tokens, 0),
    )
