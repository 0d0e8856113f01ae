"""`/v1/ocr`: what `AsyncOCR` and `OCR` share (path, options, request body, decoder)."""

from __future__ import annotations

from typing import Any, TypedDict

import msgspec

from ..types import OCRResponse

__all__ = ["MAX_OCR_BYTES", "PATH", "OCROptions", "build_ocr_body", "decode_ocr"]

PATH = "/v1/ocr"
#: OCR answers can carry every page's images inline (`include_image_base64`)
MAX_OCR_BYTES = 256 * 1024 * 1024
decode_ocr = msgspec.json.Decoder(OCRResponse).decode


class OCROptions(TypedDict, total=False):
    """The optional fields of the spec's OCRRequest (absent = not sent)."""

    pages: list[int] | str | None  # indices, or a string such as "0,2-4"
    include_image_base64: bool | None
    image_limit: int | None
    image_min_size: int | None
    table_format: str | None
    extract_header: bool | None
    extract_footer: bool | None
    include_blocks: bool | None
    confidence_scores_granularity: str | None
    bbox_annotation_format: dict[str, Any] | None
    document_annotation_format: dict[str, Any] | None
    document_annotation_prompt: str | None


def build_ocr_body(model: str, document: dict[str, Any], options: OCROptions) -> dict[str, Any]:
    """The request body: the fields given, nothing the spec lacks, None meaning absent."""
    body: dict[str, Any] = {"model": model, "document": document}
    for key, value in options.items():
        if key not in OCROptions.__annotations__:
            raise TypeError(f"unknown OCR option {key!r}")
        if value is not None:
            body[key] = value
    return body
