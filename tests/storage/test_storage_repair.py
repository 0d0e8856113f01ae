"""`history repair`: a damaged search index is rebuilt in place; damaged pages lose only the
rows on them; the damaged file is kept; a healthy or foreign file is left alone."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from broken_state import damage_page_holding
from mistral_chat.storage.errors import HistoryCorruptError, HistoryLocked
from mistral_chat.storage.history import HistoryStore
from mistral_chat.storage.repair import repair_history

NOW = datetime(2026, 12, 7, 1, 2, 3, tzinfo=UTC)


def fill(path: Path, conversations: int = 20, messages: int = 5) -> None:
    with HistoryStore(path) as store:
        for i in range(conversations):
            conv = store.create_conversation("m", title=f"chat {i}")
            for j in range(messages):
                store.add_message(conv.id, "user", f"note-{i:02d}-{j} okra " + "words " * 40)


def counts(path: Path) -> tuple[int, int, int]:
    with HistoryStore(path) as store:
        convs = store.list_conversations(limit=1000)
        return len(convs), sum(c.message_count for c in convs), len(store.search("okra", 1000))


def test_nothing_to_repair(db_path: Path) -> None:
    assert repair_history(db_path).outcome == "missing"
    fill(db_path, 2, 2)
    before = db_path.read_bytes()
    assert repair_history(db_path).outcome == "healthy"
    assert db_path.read_bytes() == before
    assert sorted(p.name for p in db_path.parent.iterdir()) == ["history.db"]


def test_a_damaged_search_index_is_rebuilt_in_place(db_path: Path) -> None:
    fill(db_path, 3, 2)
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE messages_fts_data SET block = randomblob(length(block)) WHERE id > 10")
    conn.commit()
    conn.close()
    report = repair_history(db_path)
    assert report.outcome == "reindexed" and report.set_aside is None
    assert counts(db_path) == (3, 6, 6)


def test_an_index_that_cannot_be_rebuilt_is_salvaged_into_a_fresh_file(db_path: Path) -> None:
    fill(db_path, 3, 2)
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE messages_fts_data SET block = x'0102030405' WHERE id = 10")  # structure
    conn.commit()
    conn.close()
    with HistoryStore(db_path) as store, pytest.raises(HistoryCorruptError):
        store.add_message(store.list_conversations()[0].id, "user", "x")  # even writes fail
    report = repair_history(db_path, clock=lambda: NOW)
    assert (report.outcome, report.conversations, report.messages) == ("salvaged", 3, 6)
    assert report.set_aside == db_path.with_name("history.db.damaged-20261207T010203")
    assert report.set_aside.is_file()
    assert counts(db_path) == (3, 6, 6)


def test_damaged_pages_lose_only_their_rows(db_path: Path) -> None:
    fill(db_path)
    damage_page_holding(db_path, b"note-10-2 ")
    report = repair_history(db_path, clock=lambda: NOW)
    assert report.outcome == "salvaged" and report.conversations == 20
    assert 90 <= report.messages < 100  # one page of messages lost, not the table
    convs, messages, found = counts(db_path)
    assert (convs, messages, found) == (20, report.messages, report.messages)
    assert repair_history(db_path).outcome == "healthy"
    with HistoryStore(db_path) as store:  # the repaired history takes new messages
        store.add_message(store.list_conversations()[0].id, "user", "after the repair")


def test_messages_whose_conversation_was_lost_are_kept(db_path: Path) -> None:
    fill(db_path, 40, 1)
    damage_page_holding(db_path, b"chat 20")  # a page of the conversations table
    report = repair_history(db_path)
    assert report.messages == 40 and report.conversations < 40
    with HistoryStore(db_path) as store:
        titles = [c.title for c in store.list_conversations(limit=100)]
    assert "(recovered)" in titles and len(titles) == 40


def test_a_file_that_is_not_sqlite_is_set_aside(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b"not a database at all " * 300)
    report = repair_history(db_path, clock=lambda: NOW)
    assert report.outcome == "unreadable" and report.set_aside is not None
    assert report.set_aside.read_bytes() == b"not a database at all " * 300
    assert counts(db_path) == (0, 0, 0)  # a new, empty history


def test_a_foreign_database_is_left_alone(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE mine (x)")
    conn.commit()
    conn.close()
    before = db_path.read_bytes()
    with pytest.raises(HistoryCorruptError, match="not a mistral-chat history database"):
        repair_history(db_path)
    assert db_path.read_bytes() == before


def test_a_locked_database_is_not_called_damaged(db_path: Path) -> None:
    fill(db_path, 1, 1)
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("PRAGMA locking_mode = EXCLUSIVE")
    other.execute("BEGIN EXCLUSIVE")
    other.execute("UPDATE conversations SET title = 'mine'")
    try:
        with pytest.raises(HistoryLocked):
            repair_history(db_path, busy_timeout_ms=50)
    finally:
        other.close()
    assert sorted(p.name for p in db_path.parent.iterdir())[0] == "history.db"
    assert not list(db_path.parent.glob("*.damaged-*"))
