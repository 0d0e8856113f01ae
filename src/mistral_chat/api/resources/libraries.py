"""`/v1/libraries*` (beta): what `AsyncLibraries` and `Libraries` share (paths, parsers)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import msgspec

from ..endpoint_types import Document, DocumentList, DocumentStatus, Library, LibraryList
from ..endpoint_types import decode_kept as _kept

__all__ = [
    "LIBRARIES",
    "document_path",
    "library_path",
    "parse_document",
    "parse_document_list",
    "parse_library",
    "parse_library_list",
    "parse_status",
]

LIBRARIES = "/v1/libraries"


def _segment(value: str, what: str) -> str:
    if value in ("", ".", "..") or "/" in value:
        raise ValueError(f"invalid {what} {value!r}")
    return quote(value, safe="")


def library_path(library_id: str, suffix: str = "") -> str:
    return f"{LIBRARIES}/{_segment(library_id, 'library id')}{suffix}"


def document_path(library_id: str, document_id: str, suffix: str = "") -> str:
    doc = _segment(document_id, "document id")
    return library_path(library_id, f"/documents/{doc}{suffix}")


def _object(body: bytes) -> dict[str, Any]:
    data = msgspec.json.decode(body)
    if not isinstance(data, dict):
        raise TypeError("expected a JSON object")
    return data


def parse_library(body: bytes) -> Library:
    library: Library = _kept(_object(body), Library)
    return library


def parse_library_list(body: bytes) -> LibraryList:
    data = _object(body)
    items = [_kept(item, Library) for item in data.get("data") or []]
    return LibraryList(data=items, next_page_token=data.get("next_page_token"))


def parse_document(body: bytes) -> Document:
    document: Document = _kept(_object(body), Document)
    return document


def parse_document_list(body: bytes) -> DocumentList:
    data = _object(body)
    items = [_kept(item, Document) for item in data.get("data") or []]
    page = data.get("pagination") or {}
    return DocumentList(
        data=items,
        total_items=int(page.get("total_items", len(items))),
        total_pages=int(page.get("total_pages", 1)),
        current_page=int(page.get("current_page", 0)),
        has_more=bool(page.get("has_more", False)),
    )


parse_status = msgspec.json.Decoder(DocumentStatus).decode
