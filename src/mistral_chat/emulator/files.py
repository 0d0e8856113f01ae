"""The emulator's file store: uploads streamed to disk, metadata beside them, signed URLs.

Layout under the state directory: ``files/<id>.bin`` (content) and ``files/<id>.json``
(the spec's ``FileSchema`` fields). Uploads are parsed incrementally from the socket, so a
1 GB upload never sits in memory.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import mimetypes
import re
import secrets
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

from .validate import Invalid, detail_entry

__all__ = ["FileStore", "MultipartError", "Reader", "StoredFile", "sniff_mimetype"]

PURPOSES = ("fine-tune", "batch", "ocr")
VISIBILITIES = ("workspace", "user")
_CHUNK = 256 * 1024
_SMALL_FIELD_LIMIT = 1024 * 1024
_TEXT_TYPES = ("text/", "application/json", "application/jsonl", "application/x-ndjson")


class Reader(Protocol):
    def read(self, n: int, /) -> bytes: ...


class MultipartError(ValueError):
    """The body is not the multipart/form-data it claims to be."""


@dataclass
class StoredFile:
    """One uploaded file's metadata, field for field the spec's ``FileSchema``."""

    id: str
    object: str
    bytes: int
    created_at: int
    filename: str
    purpose: str
    sample_type: str
    num_lines: int | None
    mimetype: str | None
    source: str
    signature: str | None
    expires_at: int | None
    visibility: str | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


_MAGIC = (
    (b"%PDF", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF8", "image/gif"),
    (b"ID3", "audio/mpeg"),
    (b"fLaC", "audio/flac"),
    (b"OggS", "audio/ogg"),
)
_EXTENSIONS = {".jsonl": "application/jsonl", ".md": "text/markdown", ".csv": "text/csv"}


def sniff_mimetype(head: bytes, filename: str) -> str:
    """The content type, from the first bytes first and the file name second."""
    for magic, mime in _MAGIC:
        if head.startswith(magic):
            return mime
    if head[:4] == b"RIFF" and head[8:12] in (b"WEBP", b"WAVE"):
        return "image/webp" if head[8:12] == b"WEBP" else "audio/wav"
    suffix = Path(filename).suffix.lower()
    guessed = _EXTENSIONS.get(suffix) or mimetypes.guess_type(filename)[0]
    if guessed:
        return guessed
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        if exc.start < len(head) - 3:
            return "application/octet-stream"
    return "text/plain"


class _Buffered:
    """Just enough buffering over a reader to find multipart boundaries."""

    def __init__(self, reader: Reader) -> None:
        self._reader = reader
        self.buf = b""

    def _fill(self) -> None:
        data = self._reader.read(_CHUNK)
        if not data:
            raise MultipartError("the body ended inside the multipart data")
        self.buf += data

    def take(self, n: int) -> bytes:
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def until(self, marker: bytes, sink: Callable[[bytes], None], limit: int | None) -> None:
        """Feed ``sink`` everything before ``marker`` and drop the marker."""
        seen = 0
        while True:
            at = self.buf.find(marker)
            if at >= 0:
                sink(self.buf[:at])
                self.buf = self.buf[at + len(marker) :]
                return
            # Keep a marker's length minus one: the marker may straddle two reads.
            safe = len(self.buf) - len(marker) + 1
            if safe > 0:
                seen += safe
                if limit is not None and seen > limit:
                    raise MultipartError("a multipart field is too large")
                sink(self.buf[:safe])
                self.buf = self.buf[safe:]
            self._fill()


@dataclass
class _FilePart:
    filename: str
    size: int = 0
    newlines: int = 0
    last: bytes = b""
    head: bytes = b""


def _disposition(headers: bytes) -> tuple[str, str | None]:
    for line in headers.decode("utf-8", "replace").split("\r\n"):
        key, _, value = line.partition(":")
        if key.strip().lower() != "content-disposition":
            continue
        params: dict[str, str] = {}
        for item in value.split(";")[1:]:
            k, _, v = item.strip().partition("=")
            params[k.lower()] = v.strip().strip('"')
        return params.get("name", ""), params.get("filename")
    raise MultipartError("a multipart part has no Content-Disposition")


_FILE_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _read_meta(path: Path) -> StoredFile | None:
    """A file's metadata; None when it is gone or unreadable (a process killed mid-write)."""
    try:
        return StoredFile(**json.loads(path.read_text()))
    except (OSError, ValueError, TypeError):
        return None


class FileStore:
    """Files on disk plus the secret that signs their download URLs.

    The directory is the only truth (no index in memory), so several emulators started on
    the same state directory, as `mistral-chat --emulator` does once per command, see the
    same files.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.dir = root / "files"
        self.dir.mkdir(parents=True, exist_ok=True)
        self._secret = secrets.token_bytes(32)
        self.clock: Callable[[], float] = time.time

    def content_path(self, file_id: str) -> Path:
        return self.dir / f"{file_id}.bin"

    def _meta_path(self, file_id: str) -> Path | None:
        # ids come from URLs: only a well-formed one may name a path
        return self.dir / f"{file_id}.json" if _FILE_ID.fullmatch(file_id) else None

    def get(self, file_id: str) -> StoredFile | None:
        meta = self._meta_path(file_id)
        return _read_meta(meta) if meta is not None else None

    def all(self) -> list[StoredFile]:
        """Every file, newest first."""
        files = [f for meta in self.dir.glob("*.json") if (f := _read_meta(meta)) is not None]
        return sorted(files, key=lambda f: f.created_at, reverse=True)

    def delete(self, file_id: str) -> bool:
        meta = self._meta_path(file_id)
        if meta is None:
            return False
        try:
            meta.unlink()  # first, so no listing shows a file whose content is going
        except FileNotFoundError:
            return False
        self.content_path(file_id).unlink(missing_ok=True)
        return True

    def iter_content(self, file_id: str) -> Iterator[bytes]:
        with self.content_path(file_id).open("rb") as fh:
            while chunk := fh.read(_CHUNK):
                yield chunk

    def add(self, source: Path, filename: str, purpose: str, sample_type: str) -> StoredFile:
        """Store a file the emulator made itself (a batch job's output), moving ``source``
        into place; as for uploads, its metadata is written last."""
        file_id = str(uuid.uuid4())
        size = lines = 0
        digest = hashlib.sha256()
        with source.open("rb") as fh:
            while chunk := fh.read(_CHUNK):
                size += len(chunk)
                lines += chunk.count(b"\n")
                digest.update(chunk)
        stored = StoredFile(
            id=file_id,
            object="file",
            bytes=size,
            created_at=int(self.clock()),
            filename=filename,
            purpose=purpose,
            sample_type=sample_type,
            num_lines=lines,
            mimetype="application/jsonl",
            source="mistral",
            signature=digest.hexdigest()[:16],
            expires_at=None,
            visibility="workspace",
        )
        source.replace(self.content_path(file_id))
        meta = self.dir / f"{file_id}.json.part"
        meta.write_text(json.dumps(stored.to_json()))
        meta.replace(self.dir / f"{file_id}.json")
        return stored

    def upload(self, reader: Reader, boundary: bytes) -> StoredFile:
        """Parse a multipart upload from ``reader``, store it, return its metadata."""
        file_id = str(uuid.uuid4())
        partial = self.dir / f"{file_id}.part"
        try:
            fields, part, digest = self._parse(reader, boundary, partial)
            stored = self._finish(file_id, fields, part, digest)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        partial.replace(self.content_path(file_id))
        self._write_meta(stored)
        return stored

    def add_generated(self, filename: str, data: bytes, *, purpose: str) -> StoredFile:
        """Store bytes the service made itself (a generated image): ``source`` is ``mistral``."""
        file_id = str(uuid.uuid4())
        digest = hashlib.sha256(data).hexdigest()
        stored = StoredFile(
            id=file_id,
            object="file",
            bytes=len(data),
            created_at=int(self.clock()),
            filename=filename,
            purpose=purpose,
            sample_type="pretrain",
            num_lines=None,
            mimetype=sniff_mimetype(data[:512], filename),
            source="mistral",
            signature=digest[:16],
            expires_at=None,
            visibility="workspace",
        )
        partial = self.dir / f"{file_id}.part"
        partial.write_bytes(data)
        partial.replace(self.content_path(file_id))
        self._write_meta(stored)
        return stored

    def _write_meta(self, stored: StoredFile) -> None:
        # metadata last and atomically: a file is listed only once its content is in place
        meta = self.dir / f"{stored.id}.json.part"
        meta.write_text(json.dumps(stored.to_json()))
        meta.replace(self.dir / f"{stored.id}.json")

    def _parse(
        self, reader: Reader, boundary: bytes, partial: Path
    ) -> tuple[dict[str, str], _FilePart | None, str]:
        stream = _Buffered(reader)
        delimiter = b"--" + boundary
        stream.until(delimiter, lambda _: None, 64 * 1024)
        fields: dict[str, str] = {}
        part: _FilePart | None = None
        digest = hashlib.sha256()
        while stream.take(2) != b"--":
            headers: list[bytes] = []
            stream.until(b"\r\n\r\n", headers.append, 16 * 1024)
            name, filename = _disposition(b"".join(headers))
            if name == "file" and filename is not None and part is None:
                part = _FilePart(filename=Path(filename.replace("\\", "/")).name or "file")
                with partial.open("wb") as out:
                    stream.until(b"\r\n" + delimiter, _file_sink(part, out, digest), None)
            else:
                value: list[bytes] = []
                stream.until(b"\r\n" + delimiter, value.append, _SMALL_FIELD_LIMIT)
                fields[name] = b"".join(value).decode("utf-8", "replace")
        return fields, part, digest.hexdigest()

    def _finish(
        self, file_id: str, fields: dict[str, str], part: _FilePart | None, digest: str
    ) -> StoredFile:
        # Every problem is reported, in the order of the form's fields in the spec.
        errors: list[dict[str, Any]] = []
        expiry_text = fields.get("expiry", "")
        hours = None
        if expiry_text not in ("", "null"):
            try:
                hours = int(expiry_text)
            except ValueError:
                msg = "Input should be a valid integer, unable to parse string as an integer"
                errors.append(detail_entry("int_parsing", ["body", "expiry"], msg, expiry_text))
        visibility = fields.get("visibility") or "workspace"
        if visibility not in VISIBILITIES:
            errors.append(_enum_entry("visibility", visibility, VISIBILITIES))
        purpose = fields.get("purpose") or "fine-tune"
        if purpose not in PURPOSES:
            errors.append(_enum_entry("purpose", purpose, PURPOSES))
        if part is None:
            errors.append(detail_entry("missing", ["body", "file"], "Field required", None))
        if errors or part is None:
            raise Invalid(errors)
        created = int(self.clock())
        expires_at = None if hours is None else created + hours * 3600
        mimetype = sniff_mimetype(part.head, part.filename)
        is_text = mimetype.startswith(_TEXT_TYPES)
        lines = part.newlines + (1 if part.last not in (b"", b"\n") else 0)
        sample_type = {"batch": "batch_request"}.get(purpose, "instruct")
        if purpose == "ocr" or (purpose == "fine-tune" and mimetype != "application/jsonl"):
            sample_type = "pretrain"
        return StoredFile(
            id=file_id,
            object="file",
            bytes=part.size,
            created_at=created,
            filename=part.filename,
            purpose=purpose,
            sample_type=sample_type,
            num_lines=lines if is_text else None,
            mimetype=mimetype,
            source="upload",
            signature=digest[:16],
            expires_at=expires_at,
            visibility=visibility,
        )

    def sign(self, file_id: str, expires: int) -> str:
        message = f"{file_id}:{expires}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def check_signature(self, file_id: str, expires: str, signature: str) -> bool:
        """Whether a signed URL's query is genuine and still valid."""
        if not expires.isdigit():
            return False
        genuine = hmac.compare_digest(self.sign(file_id, int(expires)), signature)
        return genuine and int(expires) > self.clock()


def _file_sink(part: _FilePart, out: Any, digest: Any) -> Callable[[bytes], None]:
    def sink(data: bytes) -> None:
        if not data:
            return
        if len(part.head) < 512:
            part.head += data[: 512 - len(part.head)]
        part.size += len(data)
        part.newlines += data.count(b"\n")
        part.last = data[-1:]
        digest.update(data)
        out.write(data)

    return sink


def _enum_entry(field: str, value: str, allowed: tuple[str, ...]) -> dict[str, Any]:
    options = ", ".join(f"'{a}'" for a in allowed[:-1]) + f" or '{allowed[-1]}'"
    return detail_entry(
        "enum", ["body", field], f"Input should be {options}", value, {"expected": options}
    )
