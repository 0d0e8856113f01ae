"""Schema versions: forward migrations from version 1, and refusal of newer databases."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from mistral_chat.storage import db
from mistral_chat.storage.errors import HistoryCorruptError, HistoryVersionError
from mistral_chat.storage.history import HistoryStore
from mistral_chat.storage.migrations import MIGRATIONS, SCHEMA_VERSION, current_version, migrate


def _build_v1(path: Path) -> None:
    """A history.db as the first release wrote it, with data in it."""
    conn = db.connect(path)
    try:
        assert migrate(conn, target=1) == 1
        conn.execute(
            "INSERT INTO conversations (id, title, model, system, options, created_at, updated_at)"
            " VALUES ('conv00000001', 'Old chat', 'mistral-tiny', 'Be kind', '{\"seed\": 1}',"
            " '2024-05-01T10:00:00.000Z', '2024-05-01T10:01:00.000Z')"
        )
        conn.execute(
            "INSERT INTO messages (id, conversation_id, seq, role, content, text, created_at,"
            " updated_at) VALUES ('msg000000001', 'conv00000001', 1, 'user',"
            ' \'[{"type":"text","text":"Tell me about volcanoes"}]\','
            " 'Tell me about volcanoes', '2024-05-01T10:00:00.000Z', '2024-05-01T10:00:00.000Z')"
        )
        conn.execute(
            "INSERT INTO messages (id, conversation_id, seq, role, content, text, model, status,"
            " created_at, updated_at) VALUES ('msg000000002', 'conv00000001', 2, 'assistant',"
            ' \'[{"type":"text","text":"Volcanoes are vents"}]\', \'Volcanoes are vents\','
            " 'mistral-tiny', 'streaming', '2024-05-01T10:01:00.000Z', '2024-05-01T10:01:00.000Z')"
        )
        conn.execute(
            "INSERT INTO attachments (message_id, position, kind, name, mime_type, size)"
            " VALUES ('msg000000001', 0, 'image', 'crater.jpg', 'image/jpeg', 2048)"
        )
    finally:
        conn.close()


def test_migrations_are_numbered_in_order() -> None:
    assert [m.version for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))
    assert len({m.name for m in MIGRATIONS}) == len(MIGRATIONS)
    assert SCHEMA_VERSION == MIGRATIONS[-1].version >= 2


def test_fresh_database_is_at_latest_with_records(db_path: Path) -> None:
    with HistoryStore(db_path) as store:
        assert store.schema_version == SCHEMA_VERSION
        rows = store.conn.execute("SELECT version, name FROM _migrations ORDER BY version")
        assert [tuple(r) for r in rows] == [(m.version, m.name) for m in MIGRATIONS]
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
        assert store.conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL


def test_version_1_database_is_migrated_and_keeps_its_data(db_path: Path) -> None:
    _build_v1(db_path)
    with HistoryStore(db_path) as store:
        assert store.schema_version == SCHEMA_VERSION
        conv = store.get_conversation("conv")
        assert (conv.title, conv.model, conv.system, conv.options) == (
            "Old chat",
            "mistral-tiny",
            "Be kind",
            {"seed": 1},
        )
        assert conv.message_count == 2
        user, answer = conv.messages
        assert user.text == "Tell me about volcanoes"
        assert user.attachments[0].name == "crater.jpg"
        assert answer.status == "interrupted"
        # the FTS index was backfilled from the existing rows
        assert {h.message_id for h in store.search("volcanoes")} == {"msg000000001", "msg000000002"}
        # and is kept up to date from now on
        store.add_message(conv.id, "user", "And geysers?")
        assert [h.message_id for h in store.search("geysers")] != []
    assert _integrity(db_path) == "ok"


def test_migrating_twice_is_a_no_op(db_path: Path) -> None:
    _build_v1(db_path)
    conn = db.connect(db_path)
    try:
        assert migrate(conn) == SCHEMA_VERSION
        assert migrate(conn) == SCHEMA_VERSION
        assert conn.execute("SELECT count(*) FROM _migrations").fetchone()[0] == SCHEMA_VERSION
    finally:
        conn.close()


def test_failed_migration_rolls_back_with_its_record(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _build_v1(db_path)
    from mistral_chat.storage import migrations

    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE half_done (x)")
        raise RuntimeError("boom")

    monkeypatch.setattr(
        migrations, "MIGRATIONS", (*MIGRATIONS[:1], migrations.Migration(2, "broken", broken))
    )
    conn = db.connect(db_path)
    try:
        with pytest.raises(RuntimeError):
            migrations.migrate(conn)
        assert current_version(conn) == 1
        assert conn.execute("SELECT max(version) FROM _migrations").fetchone()[0] == 1
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        assert "half_done" not in tables
    finally:
        conn.close()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


@pytest.mark.parametrize("journal", ["wal", "delete"])
def test_newer_database_is_refused_and_left_unchanged(db_path: Path, journal: str) -> None:
    with HistoryStore(db_path) as store:
        store.create_conversation("m")
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute(f"PRAGMA journal_mode = {journal}")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 7}")
    conn.close()
    before = _digest(db_path)
    with pytest.raises(HistoryVersionError) as info:
        HistoryStore(db_path)
    assert str(info.value) == (
        f"history.db was written by a newer mistral-chat (schema {SCHEMA_VERSION + 7}, this"
        f" version knows {SCHEMA_VERSION}); upgrade mistral-chat or use another MISTRAL_CHAT_HOME"
    )
    assert _digest(db_path) == before
    assert sorted(p.name for p in db_path.parent.iterdir()) == ["history.db"]


def test_foreign_database_is_refused(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE something_else (x)")
    conn.commit()
    conn.close()
    with pytest.raises(HistoryCorruptError, match="no mistral-chat schema"):
        HistoryStore(db_path)


def test_garbage_file_is_refused(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(HistoryCorruptError, match="not a usable history database"):
        HistoryStore(db_path)
    assert db_path.read_bytes() == b"this is not sqlite at all" * 100


class _CommitsBetweenReads:
    """A connection on which another process finishes migrating right after the version read.

    That is the instant a concurrent first start hits: the version still says 0, the tables
    another process has just committed are already there.
    """

    def __init__(self, conn: sqlite3.Connection, other: Path) -> None:
        self._conn = conn
        self._other = other
        self._fired = False

    def execute(self, sql: str, *args: object) -> sqlite3.Cursor:
        cursor = self._conn.execute(sql, *args)
        if not self._fired and sql.strip().upper() == "PRAGMA USER_VERSION":
            self._fired = True
            rival = db.connect(self._other)
            try:
                migrate(rival)
            finally:
                rival.close()
        return cursor

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction


def test_a_rival_migrating_at_the_same_instant_is_not_mistaken_for_a_foreign_db(
    db_path: Path,
) -> None:
    conn = db.connect(db_path)
    try:
        racing = _CommitsBetweenReads(conn, db_path)
        assert migrate(racing) == SCHEMA_VERSION  # type: ignore[arg-type]
        assert racing._fired
    finally:
        conn.close()
