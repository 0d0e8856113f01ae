"""services.content: attachments -> content chunks, checked against a real emulator."""

from __future__ import annotations

import doctest
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from mistral_chat.api import Client
from mistral_chat.emulator import Emulator
from mistral_chat.services import content
from mistral_chat.services.attachments import (
    AttachmentError,
    DocumentFile,
    ImageFile,
    RemoteURL,
    TextFile,
    UploadedFile,
    classify,
)
from mistral_chat.services.catalog import ModelCatalog
from mistral_chat.services.content import (
    PreparedAttachments,
    VisionRequired,
    prepare_attachments,
    require_vision,
    user_content,
)
from mistral_chat.services.images import ImageError


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator() as e:
        yield e


@pytest.fixture
def client(emu: Emulator) -> Iterator[Client]:
    with Client("test-key", base_url=emu.base_url, max_retries=0) as c:
        yield c


def write_image(path: Path, fmt: str, size: tuple[int, int], color: str = "red") -> Path:
    Image.new("RGB", size, color).save(path, fmt)
    return path


def answer(client: Client, prepared: PreparedAttachments, text: str = "look") -> str:
    reply = client.chat.complete(
        "mistral-small-latest", [{"role": "user", "content": user_content(text, prepared)}]
    )
    result = reply.choices[0].message.content
    assert isinstance(result, str)
    return result


def test_doctests() -> None:
    assert doctest.testmod(content).failed == 0


def test_large_jpeg_is_scaled_to_1024_and_sent_as_jpeg(tmp_path: Path, client: Client) -> None:
    path = write_image(tmp_path / "photo.jpg", "JPEG", (6000, 4000), "blue")
    # Speed is bench/bench_images.py's business; draft decoding is checked in test_images.py.
    prepared = prepare_attachments([classify(str(path))], None)
    assert prepared.images == 1
    assert prepared.chunks[0]["image_url"]["url"].startswith("data:image/jpeg;base64,")
    record = prepared.attachments[0]
    assert (record.kind, record.name, record.mime_type) == ("image", "photo.jpg", "image/jpeg")
    assert record.sha256 and record.size
    text = answer(client, prepared)
    assert "Image 1: JPEG 1024x683" in text
    assert "sent as data URI image/jpeg" in text


def test_png_is_sent_as_png(tmp_path: Path, client: Client) -> None:
    path = write_image(tmp_path / "red.png", "PNG", (64, 48))
    text = answer(client, prepare_attachments([classify(str(path))], None))
    assert "Image 1: PNG 64x48" in text
    assert "sent as data URI image/png" in text


def test_document_is_uploaded_for_ocr_and_sent_by_signed_url(
    tmp_path: Path, client: Client, emu: Emulator
) -> None:
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.4\n" + b"x" * 2000 + b"\n%%EOF\n")
    seen: list[tuple[str, int, int | None]] = []
    prepared = prepare_attachments(
        [classify(str(pdf))], client, on_upload=lambda n, d, t: seen.append((n, d, t))
    )
    assert prepared.chunks[0]["type"] == "document_url"
    assert prepared.chunks[0]["document_name"] == "report.pdf"
    record = prepared.attachments[0]
    assert record.kind == "document" and record.file_id and record.mime_type == "application/pdf"
    assert seen and seen[-1][0] == "report.pdf"
    uploads = [r for r in emu.requests if r.method == "POST" and r.path == "/v1/files"]
    assert uploads
    text = answer(client, prepared)
    assert f"Document 1: report.pdf ({pdf.stat().st_size} bytes, application/pdf)" in text
    assert "via signed URL" in text


def test_urls_and_uploaded_files(tmp_path: Path, client: Client) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("some notes to keep\n")
    uploaded = client.files.upload(notes, purpose="ocr")
    specs = [
        RemoteURL("https://example.com/cat.png", "image"),
        RemoteURL("https://example.com/paper.pdf", "document"),
        UploadedFile(uploaded.id),
    ]
    prepared = prepare_attachments(specs, client)
    assert [c["type"] for c in prepared.chunks] == ["image_url", "document_url", "file"]
    assert prepared.images == 1
    assert [a.kind for a in prepared.attachments] == ["image", "document", "file"]
    assert prepared.attachments[2].file_id == uploaded.id


def test_ninth_image_is_refused_before_any_work(tmp_path: Path) -> None:
    from mistral_chat.services.chat import Outbox

    specs = [ImageFile(tmp_path / f"missing-{i}.png") for i in range(9)]
    box = Outbox()
    with pytest.raises(ImageError, match="9 images"):
        for spec in specs:
            box.add(spec)


def test_document_needs_a_client(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="client"):
        prepare_attachments([DocumentFile(tmp_path / "a.pdf", "application/pdf")], None)


def test_image_size_option(tmp_path: Path) -> None:
    path = write_image(tmp_path / "big.png", "PNG", (2000, 1000))
    prepared = prepare_attachments([ImageFile(path)], None, max_side=500)
    data = prepared.chunks[0]["image_url"]["url"].split(",", 1)[1]
    import base64

    with Image.open(io.BytesIO(base64.b64decode(data))) as im:
        assert im.size == (500, 250)


def test_user_content_puts_text_first() -> None:
    prepared = PreparedAttachments(chunks=[{"type": "file", "file_id": "f"}])
    assert user_content("hi", prepared) == [
        {"type": "text", "text": "hi"},
        {"type": "file", "file_id": "f"},
    ]
    assert user_content("", prepared) == [{"type": "file", "file_id": "f"}]


def test_require_vision_against_the_catalog(tmp_path: Path, client: Client) -> None:
    catalog = ModelCatalog(lambda: client, tmp_path, client.base_url)
    require_vision("mistral-small-latest", catalog)  # has vision: no error
    require_vision("my-own-model", catalog)  # unknown to the catalog: the server decides
    require_vision("codestral-latest", None)  # no catalog: skipped
    with pytest.raises(VisionRequired) as info:
        require_vision("codestral-latest", catalog)
    assert "codestral-latest cannot read images" in str(info.value)
    assert "mistral-small-latest" in str(info.value) or "mistral-small" in str(info.value)
    assert isinstance(info.value, ImageError)


def test_require_vision_skipped_when_the_catalog_fails() -> None:
    class Broken:
        def get(self, model_id: str) -> object:
            raise OSError("disk gone")

        def vision_models(self) -> list[object]:
            return []

    require_vision("codestral-latest", Broken())


def test_text_file_goes_inline_and_is_recorded(tmp_path: Path) -> None:
    path = tmp_path / "fences.md"
    path.write_text("Run:\n```sh\nmake\n```\n")
    prepared = prepare_attachments([TextFile(path, "text/markdown")], None)  # no client needed
    assert prepared.chunks == [
        {"type": "text", "text": "File: fences.md\n````md\nRun:\n```sh\nmake\n```\n````"}
    ]
    (record,) = prepared.attachments
    assert (record.kind, record.name, record.mime_type, record.size) == (
        "text", "fences.md", "text/markdown", path.stat().st_size,
    )  # fmt: skip
    assert record.sha256 and prepared.images == 0


def test_text_file_too_large_or_not_utf8_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "big.log"
    big.write_text("x" * 3000)
    monkeypatch.setattr(content, "MAX_TEXT_BYTES", 2000)
    with pytest.raises(
        AttachmentError, match=r"big.log is 3.0 kB of text, more than the 2.0 kB sent inline"
    ):
        prepare_attachments([TextFile(big, "text/plain")], None)
    latin = tmp_path / "latin.txt"
    latin.write_bytes(b"ok " * 10 + b"caf\xe9\n")
    with pytest.raises(
        AttachmentError, match=r"not UTF-8 text \(invalid byte at position 34\); save it as UTF-8"
    ):
        prepare_attachments([TextFile(latin, "text/plain")], None)
