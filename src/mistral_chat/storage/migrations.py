"""Schema migrations of history.db: named, ordered, forward only.

Each migration runs in one write transaction together with its row in ``_migrations`` and the
new ``PRAGMA user_version``, so a database is always exactly at one version. Released migrations
are never edited: a change to the schema is a new function appended to ``MIGRATIONS``.
A database whose version is higher than ``SCHEMA_VERSION`` is refused, never modified.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from mistral_chat.storage.db import read_transaction, transaction
from mistral_chat.storage.errors import HistoryCorruptError, HistoryVersionError

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "Migration", "current_version", "migrate"]


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[sqlite3.Connection], None]


def _m001_base_tables(conn: sqlite3.Connection) -> None:
    _run_script(
        conn,
        """
        CREATE TABLE conversations (
            id            TEXT PRIMARY KEY,
            title         TEXT,
            model         TEXT NOT NULL,
            system        TEXT,
            options       TEXT NOT NULL DEFAULT '{}',
            created_at    TEXT NOT NULL,
            updated_at    TEXT NOT NULL,
            message_count INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX conversations_by_updated ON conversations (updated_at, id);

        CREATE TABLE messages (
            n               INTEGER PRIMARY KEY,
            id              TEXT NOT NULL UNIQUE,
            conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
            seq             INTEGER NOT NULL,
            role            TEXT NOT NULL,
            content         TEXT NOT NULL,
            text            TEXT NOT NULL DEFAULT '',
            model           TEXT,
            status          TEXT NOT NULL DEFAULT 'complete'
                            CHECK (status IN ('complete', 'streaming', 'interrupted', 'error')),
            usage           TEXT,
            finish_reason   TEXT,
            ttft_ms         INTEGER,
            duration_ms     INTEGER,
            cost_usd        REAL,
            created_at      TEXT NOT NULL,
            updated_at      TEXT NOT NULL,
            UNIQUE (conversation_id, seq)
        );

        CREATE TABLE attachments (
            message_id TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
            position   INTEGER NOT NULL,
            kind       TEXT NOT NULL,
            name       TEXT,
            mime_type  TEXT,
            size       INTEGER,
            sha256     TEXT,
            file_id    TEXT,
            url        TEXT,
            PRIMARY KEY (message_id, position)
        );

        CREATE TRIGGER messages_count_insert AFTER INSERT ON messages BEGIN
            UPDATE conversations SET message_count = message_count + 1
            WHERE id = new.conversation_id;
        END;
        CREATE TRIGGER messages_count_delete AFTER DELETE ON messages BEGIN
            UPDATE conversations SET message_count = message_count - 1
            WHERE id = old.conversation_id;
        END;
        """,
    )


def _m002_message_search(conn: sqlite3.Connection) -> None:
    _run_script(
        conn,
        """
        CREATE VIRTUAL TABLE messages_fts USING fts5 (
            text, content = 'messages', content_rowid = 'n',
            tokenize = 'unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
            INSERT INTO messages_fts (rowid, text) VALUES (new.n, new.text);
        END;
        CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
            INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.n, old.text);
        END;
        CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
            INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.n, old.text);
            INSERT INTO messages_fts (rowid, text) VALUES (new.n, new.text);
        END;
        INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
        """,
    )


def _m003_substring_search(conn: sqlite3.Connection) -> None:
    # Substrings in any script (CJK has no spaces between words): trigram indexes over text
    # folded by mc_fold (case and accents; see _fold.py). Messages: contentless, by their
    # stable integer key. System prompts: one row per conversation that has one, keyed by the
    # conversation's id (its rowid may change on VACUUM).
    _run_script(
        conn,
        """
        CREATE VIRTUAL TABLE messages_trigram USING fts5 (
            text, content = '', tokenize = 'trigram'
        );
        CREATE TRIGGER messages_trigram_insert AFTER INSERT ON messages BEGIN
            INSERT INTO messages_trigram (rowid, text) VALUES (new.n, mc_fold(new.text));
        END;
        CREATE TRIGGER messages_trigram_delete AFTER DELETE ON messages BEGIN
            INSERT INTO messages_trigram (messages_trigram, rowid, text)
            VALUES ('delete', old.n, mc_fold(old.text));
        END;
        CREATE TRIGGER messages_trigram_update AFTER UPDATE OF text ON messages BEGIN
            INSERT INTO messages_trigram (messages_trigram, rowid, text)
            VALUES ('delete', old.n, mc_fold(old.text));
            INSERT INTO messages_trigram (rowid, text) VALUES (new.n, mc_fold(new.text));
        END;
        INSERT INTO messages_trigram (rowid, text) SELECT n, mc_fold(text) FROM messages;

        CREATE VIRTUAL TABLE system_trigram USING fts5 (
            conversation_id UNINDEXED, text, tokenize = 'trigram'
        );
        CREATE TRIGGER system_trigram_insert AFTER INSERT ON conversations
        WHEN new.system IS NOT NULL AND new.system != '' BEGIN
            INSERT INTO system_trigram (conversation_id, text)
            VALUES (new.id, mc_fold(new.system));
        END;
        CREATE TRIGGER system_trigram_update AFTER UPDATE OF system ON conversations BEGIN
            DELETE FROM system_trigram WHERE conversation_id = old.id;
            INSERT INTO system_trigram (conversation_id, text)
            SELECT new.id, mc_fold(new.system) WHERE new.system IS NOT NULL AND new.system != '';
        END;
        CREATE TRIGGER system_trigram_delete AFTER DELETE ON conversations BEGIN
            DELETE FROM system_trigram WHERE conversation_id = old.id;
        END;
        INSERT INTO system_trigram (conversation_id, text)
        SELECT id, mc_fold(system) FROM conversations WHERE system IS NOT NULL AND system != '';
        """,
    )


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "base_tables", _m001_base_tables),
    Migration(2, "message_search", _m002_message_search),
    Migration(3, "substring_search", _m003_substring_search),
)
SCHEMA_VERSION = MIGRATIONS[-1].version


def current_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, *, target: int = SCHEMA_VERSION) -> int:
    """Bring the database up to ``target`` (default: the latest); return the version reached.

    Safe to call from several processes at once: each step re-reads the version under the
    write lock and skips what another process has already applied.
    """
    _check(conn)
    for migration in MIGRATIONS:
        if migration.version > target:
            break
        if current_version(conn) >= migration.version:
            continue
        with transaction(conn):
            found = current_version(conn)
            if found >= migration.version:
                continue
            if found != migration.version - 1:
                raise HistoryCorruptError(
                    f"history.db is at schema {found}, expected {migration.version - 1}"
                )
            migration.apply(conn)
            conn.execute(
                "CREATE TABLE IF NOT EXISTS _migrations ("
                " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
            conn.execute(
                "INSERT INTO _migrations (version, name, applied_at) VALUES (?, ?, ?)",
                (migration.version, migration.name, _now()),
            )
            conn.execute(f"PRAGMA user_version = {migration.version}")
    return current_version(conn)


def _check(conn: sqlite3.Connection) -> None:
    # One snapshot for both reads: another process's first migration may commit between them,
    # and its tables must not be seen next to the version it had not yet set.
    with read_transaction(conn):
        version = current_version(conn)
        tables = conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
        ).fetchone()[0]
    if version > SCHEMA_VERSION:
        raise HistoryVersionError(version, SCHEMA_VERSION)
    if version == 0 and tables:
        raise HistoryCorruptError(
            "history.db holds tables but no mistral-chat schema version; move it aside"
        )


def _run_script(conn: sqlite3.Connection, script: str) -> None:
    """Run a multi-statement script inside the caller's transaction.

    ``executescript`` would COMMIT the open transaction first, so statements run one by one.
    """
    for statement in _split_statements(script):
        conn.execute(statement)


def _split_statements(script: str) -> list[str]:
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
