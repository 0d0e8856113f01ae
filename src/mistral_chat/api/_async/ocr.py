"""`/v1/ocr`: read a document (a `document_url`, `image_url` or `file` chunk) into markdown."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Unpack

from .._base_client import parsed
from ..resources.ocr import MAX_OCR_BYTES, PATH, OCROptions, build_ocr_body, decode_ocr
from ..types import OCRResponse

if TYPE_CHECKING:
    from .api_client import AsyncAPIClient

__all__ = ["AsyncOCR"]


class AsyncOCR:
    def __init__(self, client: AsyncAPIClient) -> None:
        self._client = client

    async def process(
        self, model: str, document: dict[str, Any], **options: Unpack[OCROptions]
    ) -> OCRResponse:
        """The document's pages as markdown. Build `document` with `mistral_chat.api.content`
        (`document_url`, `image_url` or `file_chunk`); `pages` are 0-based indices."""
        body = build_ocr_body(model, document, options)
        response = await self._client.request("POST", PATH, json=body, limit=MAX_OCR_BYTES)
        return parsed(response, decode_ocr)
