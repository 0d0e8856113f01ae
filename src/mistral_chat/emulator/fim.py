"""``POST /v1/fim/completions``: a middle that states the prefix and suffix it was given.

The answer is one line, e.g. ``[emulator] prefix: 24 characters ending "def add(a, b):\\n";
suffix: 12 characters starting "\\nprint(add(1, 2))"``, as JSON or as chat-completion chunks
(the spec's FIM answers are chat completions), cut by ``stop`` and ``max_tokens`` as chat's are.
"""

from __future__ import annotations

import json

from .describe import Reply, tokens
from .endpoint_bodies import FIMCompletionRequest

__all__ = ["fim_reply", "middle_for"]

_SHOWN = 40


def middle_for(prompt: str, suffix: str) -> str:
    """What the emulator fills in between ``prompt`` and ``suffix``."""
    tail = json.dumps(prompt[-_SHOWN:], ensure_ascii=False)
    said = f"[emulator] prefix: {len(prompt)} characters ending {tail}"
    if suffix:
        head = json.dumps(suffix[:_SHOWN], ensure_ascii=False)
        return f"{said}; suffix: {len(suffix)} characters starting {head}"
    return f"{said}; no suffix"


def fim_reply(body: FIMCompletionRequest) -> Reply:
    text = middle_for(body.prompt, body.suffix or "")
    stops = [body.stop] if isinstance(body.stop, str) else body.stop or []
    cuts = [i for i in (text.find(s) for s in stops if s) if i >= 0]
    if cuts:
        text = text[: min(cuts)]
    reply = Reply(text=tokens(text), prompt_tokens=len(tokens(body.prompt + (body.suffix or ""))))
    if body.max_tokens is not None and len(reply.text) > body.max_tokens:
        reply.text = reply.text[: body.max_tokens]
        reply.truncated = True
    return reply
