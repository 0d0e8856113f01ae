"""``POST /v1/ocr``: one page object per selected page, describing the document received.

Each page's markdown is a heading and one line, in the style of the chat replies::

    # Page 2 of 3

    Document: report.pdf (20016 bytes, application/pdf) via file <file id>

The line is ``Document: <name> (<bytes> bytes, <mime>) <how>`` (how: ``via file <id>``,
``via signed URL``, ``as data URI``), ``Image: PNG 64x48, dominant colour red (#ff0000),
<how>`` (how: ``via file <id>``, ``via signed URL``, ``sent as data URI <mime>``), or
``Document: URL <url>`` / ``Image: URL <url>`` for a URL the emulator cannot fetch.

A PDF has as many pages as ``/Type /Page`` objects in its bytes (at least 1); an image,
another file or an unfetchable URL has one. PDF pages (and other documents) measure A4 at
200 dpi; an image page measures the image; an unfetched image has no dimensions (null).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .attachments import data_uri, image_facts, image_summary, signed_file
from .files import FileStore, StoredFile
from .request_bodies import (
    DocumentURLChunk,
    ImageURLChunk,
    OCRFileChunk,
    OCRRequest,
    ResponseFormat,
)
from .schema import schema_instance
from .validate import invalid_request, not_found

__all__ = ["A4", "ocr_response", "pdf_pages"]

DPI = 200
A4 = {"dpi": DPI, "height": 2339, "width": 1654}
# "/Type /Page" but not "/Type /Pages" (the page tree); bounded so chunks can be scanned.
_PAGE = re.compile(rb"/Type\s{0,4}/Page(?!s)")
_KEEP = 16  # longer than any match plus the byte its look-ahead reads
_RANGE = re.compile(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?")


@dataclass
class _Document:
    line: str
    pages: int
    size: int | None
    dimensions: dict[str, int] | None


def pdf_pages(chunks: Iterable[bytes]) -> int:
    """The number of page objects in a PDF's bytes (given in chunks), at least 1."""
    count, tail = 0, b""
    for chunk in chunks:
        buf = tail + chunk
        limit = len(buf) - _KEEP
        # A match starting in the last _KEEP bytes may be incomplete: it waits for more.
        count += sum(1 for m in _PAGE.finditer(buf) if m.start() < limit)
        tail = buf[max(limit, 0) :]
    count += len(_PAGE.findall(tail))
    return max(count, 1)


def ocr_response(request: OCRRequest, store: FileStore, bases: tuple[str, ...]) -> dict[str, Any]:
    """The spec's ``OCRResponse`` for a validated request whose model does OCR."""
    _check_formats(request)
    doc = _document(request.document, store, bases)
    selected = _select(request.pages, doc.pages)
    pages: list[dict[str, Any]] = [
        {
            "index": i,
            "markdown": f"# Page {i + 1} of {doc.pages}\n\n{doc.line}",
            "images": [],
            "dimensions": doc.dimensions,
        }
        for i in selected
    ]
    out: dict[str, Any] = {
        "pages": pages,
        "model": request.model,
        "usage_info": {"pages_processed": len(pages), "doc_size_bytes": doc.size},
    }
    fmt = request.document_annotation_format
    if fmt is not None and fmt.json_schema is not None:
        out["document_annotation"] = json.dumps(
            schema_instance(fmt.json_schema.schema, doc.line), ensure_ascii=False
        )
    return out


def _check_formats(request: OCRRequest) -> None:
    """The annotation formats: only ``json_schema`` (with its schema) is valid, per the spec."""
    formats: list[tuple[str, ResponseFormat | None]] = [
        ("bbox_annotation_format", request.bbox_annotation_format),
        ("document_annotation_format", request.document_annotation_format),
    ]
    for name, given in formats:
        if given is not None and (given.type != "json_schema" or given.json_schema is None):
            raise invalid_request(f"{name}: only type json_schema, with a json_schema, is valid.")
    prompt, fmt = request.document_annotation_prompt, request.document_annotation_format
    if prompt is not None and fmt is None:
        raise invalid_request(
            "document_annotation_prompt requires a document_annotation_format to be provided."
        )


def _document(
    chunk: OCRFileChunk | DocumentURLChunk | ImageURLChunk,
    store: FileStore,
    bases: tuple[str, ...],
) -> _Document:
    if isinstance(chunk, OCRFileChunk):
        stored = store.get(str(chunk.file_id))
        if stored is None:
            raise not_found(f"File {chunk.file_id} not found.")
        return _stored(stored, store, f"via file {stored.id}", image=False)
    if isinstance(chunk, DocumentURLChunk):
        url = chunk.document_url
        if url.startswith("data:"):
            mime, data = data_uri(url, "document")
            return _bytes(data, mime, chunk.document_name or "document")
        stored = signed_file(url, store, bases, "document")
        if stored is not None:
            return _stored(stored, store, "via signed URL", image=False)
        return _Document(f"Document: URL {url}", 1, None, A4)
    url = chunk.image_url if isinstance(chunk.image_url, str) else chunk.image_url.url
    if url.startswith("data:"):
        declared, data = data_uri(url, "image")
        return _image(data, declared, f"sent as data URI {declared}")
    stored = signed_file(url, store, bases, "image")
    if stored is not None:
        return _stored(stored, store, "via signed URL", image=True)
    return _Document(f"Image: URL {url}", 1, None, None)


def _stored(stored: StoredFile, store: FileStore, how: str, *, image: bool) -> _Document:
    """A stored file: an image if it is one (or must be one), a PDF, or a one-page file."""
    mime = stored.mimetype or "application/octet-stream"
    if image or mime.startswith("image/"):
        return _image(store.content_path(stored.id).read_bytes(), None, how)
    pages = pdf_pages(store.iter_content(stored.id)) if mime == "application/pdf" else 1
    line = f"Document: {stored.filename} ({stored.bytes} bytes, {mime}) {how}"
    return _Document(line, pages, stored.bytes, A4)


def _bytes(data: bytes, mime: str, name: str) -> _Document:
    """A document sent as a data URI: an image, a PDF (by its bytes) or a one-page file."""
    if mime.startswith("image/"):
        return _image(data, mime, f"sent as data URI {mime}")
    pages = pdf_pages([data]) if data.startswith(b"%PDF") else 1
    line = f"Document: {name} ({len(data)} bytes, {mime}) as data URI"
    return _Document(line, pages, len(data), A4)


def _image(data: bytes, declared: str | None, how: str) -> _Document:
    facts = image_facts(data, declared)
    dimensions = {"dpi": DPI, "height": facts["height"], "width": facts["width"]}
    return _Document(f"Image: {image_summary(facts)}, {how}", 1, len(data), dimensions)


def _select(pages: str | list[int] | None, total: int) -> list[int]:
    """The 0-based page indices asked for (all when none are), sorted, each once."""
    if pages is None or pages in ("", []):
        return list(range(total))
    spans = _parse_pages(pages) if isinstance(pages, str) else [(i, i) for i in pages]
    outside: set[tuple[int, int]] = set()
    for first, last in spans:
        if first < 0 or first >= total:
            outside.add((first, last))
        elif last >= total:
            outside.add((total, last))
    if outside:
        named = ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in sorted(outside))
        plural = "page" if total == 1 else "pages"
        raise invalid_request(
            f"Pages out of range: {named} (the document has {total} {plural}, numbered from 0)."
        )
    return sorted({i for first, last in spans for i in range(first, last + 1)})


def _parse_pages(text: str) -> list[tuple[int, int]]:
    """``'0,2-4'`` -> ``[(0, 0), (2, 4)]``; anything else is refused."""
    spans: list[tuple[int, int]] = []
    for part in text.split(","):
        match = _RANGE.fullmatch(part)
        first = int(match.group(1)) if match else 0
        last = int(match.group(2) or first) if match else 0
        if match is None or last < first:
            raise invalid_request(
                f"Invalid pages: {text!r}; expected page numbers and ranges such as '0,2-4'."
            )
        spans.append((first, last))
    return spans
