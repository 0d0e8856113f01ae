"""Reading a document with Mistral OCR: the document to send for a source, the pages a user
names, and the answer as one markdown text.

Sources are those of `ask -a`: a local PDF or other document is uploaded and sent by signed URL
(Mistral's documented flow), a local image goes inline at up to 4096 px (OCR wants detail), an
http(s) URL as `document_url` or `image_url`, `file:ID` as a file chunk.

    >>> parse_pages("1,3-4")
    [0, 2, 3]
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from mistral_chat.api import content as chunks
from mistral_chat.errors import UsageError
from mistral_chat.services.attachments import (
    AttachmentError,
    AttachmentSpec,
    DocumentFile,
    ImageFile,
    RemoteURL,
    TextFile,
    UploadedFile,
    classify,
    classify_bytes,
)

if TYPE_CHECKING:
    from mistral_chat.api import Client
    from mistral_chat.api.types import OCRResponse
    from mistral_chat.services.content import UploadProgress

__all__ = [
    "DEFAULT_OCR_MODEL",
    "OCR_MAX_SIDE",
    "InvalidPages",
    "document_for",
    "ocr_source",
    "pages_markdown",
    "parse_pages",
    "read_document",
]

DEFAULT_OCR_MODEL: Final = "mistral-ocr-latest"
#: a local image's longest side for OCR: larger than chat's 1024, small print must stay legible
OCR_MAX_SIDE: Final = 4096
_MAX_PAGE = 100_000


class InvalidPages(UsageError, ValueError):
    """A page list that cannot be read; the message is one line for the user."""


def parse_pages(text: str) -> list[int]:
    """1-based pages as people write them ("1,3-5") -> the API's sorted 0-based indices."""
    pages: set[int] = set()
    for part in text.replace(" ", "").split(","):
        first, dash, last = part.partition("-")
        try:
            low = int(first)
            high = int(last) if dash else low
        except ValueError:
            raise InvalidPages(
                f"cannot read page {part!r} in {text!r}; write pages like 1,3-5"
            ) from None
        if high > _MAX_PAGE:
            raise InvalidPages(f"page {high} is too large; pages go up to {_MAX_PAGE}")
        if low < 1 or high < low:
            raise InvalidPages(f"page range {part!r} is not valid; pages start at 1, like 1,3-5")
        pages.update(range(low - 1, high))
    return sorted(pages)


def ocr_source(arg: str, stdin: bytes | None = None, scratch: Path | None = None) -> AttachmentSpec:
    """Classify an OCR source as `ask -a` does, refusing a text file (there is nothing to read).
    ``-`` is ``stdin``'s bytes, written into ``scratch``."""
    if arg == "-":
        if not stdin or scratch is None:
            raise AttachmentError("- reads the document from stdin, but nothing was piped")
        spec = classify_bytes(stdin, scratch)
    else:
        spec = classify(arg)
    if isinstance(spec, TextFile):
        raise AttachmentError(f"{arg} is already text; OCR reads PDFs, Office documents and images")
    return spec


def document_for(
    spec: AttachmentSpec, client: Client, on_upload: UploadProgress | None = None
) -> dict[str, Any]:
    """The `document` field of an OCR request for a classified source (uploads if local)."""
    if isinstance(spec, ImageFile):
        from mistral_chat.services.images import prepare_image

        return chunks.image_url(prepare_image(spec.path, max_side=OCR_MAX_SIDE).data_uri())
    if isinstance(spec, DocumentFile):
        from mistral_chat.services.content import upload_document

        return upload_document(spec, client, on_upload)[0]
    if isinstance(spec, RemoteURL):
        if spec.kind == "image":
            return chunks.image_url(spec.url)
        return chunks.document_url(spec.url)
    if isinstance(spec, UploadedFile):
        return chunks.file_chunk(spec.file_id)
    raise TypeError(f"not a document source: {spec!r}")


_PAGE_COUNT = re.compile(r"\b(?:has|contains|of) (\d+) pages?\b", re.IGNORECASE)


def read_document(
    client: Client, model: str, document: dict[str, Any], pages: list[int] | None = None
) -> OCRResponse:
    """Send the OCR request. A refusal of the pages asked for is told in the pages people
    count (from 1): the API's own message counts them from 0, as its indices do."""
    from mistral_chat.api.errors import BadRequestError, UnprocessableEntityError

    try:
        return client.ocr.process(model, document, pages=pages)
    except (BadRequestError, UnprocessableEntityError) as exc:
        said = str(exc.message)
        if not pages or "page" not in said.lower():
            raise
        found = _PAGE_COUNT.search(said)
        has = f"the document has {found[1]} page{'s' * (found[1] != '1')}" if found else ""
        asked = _as_written(pages)
        exc.message = (
            f"--pages {asked}: {has or 'a page asked for is not in the document'}; "
            "pages are numbered from 1"
        )
        raise


def _as_written(pages: list[int]) -> str:
    """0-based indices as people write pages: [1, 3, 4, 5] -> "2,4-6"."""
    spans: list[list[int]] = []
    for page in sorted(set(pages)):
        if spans and page == spans[-1][1] + 1:
            spans[-1][1] = page
        else:
            spans.append([page, page])
    return ",".join(f"{a + 1}" if a == b else f"{a + 1}-{b + 1}" for a, b in spans)


def pages_markdown(answer: OCRResponse) -> str:
    """Every page's markdown, each after an invisible `<!-- page N -->` marker (1-based)."""
    parts = [
        f"<!-- page {page.index + 1} -->\n\n{page.markdown.strip()}\n" for page in answer.pages
    ]
    return "\n".join(parts)
