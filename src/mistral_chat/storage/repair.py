"""`mistral-chat history repair`: check history.db and mend what it can, never silently.

1. A healthy file is left alone.
2. A damaged search index (FTS5; it is derived from the messages) is rebuilt in place.
3. Damaged pages, or an index that cannot be rebuilt: every row that can still be read is
   copied into a fresh database (search index rebuilt as the rows go in); the damaged file is
   kept beside it as ``history.db.damaged-YYYYmmddTHHMMSS`` (with its ``-wal``), and the
   fresh one takes its place. Rows on damaged pages are skipped one page at a time, not the
   whole table; a message whose conversation was lost goes into a "(recovered)" conversation.
4. A file SQLite cannot read at all is set aside the same way and a new history starts.

Repair is a command the user runs, not something done behind their back: a damaged file
means lost rows, and the user should know it happened (see docs/security.md).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from mistral_chat.storage import db
from mistral_chat.storage._failures import classified
from mistral_chat.storage.errors import HistoryCorruptError
from mistral_chat.storage.migrations import migrate

__all__ = ["RepairReport", "repair_history"]

_TABLES = ("conversations", "messages", "attachments")  # parents first: foreign keys
_MAX_PROBES = 100_000  # rowids tried past a damaged page before a table is given up
_SMALLEST_ROWID = -(2**63)


@dataclass
class RepairReport:
    """What `repair_history` found and did.

    ``outcome``: "missing" (no file), "healthy", "reindexed" (search index rebuilt in place),
    "salvaged" (rows copied into a fresh file) or "unreadable" (nothing could be read; a new
    history was started). ``set_aside`` is where the damaged file was kept.
    """

    outcome: str
    problem: str = ""
    conversations: int = 0
    messages: int = 0
    skipped: int = 0
    """Rows that were read but could not be stored again (broken values)."""
    set_aside: Path | None = None


def repair_history(
    path: Path,
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    busy_timeout_ms: int = db.BUSY_TIMEOUT_MS,
) -> RepairReport:
    """Check the history database at ``path`` and repair it as the module docstring says."""
    if not path.exists():
        return RepairReport("missing")
    src = sqlite3.connect(str(path), isolation_level=None, timeout=busy_timeout_ms / 1000)
    try:
        problem = _problem(src, str(path), busy_timeout_ms)
        if problem is None:
            return RepairReport("healthy")
        if problem.startswith("search index") and _reindexed(src):
            return RepairReport("reindexed", problem)
        report = _salvage(src, path, problem)
    finally:
        src.close()
    report.set_aside = _swap(path, clock())
    return report


def _problem(src: sqlite3.Connection, path: str, busy_timeout_ms: int) -> str | None:
    """What is wrong with the database, in a few words; None when nothing is."""
    try:
        rows = [r[0] for r in src.execute("PRAGMA quick_check").fetchall()]
        tables = {r[0] for r in src.execute("SELECT name FROM sqlite_master").fetchall()}
    except sqlite3.DatabaseError as exc:
        _raise_if_not_damage(exc, path, busy_timeout_ms)
        return f"damaged: {exc}"
    if rows != ["ok"]:
        return f"damaged pages: {'; '.join(rows[:3])}"
    if "conversations" not in tables:
        raise HistoryCorruptError(
            f"{path} is not a mistral-chat history database (it has no conversations); "
            "it is left as it is: move it aside to start afresh"
        )
    try:
        src.execute("INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)")
    except sqlite3.DatabaseError as exc:
        _raise_if_not_damage(exc, path, busy_timeout_ms)
        return f"search index damaged: {exc}"
    return None


def _raise_if_not_damage(exc: sqlite3.Error, path: str, busy_timeout_ms: int) -> None:
    """Locked, full or read-only is not damage: say that instead of repairing anything."""
    found = classified(exc, path, busy_timeout_ms=busy_timeout_ms)
    if found is not None and not isinstance(found, HistoryCorruptError):
        raise found from exc


def _reindexed(src: sqlite3.Connection) -> bool:
    """Rebuild the search index from the messages in place; False if that fails too."""
    try:
        src.execute("INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')")
        src.execute("INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)")
    except sqlite3.DatabaseError:
        return False
    return True


def _fresh_path(path: Path) -> Path:
    return path.with_name(f"{path.name}.repairing")


def _salvage(src: sqlite3.Connection, path: Path, problem: str) -> RepairReport:
    """Copy every readable row into a fresh database beside ``path``."""
    fresh = _fresh_path(path)
    for leftover in (fresh, *_companions(fresh)):
        leftover.unlink(missing_ok=True)  # an earlier repair that was cut short
    report = RepairReport("salvaged", problem)
    dst = db.connect(fresh)
    try:
        migrate(dst)
        with db.transaction(dst):
            for table in _TABLES:
                _copy_table(src, dst, table, report)
    finally:
        dst.close()
    if report.conversations == 0 and report.messages == 0 and problem.startswith("damaged: "):
        report.outcome = "unreadable"
    return report


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f"PRAGMA table_info({table})").fetchall()]


def _copy_table(
    src: sqlite3.Connection, dst: sqlite3.Connection, table: str, report: RepairReport
) -> None:
    try:
        have = set(_columns(src, table))
    except sqlite3.DatabaseError:
        return  # the schema itself is unreadable: nothing of this table can be found
    # the fresh file's columns (the current schema) that the damaged file also has
    columns = [c for c in _columns(dst, table) if c in have]
    if table == "conversations":
        columns = [c for c in columns if c != "message_count"]  # kept by the triggers
    marks = ", ".join("?" for _ in columns)
    insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
    for row in _readable_rows(src, table, columns):
        values = dict(zip(columns, row, strict=True))
        if table == "messages":
            _ensure_conversation(dst, values)
        try:
            dst.execute(insert, row)
        except sqlite3.IntegrityError:
            report.skipped += 1  # a value the damage turned into something the schema refuses
            continue
        if table == "conversations":
            report.conversations += 1
        elif table == "messages":
            report.messages += 1


def _ensure_conversation(dst: sqlite3.Connection, message: dict[str, object]) -> None:
    """A message whose conversation row was lost gets a "(recovered)" conversation."""
    conv_id = message.get("conversation_id")
    if not isinstance(conv_id, str):
        return
    if dst.execute("SELECT 1 FROM conversations WHERE id = ?", (conv_id,)).fetchone():
        return
    when = str(message.get("created_at") or "1970-01-01T00:00:00.000Z")
    dst.execute(
        "INSERT INTO conversations (id, title, model, created_at, updated_at)"
        " VALUES (?, '(recovered)', ?, ?, ?)",
        (conv_id, str(message.get("model") or "unknown"), when, when),
    )


def _readable_rows(
    src: sqlite3.Connection, table: str, columns: list[str]
) -> Iterator[tuple[object, ...]]:
    """The rows of ``table`` that can be read, in rowid order. A damaged page fails the scan:
    the scan resumes at the first rowid past it that can be read."""
    select = f"SELECT rowid, {', '.join(columns)} FROM {table} WHERE rowid > ? ORDER BY rowid"
    after, resumed_at = _SMALLEST_ROWID, None
    while True:
        try:
            for row in src.execute(select, (after,)):
                after = row[0]
                yield tuple(row[1:])
            return
        except sqlite3.DatabaseError:
            if resumed_at is not None and after < resumed_at:
                after = resumed_at  # the row the scan resumed at cannot be read whole: skip it
            resumed_at = _next_readable(src, table, after)
            if resumed_at is None:
                return
            after = resumed_at - 1


def _next_readable(src: sqlite3.Connection, table: str, after: int) -> int | None:
    probe = f"SELECT rowid FROM {table} WHERE rowid >= ? ORDER BY rowid LIMIT 1"
    start = after + 1 if after > _SMALLEST_ROWID else 1
    for candidate in range(start, start + _MAX_PROBES):
        try:
            row = src.execute(probe, (candidate,)).fetchone()
        except sqlite3.DatabaseError:
            continue  # still inside the damaged page's range
        return None if row is None else int(row[0])
    return None


def _companions(path: Path) -> tuple[Path, Path]:
    return path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm")


def _swap(path: Path, now: datetime) -> Path:
    """Keep the damaged file (and its WAL) aside, and put the fresh one in its place."""
    aside = path.with_name(f"{path.name}.damaged-{now.strftime('%Y%m%dT%H%M%S')}")
    path.replace(aside)
    for old, new in zip(_companions(path), _companions(aside), strict=True):
        if old.exists():
            old.replace(new)
    _fresh_path(path).replace(path)
    return aside
