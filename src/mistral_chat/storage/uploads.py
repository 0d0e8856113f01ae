"""The uploads mistral-chat made for chats and OCR, in their own SQLite file (`uploads.db`).

`uploads.db` sits beside `history.db` and holds one table, ``uploads``: the ``server`` (base
URL) a file was uploaded to, the ``sha256`` and ``size`` of the bytes sent, their ``purpose``,
the ``file_id`` the server gave, the ``filename`` and ``mime_type``, when it was uploaded and
last used (epoch seconds), and the server's ``expires_at`` (None: never). One row per
(server, sha256, size, purpose): the same document attached again is the same upload.

Nothing depends on this file: deleting it only means the next attachment is uploaded again.

    >>> ledger = UploadLedger(":memory:")
    >>> ledger.record(UploadRecord("http://h", "ab" * 32, 3, "ocr", "file-1", "a.pdf"))
    >>> ledger.find("http://h", "ab" * 32, 3, "ocr").file_id
    'file-1'
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from mistral_chat.storage import db

__all__ = ["UploadLedger", "UploadRecord"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS uploads (
    server      TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    size        INTEGER NOT NULL,
    purpose     TEXT NOT NULL,
    file_id     TEXT NOT NULL,
    filename    TEXT,
    mime_type   TEXT,
    created_at  INTEGER NOT NULL,
    used_at     INTEGER NOT NULL,
    expires_at  INTEGER,
    PRIMARY KEY (server, sha256, size, purpose)
);
CREATE INDEX IF NOT EXISTS uploads_by_file ON uploads (server, file_id);
"""
_COLUMNS = (
    "server, sha256, size, purpose, file_id, filename, mime_type, created_at, used_at, expires_at"
)


@dataclass
class UploadRecord:
    """One upload made by mistral-chat."""

    server: str
    sha256: str
    size: int
    purpose: str
    file_id: str
    filename: str | None = None
    mime_type: str | None = None
    created_at: int = 0
    used_at: int = 0
    expires_at: int | None = None


class UploadLedger:
    """The `uploads` table (see the module docstring)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.conn = db.connect(path)
        self.conn.executescript(_SCHEMA)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> UploadLedger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def find(self, server: str, sha256: str, size: int, purpose: str) -> UploadRecord | None:
        row = self.conn.execute(
            f"SELECT {_COLUMNS} FROM uploads"
            " WHERE server = ? AND sha256 = ? AND size = ? AND purpose = ?",
            (server, sha256, size, purpose),
        ).fetchone()
        return UploadRecord(*row) if row is not None else None

    def record(self, rec: UploadRecord) -> None:
        """Remember an upload (replacing an earlier one of the same bytes and purpose)."""
        now = int(time.time())
        rec.created_at = rec.created_at or now
        rec.used_at = rec.used_at or now
        self.conn.execute(
            f"INSERT OR REPLACE INTO uploads ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                rec.server,
                rec.sha256,
                rec.size,
                rec.purpose,
                rec.file_id,
                rec.filename,
                rec.mime_type,
                rec.created_at,
                rec.used_at,
                rec.expires_at,
            ),
        )

    def used(self, server: str, file_id: str, when: int | None = None) -> None:
        """Note that an upload was used again now."""
        self.conn.execute(
            "UPDATE uploads SET used_at = ? WHERE server = ? AND file_id = ?",
            (int(time.time()) if when is None else when, server, file_id),
        )

    def forget(self, server: str, file_id: str) -> None:
        """Drop an upload that is gone from the server (deleted, expired)."""
        self.conn.execute("DELETE FROM uploads WHERE server = ? AND file_id = ?", (server, file_id))

    def file_ids(self, server: str) -> set[str]:
        """The ids of every file mistral-chat uploaded to `server` for chats and OCR."""
        rows = self.conn.execute("SELECT file_id FROM uploads WHERE server = ?", (server,))
        return {row[0] for row in rows}
