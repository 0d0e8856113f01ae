"""Builders for message content chunks, so no layer above assembles these dicts by hand.

Each returns the JSON shape of the spec's `ContentChunk` variants.
"""

from __future__ import annotations

import base64
from typing import Any

__all__ = [
    "data_uri",
    "document_url",
    "file_chunk",
    "image_url",
    "message",
    "text",
    "thinking",
]


def text(value: str) -> dict[str, Any]:
    """A `text` chunk."""
    return {"type": "text", "text": value}


def thinking(value: str) -> dict[str, Any]:
    """A `thinking` chunk: a reasoning model's reasoning, as the API sends it."""
    return {"type": "thinking", "thinking": [text(value)]}


def data_uri(data: bytes, mime: str) -> str:
    """A base64 `data:` URI; `mime` must be the content's true type (the API checks)."""
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def image_url(url: str, *, detail: str | None = None) -> dict[str, Any]:
    """An `image_url` chunk from an http(s) URL or a data URI (see `data_uri`)."""
    value: dict[str, Any] = {"url": url}
    if detail is not None:
        value["detail"] = detail
    return {"type": "image_url", "image_url": value}


def document_url(url: str, *, name: str | None = None) -> dict[str, Any]:
    """A `document_url` chunk (a public or signed URL of a PDF or other document)."""
    chunk: dict[str, Any] = {"type": "document_url", "document_url": url}
    if name is not None:
        chunk["document_name"] = name
    return chunk


def file_chunk(file_id: str) -> dict[str, Any]:
    """A `file` chunk naming a file already uploaded through the Files API."""
    return {"type": "file", "file_id": file_id}


def message(role: str, content: str | list[dict[str, Any]]) -> dict[str, Any]:
    """A chat message; a content list holding one text chunk is sent as a plain string."""
    if isinstance(content, list) and len(content) == 1 and content[0].get("type") == "text":
        content = content[0]["text"]
    return {"role": role, "content": content}
