"""services.upload_reuse and storage.uploads against an in-process emulator."""

from __future__ import annotations

import doctest
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mistral_chat.api import Client
from mistral_chat.emulator import Emulator
from mistral_chat.services.upload_reuse import (
    CHAT_UPLOAD_EXPIRY_HOURS,
    NO_FILES_API,
    NoFilesAPI,
    UploadReuse,
    chat_upload_ids,
    file_digest,
)
from mistral_chat.storage import uploads
from mistral_chat.storage.uploads import UploadLedger


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator() as e:
        yield e


@pytest.fixture
def client(emu: Emulator) -> Iterator[Client]:
    emu.clear_faults()
    with Client("test-key", base_url=emu.base_url, max_retries=0) as c:
        yield c


@pytest.fixture
def doc(tmp_path: Path) -> Path:
    path = tmp_path / "doc.pdf"
    path.write_bytes(b"%PDF-1.4\n" + b"words " * 50 + b"\n%%EOF\n")
    return path


def posts(emu: Emulator, since: int) -> int:
    return sum(1 for r in emu.requests[since:] if (r.method, r.path) == ("POST", "/v1/files"))


def test_doctests() -> None:
    assert doctest.testmod(uploads).failed == 0


def test_reused_until_gone_and_recorded_per_server(
    client: Client, emu: Emulator, doc: Path, tmp_path: Path
) -> None:
    ledger = tmp_path / "uploads.db"
    reuse = UploadReuse(ledger, server=emu.base_url)
    start = len(emu.requests)
    first = reuse.upload(client, doc, mime="application/pdf")
    assert not first.reused and first.size == doc.stat().st_size
    assert client.files.retrieve(first.file_id).expires_at is not None
    progress: list[tuple[int, int | None]] = []
    again = reuse.upload(
        client, doc, mime="application/pdf", on_progress=lambda *a: progress.append(a)
    )
    assert (again.file_id, again.reused) == (first.file_id, True)
    assert progress == [(first.size, first.size)]  # a bar completes at once
    # the same bytes in memory (e.g. a scaled image) are the same upload too
    assert reuse.upload(client, doc.read_bytes(), name="x.pdf", mime="application/pdf").reused
    assert posts(emu, start) == 1
    # another purpose, another server: another upload
    assert not reuse.upload(client, doc, mime="application/pdf", purpose="batch").reused
    other = UploadReuse(ledger, server="http://elsewhere")
    assert not other.upload(client, doc, mime="application/pdf").reused
    assert chat_upload_ids(ledger, emu.base_url) >= {first.file_id}
    assert first.file_id not in chat_upload_ids(ledger, "http://elsewhere")
    assert chat_upload_ids(tmp_path / "none.db", emu.base_url) == set()

    client.files.delete(first.file_id)
    start = len(emu.requests)
    fresh = reuse.upload(client, doc, mime="application/pdf")
    assert not fresh.reused and fresh.file_id != first.file_id and posts(emu, start) == 1
    assert first.file_id not in chat_upload_ids(ledger, emu.base_url)


def test_an_upload_about_to_expire_is_not_reused(
    client: Client, emu: Emulator, doc: Path, tmp_path: Path
) -> None:
    now = time.time()
    reuse = UploadReuse(tmp_path / "uploads.db", server=emu.base_url, clock=lambda: now)
    first = reuse.upload(client, doc, mime="application/pdf")
    later = now + CHAT_UPLOAD_EXPIRY_HOURS * 3600 - 60  # a minute before it expires
    reuse.clock = lambda: later
    assert reuse.upload(client, doc, mime="application/pdf").file_id != first.file_id


def test_without_a_ledger_uploads_still_expire(
    client: Client, emu: Emulator, doc: Path, tmp_path: Path
) -> None:
    for ledger in (None, tmp_path):  # none, or one that cannot be opened (a directory)
        up = UploadReuse(ledger, server=emu.base_url).upload(client, doc, mime="application/pdf")
        assert not up.reused
        meta = client.files.retrieve(up.file_id)
        assert meta.expires_at == meta.created_at + CHAT_UPLOAD_EXPIRY_HOURS * 3600  # type: ignore[operator]


def test_a_server_without_files_api(client: Client, emu: Emulator, doc: Path) -> None:
    for status in (404, 405):
        emu.inject("status", status=status, path="/v1/files")
        with pytest.raises(NoFilesAPI) as caught:
            UploadReuse(None, server="x").upload(client, doc, mime="application/pdf")
        assert str(caught.value) == NO_FILES_API and caught.value.exit_code == 4
        emu.clear_faults()


def test_digest_and_ledger_rows(tmp_path: Path) -> None:
    path = tmp_path / "a.bin"
    path.write_bytes(b"x" * (3 << 20))
    assert file_digest(path) == file_digest(path.read_bytes())
    with UploadLedger(tmp_path / "u.db") as ledger:
        ledger.record(uploads.UploadRecord("s", "a" * 64, 1, "ocr", "f1", expires_at=5))
        ledger.record(uploads.UploadRecord("s", "a" * 64, 1, "ocr", "f2"))  # replaces f1
        assert ledger.file_ids("s") == {"f2"}
        ledger.used("s", "f2", when=42)
        rec = ledger.find("s", "a" * 64, 1, "ocr")
        assert rec is not None and (rec.used_at, rec.expires_at) == (42, None)
        ledger.forget("s", "f2")
        assert ledger.find("s", "a" * 64, 1, "ocr") is None
