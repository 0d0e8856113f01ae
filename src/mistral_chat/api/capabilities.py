"""The API's model capability flags, in the order the spec lists them.

A module of its own, free of msgspec and httpx2, so that the catalog service and the CLI can
name capabilities without paying for the wire types.

    >>> CAPABILITY_NAMES[:2]
    ('completion_chat', 'function_calling')
"""

from __future__ import annotations

__all__ = ["CAPABILITY_NAMES"]

CAPABILITY_NAMES: tuple[str, ...] = (
    "completion_chat",
    "function_calling",
    "reasoning",
    "completion_fim",
    "fine_tuning",
    "vision",
    "ocr",
    "classification",
    "moderation",
    "audio",
    "audio_transcription",
    "audio_transcription_realtime",
    "audio_speech",
    "unified_resources",
)
