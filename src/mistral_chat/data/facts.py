"""Reading the bundled model facts (`mistral-models.json`, from Mistral's docs): pure helpers.

The one place a fact becomes the API's capability flags or a context size in tokens. Both the
client's bundled catalog (`services.model_info`) and the emulator's catalog use it: it is data
interpretation, not client code, so the emulator stays an independent reading of the *spec*.

    >>> context_tokens("128k"), context_tokens("1M"), context_tokens("?")
    (131072, 1048576, None)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["capabilities", "context_tokens"]


def capabilities(fact: Mapping[str, Any]) -> dict[str, bool]:
    """The API's 14 capability flags for a model described by a facts entry."""
    inputs, outputs, features = set(fact["input"]), set(fact["output"]), set(fact["features"])
    chat = "chat-completions" in features
    return {
        "completion_chat": chat,
        "function_calling": "function-calling" in features,
        "reasoning": "reasoning" in outputs,
        "completion_fim": "fim" in features,
        "fine_tuning": False,
        "vision": chat and "image" in inputs,
        "ocr": "ocr" in features,
        "classification": "moderations" in features,
        "moderation": "moderations" in features,
        "audio": chat and "audio" in inputs,
        "audio_transcription": "transcriptions" in features,
        "audio_transcription_realtime": any("realtime" in n for n in fact["api_names"]),
        "audio_speech": "audio" in outputs,
        "unified_resources": False,
    }


def context_tokens(text: str | None) -> int | None:
    """'128k' -> 131072, '1M' -> 1048576; None when the facts do not say."""
    if not text or not text[:-1].isdigit():
        return None
    unit = {"k": 1024, "K": 1024, "M": 1024 * 1024}.get(text[-1])
    return int(text[:-1]) * unit if unit else None
