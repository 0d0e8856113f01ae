"""One upload per document: `ask -a doc.pdf`, `/attach` and `ocr doc.pdf` reuse the file they
uploaded before when the same bytes go to the same server for the same purpose.

    >>> reuse = UploadReuse(home / "uploads.db", server="https://api.mistral.ai")  # doctest: +SKIP
    >>> upload = reuse.upload(client, Path("doc.pdf"), mime="application/pdf")   # doctest: +SKIP
    >>> upload.file_id, upload.reused                                           # doctest: +SKIP
    ('3b1f0c2e-...', True)

An upload is known by (server, sha256, size, purpose) in the ledger (`storage.uploads`,
`uploads.db` beside the history). Before it is reused it is checked on the server
(`files.retrieve`): a 404 (deleted, expired, another account) or other bytes mean upload again.
New chat uploads ask the server to expire them after `CHAT_UPLOAD_EXPIRY_HOURS` (the upload's
`expiry` field), so a day of questions about a document leaves one copy, and it goes by itself.

A server without a Files API (a 404 or 405 on `POST /v1/files`, as vLLM, llama.cpp and Ollama
answer) raises `NoFilesAPI`, one line naming what is missing.

The ledger is a convenience: when it cannot be opened or written, uploads go on without it.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Final

from mistral_chat.errors import APIRejected
from mistral_chat.storage.errors import HistoryError

if TYPE_CHECKING:
    from mistral_chat.api import Client
    from mistral_chat.api.types import FileObject
    from mistral_chat.services.settings import Settings
    from mistral_chat.storage.uploads import UploadLedger

__all__ = [
    "CHAT_UPLOAD_EXPIRY_HOURS",
    "NO_FILES_API",
    "NoFilesAPI",
    "Upload",
    "UploadReuse",
    "chat_upload_ids",
    "file_digest",
    "ledger_path_for",
    "server_key",
    "upload_file",
]

#: how long the server keeps a file uploaded for a chat or OCR (the upload's `expiry`, hours)
CHAT_UPLOAD_EXPIRY_HOURS: Final = 168
#: an upload that expires sooner than this is not reused (it might go mid-answer)
_MIN_LIFE_S: Final = 3600
#: what a ledger that cannot be read or written raises (it then is not used)
_LEDGER_ERRORS: Final = (sqlite3.Error, HistoryError)
NO_FILES_API: Final = (
    "this server has no Files API: PDFs and Office documents need one; send text files or images"
)


class NoFilesAPI(APIRejected):
    """The server answered 404 or 405 to an upload: it has no Files API (exit 4)."""

    def __init__(self, message: str = NO_FILES_API) -> None:
        super().__init__(message)


@dataclass(frozen=True)
class Upload:
    """A file on the server holding the bytes asked for; `reused` when it was there already."""

    file_id: str
    size: int
    reused: bool = False


#: called as the bytes go: (bytes sent, total bytes or None)
Progress = Callable[[int, "int | None"], None]


def file_digest(source: Path | bytes) -> tuple[str, int]:
    """(sha256 hex, size) of a file's bytes, read in 1 MiB pieces, or of bytes in memory."""
    if isinstance(source, bytes):
        return hashlib.sha256(source).hexdigest(), len(source)
    digest, size = hashlib.sha256(), 0
    with source.open("rb") as fh:
        while piece := fh.read(1 << 20):
            digest.update(piece)
            size += len(piece)
    return digest.hexdigest(), size


def server_key(settings: Settings) -> str:
    """The server an upload went to, as the ledger names it: the base URL; the built-in
    emulator (`--emulator`: a new port each run, the same kept files) is one server."""
    return "emulator" if settings.base_url_source == "emulator" else settings.base_url


def ledger_path_for(history_path: Path) -> Path:
    """Where the ledger of the history at `history_path` is: `uploads.db` beside it."""
    return history_path.parent / "uploads.db"


@contextlib.contextmanager
def _opened(path: Path | None) -> Iterator[UploadLedger | None]:
    """The ledger at `path` for one upload, or None when it cannot be opened (a read-only
    directory, a damaged file): the upload then is simply not reused."""
    from mistral_chat.storage.uploads import UploadLedger

    if path is None:
        yield None
        return
    try:
        ledger = UploadLedger(path)
    except (*_LEDGER_ERRORS, OSError):
        yield None
        return
    with ledger:
        yield ledger


def upload_file(
    client: Client,
    source: Path | bytes,
    *,
    name: str,
    mime: str,
    purpose: str,
    expiry_hours: int | None = None,
    on_progress: Progress | None = None,
) -> FileObject:
    """Upload a path or bytes; `NoFilesAPI` when the server has no Files API."""
    from mistral_chat.api.errors import APIStatusError

    file = source if isinstance(source, Path) else io.BytesIO(source)
    try:
        return client.files.upload(
            file,
            filename=name,
            purpose=purpose,
            mime=mime,
            expiry=expiry_hours,
            on_progress=on_progress,
        )
    except APIStatusError as exc:
        if exc.status_code in (404, 405):
            raise NoFilesAPI() from exc
        raise


@dataclass
class UploadReuse:
    """Uploads through the ledger at `ledger_path` (None: no reuse, uploads still expire):
    the same bytes for the same purpose go to `server` once. The ledger is opened for each
    upload only, so a session that attaches no document never opens it."""

    ledger_path: Path | None
    server: str
    expiry_hours: int | None = CHAT_UPLOAD_EXPIRY_HOURS
    clock: Callable[[], float] = field(default=time.time)

    @classmethod
    def for_settings(cls, settings: Settings) -> UploadReuse:
        """Reuse through the ledger beside the history, for the server of `settings`."""
        return cls(ledger_path_for(settings.history_path), server=server_key(settings))

    def upload(
        self,
        client: Client,
        source: Path | bytes,
        *,
        name: str | None = None,
        mime: str,
        purpose: str = "ocr",
        on_progress: Progress | None = None,
    ) -> Upload:
        """The file on the server with these bytes: an earlier upload still there, or a new
        one (recorded for next time)."""
        shown = name or (source.name if isinstance(source, Path) else "upload.bin")
        sha, size = file_digest(source)
        with _opened(self.ledger_path) as ledger:
            earlier = self._still_there(ledger, client, sha, size, purpose)
            if earlier is not None:
                if on_progress is not None:
                    on_progress(size, size)  # nothing to send: the bar completes at once
                return Upload(earlier, size, reused=True)
            uploaded = upload_file(
                client,
                source,
                name=shown,
                mime=mime,
                purpose=purpose,
                expiry_hours=self.expiry_hours,
                on_progress=on_progress,
            )
            if ledger is not None:
                self._remember(ledger, uploaded, sha, size, purpose, shown, mime)
        return Upload(uploaded.id, uploaded.bytes if uploaded.bytes is not None else size)

    def _still_there(
        self, ledger: UploadLedger | None, client: Client, sha: str, size: int, purpose: str
    ) -> str | None:
        """The id of an earlier upload of these bytes that the server still has."""
        from mistral_chat.api.errors import NotFoundError

        if ledger is None:
            return None
        try:
            rec = ledger.find(self.server, sha, size, purpose)
        except _LEDGER_ERRORS:
            return None
        if rec is None:
            return None
        now = self.clock()
        gone = rec.expires_at is not None and rec.expires_at < now + _MIN_LIFE_S
        if not gone:
            try:
                found = client.files.retrieve(rec.file_id)
            except NotFoundError:
                gone = True
            else:  # other bytes under that id, or about to expire: upload afresh
                gone = (found.bytes is not None and found.bytes != size) or (
                    found.expires_at is not None and found.expires_at < now + _MIN_LIFE_S
                )
        with contextlib.suppress(*_LEDGER_ERRORS):
            if gone:
                ledger.forget(self.server, rec.file_id)
            else:
                ledger.used(self.server, rec.file_id, int(now))
        return None if gone else rec.file_id

    def _remember(
        self,
        ledger: UploadLedger,
        uploaded: FileObject,
        sha: str,
        size: int,
        purpose: str,
        name: str,
        mime: str,
    ) -> None:
        from mistral_chat.storage.uploads import UploadRecord

        now = int(self.clock())
        with contextlib.suppress(*_LEDGER_ERRORS):  # not reused next time: nothing worse
            ledger.record(
                UploadRecord(
                    self.server,
                    sha,
                    size,
                    purpose,
                    uploaded.id,
                    name,
                    mime,
                    created_at=now,
                    used_at=now,
                    expires_at=uploaded.expires_at,
                )
            )


def chat_upload_ids(ledger_path: Path, server: str) -> set[str]:
    """The ids of the files mistral-chat uploaded to `server` for chats and OCR (empty when
    there is no ledger, or it cannot be read)."""
    if not ledger_path.exists():
        return set()
    with _opened(ledger_path) as ledger:
        if ledger is None:
            return set()
        try:
            return ledger.file_ids(server)
        except _LEDGER_ERRORS:
            return set()
