"""The conversation history store: the only module that speaks SQL."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from mistral_chat.storage import db, export
from mistral_chat.storage._clean import Cleaner, make_title
from mistral_chat.storage._ids import new_id
from mistral_chat.storage._rows import (
    attachment_from_row,
    conversation_from_row,
    dump,
    dump_optional,
    load,
    message_from_row,
    timestamp,
)
from mistral_chat.storage.errors import (
    AmbiguousConversationId,
    ConversationNotFound,
    HistoryError,
    MessageNotFound,
)
from mistral_chat.storage.migrations import SCHEMA_VERSION, migrate
from mistral_chat.storage.records import (
    ROLES,
    Attachment,
    Conversation,
    Message,
    SearchHit,
    content_text,
)

__all__ = ["HistoryStore", "fts_query"]

#: Messages this process is streaming now; any other "streaming" row was left by a dead writer.
_LIVE_STREAMS: set[str] = set()
_FINAL_STATUSES = ("complete", "interrupted", "error")
_CONVERSATION_COLUMNS = "id, title, model, system, options, created_at, updated_at, message_count"
_MESSAGE_COLUMNS = (
    "id, conversation_id, seq, role, content, model, status, usage, finish_reason,"
    " ttft_ms, duration_ms, cost_usd, created_at, updated_at"
)


class HistoryStore:
    """Conversations and their messages in one SQLite file (``history.db``).

    Data model:

    - ``conversations``: ``id`` (12-char, time-sortable), ``title`` (the first user line unless
      given), ``model``, ``system`` message, ``options`` (JSON; key-like entries are dropped),
      ``created_at``/``updated_at`` (ISO 8601 UTC), ``message_count`` (kept by triggers, so
      listing never counts rows).
    - ``messages``: ``id``, ``conversation_id``, ``seq`` (order in the conversation), ``role``,
      ``content`` (JSON list of chunks as sent to the API; inline ``data:`` bytes replaced by
      their hash unless ``keep_inline_data``), ``text`` (the text chunks, what search indexes),
      ``model``, ``status`` (complete, streaming, interrupted, error), ``usage`` (JSON),
      ``finish_reason``, ``ttft_ms``, ``duration_ms``, ``cost_usd``, timestamps.
    - ``attachments``: per message and position, ``kind``, ``name``, ``mime_type``, ``size``,
      ``sha256``, ``file_id`` or ``url``; never the bytes.
    - ``messages_fts``: an FTS5 index over ``messages.text``, kept by triggers.

    Every write commits before the method returns. A streamed answer is a message started with
    :meth:`start_message`, saved with :meth:`update_message_text` (``StreamCheckpoint`` does it
    once a second) and closed with :meth:`finish_message`; one left "streaming" by a process
    that died reads back as "interrupted".

    Example::

        with HistoryStore(home / "history.db") as store:
            conv = store.create_conversation("mistral-small-latest")
            store.add_message(conv.id, "user", "Hello")
            reply = store.start_message(conv.id, model="mistral-small-latest")
            store.update_message_text(reply.id, "Hi")
            store.finish_message(reply.id, content="Hi there", finish_reason="stop")
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        clock: Callable[[], datetime] | None = None,
        secrets: Sequence[str] = (),
        keep_inline_data: bool = False,
        marks: tuple[str, str] = ("**", "**"),
    ) -> None:
        self.path = path
        self._clock = clock or (lambda: datetime.now(UTC))
        self._clean = Cleaner(secrets=secrets, keep_inline_data=keep_inline_data)
        self._marks = marks
        self._streaming: set[str] = set()
        self._conn: sqlite3.Connection | None = None
        conn = db.connect(path, max_schema_version=SCHEMA_VERSION)
        try:
            migrate(conn)
        except BaseException:
            conn.close()
            raise
        self._conn = conn

    # -- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        """Mark answers this store was still streaming as interrupted, then close."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            for message_id in list(self._streaming):
                conn.execute(
                    "UPDATE messages SET status = 'interrupted'"
                    " WHERE id = ? AND status = 'streaming'",
                    (message_id,),
                )
        finally:
            _LIVE_STREAMS.difference_update(self._streaming)
            self._streaming.clear()
            conn.close()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise HistoryError("the history store is closed")
        return self._conn

    @property
    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    # -- conversations -----------------------------------------------------------------------

    def create_conversation(
        self,
        model: str,
        system: str | None = None,
        options: dict[str, Any] | None = None,
        title: str | None = None,
    ) -> Conversation:
        now = self._now()
        conv = Conversation(
            id=new_id(self._clock()),
            title=make_title(self._clean.text(title)) if title else None,
            model=model,
            system=self._clean.optional_text(system),
            options=self._clean.options(options),
            created_at=now,
            updated_at=now,
        )
        self.conn.execute(
            f"INSERT INTO conversations ({_CONVERSATION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, 0)",
            (conv.id, conv.title, model, conv.system, dump(conv.options), now, now),
        )
        return conv

    def set_system(self, conversation_id: str, system: str | None) -> None:
        self._update_conversation(conversation_id, "system", self._clean.optional_text(system))

    def set_model(self, conversation_id: str, model: str) -> None:
        self._update_conversation(conversation_id, "model", model)

    def set_options(self, conversation_id: str, options: dict[str, Any] | None) -> None:
        self._update_conversation(conversation_id, "options", dump(self._clean.options(options)))

    def set_title(self, conversation_id: str, title: str | None) -> None:
        clean = make_title(self._clean.text(title)) if title else None
        self._update_conversation(conversation_id, "title", clean)

    def _update_conversation(self, conversation_id: str, column: str, value: object) -> None:
        cursor = self.conn.execute(
            f"UPDATE conversations SET {column} = ?, updated_at = ? WHERE id = ?",
            (value, self._now(), conversation_id),
        )
        if cursor.rowcount == 0:
            raise ConversationNotFound(conversation_id)

    def list_conversations(self, limit: int = 20, offset: int = 0) -> list[Conversation]:
        """Conversations, the most recently updated first (without their messages)."""
        rows = self.conn.execute(
            f"SELECT {_CONVERSATION_COLUMNS} FROM conversations"
            " ORDER BY updated_at DESC, id DESC LIMIT ? OFFSET ?",
            (limit, offset),
        ).fetchall()
        return [conversation_from_row(row) for row in rows]

    def count_conversations(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM conversations").fetchone()[0])

    def resolve_id(self, ref: str) -> str:
        """The full id of the one conversation whose id is or starts with ``ref``."""
        ref = ref.strip().lower()
        if not ref:
            raise ConversationNotFound(ref)
        if self.conn.execute("SELECT 1 FROM conversations WHERE id = ?", (ref,)).fetchone():
            return ref
        upper = ref[:-1] + chr(min(ord(ref[-1]) + 1, 0x10FFFF))
        rows = self.conn.execute(
            "SELECT id FROM conversations WHERE id > ? AND id < ? ORDER BY id LIMIT 6",
            (ref, upper),
        ).fetchall()
        if not rows:
            raise ConversationNotFound(ref)
        if len(rows) > 1:
            raise AmbiguousConversationId(ref, [row[0] for row in rows])
        return str(rows[0][0])

    def get_conversation(self, ref: str) -> Conversation:
        """The conversation with ``ref`` as id or unique id prefix, with all its messages."""
        with db.read_transaction(self.conn):
            conversation_id = self.resolve_id(ref)
            return self.load(conversation_id)

    def latest_conversation(self) -> Conversation | None:
        with db.read_transaction(self.conn):
            row = self.conn.execute(
                "SELECT id FROM conversations ORDER BY updated_at DESC, id DESC LIMIT 1"
            ).fetchone()
            return None if row is None else self.load(row[0])

    def delete_conversation(self, ref: str) -> str:
        """Delete a conversation (id or unique prefix) with its messages; return its id."""
        with db.transaction(self.conn):
            conversation_id = self.resolve_id(ref)
            self.conn.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))
        return conversation_id

    def load(self, conversation_id: str) -> Conversation:
        row = self.conn.execute(
            f"SELECT {_CONVERSATION_COLUMNS} FROM conversations WHERE id = ?", (conversation_id,)
        ).fetchone()
        if row is None:
            raise ConversationNotFound(conversation_id)
        conv = conversation_from_row(row)
        attachments: dict[str, list[Attachment]] = {}
        for a in self.conn.execute(
            "SELECT a.* FROM attachments a JOIN messages m ON m.id = a.message_id"
            " WHERE m.conversation_id = ? ORDER BY a.message_id, a.position",
            (conversation_id,),
        ):
            attachments.setdefault(a["message_id"], []).append(attachment_from_row(a))
        conv.messages = [
            message_from_row(m, attachments.get(m["id"], []), live=m["id"] in _LIVE_STREAMS)
            for m in self.conn.execute(
                f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? ORDER BY seq",
                (conversation_id,),
            )
        ]
        return conv

    # -- messages ----------------------------------------------------------------------------

    def add_message(
        self,
        conversation_id: str,
        role: str,
        content: list[dict[str, Any]] | str,
        *,
        attachments: Iterable[Attachment] = (),
        model: str | None = None,
        status: str = "complete",
        usage: dict[str, Any] | None = None,
        finish_reason: str | None = None,
        ttft_ms: int | None = None,
        duration_ms: int | None = None,
        cost_usd: float | None = None,
    ) -> Message:
        """Store a whole message and commit before returning."""
        _check_status(status, _FINAL_STATUSES)
        now = self._now()
        message = Message(
            id="",
            conversation_id=conversation_id,
            seq=0,
            role=_check_role(role),
            content=self._clean.content(content),
            created_at=now,
            updated_at=now,
            status=status,
            model=model,
            usage=self._clean.json_value(usage),
            finish_reason=finish_reason,
            ttft_ms=ttft_ms,
            duration_ms=duration_ms,
            cost_usd=cost_usd,
            attachments=[self._clean.attachment(a) for a in attachments],
        )
        with db.transaction(self.conn):
            self._insert_message(message)
        return message

    def start_message(
        self, conversation_id: str, role: str = "assistant", *, model: str | None = None
    ) -> Message:
        """Store an empty message in status "streaming" (committed), to fill as text arrives."""
        now = self._now()
        message = Message(
            id="",
            conversation_id=conversation_id,
            seq=0,
            role=_check_role(role),
            content=[],
            created_at=now,
            updated_at=now,
            status="streaming",
            model=model,
        )
        with db.transaction(self.conn):
            self._insert_message(message)
        self._streaming.add(message.id)
        _LIVE_STREAMS.add(message.id)
        return message

    def update_message_text(self, message_id: str, text: str) -> None:
        """Save the text received so far of a streaming message (one cheap committed UPDATE)."""
        text = self._clean.text(text)
        cursor = self.conn.execute(
            "UPDATE messages SET content = ?, text = ?, updated_at = ?"
            " WHERE id = ? AND status = 'streaming'",
            (dump([{"type": "text", "text": text}]), text, self._now(), message_id),
        )
        if cursor.rowcount == 0:
            self.get_message(message_id)  # raises MessageNotFound
            raise HistoryError(f"message {message_id} is not streaming; it was already finished")

    def finish_message(
        self,
        message_id: str,
        *,
        content: list[dict[str, Any]] | str | None = None,
        status: str = "complete",
        usage: dict[str, Any] | None = None,
        finish_reason: str | None = None,
        ttft_ms: int | None = None,
        duration_ms: int | None = None,
        cost_usd: float | None = None,
    ) -> Message:
        """Close a streaming message; ``content=None`` keeps the text saved so far."""
        _check_status(status, _FINAL_STATUSES)
        now = self._now()
        with db.transaction(self.conn):
            row = self.conn.execute(
                f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE id = ?", (message_id,)
            ).fetchone()
            if row is None:
                raise MessageNotFound(message_id)
            chunks = self._clean.content(content) if content is not None else load(row["content"])
            self.conn.execute(
                "UPDATE messages SET content = ?, text = ?, status = ?, usage = ?,"
                " finish_reason = ?, ttft_ms = ?, duration_ms = ?, cost_usd = ?, updated_at = ?"
                " WHERE id = ?",
                (
                    dump(chunks),
                    content_text(chunks),
                    status,
                    dump_optional(self._clean.json_value(usage)),
                    finish_reason,
                    ttft_ms,
                    duration_ms,
                    cost_usd,
                    now,
                    message_id,
                ),
            )
            self._touch(row["conversation_id"], now)
        self._streaming.discard(message_id)
        _LIVE_STREAMS.discard(message_id)
        return self.get_message(message_id)

    def get_message(self, message_id: str) -> Message:
        with db.read_transaction(self.conn):
            row = self.conn.execute(
                f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE id = ?", (message_id,)
            ).fetchone()
            if row is None:
                raise MessageNotFound(message_id)
            attachments = [
                attachment_from_row(a)
                for a in self.conn.execute(
                    "SELECT * FROM attachments WHERE message_id = ? ORDER BY position",
                    (message_id,),
                )
            ]
        return message_from_row(row, attachments, live=row["id"] in _LIVE_STREAMS)

    def delete_message(self, message_id: str) -> None:
        """Remove one message (REPL /undo, or a turn whose request failed)."""
        with db.transaction(self.conn):
            row = self.conn.execute(
                "SELECT conversation_id FROM messages WHERE id = ?", (message_id,)
            ).fetchone()
            if row is None:
                raise MessageNotFound(message_id)
            self.conn.execute("DELETE FROM messages WHERE id = ?", (message_id,))
            self._touch(row[0], self._now())
        self._streaming.discard(message_id)
        _LIVE_STREAMS.discard(message_id)

    def _insert_message(self, message: Message) -> None:
        """Insert ``message`` (inside the caller's transaction), filling its id and seq."""
        found = self.conn.execute(
            "SELECT title, (SELECT coalesce(max(seq), 0) FROM messages WHERE conversation_id = ?)"
            " FROM conversations WHERE id = ?",
            (message.conversation_id, message.conversation_id),
        ).fetchone()
        if found is None:
            raise ConversationNotFound(message.conversation_id)
        message.seq = int(found[1]) + 1
        for attempt in range(5):
            message.id = new_id(self._clock())
            try:
                self._insert_message_row(message)
                break
            except sqlite3.IntegrityError:
                if attempt == 4:
                    raise
        self._insert_attachments(message.id, message.attachments)
        title = make_title(message.text) if found[0] is None and message.role == "user" else None
        self.conn.execute(
            "UPDATE conversations SET updated_at = ?, title = coalesce(title, ?) WHERE id = ?",
            (message.updated_at, title, message.conversation_id),
        )

    def _insert_message_row(self, m: Message) -> None:
        self.conn.execute(
            f"INSERT INTO messages ({_MESSAGE_COLUMNS}, text)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                m.id,
                m.conversation_id,
                m.seq,
                m.role,
                dump(m.content),
                m.model,
                m.status,
                dump_optional(m.usage),
                m.finish_reason,
                m.ttft_ms,
                m.duration_ms,
                m.cost_usd,
                m.created_at,
                m.updated_at,
                m.text,
            ),
        )

    def _insert_attachments(self, message_id: str, attachments: Sequence[Attachment]) -> None:
        self.conn.executemany(
            "INSERT INTO attachments (message_id, position, kind, name, mime_type, size, sha256,"
            " file_id, url) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (message_id, i, a.kind, a.name, a.mime_type, a.size, a.sha256, a.file_id, a.url)
                for i, a in enumerate(attachments)
            ],
        )

    def _touch(self, conversation_id: str, now: str) -> None:
        self.conn.execute(
            "UPDATE conversations SET updated_at = ? WHERE id = ?", (now, conversation_id)
        )

    # -- search ------------------------------------------------------------------------------

    def search(self, text: str, limit: int = 20) -> list[SearchHit]:
        """Messages containing every word of ``text``, the newest first.

        Words are matched as FTS5 tokens (case- and accent-insensitive); the user's text is
        quoted, so FTS operators and stray quotes in it are searched for, never parsed.
        """
        query = fts_query(text)
        if query is None:
            return []
        start, end = self._marks
        rows = self.conn.execute(
            "SELECT m.conversation_id, c.title, m.id AS message_id, m.role, m.created_at,"
            " snippet(messages_fts, 0, ?, ?, '…', 12) AS snippet"
            " FROM messages_fts JOIN messages m ON m.n = messages_fts.rowid"
            " JOIN conversations c ON c.id = m.conversation_id"
            " WHERE messages_fts MATCH ? ORDER BY messages_fts.rowid DESC LIMIT ?",
            (start, end, query, limit),
        ).fetchall()
        return [SearchHit(**dict(row)) for row in rows]

    # -- export ------------------------------------------------------------------------------

    def export_markdown(self, ref: str) -> str:
        return export.to_markdown(self.get_conversation(ref))

    def export_json(self, ref: str) -> dict[str, Any]:
        return export.to_json(self.get_conversation(ref), schema_version=SCHEMA_VERSION)

    def import_json(self, doc: dict[str, Any], *, replace: bool = False) -> Conversation:
        """Store a conversation from :meth:`export_json` with its ids and timestamps."""
        conv = export.from_json(doc)
        conv.options = self._clean.options(conv.options)
        conv.system = self._clean.optional_text(conv.system)
        conv.title = self._clean.optional_text(conv.title)
        with db.transaction(self.conn):
            exists = self.conn.execute(
                "SELECT 1 FROM conversations WHERE id = ?", (conv.id,)
            ).fetchone()
            if exists and not replace:
                raise HistoryError(
                    f"conversation {conv.id} already exists; delete it first to import it again"
                )
            self.conn.execute("DELETE FROM conversations WHERE id = ?", (conv.id,))
            self.conn.execute(
                f"INSERT INTO conversations ({_CONVERSATION_COLUMNS})"
                " VALUES (?, ?, ?, ?, ?, ?, ?, 0)",
                (
                    conv.id,
                    conv.title,
                    conv.model,
                    conv.system,
                    dump(conv.options),
                    conv.created_at,
                    conv.updated_at,
                ),
            )
            for m in conv.messages:
                m.content = self._clean.content(m.content)
                m.usage = self._clean.json_value(m.usage)
                try:
                    self._insert_message_row(m)
                except sqlite3.IntegrityError as exc:
                    raise HistoryError(f"cannot import message {m.id}: {exc}") from exc
                self._insert_attachments(m.id, [self._clean.attachment(a) for a in m.attachments])
            return self.load(conv.id)

    # -- helpers -----------------------------------------------------------------------------

    def _now(self) -> str:
        return timestamp(self._clock())


def fts_query(text: str) -> str | None:
    """Quote each whitespace-separated word as an FTS5 string; None if there are none."""
    words = text.replace("\x00", " ").split()
    if not words:
        return None
    return " ".join('"' + word.replace('"', '""') + '"' for word in words)


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise ValueError(f"unknown message role {role!r}; expected one of {', '.join(ROLES)}")
    return role


def _check_status(status: str, allowed: Sequence[str]) -> None:
    if status not in allowed:
        raise ValueError(f"status must be one of {', '.join(allowed)}, not {status!r}")
