"""Multipart forms with one file part spooled to disk: transcriptions and library uploads.

The file store parses its own uploads; these routes need every value of a repeated field
(``context_bias`` is sent once per term, as the SDK and curl send arrays) and the file as a
path to read from, never as bytes in memory.
"""

from __future__ import annotations

import contextlib
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from urllib.parse import parse_qs

from .files import Reader, _Buffered, _disposition
from .validate import Invalid, detail_entry

__all__ = ["Form", "FormFile", "read_form"]

_FIELD_LIMIT = 1024 * 1024


@dataclass
class FormFile:
    """The file part: its name as sent, where it was spooled, its size and first bytes."""

    filename: str
    path: Path
    size: int = 0
    head: bytes = b""


@dataclass
class Form:
    fields: dict[str, list[str]] = field(default_factory=dict)
    file: FormFile | None = None

    def value(self, name: str) -> str | None:
        values = self.fields.get(name)
        return values[-1] if values else None


@contextlib.contextmanager
def read_form(reader: Reader, content_type: str, spool: Path, body: bytes = b"") -> Iterator[Form]:
    """Parse a multipart body; the file part (field ``file``) lives in ``spool`` until the
    block ends. A URL-encoded form (``body``, already read) has fields only."""
    if content_type.startswith("application/x-www-form-urlencoded"):
        yield Form(fields=parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True))
        return
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not content_type.startswith("multipart/form-data") or match is None:
        raise Invalid([detail_entry("missing", ["body", "model"], "Field required", None)])
    spool.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=spool) as scratch:
        yield _parse(reader, match.group(1).encode(), Path(scratch))


def _parse(reader: Reader, boundary: bytes, scratch: Path) -> Form:
    stream = _Buffered(reader)
    delimiter = b"--" + boundary
    stream.until(delimiter, lambda _: None, 64 * 1024)
    form = Form()
    while stream.take(2) != b"--":
        headers: list[bytes] = []
        stream.until(b"\r\n\r\n", headers.append, 16 * 1024)
        name, filename = _disposition(b"".join(headers))
        if name == "file" and filename is not None and form.file is None:
            part = FormFile(Path(filename.replace("\\", "/")).name or "file", scratch / "file")
            with part.path.open("wb") as out:
                stream.until(b"\r\n" + delimiter, _sink(part, out), None)
            form.file = part
        else:
            value: list[bytes] = []
            stream.until(b"\r\n" + delimiter, value.append, _FIELD_LIMIT)
            text = b"".join(value).decode("utf-8", "replace")
            form.fields.setdefault(name, []).append(text)
    return form


def _sink(part: FormFile, out: BinaryIO) -> Callable[[bytes], None]:
    def write(data: bytes) -> None:
        if len(part.head) < 64:
            part.head += data[: 64 - len(part.head)]
        part.size += len(data)
        out.write(data)

    return write
