"""The spec's request bodies for embeddings, moderations, FIM, speech and libraries.

Plain declarations, as in :mod:`.request_bodies` (which holds chat and OCR): field for field
and in the spec's order, unknown fields forbidden where the spec says
``additionalProperties: false``. :mod:`.validate` walks them to list every problem.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from .request_bodies import Message

__all__ = [
    "ChatModerationBatch",
    "ChatModerationRequest",
    "ClassificationRequest",
    "CreateLibraryRequest",
    "EmbeddingRequest",
    "FIMCompletionRequest",
    "SpeechRequest",
]

_S = {"forbid_unknown_fields": True, "omit_defaults": True}


class EmbeddingRequest(msgspec.Struct, kw_only=True, **_S):
    model: str
    metadata: dict[str, Any] | None = None
    input: str | list[str]
    output_dimension: Annotated[int, msgspec.Meta(gt=0)] | None = None
    output_dtype: Literal["float", "int8", "uint8", "binary", "ubinary"] = "float"
    encoding_format: Literal["float", "base64"] = "float"


class ClassificationRequest(msgspec.Struct, kw_only=True, **_S):
    model: str
    metadata: dict[str, Any] | None = None
    input: str | list[str]


class ChatModerationRequest(msgspec.Struct, kw_only=True, **_S):
    """One conversation; the spec's other form, several, is :class:`ChatModerationBatch`
    (msgspec cannot hold a union of two list types)."""

    input: list[Message]
    model: str


class ChatModerationBatch(msgspec.Struct, kw_only=True, **_S):
    input: list[list[Message]]
    model: str


class FIMCompletionRequest(msgspec.Struct, kw_only=True, **_S):
    model: str = "codestral-2404"
    temperature: Annotated[float, msgspec.Meta(ge=0, le=1.5)] | None = None
    top_p: Annotated[float, msgspec.Meta(gt=0, le=1)] | None = None
    max_tokens: Annotated[int, msgspec.Meta(ge=0)] | None = None
    stream: bool = False
    stop: str | list[str] | None = None
    random_seed: Annotated[int, msgspec.Meta(ge=0)] | None = None
    metadata: dict[str, Any] | None = None
    prompt: str
    suffix: str | None = ""
    min_tokens: Annotated[int, msgspec.Meta(ge=0)] | None = None
    prompt_cache_key: str | None = None


class SpeechRequest(msgspec.Struct, kw_only=True, omit_defaults=True):
    # the spec leaves SpeechRequest open (additionalProperties: true)
    model: str | None = None
    metadata: dict[str, Any] | None = None
    stream: bool = False
    prompt_cache_key: str | None = None
    voice_id: str | None = None
    ref_audio: str | None = None
    input: str
    response_format: Literal["pcm", "wav", "mp3", "flac", "opus"] = "mp3"


class CreateLibraryRequest(msgspec.Struct, kw_only=True, omit_defaults=True):
    # open in the spec, like SpeechRequest
    name: str
    description: str | None = None
    chunk_size: Annotated[int, msgspec.Meta(ge=256, le=32768)] | None = None
    owner_type: Literal["User", "Workspace"] | None = None
