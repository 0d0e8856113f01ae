"""`/v1/files*`: upload (streamed from disk), list, retrieve, delete, download, signed URL.

Uploads and downloads move the file in 64 KiB pieces, so memory stays flat whatever its size.
A download goes to a temporary file beside the target and is renamed into place only once
complete, so an interrupted download never leaves a truncated file under the real name.
"""

from __future__ import annotations

import mimetypes
import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import httpx2
import msgspec

from .._client import _transport_error
from ..types import DeletedFile, FileList, FileObject, SignedURL

if TYPE_CHECKING:
    from .._client import AsyncClient, Client

__all__ = ["AsyncFiles", "Files", "ProgressCallback"]

#: called with (bytes done, total bytes or None)
ProgressCallback = Callable[[int, int | None], None]
_KNOWN = frozenset(FileObject.__struct_fields__)
_CHUNK = 64 * 1024


def _file(data: dict[str, Any]) -> FileObject:
    obj = msgspec.convert({k: v for k, v in data.items() if k in _KNOWN}, FileObject)
    obj.extra = {k: v for k, v in data.items() if k not in _KNOWN}
    return obj


def _file_list(data: dict[str, Any]) -> FileList:
    return FileList(
        data=[_file(item) for item in data.get("data", [])],
        object=data.get("object", "list"),
        total=data.get("total"),
    )


def _path(file_id: str, suffix: str = "") -> str:
    if not file_id or "/" in file_id:
        raise ValueError(f"invalid file id {file_id!r}")
    return f"/v1/files/{file_id}{suffix}"


def _list_params(
    page: int | None,
    page_size: int | None,
    purpose: str | None,
    search: str | None,
    sample_type: list[str] | None,
    source: list[str] | None,
    mimetypes: list[str] | None,
    include_total: bool | None,
) -> list[tuple[str, str | int]]:
    params: list[tuple[str, str | int]] = []
    for name, value in (
        ("page", page),
        ("page_size", page_size),
        ("purpose", purpose),
        ("search", search),
    ):
        if value is not None:
            params.append((name, value))
    if include_total is not None:
        params.append(("include_total", "true" if include_total else "false"))
    for name, values in (
        ("sample_type", sample_type),
        ("source", source),
        ("mimetypes", mimetypes),
    ):
        params.extend((name, v) for v in values or [])
    return params


def _signed_url_params(expiry_hours: int) -> dict[str, int]:
    if not 1 <= expiry_hours <= 168:
        raise ValueError("expiry must be between 1 and 168 hours")
    return {"expiry": expiry_hours}


class _ProgressReader:
    """A binary file that reports how much has been read (multipart streams read it)."""

    def __init__(self, raw: IO[bytes], total: int | None, callback: ProgressCallback | None):
        self._raw = raw
        self._total = total
        self._callback = callback
        self._done = 0

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self._done += len(data)
        if self._callback is not None:
            self._callback(self._done, self._total)
        return data

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        position = self._raw.seek(offset, whence)
        self._done = position
        return position

    def tell(self) -> int:
        return self._raw.tell()


def _measure(fh: IO[bytes]) -> tuple[bool, int | None]:
    """(can be re-read from the start, bytes left) without reading it."""
    try:
        if not fh.seekable():
            return False, None
        position = fh.tell()
        end = fh.seek(0, os.SEEK_END)
        fh.seek(position)
        return True, end - position
    except (AttributeError, OSError, ValueError):
        return False, None


@contextmanager
def _upload_form(
    file: str | os.PathLike[str] | IO[bytes],
    filename: str | None,
    purpose: str | None,
    expiry: int | None,
    visibility: str | None,
    on_progress: ProgressCallback | None,
    mime: str | None = None,
) -> Iterator[tuple[dict[str, Any], dict[str, Any], bool]]:
    """(files, data, rewindable) for a multipart upload; opens and closes a path itself."""
    opened: IO[bytes] | None = None
    fh: IO[bytes]
    if isinstance(file, (str, os.PathLike)):
        path = Path(file)
        opened = fh = path.open("rb")
        name = filename or path.name
    else:
        fh = file
        name = filename or Path(str(getattr(file, "name", "upload.bin"))).name
    try:
        rewindable, total = _measure(fh)
        mime = mime or mimetypes.guess_type(name)[0] or "application/octet-stream"
        reader = _ProgressReader(fh, total, on_progress)
        data: dict[str, Any] = {}
        for key, value in (("purpose", purpose), ("expiry", expiry), ("visibility", visibility)):
            if value is not None:
                data[key] = str(value)
        yield {"file": (name, reader, mime)}, data, rewindable
    finally:
        if opened is not None:
            opened.close()


@contextmanager
def _target(dest: str | os.PathLike[str] | IO[bytes]) -> Iterator[IO[bytes]]:
    """A writable binary file for `dest`: a stream as is, a path through an atomic rename."""
    if not isinstance(dest, (str, os.PathLike)):
        yield dest
        return
    path = Path(dest)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
    # O_EXCL: never write through a planted file; 0o666 so the umask decides, as for any new file
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _total(response: httpx2.Response) -> int | None:
    length = response.headers.get("content-length")
    return int(length) if length and length.isdigit() else None


class Files:
    def __init__(self, client: Client) -> None:
        self._client = client

    def upload(
        self,
        file: str | os.PathLike[str] | IO[bytes],
        *,
        purpose: str | None = None,
        filename: str | None = None,
        expiry: int | None = None,
        visibility: str | None = None,
        on_progress: ProgressCallback | None = None,
        mime: str | None = None,
    ) -> FileObject:
        """Upload a path or binary file; retried only if it can be re-read from the start.

        `mime` is the part's content type when known (else guessed from the file name).
        """
        client = self._client
        with _upload_form(file, filename, purpose, expiry, visibility, on_progress, mime) as form:
            files, data, rewindable = form
            request = client._build(client.http, "POST", "/v1/files", files=files, data=data)
            if rewindable:
                response = client.with_retries(lambda n: client.send(request, n))
            else:
                response = client.send(request, 1)
        return _file(response.json())

    def list(
        self,
        *,
        page: int | None = None,
        page_size: int | None = None,
        purpose: str | None = None,
        search: str | None = None,
        sample_type: list[str] | None = None,
        source: list[str] | None = None,
        mimetypes: list[str] | None = None,
        include_total: bool | None = None,
    ) -> FileList:
        params = _list_params(
            page, page_size, purpose, search, sample_type, source, mimetypes, include_total
        )
        return _file_list(self._client.request("GET", "/v1/files", params=params).json())

    def retrieve(self, file_id: str) -> FileObject:
        return _file(self._client.request("GET", _path(file_id)).json())

    def delete(self, file_id: str) -> DeletedFile:
        data = self._client.request("DELETE", _path(file_id)).json()
        return msgspec.convert(data, DeletedFile)

    def signed_url(self, file_id: str, *, expiry_hours: int = 24) -> str:
        """A URL anyone can GET for `expiry_hours` (1-168); the API's `GET /v1/files/{id}/url`."""
        params = _signed_url_params(expiry_hours)
        data = self._client.request("GET", _path(file_id, "/url"), params=params).json()
        return msgspec.convert(data, SignedURL).url

    def download(
        self,
        file_id: str,
        dest: str | os.PathLike[str] | IO[bytes],
        *,
        on_progress: ProgressCallback | None = None,
    ) -> int:
        """Stream the file's content to `dest` (a path, written atomically, or a binary stream)."""
        client = self._client
        request = client._build(
            client.http,
            "GET",
            _path(file_id, "/content"),
            headers={"Accept": "application/octet-stream"},
        )
        response = client.with_retries(lambda n: client.send(request, n, stream=True))
        done, total = 0, _total(response)
        try:
            with _target(dest) as out:
                for piece in response.iter_bytes(_CHUNK):
                    out.write(piece)
                    done += len(piece)
                    if on_progress is not None:
                        on_progress(done, total)
        except httpx2.TransportError as exc:
            raise _transport_error(exc, request) from exc
        finally:
            response.close()
        return done


class AsyncFiles:
    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def upload(
        self,
        file: str | os.PathLike[str] | IO[bytes],
        *,
        purpose: str | None = None,
        filename: str | None = None,
        expiry: int | None = None,
        visibility: str | None = None,
        on_progress: ProgressCallback | None = None,
        mime: str | None = None,
    ) -> FileObject:
        client = self._client
        with _upload_form(file, filename, purpose, expiry, visibility, on_progress, mime) as form:
            files, data, rewindable = form
            request = client._build(client.http, "POST", "/v1/files", files=files, data=data)
            if rewindable:
                response = await client.with_retries(lambda n: client.send(request, n))
            else:
                response = await client.send(request, 1)
        return _file(response.json())

    async def list(
        self,
        *,
        page: int | None = None,
        page_size: int | None = None,
        purpose: str | None = None,
        search: str | None = None,
        sample_type: list[str] | None = None,
        source: list[str] | None = None,
        mimetypes: list[str] | None = None,
        include_total: bool | None = None,
    ) -> FileList:
        params = _list_params(
            page, page_size, purpose, search, sample_type, source, mimetypes, include_total
        )
        response = await self._client.request("GET", "/v1/files", params=params)
        return _file_list(response.json())

    async def retrieve(self, file_id: str) -> FileObject:
        return _file((await self._client.request("GET", _path(file_id))).json())

    async def delete(self, file_id: str) -> DeletedFile:
        data = (await self._client.request("DELETE", _path(file_id))).json()
        return msgspec.convert(data, DeletedFile)

    async def signed_url(self, file_id: str, *, expiry_hours: int = 24) -> str:
        params = _signed_url_params(expiry_hours)
        response = await self._client.request("GET", _path(file_id, "/url"), params=params)
        return msgspec.convert(response.json(), SignedURL).url

    async def download(
        self,
        file_id: str,
        dest: str | os.PathLike[str] | IO[bytes],
        *,
        on_progress: ProgressCallback | None = None,
    ) -> int:
        client = self._client
        request = client._build(
            client.http,
            "GET",
            _path(file_id, "/content"),
            headers={"Accept": "application/octet-stream"},
        )
        response = await client.with_retries(lambda n: client.send(request, n, stream=True))
        done, total = 0, _total(response)
        try:
            with _target(dest) as out:
                async for piece in response.aiter_bytes(_CHUNK):
                    out.write(piece)
                    done += len(piece)
                    if on_progress is not None:
                        on_progress(done, total)
        except httpx2.TransportError as exc:
            raise _transport_error(exc, request) from exc
        finally:
            await response.aclose()
        return done
