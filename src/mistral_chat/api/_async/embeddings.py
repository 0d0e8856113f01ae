"""`/v1/embeddings`: vectors for texts (`output_dimension`, `output_dtype` where offered)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._base_client import parsed
from ..endpoint_types import EmbeddingResponse
from ..resources.embeddings import EMBEDDINGS, decode_embeddings, embeddings_body

if TYPE_CHECKING:
    from .api_client import AsyncAPIClient

__all__ = ["AsyncEmbeddings"]


class AsyncEmbeddings:
    def __init__(self, client: AsyncAPIClient) -> None:
        self._client = client

    async def create(
        self,
        model: str,
        inputs: str | list[str],
        *,
        output_dimension: int | None = None,
        output_dtype: str | None = None,
    ) -> EmbeddingResponse:
        """One vector per input, in `data[i].embedding` (floats, or ints for int8, uint8,
        binary and ubinary)."""
        body = embeddings_body(model, inputs, output_dimension, output_dtype)
        response = await self._client.request("POST", EMBEDDINGS, json=body)
        return parsed(response, decode_embeddings)
