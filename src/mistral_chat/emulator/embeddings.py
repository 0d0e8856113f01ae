"""``POST /v1/embeddings``: deterministic unit vectors from hashed character n-grams.

Each text is lower-cased and padded with a space; every character trigram adds +1 or -1 (both
from a CRC of the trigram) to one dimension; the sum is scaled to length 1. Equal texts get
equal vectors, texts sharing many trigrams get close ones (cosine near 1), unrelated texts
nearly orthogonal ones, so a search over them behaves like a search over real embeddings.

Models: ``mistral-embed`` gives 1024 floats and nothing else; ``codestral-embed`` gives 1536 by
default, any ``output_dimension`` up to 3072, and every ``output_dtype``. A text longer than
8192 tokens, or more than 16384 tokens in one request, is refused as the API refuses it.
"""

from __future__ import annotations

import math
import uuid
import zlib
from typing import Any

from .endpoint_bodies import EmbeddingRequest
from .validate import ApiError, invalid_request

__all__ = ["MAX_BATCH_TOKENS", "MAX_INPUT_TOKENS", "embed", "embedding_response"]

MAX_INPUT_TOKENS = 8192
MAX_BATCH_TOKENS = 16384
#: model id prefix -> (default dimension, largest dimension, dtypes other than float allowed)
_MODELS = {"codestral-embed": (1536, 3072, True), "mistral-embed": (1024, 1024, False)}


def _spec(model: str) -> tuple[int, int, bool] | None:
    return next((v for k, v in _MODELS.items() if model.startswith(k)), None)


def embed(text: str, dimension: int) -> list[float]:
    """The unit vector of ``text`` in ``dimension`` dimensions."""
    padded = f" {text.lower()} "
    vector = [0.0] * dimension
    for i in range(max(1, len(padded) - 2)):
        code = zlib.crc32(padded[i : i + 3].encode("utf-8", "surrogatepass"))
        vector[code % dimension] += 1.0 if code & 0x80000000 else -1.0
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    return [x / norm for x in vector]


def _quantise(vector: list[float], dtype: str) -> list[float] | list[int]:
    if dtype == "float":
        return [round(x, 8) for x in vector]
    if dtype == "int8":
        return [max(-128, min(127, round(x * 127))) for x in vector]
    if dtype == "uint8":
        return [max(0, min(255, round((x + 1) * 127.5))) for x in vector]
    bits = [1 if x > 0 else 0 for x in vector]
    bits += [0] * (-len(bits) % 8)
    packed = [int("".join(map(str, bits[i : i + 8])), 2) for i in range(0, len(bits), 8)]
    return packed if dtype == "ubinary" else [b - 128 for b in packed]  # binary: offset


def _tokens(text: str) -> int:
    return max(1, len(text.split()))


def embedding_response(body: EmbeddingRequest, model_id: str) -> dict[str, Any]:
    """The ``EmbeddingResponse``, or the API's 400 for what the model does not offer."""
    spec = _spec(model_id)
    if spec is None:
        raise ApiError(
            400, f"Model {body.model} does not support embeddings.", "invalid_model", "1500"
        )
    default, largest, dtypes = spec
    dimension = body.output_dimension or default
    if dimension > largest or (body.output_dimension and not dtypes and dimension != default):
        raise invalid_request(
            f"output_dimension {dimension} is not available for {body.model}: "
            f"it offers {default if not dtypes else f'1 to {largest}'}."
        )
    if body.output_dtype != "float" and not dtypes:
        raise invalid_request(
            f"output_dtype {body.output_dtype} is not available for {body.model}."
        )
    texts = [body.input] if isinstance(body.input, str) else body.input
    if not texts or any(not t.strip() for t in texts):
        raise invalid_request("Input texts must not be empty.")
    counts = [_tokens(t) for t in texts]
    if max(counts) > MAX_INPUT_TOKENS:
        raise invalid_request(f"An input is longer than {MAX_INPUT_TOKENS} tokens.")
    if sum(counts) > MAX_BATCH_TOKENS:
        raise invalid_request(f"Too many tokens in one request (at most {MAX_BATCH_TOKENS}).")
    data = [
        {
            "object": "embedding",
            "embedding": _quantise(embed(t, dimension), body.output_dtype),
            "index": i,
        }
        for i, t in enumerate(texts)
    ]
    total = sum(counts)
    return {
        "id": uuid.uuid4().hex,
        "object": "list",
        "data": data,
        "model": body.model,
        "usage": {"prompt_tokens": total, "completion_tokens": 0, "total_tokens": total},
    }
