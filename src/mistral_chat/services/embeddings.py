"""Embedding texts: inputs, what each model offers, batches within the API's limits, and
the vectors as JSON or a NumPy `.npy` file (written with the standard library).

Models: `mistral-embed` gives 1024 float dimensions and nothing else; `codestral-embed` gives
1536 by default, any `--dimension` from 1 to 3072, and every `--dtype`. A dimension or dtype
a model does not offer is refused before anything is sent. Other models (self-hosted ones)
are not checked. A batch holds at most 128 texts and about 12,000 tokens (4 characters a
token, rounded up), under the API's 16,384 a request.

    >>> batches(["a" * 60_000, "b", "c"], max_texts=2)
    [[0], [1, 2]]
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable, Iterable
from typing import IO, TYPE_CHECKING, Any, Final

from mistral_chat.errors import UsageError

if TYPE_CHECKING:
    from mistral_chat.api import Client

__all__ = [
    "DEFAULT_EMBED_MODEL",
    "DTYPES",
    "batches",
    "check_model_offers",
    "embed_all",
    "write_json",
    "write_npy",
]

DEFAULT_EMBED_MODEL: Final = "mistral-embed"
DTYPES: Final = ("float", "int8", "uint8", "binary", "ubinary")
MAX_TEXTS: Final = 128
MAX_TOKENS: Final = 12_000
#: model id prefix -> (default dimension, largest, other dtypes offered)
_OFFERS: Final = {"codestral-embed": (1536, 3072, True), "mistral-embed": (1024, 1024, False)}


def check_model_offers(model: str, dimension: int | None, dtype: str | None) -> None:
    """UsageError for a dimension or dtype the model does not offer (nothing is sent)."""
    offer = next((v for k, v in _OFFERS.items() if model.startswith(k)), None)
    if offer is None:
        return
    default, largest, dtypes = offer
    if dimension is not None and (dimension > largest or (not dtypes and dimension != default)):
        offered = f"{default} only" if not dtypes else f"1 to {largest} (default {default})"
        raise UsageError(
            f"--dimension {dimension} is not offered by {model}: it gives {offered}"
            + ("; codestral-embed gives up to 3072" if not dtypes else "")
        )
    if dtype not in (None, "float") and not dtypes:
        raise UsageError(f"--dtype {dtype} is not offered by {model}; codestral-embed offers it")


def _tokens(text: str) -> int:
    return -(-len(text.encode("utf-8")) // 4)


def batches(
    texts: list[str], *, max_texts: int = MAX_TEXTS, max_tokens: int = MAX_TOKENS
) -> list[list[int]]:
    """The texts' indices grouped into requests within the limits (order kept)."""
    groups: list[list[int]] = []
    current: list[int] = []
    used = 0
    for i, text in enumerate(texts):
        cost = _tokens(text)
        if current and (len(current) >= max_texts or used + cost > max_tokens):
            groups.append(current)
            current, used = [], 0
        current.append(i)
        used += cost
    if current:
        groups.append(current)
    return groups


def embed_all(
    client: Client,
    texts: list[str],
    *,
    model: str,
    dimension: int | None = None,
    dtype: str | None = None,
    on_batch: Callable[[int, int], None] | None = None,
) -> tuple[list[list[Any]], int]:
    """Every text's vector, in order, and the prompt tokens the API counted."""
    if not texts:
        raise UsageError("nothing to embed; give texts, files, or lines on stdin")
    for i, text in enumerate(texts):
        if not text.strip():
            raise UsageError(f"text {i + 1} is empty; the API embeds only non-empty text")
    vectors: list[list[Any]] = [[] for _ in texts]
    tokens = 0
    groups = batches(texts)
    for done, group in enumerate(groups, 1):
        answer = client.embeddings.create(
            model, [texts[i] for i in group], output_dimension=dimension, output_dtype=dtype
        )
        for item in answer.data:
            vectors[group[item.index]] = list(item.embedding)
        tokens += answer.usage.prompt_tokens
        if on_batch is not None:
            on_batch(done, len(groups))
    return vectors, tokens


def write_json(out: IO[str], texts: Iterable[str], vectors: list[list[Any]], model: str) -> None:
    rows = [
        {"index": i, "text": t, "embedding": v}
        for i, (t, v) in enumerate(zip(texts, vectors, strict=True))
    ]
    json.dump({"model": model, "data": rows}, out)
    out.write("\n")


_NPY_TYPES: Final = {
    "float": ("<f4", "f"),
    "int8": ("|i1", "b"),
    "binary": ("|i1", "b"),
    "uint8": ("|u1", "B"),
    "ubinary": ("|u1", "B"),
}


def write_npy(out: IO[bytes], vectors: list[list[Any]], dtype: str = "float") -> None:
    """A 2-D array (texts x dimensions) in NumPy's `.npy` format, version 1.0."""
    descr, code = _NPY_TYPES[dtype]
    width = len(vectors[0]) if vectors else 0
    header = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({len(vectors)}, {width}), }}"
    header += " " * (-(len(header) + 11) % 64) + "\n"  # the data starts 64-byte aligned
    out.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin-1"))
    for row in vectors:
        out.write(struct.pack(f"<{len(row)}{code}", *row))
