"""The disk says no: a full disk, a read-only file, another process's lock, damaged pages and a
damaged search index are each one `HistoryStorageError` (exit 6) saying what happened and what
to do, never sqlite3's own error (a crash) nor "move it aside" for a full disk (issue 10)."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

import pytest
from _storage_helpers import StepClock

from broken_state import damage_page_holding
from mistral_chat.errors import ExitCode, LocalStorageError
from mistral_chat.storage import _failures
from mistral_chat.storage.checkpoint import StreamCheckpoint
from mistral_chat.storage.errors import (
    HistoryCorruptError,
    HistoryDiskFull,
    HistoryLocked,
    HistoryReadOnly,
    HistoryStorageError,
)
from mistral_chat.storage.history import HistoryStore


def fill_the_disk(store: HistoryStore) -> None:
    """SQLite's own size cap: the file may not grow by a single page (SQLITE_FULL, as from a
    full disk)."""
    pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
    store.conn.execute(f"PRAGMA max_page_count = {pages}")


def test_a_full_disk_says_so(store: HistoryStore) -> None:
    conv = store.create_conversation("m")
    fill_the_disk(store)
    with pytest.raises(HistoryDiskFull) as info:
        store.add_message(conv.id, "user", "x" * 100_000)
    assert "the disk is full; free some space" in info.value.message
    assert "move it aside" not in info.value.message
    assert info.value.exit_code == ExitCode.LOCAL_STORAGE == 6
    assert isinstance(info.value, LocalStorageError)
    assert store.get_conversation(conv.id).messages == []  # the failed write left nothing half


def test_a_full_disk_mid_answer_keeps_the_answer_coming(store: HistoryStore) -> None:
    conv = store.create_conversation("m")
    store.add_message(conv.id, "user", "question")
    reply = store.start_message(conv.id, model="m")
    checkpoint = StreamCheckpoint(store, reply.id, interval_s=0.0)
    checkpoint.add("the first words, ")  # saved
    fill_the_disk(store)
    for word in ("and " * 20_000).split():
        checkpoint.add(word + " ")  # the save fails: the answer goes on all the same
    assert isinstance(checkpoint.failed, HistoryDiskFull)
    with pytest.raises(HistoryDiskFull):  # the closing save tries again, and says why
        checkpoint.flush()
    saved = store.get_message(reply.id).text  # what was saved before the disk filled stays
    assert saved.startswith("the first words, ") and len(saved) < len(checkpoint.text)
    store.conn.execute("PRAGMA max_page_count = 1000000")  # room again (space was freed)
    checkpoint.flush()
    assert store.get_message(reply.id).text == checkpoint.text


def test_closing_a_store_on_a_full_disk_does_not_raise(db_path: Path) -> None:
    store = HistoryStore(db_path)
    conv = store.create_conversation("m")
    reply = store.start_message(conv.id)
    store.update_message_text(reply.id, "partial")
    store.conn.execute("PRAGMA query_only = 1")  # any write now fails, as on a full disk
    store.close()  # the row left "streaming" reads back as interrupted
    with HistoryStore(db_path) as again:
        message = again.get_message(reply.id)
    assert (message.text, message.status) == ("partial", "interrupted")


def test_read_only_is_its_own_error(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with HistoryStore(db_path) as writable:
        conv = writable.create_conversation("m")
    real = sqlite3.connect
    monkeypatch.setattr(
        sqlite3, "connect", lambda t, **kw: real(f"file:{t}?mode=ro", uri=True, **kw)
    )
    with HistoryStore(db_path) as store, pytest.raises(HistoryReadOnly) as info:
        store.add_message(conv.id, "user", "more")
    assert "read-only" in info.value.message and info.value.exit_code == 6


def test_another_process_lock_is_waited_for_then_named(db_path: Path) -> None:
    with HistoryStore(db_path) as store:
        conv = store.create_conversation("m")
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process writing (holding the write lock)
    try:
        with HistoryStore(db_path, busy_timeout_ms=50) as store:
            assert store.get_conversation(conv.id).id == conv.id  # reading still works
            with pytest.raises(HistoryLocked) as info:
                store.add_message(conv.id, "user", "hello")
    finally:
        other.close()
    assert "locked by another process (waited 0.05 s)" in info.value.message
    assert info.value.exit_code == 6


def test_an_exclusive_lock_blocks_even_opening(db_path: Path) -> None:
    with HistoryStore(db_path) as store:
        store.create_conversation("m")
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("PRAGMA locking_mode = EXCLUSIVE")
    other.execute("BEGIN EXCLUSIVE")
    other.execute("UPDATE conversations SET title = 'mine'")
    try:
        with pytest.raises(HistoryLocked, match="locked by another process"):
            HistoryStore(db_path, busy_timeout_ms=50)
    finally:
        other.close()


def test_damaged_pages_name_the_repair_command(db_path: Path) -> None:
    with HistoryStore(db_path, clock=StepClock()) as store:
        conv = store.create_conversation("m")
        for i in range(30):
            store.add_message(conv.id, "user", f"note-{i:02d} " + "words " * 60)
    damage_page_holding(db_path, b"note-15 ")
    with HistoryStore(db_path) as store, pytest.raises(HistoryCorruptError) as info:
        store.get_conversation(conv.id)
    assert "is damaged" in info.value.message
    assert "run `mistral-chat history repair`" in info.value.message
    assert info.value.exit_code == 6


def test_a_damaged_search_index_names_the_repair_command(db_path: Path) -> None:
    with HistoryStore(db_path) as store:
        conv = store.create_conversation("m")
        store.add_message(conv.id, "user", "okra soup")
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE messages_fts_data SET block = randomblob(length(block)) WHERE id > 10")
    conn.commit()
    conn.close()
    with HistoryStore(db_path) as store, pytest.raises(HistoryCorruptError) as info:
        store.search("okra")
    assert "its search index is damaged" in info.value.message
    assert "`mistral-chat history repair`" in info.value.message


def test_failures_that_are_bugs_stay_bugs() -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (x NOT NULL)")
    with pytest.raises(sqlite3.IntegrityError) as info:
        conn.execute("INSERT INTO t VALUES (NULL)")
    assert _failures.classified(info.value, "h.db") is None


@pytest.mark.parametrize(
    ("code", "kind", "words"),
    [
        (errno.ENOSPC, HistoryDiskFull, "full"),
        (errno.EROFS, HistoryReadOnly, "mounted read-only"),
        (errno.EACCES, HistoryReadOnly, "permissions"),
        (errno.EIO, HistoryStorageError, "cannot create history database"),
    ],
)
def test_creating_the_file_fails_in_the_history_terms(
    code: int, kind: type[HistoryStorageError], words: str
) -> None:
    error = _failures.from_os_error(OSError(code, "no"), "/x/history.db")
    assert type(error) is kind and words in error.message


def test_a_directory_that_cannot_be_made_is_a_storage_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a directory")
    with pytest.raises(HistoryStorageError, match="cannot create history database"):
        HistoryStore(tmp_path / "file" / "history.db")


def test_an_io_error_on_a_full_disk_reads_as_a_full_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    # SQLite reports some writes that fail for want of space as SQLITE_IOERR, not SQLITE_FULL
    exc = sqlite3.OperationalError("disk I/O error")
    exc.sqlite_errorcode = sqlite3.SQLITE_IOERR_WRITE  # type: ignore[attr-defined]
    monkeypatch.setattr(_failures, "_file_size_limit", lambda: None)
    monkeypatch.setattr(_failures, "_nearly_full", lambda path: True)
    assert isinstance(_failures.classified(exc, "h.db"), HistoryDiskFull)
    monkeypatch.setattr(_failures, "_nearly_full", lambda path: False)
    monkeypatch.setattr(_failures, "mounted_read_only", lambda path: False)
    other = _failures.classified(exc, "h.db")
    assert type(other) is HistoryStorageError and "I/O error" in other.message
    monkeypatch.setattr(_failures, "_file_size_limit", lambda: 4096)
    limited = _failures.classified(exc, "h.db")
    assert isinstance(limited, HistoryDiskFull) and "`ulimit -f`, 4096 bytes" in limited.message


def test_a_read_only_mount_is_read_and_writes_say_so(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mistral_chat.storage import db

    with HistoryStore(db_path) as writable:
        conv = writable.create_conversation("m", title="kept")
    before = sorted(p.name for p in db_path.parent.iterdir())
    # a real read-only mount needs root: the check is what changes, the rest is SQLite's
    monkeypatch.setattr(db, "mounted_read_only", lambda path: True)
    monkeypatch.setattr(_failures, "mounted_read_only", lambda path: True)
    with HistoryStore(db_path) as store:
        assert store.get_conversation(conv.id).title == "kept"  # read without a -shm file
        with pytest.raises(HistoryReadOnly, match="the file system holding it is mounted"):
            store.create_conversation("m")
    assert sorted(p.name for p in db_path.parent.iterdir()) == before == ["history.db"]
