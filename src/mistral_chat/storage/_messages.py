"""The message part of `HistoryStore`: add a whole message, stream one in, read and delete one."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from mistral_chat.storage import db
from mistral_chat.storage._clean import make_title
from mistral_chat.storage._ids import new_id
from mistral_chat.storage._rows import (
    attachment_from_row,
    dump,
    dump_optional,
    load,
    message_from_row,
)
from mistral_chat.storage._store import LIVE_STREAMS, MESSAGE_COLUMNS, StoreBase
from mistral_chat.storage.errors import ConversationNotFound, HistoryError, MessageNotFound
from mistral_chat.storage.records import (
    NEWEST,
    ROLES,
    Attachment,
    Message,
    Parent,
    content_text,
)

__all__ = ["MessageMethods"]

_FINAL_STATUSES = ("complete", "interrupted", "error")


class MessageMethods(StoreBase):
    """`HistoryStore`'s methods on single messages (see its docstring for the data model)."""

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
        parent_id: str | Parent | None = NEWEST,
    ) -> Message:
        """Store a whole message and commit before returning.

        It follows ``parent_id`` (None: it starts the conversation, or a branch of it at the
        first message), by default the conversation's newest message."""
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
            self._insert_message(message, parent_id)
        return message

    def start_message(
        self,
        conversation_id: str,
        role: str = "assistant",
        *,
        model: str | None = None,
        parent_id: str | Parent | None = NEWEST,
    ) -> Message:
        """Store an empty message in status "streaming" (committed), to fill as text arrives;
        ``parent_id`` as for :meth:`add_message`."""
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
            self._insert_message(message, parent_id)
        self._streaming.add(message.id)
        LIVE_STREAMS.add(message.id)
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
                f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ?", (message_id,)
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
        LIVE_STREAMS.discard(message_id)
        return self.get_message(message_id)

    def get_message(self, message_id: str) -> Message:
        with db.read_transaction(self.conn):
            row = self.conn.execute(
                f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ?", (message_id,)
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
        return message_from_row(row, attachments, live=row["id"] in LIVE_STREAMS)

    def delete_message(self, message_id: str, *, unless_followed: bool = False) -> bool:
        """Remove one message (REPL /undo, or a turn whose request failed); the messages that
        followed it follow its parent instead. With ``unless_followed``, a message that others
        follow (on another branch) is kept. True if it was deleted."""
        with db.transaction(self.conn):
            row = self.conn.execute(
                "SELECT conversation_id FROM messages WHERE id = ?", (message_id,)
            ).fetchone()
            if row is None:
                raise MessageNotFound(message_id)
            if (
                unless_followed
                and self.conn.execute(
                    "SELECT 1 FROM messages WHERE parent_id = ? LIMIT 1", (message_id,)
                ).fetchone()
            ):
                return False
            self.conn.execute("DELETE FROM messages WHERE id = ?", (message_id,))
            self._touch(row[0], self._now())
        self._streaming.discard(message_id)
        LIVE_STREAMS.discard(message_id)
        return True

    def _insert_message(self, message: Message, parent_id: str | Parent | None) -> None:
        """Insert ``message`` (inside the caller's transaction), filling its id, seq and
        parent."""
        found = self.conn.execute(
            "SELECT title, (SELECT coalesce(max(seq), 0) FROM messages WHERE conversation_id = ?)"
            " FROM conversations WHERE id = ?",
            (message.conversation_id, message.conversation_id),
        ).fetchone()
        if found is None:
            raise ConversationNotFound(message.conversation_id)
        message.seq = int(found[1]) + 1
        message.parent_id = self._parent(message.conversation_id, parent_id)
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

    def _parent(self, conversation_id: str, parent_id: str | Parent | None) -> str | None:
        """The id a new message follows: checked to be in its conversation."""
        if parent_id is None:
            return None
        if isinstance(parent_id, Parent):
            row = self.conn.execute(
                "SELECT id FROM messages WHERE conversation_id = ? ORDER BY seq DESC LIMIT 1",
                (conversation_id,),
            ).fetchone()
            return None if row is None else str(row[0])
        row = self.conn.execute(
            "SELECT conversation_id FROM messages WHERE id = ?", (parent_id,)
        ).fetchone()
        if row is None:
            raise MessageNotFound(parent_id)
        if row[0] != conversation_id:
            raise HistoryError(
                f"message {parent_id} is in conversation {row[0]}, not {conversation_id}"
            )
        return parent_id

    def _insert_message_row(self, m: Message) -> None:
        self.conn.execute(
            f"INSERT INTO messages ({MESSAGE_COLUMNS}, text)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                m.parent_id,
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


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise ValueError(f"unknown message role {role!r}; expected one of {', '.join(ROLES)}")
    return role


def _check_status(status: str, allowed: Sequence[str]) -> None:
    if status not in allowed:
        raise ValueError(f"status must be one of {', '.join(allowed)}, not {status!r}")
