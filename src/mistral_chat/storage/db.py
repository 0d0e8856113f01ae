"""Opening the history database: one function sets every connection-level decision.

- WAL journal, so readers never block the writer and a killed writer leaves a consistent file.
- ``synchronous=NORMAL``: a commit survives the process being killed (only power loss may lose
  the last commits), at a fraction of FULL's fsync cost.
- ``busy_timeout=5000``: a second process waits for the write lock instead of failing.
- ``foreign_keys=ON``: deleting a conversation deletes its messages and attachments.
- Autocommit (``isolation_level=None``); multi-statement work goes through :func:`transaction`,
  which takes the write lock up front (``BEGIN IMMEDIATE``) so the busy timeout applies to it.
- The file is created 0600 before SQLite opens it; SQLite gives -wal and -shm the same mode.
- A file SQLite may only read (permissions, a read-only disk) opens for reading; a write to
  it is a ``HistoryReadOnly`` saying so. Every failure about the disk or the file (full,
  read-only, locked past the busy timeout, damaged) is a ``HistoryStorageError`` naming it
  (`_failures.py`), never sqlite3's own error (which reads as a crash).
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mistral_chat.storage import _fold
from mistral_chat.storage._failures import (
    REPAIR_HINT,
    classified,
    from_os_error,
    mounted_read_only,
)
from mistral_chat.storage.errors import (
    HistoryCorruptError,
    HistoryError,
    HistoryLocked,
    HistoryVersionError,
)

__all__ = ["BUSY_TIMEOUT_MS", "connect", "read_transaction", "transaction"]

BUSY_TIMEOUT_MS = 5000
MEMORY = ":memory:"


def connect(
    path: str | os.PathLike[str],
    *,
    max_schema_version: int | None = None,
    busy_timeout_ms: int = BUSY_TIMEOUT_MS,
) -> sqlite3.Connection:
    """Open (creating if needed) the database at ``path`` with the settings above.

    With ``max_schema_version``, a database whose ``user_version`` is higher is refused with
    :class:`HistoryVersionError` before anything could write to it. ``busy_timeout_ms`` is how
    long a statement waits for another process's lock before `HistoryLocked`.
    """
    target = str(path)
    if target != MEMORY:
        try:
            _create_private(Path(target))
        except OSError as exc:
            raise from_os_error(exc, target) from exc
    # On a read-only mount a WAL database cannot even be read the usual way (SQLite must create
    # its -shm file): open it immutable, which is exactly true there; writes are then refused.
    immutable = target != MEMORY and Path(target).exists() and mounted_read_only(target)
    database = f"{Path(target).resolve().as_uri()}?immutable=1" if immutable else target
    as_uri = {"uri": True} if immutable else {}
    try:
        conn = sqlite3.connect(
            database,
            isolation_level=None,
            timeout=busy_timeout_ms / 1000,
            factory=_Connection,
            **as_uri,
        )
    except sqlite3.Error as exc:
        raise classified(exc, target) or HistoryCorruptError(
            f"cannot open history database {target}: {exc}"
        ) from exc
    conn.path = target
    conn.busy_timeout_ms = busy_timeout_ms
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if max_schema_version is not None and version > max_schema_version:
            raise HistoryVersionError(version, max_schema_version)
        if target != MEMORY and not immutable:
            _set_wal(conn)
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        _fold.register(conn)  # the search index's triggers call it
    except HistoryError:
        conn.close()
        raise
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise HistoryCorruptError(
            f"{target} is not a usable history database ({exc}); {REPAIR_HINT}, or move it "
            "aside to start afresh"
        ) from exc
    except BaseException:
        conn.close()
        raise
    conn.row_factory = sqlite3.Row
    return conn


class _Connection(sqlite3.Connection):
    """A connection whose failures about the disk or the file (full, read-only, locked,
    damaged) raise the `HistoryStorageError` that names them, from any statement and from
    reading its rows, instead of sqlite3's own errors (which read as a crash)."""

    path = MEMORY
    busy_timeout_ms = BUSY_TIMEOUT_MS

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        cursor = self.cursor(_Cursor)
        try:
            return cursor.execute(sql, parameters)
        except sqlite3.Error as exc:
            _raise_classified(exc, self)
            raise

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:
        cursor = self.cursor(_Cursor)
        try:
            return cursor.executemany(sql, parameters)
        except sqlite3.Error as exc:
            _raise_classified(exc, self)
            raise


class _Cursor(sqlite3.Cursor):
    """Rows are read page by page as they are fetched: a damaged page fails here, not in
    `execute`."""

    def fetchone(self) -> Any:
        try:
            return super().fetchone()
        except sqlite3.Error as exc:
            _raise_classified(exc, self.connection)
            raise

    def fetchmany(self, size: int | None = 1) -> list[Any]:
        try:
            return super().fetchmany(size)
        except sqlite3.Error as exc:
            _raise_classified(exc, self.connection)
            raise

    def fetchall(self) -> list[Any]:
        try:
            return super().fetchall()
        except sqlite3.Error as exc:
            _raise_classified(exc, self.connection)
            raise

    def __next__(self) -> Any:
        try:
            return super().__next__()
        except sqlite3.Error as exc:
            _raise_classified(exc, self.connection)
            raise


def _raise_classified(exc: sqlite3.Error, conn: sqlite3.Connection) -> None:
    path = getattr(conn, "path", MEMORY)
    found = classified(exc, path, busy_timeout_ms=getattr(conn, "busy_timeout_ms", 0))
    if found is not None:
        raise found from exc


def _create_private(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    os.close(fd)


def _set_wal(conn: sqlite3.Connection) -> None:
    # Switching a fresh file to WAL needs a moment of exclusive access; another process opening
    # the same new file at the same instant makes it report "locked" without using busy_timeout.
    for attempt in range(50):
        try:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        except HistoryLocked:
            if attempt == 49:
                raise
            time.sleep(0.05)
            continue
        if str(mode).lower() != "wal":
            raise sqlite3.DatabaseError(f"cannot switch to WAL journal (got {mode})")
        return


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Run a block as one write transaction: committed on success, rolled back on any error."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


@contextmanager
def read_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Run several reads against one consistent snapshot."""
    conn.execute("BEGIN")
    try:
        yield conn
    finally:
        if conn.in_transaction:
            conn.execute("COMMIT")
