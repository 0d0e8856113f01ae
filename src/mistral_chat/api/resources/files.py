"""`/v1/files*`: upload (streamed from disk), list, retrieve, delete, download, signed URL.

Uploads and downloads move the file in 64 KiB pieces, so memory stays flat whatever its size.
A download goes to a temporary file beside the target and is renamed into place only once
complete, so an interrupted download never leaves a truncated file under the real name.

`AsyncFiles` (`api/_async/files.py`) and the `Files` generated from it share what is here:
forms, parameters, progress and the download target.
"""

from __future__ import annotations

import errno
import io
import mimetypes
import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

import httpx2
import msgspec

from ..types import FileList, FileObject

__all__ = [
    "CHUNK",
    "DOWNLOAD_HEADERS",
    "ProgressCallback",
    "check_target",
    "download_target",
    "download_total",
    "file_path",
    "list_params",
    "parse_file",
    "parse_file_list",
    "signed_url_params",
    "upload_form",
]

#: called with (bytes done, total bytes or None)
ProgressCallback = Callable[[int, int | None], None]
_KNOWN = frozenset(FileObject.__struct_fields__)
CHUNK = 64 * 1024


def parse_file(data: dict[str, Any]) -> FileObject:
    obj = msgspec.convert({k: v for k, v in data.items() if k in _KNOWN}, FileObject)
    obj.extra = {k: v for k, v in data.items() if k not in _KNOWN}
    return obj


def parse_file_list(data: dict[str, Any]) -> FileList:
    return FileList(
        data=[parse_file(item) for item in data.get("data", [])],
        object=data.get("object", "list"),
        total=data.get("total"),
    )


def file_path(file_id: str, suffix: str = "") -> str:
    # '.' and '..' would be collapsed by URL normalisation into another endpoint
    if file_id in ("", ".", "..") or "/" in file_id:
        raise ValueError(f"invalid file id {file_id!r}")
    # the id is one path segment: '?', '#' or '%' in it must not reach the URL as they are
    return f"/v1/files/{quote(file_id, safe='')}{suffix}"


def list_params(
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


def signed_url_params(expiry_hours: int) -> dict[str, int]:
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
        if not hasattr(self._raw, "seek"):
            # httpx2 rewinds any file with a `seek`, and copes only with this error
            raise io.UnsupportedOperation("seek")
        position = self._raw.seek(offset, whence)
        self._done = position
        return position

    def tell(self) -> int:
        return self._raw.tell()


def _measure(fh: IO[bytes]) -> tuple[bool, int | None]:
    """(can be re-read from the start, its size) without reading it.

    httpx2 sends a seekable file from its start whatever its position (and so does each
    retry), so the size is the whole file's, not what is left after the position.
    """
    try:
        if not fh.seekable():
            return False, None
        position = fh.tell()
        end = fh.seek(0, os.SEEK_END)
        fh.seek(position)
        return True, end
    except (AttributeError, OSError, ValueError):
        return False, None


@contextmanager
def upload_form(
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
        if isinstance(file, io.TextIOBase):
            # httpx2 refuses text files, but not inside our progress wrapper: it would send
            # the text re-encoded as UTF-8, newlines translated
            raise TypeError("upload needs a path or a file opened in binary mode ('rb')")
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


def check_target(dest: str | os.PathLike[str] | IO[bytes]) -> None:
    """Refuse, before anything is downloaded, a destination that could not take the file."""
    if not isinstance(dest, (str, os.PathLike)):
        if isinstance(dest, io.TextIOBase):
            raise TypeError("download needs a path or a file opened in binary mode ('wb')")
        return
    path = Path(dest)
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(dest))
    if not path.parent.is_dir():
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(dest))


def _about(exc: OSError, path: Path) -> OSError:
    """`exc` naming `path`, not the hidden temporary file beside it the user never asked for."""
    return type(exc)(exc.errno, exc.strerror, str(path))


@contextmanager
def download_target(dest: str | os.PathLike[str] | IO[bytes]) -> Iterator[IO[bytes]]:
    """A writable binary file for `dest`: a stream as is, a path through an atomic rename."""
    if not isinstance(dest, (str, os.PathLike)):
        yield dest
        return
    path = Path(dest)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
    # O_EXCL: never write through a planted file; 0o666 so the umask decides, as for any new file
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise _about(exc, path) from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
        try:
            Path(tmp).replace(path)
        except OSError as exc:  # the directory went away, or a directory took the name
            raise _about(exc, path) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


#: the file as stored: a compressed transfer would make Content-Length the wrong total
DOWNLOAD_HEADERS = {"Accept": "application/octet-stream", "Accept-Encoding": "identity"}


def download_total(response: httpx2.Response) -> int | None:
    """The file's size for progress: Content-Length, unless the body is encoded anyway (then
    it counts compressed bytes while the caller counts the file's)."""
    if response.headers.get("content-encoding", "identity").lower() != "identity":
        return None
    length = response.headers.get("content-length")
    return int(length) if length and length.isdigit() else None
