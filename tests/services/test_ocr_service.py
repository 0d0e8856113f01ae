"""OCR sources, page lists and the pages as one markdown text."""

from __future__ import annotations

import base64
import doctest
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from mistral_chat.api import Client
from mistral_chat.api.types import OCRPage, OCRResponse
from mistral_chat.emulator import Emulator
from mistral_chat.services import ocr
from mistral_chat.services.attachments import classify
from mistral_chat.services.ocr import InvalidPages, document_for, pages_markdown, parse_pages


@pytest.fixture
def client(emulator: Emulator) -> Iterator[Client]:
    with Client("test", base_url=emulator.base_url) as c:
        yield c


def test_doctests() -> None:
    assert doctest.testmod(ocr).failed == 0


@pytest.mark.parametrize(
    ("text", "pages"),
    [("1", [0]), ("3-5", [2, 3, 4]), ("2, 1,2", [0, 1]), ("1-1,4", [0, 3])],
)
def test_pages_are_read_from_one(text: str, pages: list[int]) -> None:
    assert parse_pages(text) == pages


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0", "pages start at 1"),
        ("3-1", "not valid"),
        ("a", "cannot read page 'a'"),
        ("", "cannot read"),
    ],
)
def test_bad_page_lists(text: str, message: str) -> None:
    with pytest.raises(InvalidPages, match=message):
        parse_pages(text)


def test_each_source_becomes_the_right_document(
    client: Client, emulator: Emulator, tmp_path: Path
) -> None:
    assert document_for(classify("https://example.com/a.pdf"), client) == {
        "type": "document_url",
        "document_url": "https://example.com/a.pdf",
    }
    assert document_for(classify("https://example.com/scan.png"), client)["type"] == "image_url"
    assert document_for(classify("file:abc"), client) == {"type": "file", "file_id": "abc"}
    big = tmp_path / "scan.png"
    Image.new("RGB", (6000, 300), "white").save(big)
    inline = document_for(classify(str(big)), client)
    data = inline["image_url"]["url"].split(",", 1)[1]
    assert Image.open(io.BytesIO(base64.b64decode(data))).size == (4096, 205)  # OCR keeps detail
    pdf = tmp_path / "report.pdf"
    Image.new("RGB", (50, 50), "white").save(pdf)
    start = len(emulator.requests)
    doc = document_for(classify(str(pdf)), client)
    assert doc["type"] == "document_url" and doc["document_name"] == "report.pdf"
    paths = [r.path for r in emulator.requests[start:]]
    assert paths[0] == "/v1/files" and paths[1].endswith("/url")  # uploaded, then signed


def test_pages_markdown_marks_each_page_from_one() -> None:
    answer = OCRResponse(
        pages=[OCRPage(index=0, markdown="# Title\n"), OCRPage(index=2, markdown="Third")]
    )
    assert pages_markdown(answer) == "<!-- page 1 -->\n\n# Title\n\n<!-- page 3 -->\n\nThird\n"
