"""``POST /v1/moderations`` and ``/v1/chat/moderations``: flags from keyword lists.

A category scores 0.97 (flagged) when the text holds one of its words, else a small score
fixed by the text (so equal texts score equally). The categories are those of
``mistral-moderation-2603`` (the spec's ``moderation_llm_v2`` thresholds); a chat is judged
on its last message, as the API judges the last turn of a conversation.
"""

from __future__ import annotations

import re
import uuid
import zlib
from typing import Any

__all__ = ["CATEGORIES", "moderation_response", "scores"]

CATEGORIES: dict[str, tuple[str, ...]] = {
    "sexual": ("sex", "sexual", "nude", "porn"),
    "hate_and_discrimination": ("hate", "racist", "slur", "inferior race"),
    "violence_and_threats": ("kill", "murder", "attack", "threat", "hurt", "beat up"),
    "dangerous": ("bomb", "explosive", "poison", "weapon"),
    "criminal": ("steal", "robbery", "fraud", "launder", "take over the world"),
    "selfharm": ("suicide", "self-harm", "self harm", "cut myself"),
    "health": ("diagnosis", "medication", "dosage", "symptom"),
    "financial": ("invest", "stock", "loan", "crypto"),
    "law": ("lawsuit", "legal advice", "sue", "lawyer"),
    "pii": ("ssn", "social security", "passport number", "credit card", "phone number"),
    "jailbreaking": ("ignore previous instructions", "jailbreak", "dan mode"),
}
_WORDS = {
    name: re.compile(r"\b(" + "|".join(re.escape(w) for w in words) + r")\w*", re.IGNORECASE)
    for name, words in CATEGORIES.items()
}


def scores(text: str) -> dict[str, float]:
    """Each category's score for ``text``."""
    base = zlib.crc32(text.encode("utf-8", "surrogatepass"))
    return {
        name: 0.97 if pattern.search(text) else round(1e-4 + (base >> i) % 97 * 1e-6, 7)
        for i, (name, pattern) in enumerate(_WORDS.items())
    }


def _result(text: str) -> dict[str, Any]:
    found = scores(text)
    return {
        "categories": {name: score > 0.5 for name, score in found.items()},
        "category_scores": found,
    }


def moderation_response(texts: list[str], model: str) -> dict[str, Any]:
    """The ``ModerationResponse``: one result per text, in order."""
    tokens = sum(max(1, len(t.split())) for t in texts)
    return {
        "id": uuid.uuid4().hex,
        "model": model,
        "results": [_result(t) for t in texts],
        "usage": {"prompt_tokens": tokens, "completion_tokens": 0, "total_tokens": tokens},
    }
