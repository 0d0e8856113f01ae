"""What a failed SQLite call means for the user: the one place sqlite3's error codes become
history errors that say what happened and what to do (exit 6), instead of sqlite3's own words
(which the CLI would report as a bug) or wrong advice ("move it aside" for a full disk).

    SQLITE_FULL, or an I/O error with the disk (nearly) full   -> HistoryDiskFull
    an I/O error under a file size limit (`ulimit -f`)          -> HistoryDiskFull
    SQLITE_READONLY, a read-only mount, EROFS/EACCES creating   -> HistoryReadOnly
    SQLITE_BUSY / SQLITE_LOCKED after the busy timeout          -> HistoryLocked
    SQLITE_CORRUPT (pages, the FTS index), SQLITE_NOTADB        -> HistoryCorruptError
    any other I/O error, SQLITE_CANTOPEN                        -> HistoryStorageError

Anything else (a constraint, "no such table") is left alone: it is a bug, and stays one.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

from mistral_chat.storage.errors import (
    HistoryCorruptError,
    HistoryDiskFull,
    HistoryLocked,
    HistoryReadOnly,
    HistoryStorageError,
)

__all__ = ["REPAIR_HINT", "classified", "from_os_error", "mounted_read_only"]

REPAIR_HINT = "run `mistral-chat history repair` to mend it"
_CORRUPT_VTAB = 267  # SQLITE_CORRUPT_VTAB: an FTS index (a virtual table) is damaged
_NEARLY_FULL = 1 << 20  # below 1 MiB free, an I/O error while writing is the disk being full


def classified(
    exc: sqlite3.Error, path: str, *, busy_timeout_ms: int = 0
) -> HistoryStorageError | None:
    """The history error `exc` stands for, or None when it is not about the disk or the file
    (then it is a bug and should surface as one)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if not isinstance(code, int):
        return None
    primary = code & 0xFF
    if primary == sqlite3.SQLITE_FULL:
        return HistoryDiskFull(disk_full(path))
    if primary == sqlite3.SQLITE_IOERR:
        return _io_error(exc, path)
    if primary == sqlite3.SQLITE_READONLY:
        return HistoryReadOnly(read_only(path))
    if primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        waited = f" (waited {busy_timeout_ms / 1000:g} s)" if busy_timeout_ms else ""
        return HistoryLocked(
            f"history database {path} is locked by another process{waited}; try again once "
            "it is done (another mistral-chat, or a program that opened history.db)"
        )
    if primary == sqlite3.SQLITE_NOTADB:
        return HistoryCorruptError(
            f"{path} is not a usable history database ({exc}); {REPAIR_HINT}, or move it "
            "aside to start afresh"
        )
    if primary == sqlite3.SQLITE_CORRUPT:
        what = "its search index is damaged" if code == _CORRUPT_VTAB else "it is damaged"
        return HistoryCorruptError(f"history database {path}: {what} ({exc}); {REPAIR_HINT}")
    if primary == sqlite3.SQLITE_CANTOPEN:
        if mounted_read_only(path):
            return HistoryReadOnly(read_only(path, True))
        return HistoryStorageError(
            f"cannot open history database {path} ({exc}); check that its directory exists "
            "and that you may write in it"
        )
    return None


def from_os_error(exc: OSError, path: str) -> HistoryStorageError:
    """Creating history.db (or its directory) failed: say why in the history's terms."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return HistoryDiskFull(disk_full(path))
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return HistoryReadOnly(read_only(path, exc.errno == errno.EROFS))
    reason = (exc.strerror or type(exc).__name__).lower()
    return HistoryStorageError(f"cannot create history database {path}: {reason}; check the disk")


def disk_full(path: str) -> str:
    limit = _file_size_limit()
    if limit is not None and not _nearly_full(path):
        return (
            f"cannot write history database {path}: a file size limit (`ulimit -f`, {limit} "
            "bytes) stops it from growing; raise the limit, or run with --no-log"
        )
    return (
        f"cannot write history database {path}: the disk is full; free some space and try "
        "again (or run with --no-log)"
    )


def read_only(path: str, mounted: bool | None = None) -> str:
    if mounted is None:
        mounted = mounted_read_only(path)
    why = (
        "the file system holding it is mounted read-only"
        if mounted
        else "it is read-only (check the permissions of the file and of its directory)"
    )
    return f"cannot write history database {path}: {why}; or set MISTRAL_CHAT_HOME elsewhere"


def _io_error(exc: sqlite3.Error, path: str) -> HistoryStorageError:
    if _nearly_full(path) or _file_size_limit() is not None:
        return HistoryDiskFull(disk_full(path))
    if mounted_read_only(path):
        return HistoryReadOnly(read_only(path, True))
    return HistoryStorageError(
        f"cannot use history database {path}: the disk reported an I/O error ({exc}); "
        "check the disk (e.g. `dmesg`), then try again"
    )


def _directory(path: str) -> str:
    return str(Path(path).parent) or "."


def _nearly_full(path: str) -> bool:
    if not hasattr(os, "statvfs"):  # Windows
        return False
    try:
        st = os.statvfs(_directory(path))
    except OSError:
        return False
    # root may write into the blocks reserved for it; everyone else only into f_bavail
    blocks = st.f_bfree if getattr(os, "geteuid", lambda: -1)() == 0 else st.f_bavail
    return blocks * st.f_frsize < _NEARLY_FULL


def mounted_read_only(path: str) -> bool:
    """Whether the file system holding `path` is mounted read-only."""
    if not hasattr(os, "statvfs"):
        return False
    try:
        return bool(os.statvfs(_directory(path)).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _file_size_limit() -> int | None:
    """The process's file size limit in bytes, when it has one (`ulimit -f`)."""
    try:
        import resource
    except ImportError:  # not on Windows
        return None
    soft, _hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    return None if soft == resource.RLIM_INFINITY else soft
