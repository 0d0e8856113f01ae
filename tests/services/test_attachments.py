"""classify(): what a user's -a / /image / /attach argument is, judged by content."""

from __future__ import annotations

import doctest
import io
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from mistral_chat.services import attachments, images
from mistral_chat.services.attachments import (
    DOCX,
    PPTX,
    XLSX,
    AttachmentError,
    DocumentFile,
    ImageFile,
    RemoteURL,
    TextFile,
    UploadedFile,
    classify,
)


def image_bytes(fmt: str) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buf, fmt)
    return buf.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "GIF", "BMP", "TIFF"])
def test_any_image_content_is_an_image_file(tmp_path: Path, fmt: str) -> None:
    # BMP and TIFF too: prepare_image then says precisely why they are refused.
    path = write(tmp_path, "noext", image_bytes(fmt))
    assert classify(str(path)) == ImageFile(path)


def test_content_beats_extension(tmp_path: Path) -> None:
    path = write(tmp_path, "report.pdf", image_bytes("PNG"))
    assert classify(str(path)).kind == "image"
    path = write(tmp_path, "photo.jpg", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    assert classify(str(path)) == DocumentFile(path, "application/pdf")


def test_relative_path_is_taken_from_cwd(tmp_path: Path) -> None:
    write(tmp_path, "a.png", image_bytes("PNG"))
    assert classify("a.png", cwd=tmp_path) == ImageFile(tmp_path / "a.png")


@pytest.mark.parametrize(
    ("members", "name", "mime"),
    [
        ({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<w/>"}, "a.bin", DOCX),
        ({"[Content_Types].xml": b"<x/>", "ppt/presentation.xml": b"<p/>"}, "deck", PPTX),
        ({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<w/>"}, "sheet.zip", XLSX),
        (
            {"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<w/>"},
            "macros.xlsm",
            "application/vnd.ms-excel.sheet.macroEnabled.12",
        ),
        (
            {"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<o/>"},
            "letter.odt",
            "application/vnd.oasis.opendocument.text",
        ),
    ],
)
def test_zip_containers_by_their_inner_names(
    tmp_path: Path, members: dict[str, bytes], name: str, mime: str
) -> None:
    path = write(tmp_path, name, zip_bytes(members))
    assert classify(str(path)) == DocumentFile(path, mime)


@pytest.mark.parametrize(
    ("members", "said"),
    [
        ({"notes.txt": b"hi"}, "is a ZIP archive"),
        ({"mimetype": b"application/epub+zip"}, "is an EPUB e-book"),
    ],
)
def test_other_zips_are_refused(tmp_path: Path, members: dict[str, bytes], said: str) -> None:
    path = write(tmp_path, "thing.docx", zip_bytes(members))
    with pytest.raises(AttachmentError, match=said):
        classify(str(path))


def test_damaged_zip_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.docx", b"PK\x03\x04" + b"\0" * 100)
    with pytest.raises(AttachmentError, match="damaged ZIP"):
        classify(str(path))


@pytest.mark.parametrize(
    ("name", "content", "mime"),
    [
        ("notes.txt", "hello\n", "text/plain"),
        ("README.md", "# Title\n\nbody\n", "text/markdown"),
        ("data.csv", "a,b\n1,2\n", "text/csv"),
        ("data.json", '{"a": 1}', "application/json"),
        ("data", '[1, 2, {"é": "ü"}]', "application/json"),  # sniffed: parses as JSON
        ("data", "[not json", "text/plain"),
        ("page", "<!DOCTYPE html><html></html>", "text/html"),
        ("script.py", "print('hi')\n", "text/x-python"),
        ("unicode.txt", "\ufeffnaïve café 日本語\n", "text/plain"),
        ("log.out", "\x1b[31mred\x1b[0m\tok\r\n", "text/plain"),
    ],
)
def test_text_by_content_then_extension(tmp_path: Path, name: str, content: str, mime: str) -> None:
    path = write(tmp_path, name, content)
    assert classify(str(path)) == TextFile(path, mime)


def test_long_text_cut_inside_a_character_is_still_text(tmp_path: Path) -> None:
    path = write(tmp_path, "long.md", "é" * 40_000)  # 80 000 bytes: the 64 KiB head ends mid-way
    assert classify(str(path)) == TextFile(path, "text/markdown")


def test_legacy_office_uses_the_extension(tmp_path: Path) -> None:
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    path = write(tmp_path, "old.doc", ole2)
    assert classify(str(path)) == DocumentFile(path, "application/msword")
    path = write(tmp_path, "old.bin", ole2)
    with pytest.raises(AttachmentError, match="legacy Microsoft Office file"):
        classify(str(path))


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (b"\x00\x01\x02\x03\xfe\xff\x00binary", "binary data of an unknown format"),
        (b"\x1f\x8b\x08\x00" + b"\0" * 20, "a gzip archive"),
        (b"\x00\x00\x00\x18ftypisom" + b"\0" * 20, "MP4/QuickTime"),
        (b"\xff\xfeh\x00i\x00", "UTF-16 text"),
    ],
)
def test_binary_of_unknown_type_is_refused_listing_accepted(
    tmp_path: Path, data: bytes, said: str
) -> None:
    path = write(tmp_path, "mystery.txt", data)
    with pytest.raises(AttachmentError, match=said) as caught:
        classify(str(path))
    if "UTF-16" not in said:
        assert "PNG, JPEG, WEBP, GIF" in str(caught.value)
        assert "a PDF" in str(caught.value)


def test_missing_directory_empty(tmp_path: Path) -> None:
    with pytest.raises(AttachmentError, match=r"^no such file: nope\.png$"):
        classify("nope.png", cwd=tmp_path)
    with pytest.raises(AttachmentError, match="is a directory"):
        classify(str(tmp_path))
    with pytest.raises(AttachmentError, match="is empty"):
        classify(str(write(tmp_path, "empty.txt", b"")))
    with pytest.raises(AttachmentError, match="empty attachment"):
        classify("  ")


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://example.com/cat.png", "image"),
        ("http://example.com/a/b/Photo.JPEG?size=large#x", "image"),
        ("https://example.com/img.webp", "image"),
        ("https://example.com/paper.pdf", "document"),
        ("https://arxiv.org/pdf/1805.04770", "document"),
        ("https://example.com/", "document"),
        ("HTTPS://EXAMPLE.COM/a.gif", "image"),
    ],
)
def test_urls(url: str, kind: str) -> None:
    assert classify(url) == RemoteURL(url, kind)  # type: ignore[arg-type]


def test_bad_urls() -> None:
    with pytest.raises(AttachmentError, match="no host name"):
        classify("https://")
    with pytest.raises(AttachmentError, match="unsupported URL scheme ftp://"):
        classify("ftp://example.com/a.png")


def test_file_url_is_a_local_path(tmp_path: Path) -> None:
    path = write(tmp_path, "my pic.png", image_bytes("PNG"))
    assert classify(path.as_uri()) == ImageFile(path)


def test_uploaded_file_ids() -> None:
    spec = classify("file:3b1f0c2e-5d7a-4f8e-9c1d-2a6b7e8f9a0b")
    assert spec == UploadedFile("3b1f0c2e-5d7a-4f8e-9c1d-2a6b7e8f9a0b")
    assert spec.kind == "file" and spec.label == "file:3b1f0c2e-5d7a-4f8e-9c1d-2a6b7e8f9a0b"
    with pytest.raises(AttachmentError, match="needs the id of an uploaded file"):
        classify("file:")
    with pytest.raises(AttachmentError, match="invalid file id"):
        classify("file:a b/c")


def test_kinds() -> None:
    assert ImageFile(Path("a")).kind == "image"
    assert DocumentFile(Path("a"), "text/plain").kind == "document"
    assert RemoteURL("https://x/y", "document").kind == "document"


def test_ninth_image_is_an_error_naming_the_limit(tmp_path: Path) -> None:
    paths = [write(tmp_path, f"{i}.png", image_bytes("PNG")) for i in range(9)]
    specs = [classify(str(p)) for p in paths]
    count = sum(spec.kind == "image" for spec in specs)
    with pytest.raises(images.ImageError, match="at most 8 images per message"):
        images.check_image_count(count)


@pytest.mark.parametrize("module", [attachments, images])
def test_docstring_examples(module: object) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)  # type: ignore[arg-type]
    assert result.failed == 0


def test_latin1_text_is_named_with_how_to_convert(tmp_path: Path) -> None:
    path = write(tmp_path, "menu.txt", "café crème brûlée\n".encode("latin-1"))
    with pytest.raises(AttachmentError, match=r"menu.txt is text, but not UTF-8 .*iconv -f latin1"):
        classify(str(path))
    random_bytes = bytes((i * 97 + 13) % 256 for i in range(4096))
    with pytest.raises(AttachmentError, match="binary data of an unknown format"):
        classify(str(write(tmp_path, "noise.bin", random_bytes)))
