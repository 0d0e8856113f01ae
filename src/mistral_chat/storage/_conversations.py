"""The conversation part of `HistoryStore`: create, rename, list, find by prefix, load, delete."""

from __future__ import annotations

from typing import Any

from mistral_chat.storage import db
from mistral_chat.storage._clean import make_title, valid_text
from mistral_chat.storage._ids import new_id
from mistral_chat.storage._rows import (
    attachment_from_row,
    conversation_from_row,
    dump,
    message_from_row,
    sql_int,
)
from mistral_chat.storage._store import (
    CONVERSATION_COLUMNS,
    CONVERSATION_COST,
    LIVE_STREAMS,
    MESSAGE_COLUMNS,
    StoreBase,
)
from mistral_chat.storage.errors import AmbiguousConversationId, ConversationNotFound
from mistral_chat.storage.records import Attachment, Conversation

__all__ = ["ConversationMethods"]


class ConversationMethods(StoreBase):
    """`HistoryStore`'s methods on whole conversations (see its docstring for the data model)."""

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
            f"INSERT INTO conversations ({CONVERSATION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, 0)",
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
        """Conversations, the most recently updated first (without their messages).

        Each carries its ``cost_usd``, summed over its messages for the page's rows only: the
        page is chosen first (by the ``updated_at`` index), then priced.
        """
        rows = self.conn.execute(
            f"SELECT {CONVERSATION_COLUMNS}, {CONVERSATION_COST} FROM"
            f" (SELECT {CONVERSATION_COLUMNS} FROM conversations"
            "   ORDER BY updated_at DESC, id DESC LIMIT ? OFFSET ?) AS c"
            " ORDER BY updated_at DESC, id DESC",
            (sql_int(limit), sql_int(offset)),
        ).fetchall()
        return [conversation_from_row(row) for row in rows]

    def count_conversations(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM conversations").fetchone()[0])

    def resolve_id(self, ref: str) -> str:
        """The full id of the one conversation whose id is or starts with ``ref``."""
        ref = valid_text(ref.strip().lower())  # sqlite3 cannot bind a lone surrogate
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
            f"SELECT {CONVERSATION_COLUMNS}, {CONVERSATION_COST} FROM conversations c WHERE id = ?",
            (conversation_id,),
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
            message_from_row(m, attachments.get(m["id"], []), live=m["id"] in LIVE_STREAMS)
            for m in self.conn.execute(
                f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? ORDER BY seq",
                (conversation_id,),
            )
        ]
        return conv
