"""Uploads and downloads at the edges: odd sources and destinations, interruptions, retries."""

from __future__ import annotations

import asyncio
import io
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx2
import pytest

from mistral_chat.api import AsyncClient, Client, errors

KEY = "sk-test-0123456789abcdefWXYZ"


def file_json(name: str = "f.txt", size: int = 0) -> dict[str, object]:
    return {
        "id": "file-1",
        "object": "file",
        "bytes": size,
        "created_at": 1,
        "filename": name,
        "purpose": "ocr",
        "sample_type": "ocr_input",
        "source": "upload",
    }


class Recorder:
    """A transport that reads each upload body whole, failing the first `fail` attempts."""

    def __init__(self, fail: int = 0) -> None:
        self.bodies: list[bytes] = []
        self.fail = fail

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        body = request.read()
        self.bodies.append(body)
        if len(self.bodies) <= self.fail:
            raise httpx2.ReadError("connection reset by peer")
        return httpx2.Response(200, json=file_json(size=len(body)))


def client_for(handler: object) -> Client:
    client = Client(KEY, base_url="https://api.example", transport=httpx2.MockTransport(handler))  # type: ignore[arg-type]
    client._sleep = lambda seconds: None
    return client


class Unseekable:
    """A readable object with no seek or tell (a socket's reader, a generator's adapter)."""

    name = "stream.txt"

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self._data.read(size)


# -- upload -------------------------------------------------------------------------------------


def test_a_zero_byte_file_uploads(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    recorder = Recorder()
    progress: list[tuple[int, int | None]] = []
    with client_for(recorder) as client:
        client.files.upload(empty, purpose="ocr", on_progress=lambda d, t: progress.append((d, t)))
    assert b'filename="empty.txt"' in recorder.bodies[0]
    assert all(done <= (total or 0) for done, total in progress)


def test_an_object_without_seek_uploads_once_and_is_not_retried() -> None:
    # before: AttributeError 'Unseekable' object has no attribute 'seek', from inside httpx2
    recorder = Recorder(fail=1)
    with client_for(recorder) as client, pytest.raises(errors.APIConnectionError) as info:
        client.files.upload(Unseekable(b"payload"), purpose="ocr")
    assert len(recorder.bodies) == 1 and info.value.attempts == 1
    ok = Recorder()
    with client_for(ok) as client:
        client.files.upload(Unseekable(b"payload"), purpose="ocr")
    assert b"\r\n\r\npayload\r\n" in ok.bodies[0]


def test_a_pipe_is_not_retried() -> None:
    read_end, write_end = os.pipe()
    os.write(write_end, b"piped")
    os.close(write_end)
    recorder = Recorder(fail=1)
    with (
        open(read_end, "rb") as pipe,  # noqa: PTH123
        client_for(recorder) as client,
        pytest.raises(errors.APIConnectionError),
    ):
        client.files.upload(pipe, filename="p.txt", purpose="ocr")
    assert len(recorder.bodies) == 1


def test_a_path_is_retried_with_the_same_bytes(tmp_path: Path) -> None:
    source = tmp_path / "data.bin"
    source.write_bytes(os.urandom(200_000))
    recorder = Recorder(fail=2)
    with client_for(recorder) as client:
        client.files.upload(source, purpose="ocr")
    assert len(recorder.bodies) == 3 and len(set(recorder.bodies)) == 1


def test_a_path_deleted_while_uploading_still_sends_what_was_opened(tmp_path: Path) -> None:
    source = tmp_path / "gone.bin"
    source.write_bytes(b"x" * 300_000)

    def remove(done: int, total: int | None) -> None:
        source.unlink(missing_ok=True)

    recorder = Recorder()
    with client_for(recorder) as client:
        client.files.upload(source, purpose="ocr", on_progress=remove)
    assert recorder.bodies[0].count(b"x") == 300_000


@pytest.mark.parametrize("make", [lambda p: p.open("r"), lambda p: io.StringIO("text")])
def test_a_text_mode_file_is_a_type_error_before_sending(tmp_path: Path, make: object) -> None:
    # before: accepted (our progress wrapper hid httpx2's own check) and sent re-encoded
    source = tmp_path / "t.txt"
    source.write_text("text")
    recorder = Recorder()
    fh = make(source)  # type: ignore[operator]
    with fh, client_for(recorder) as client, pytest.raises(TypeError, match="binary"):
        client.files.upload(fh, purpose="ocr")
    assert recorder.bodies == []


def test_progress_of_a_file_not_at_its_start_never_passes_its_total() -> None:
    # a seekable file is sent from its start (httpx2 rewinds it, and so does each retry);
    # before: the total counted from the current position, so done (13) passed total (7)
    source = io.BytesIO(b"HEADERpayload")
    source.read(6)
    progress: list[tuple[int, int | None]] = []
    recorder = Recorder()
    with client_for(recorder) as client:
        client.files.upload(
            source,
            filename="b.txt",
            purpose="ocr",
            on_progress=lambda d, t: progress.append((d, t)),
        )
    assert b"\r\n\r\nHEADERpayload\r\n" in recorder.bodies[0]
    assert progress and all(total == 13 and done <= 13 for done, total in progress)


# -- download -----------------------------------------------------------------------------------


class BreaksMidway(httpx2.SyncByteStream, httpx2.AsyncByteStream):
    def __iter__(self) -> Iterator[bytes]:
        yield b"a" * 70_000
        raise httpx2.ReadError("connection reset")

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b"a" * 70_000
        raise httpx2.ReadError("connection reset")


def breaks_midway(request: httpx2.Request) -> httpx2.Response:
    return httpx2.Response(200, headers={"content-length": "200000"}, stream=BreaksMidway())


def whole(request: httpx2.Request) -> httpx2.Response:
    return httpx2.Response(200, content=b"content")


def test_an_interrupted_download_keeps_the_old_file_and_leaves_no_temporary(
    tmp_path: Path,
) -> None:
    dest = tmp_path / "out.bin"
    dest.write_bytes(b"old")
    with client_for(breaks_midway) as client, pytest.raises(errors.APIConnectionError):
        client.files.download("file-1", dest)
    assert dest.read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == ["out.bin"]

    async def main() -> None:
        async with AsyncClient(
            KEY, base_url="https://api.example", transport=httpx2.MockTransport(breaks_midway)
        ) as aclient:
            with pytest.raises(errors.APIConnectionError):
                await aclient.files.download("file-1", dest)

    asyncio.run(main())
    assert dest.read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == ["out.bin"]


def test_a_cancelled_async_download_leaves_no_temporary(tmp_path: Path) -> None:
    started = asyncio.Event()

    class Slow(httpx2.AsyncByteStream):
        async def __aiter__(self) -> AsyncIterator[bytes]:
            yield b"a" * 70_000
            started.set()
            await asyncio.sleep(3600)

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, stream=Slow())

    async def main() -> None:
        async with AsyncClient(
            KEY, base_url="https://api.example", transport=httpx2.MockTransport(handler)
        ) as client:
            task = asyncio.create_task(client.files.download("file-1", tmp_path / "out.bin"))
            await started.wait()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    asyncio.run(main())
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_text_mode_destination_is_a_type_error_before_downloading(tmp_path: Path) -> None:
    # before: TypeError "write() argument must be str, not bytes" once the body arrived
    seen: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.url.path)
        return whole(request)

    with (
        (tmp_path / "t.txt").open("w") as text,
        client_for(handler) as client,
        pytest.raises(TypeError, match="binary"),
    ):
        client.files.download("file-1", text)
    with client_for(handler) as client, pytest.raises(TypeError, match="binary"):
        client.files.download("file-1", io.StringIO())
    assert seen == []


def test_a_destination_in_a_missing_directory_names_the_destination(tmp_path: Path) -> None:
    # before: FileNotFoundError named '.../missing/.out.bin.1a2b3c4d.part', a file the user
    # never asked for
    dest = tmp_path / "missing" / "out.bin"
    with client_for(whole) as client, pytest.raises(FileNotFoundError) as info:
        client.files.download("file-1", dest)
    assert info.value.filename == str(dest) and ".part" not in str(info.value)


def test_a_directory_as_destination_is_refused_before_downloading(tmp_path: Path) -> None:
    seen: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.url.path)
        return whole(request)

    with client_for(handler) as client, pytest.raises(IsADirectoryError) as info:
        client.files.download("file-1", tmp_path)
    assert (
        info.value.filename == str(tmp_path)
        and seen == []
        and sorted(p.name for p in tmp_path.iterdir()) == []
    )


def test_a_directory_that_vanishes_before_the_rename_names_the_destination(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    dest = folder / "out.bin"

    def vanish(done: int, total: int | None) -> None:
        for leftover in folder.iterdir():
            leftover.unlink()
        folder.rmdir()

    with client_for(whole) as client, pytest.raises(FileNotFoundError) as info:
        client.files.download("file-1", dest, on_progress=vanish)
    assert info.value.filename == str(dest)
    assert not folder.exists()
