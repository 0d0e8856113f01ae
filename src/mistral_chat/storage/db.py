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
  it is a ``HistoryError`` saying so, never sqlite3's own error (which reads as a crash).
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
from mistral_chat.storage.errors import HistoryCorruptError, HistoryError, HistoryVersionError

__all__ = ["BUSY_TIMEOUT_MS", "connect", "read_transaction", "transaction"]

BUSY_TIMEOUT_MS = 5000
MEMORY = ":memory:"


def connect(
    path: str | os.PathLike[str], *, max_schema_version: int | None = None
) -> sqlite3.Connection:
    """Open (creating if needed) the database at ``path`` with the settings above.

    With ``max_schema_version``, a database whose ``user_version`` is higher is refused with
    :class:`HistoryVersionError` before anything could write to it.
    """
    target = str(path)
    if target != MEMORY:
        _create_private(Path(target))
    try:
        conn = sqlite3.connect(
            target, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000, factory=_Connection
        )
    except sqlite3.Error as exc:
        raise HistoryCorruptError(f"cannot open history database {target}: {exc}") from exc
    conn.path = target
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if max_schema_version is not None and version > max_schema_version:
            raise HistoryVersionError(version, max_schema_version)
        if target != MEMORY:
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
            f"{target} is not a usable history database ({exc}); move it aside to start afresh"
        ) from exc
    except BaseException:
        conn.close()
        raise
    conn.row_factory = sqlite3.Row
    return conn


class _Connection(sqlite3.Connection):
    """A connection whose writes to a file it may only read raise a `HistoryError` naming it."""

    path = MEMORY

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        try:
            return super().execute(sql, parameters)
        except sqlite3.OperationalError as exc:
            _raise_if_read_only(exc, self.path)
            raise

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:
        try:
            return super().executemany(sql, parameters)
        except sqlite3.OperationalError as exc:
            _raise_if_read_only(exc, self.path)
            raise


def _raise_if_read_only(exc: sqlite3.OperationalError, path: str) -> None:
    if exc.sqlite_errorcode & 0xFF == sqlite3.SQLITE_READONLY:
        raise HistoryError(
            f"cannot write history database {path}: it is read-only (check the permissions of "
            "the file and of its directory)"
        ) from exc


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
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == 49:
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
