"""Typed answers of the audio, embeddings, moderation and libraries endpoints.

As in `types`: decoded with msgspec, unknown fields tolerated, and kept in `extra` on the
objects a user inspects (`--json` loses nothing the server said); enum-like fields are open
strings. Field names are the spec's.
"""

from __future__ import annotations

from typing import Any

import msgspec

from .types import _Wire

__all__ = [
    "AudioUsage",
    "Document",
    "DocumentList",
    "DocumentStatus",
    "Embedding",
    "EmbeddingResponse",
    "Library",
    "LibraryList",
    "ModerationResponse",
    "ModerationResult",
    "SpeechEvent",
    "Transcription",
    "TranscriptionEvent",
    "TranscriptionSegment",
    "Voice",
    "VoiceList",
    "decode_kept",
]


class AudioUsage(_Wire):
    prompt_tokens: int = 0
    completion_tokens: int | None = 0
    total_tokens: int = 0
    prompt_audio_seconds: int | None = None


class TranscriptionSegment(_Wire):
    text: str = ""
    start: float = 0.0
    end: float = 0.0
    speaker_id: str | None = None
    score: float | None = None


class Transcription(_Wire):
    """The spec's `TranscriptionResponse` (and the data of `transcription.done`)."""

    model: str = ""
    text: str = ""
    language: str | None = None
    segments: list[TranscriptionSegment] = msgspec.field(default_factory=list)
    usage: AudioUsage = msgspec.field(default_factory=AudioUsage)


class TranscriptionEvent(_Wire):
    """One event of a streamed transcription; `type` says which fields are set:
    `transcription.language` (`audio_language`), `transcription.text.delta` (`text`),
    `transcription.segment` (`text`, `start`, `end`, `speaker_id`) and `transcription.done`
    (the whole `Transcription` in `done`)."""

    type: str = ""
    text: str = ""
    audio_language: str | None = None
    start: float | None = None
    end: float | None = None
    speaker_id: str | None = None
    done: Transcription | None = None


class SpeechEvent(_Wire):
    """One event of streamed speech: `speech.audio.delta` (`audio_data`, base64) or
    `speech.audio.done` (`usage`)."""

    type: str = ""
    audio_data: str = ""
    usage: AudioUsage | None = None


class Voice(_Wire):
    id: str = ""
    name: str = ""
    slug: str | None = None
    languages: list[str] = msgspec.field(default_factory=list)
    gender: str | None = None
    description: str | None = None
    created_at: str | None = None
    extra: dict[str, Any] = msgspec.field(default_factory=dict)


class VoiceList(_Wire):
    items: list[Voice] = msgspec.field(default_factory=list)
    total: int = 0
    page: int = 1
    page_size: int = 0
    total_pages: int = 0


class Embedding(_Wire):
    index: int = 0
    embedding: list[int | float] = msgspec.field(default_factory=list)
    object: str = "embedding"


class EmbeddingResponse(_Wire):
    id: str = ""
    object: str = "list"
    model: str = ""
    data: list[Embedding] = msgspec.field(default_factory=list)
    usage: AudioUsage = msgspec.field(default_factory=AudioUsage)


class ModerationResult(_Wire):
    categories: dict[str, bool] = msgspec.field(default_factory=dict)
    category_scores: dict[str, float] = msgspec.field(default_factory=dict)


class ModerationResponse(_Wire):
    id: str = ""
    model: str = ""
    results: list[ModerationResult] = msgspec.field(default_factory=list)
    usage: AudioUsage | None = None


class Library(_Wire):
    id: str = ""
    name: str = ""
    description: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    owner_type: str | None = None
    total_size: int = 0
    nb_documents: int = 0
    extra: dict[str, Any] = msgspec.field(default_factory=dict)


class LibraryList(_Wire):
    data: list[Library] = msgspec.field(default_factory=list)
    next_page_token: str | None = None


class Document(_Wire):
    id: str = ""
    library_id: str = ""
    name: str = ""
    mime_type: str | None = None
    size: int | None = None
    created_at: str | None = None
    number_of_pages: int | None = None
    summary: str | None = None
    process_status: str | None = None
    processing_status: str | None = None
    extra: dict[str, Any] = msgspec.field(default_factory=dict)


class DocumentList(_Wire):
    data: list[Document] = msgspec.field(default_factory=list)
    total_items: int = 0
    total_pages: int = 0
    current_page: int = 0
    has_more: bool = False


class DocumentStatus(_Wire):
    document_id: str = ""
    process_status: str | None = None
    processing_status: str | None = None


def decode_kept(data: Any, cls: type[_Wire]) -> Any:
    """`data` (a JSON object) as `cls`, its unknown fields kept in `extra`."""
    if not isinstance(data, dict):
        raise TypeError(f"expected an object, got {type(data).__name__}")
    known = set(cls.__struct_fields__)
    obj = msgspec.convert({k: v for k, v in data.items() if k in known and k != "extra"}, cls)
    if "extra" in known:
        obj.extra = {k: v for k, v in data.items() if k not in known}  # type: ignore[attr-defined]
    return obj
