"""`/v1/embeddings`, `/v1/moderations`, `/v1/chat/moderations` and `/v1/fim/completions`:
what their async and sync resources share (paths, bodies, decoders)."""

from __future__ import annotations

from typing import Any, TypedDict

import msgspec

from ..endpoint_types import EmbeddingResponse, ModerationResponse

__all__ = [
    "CHAT_MODERATIONS",
    "EMBEDDINGS",
    "FIM_PATH",
    "MODERATIONS",
    "FIMOptions",
    "decode_embeddings",
    "decode_moderation",
    "embeddings_body",
    "fim_body",
]

EMBEDDINGS = "/v1/embeddings"
MODERATIONS = "/v1/moderations"
CHAT_MODERATIONS = "/v1/chat/moderations"
FIM_PATH = "/v1/fim/completions"
decode_embeddings = msgspec.json.Decoder(EmbeddingResponse).decode
decode_moderation = msgspec.json.Decoder(ModerationResponse).decode


def embeddings_body(
    model: str,
    inputs: str | list[str],
    output_dimension: int | None,
    output_dtype: str | None,
) -> dict[str, Any]:
    body: dict[str, Any] = {"model": model, "input": inputs}
    if output_dimension is not None:
        body["output_dimension"] = output_dimension
    if output_dtype is not None:
        body["output_dtype"] = output_dtype
    return body


class FIMOptions(TypedDict, total=False):
    """The optional fields of the spec's FIMCompletionRequest (absent = not sent)."""

    temperature: float | None
    top_p: float | None
    max_tokens: int | None
    min_tokens: int | None
    stop: str | list[str] | None
    random_seed: int | None
    metadata: dict[str, Any] | None
    prompt_cache_key: str | None


def fim_body(
    model: str, prompt: str, suffix: str | None, stream: bool, options: FIMOptions
) -> dict[str, Any]:
    body: dict[str, Any] = {"model": model, "prompt": prompt}
    if suffix is not None:
        body["suffix"] = suffix
    for key, value in options.items():
        if key not in FIMOptions.__annotations__:
            raise TypeError(f"unknown FIM option {key!r}")
        if value is not None:
            body[key] = value
    if stream:
        body["stream"] = True
    return body
