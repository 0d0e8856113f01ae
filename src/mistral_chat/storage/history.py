"""The conversation history store: the only place that speaks SQL (with its parts).

`HistoryStore` is assembled from parts, each in its own module: conversations
(`_conversations.py`), messages (`_messages.py`), search (`_search.py`) and usage sums
(`_usage.py`); this module holds
the store's lifecycle and its export and import. The state the parts share is in `_store.py`.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from mistral_chat.storage import db, export
from mistral_chat.storage._clean import Cleaner
from mistral_chat.storage._conversations import ConversationMethods
from mistral_chat.storage._messages import MessageMethods
from mistral_chat.storage._rows import dump
from mistral_chat.storage._search import SearchMethods, fts_query
from mistral_chat.storage._store import CONVERSATION_COLUMNS, LIVE_STREAMS
from mistral_chat.storage._usage import UsageMethods
from mistral_chat.storage.errors import ConversationExists, HistoryError, HistoryStorageError
from mistral_chat.storage.migrations import SCHEMA_VERSION, migrate
from mistral_chat.storage.records import Conversation

__all__ = ["HistoryStore", "fts_query"]


class HistoryStore(ConversationMethods, MessageMethods, SearchMethods, UsageMethods):
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
    - ``messages_fts``: an FTS5 index over ``messages.text`` (words), kept by triggers.
    - ``messages_trigram`` and ``system_trigram``: FTS5 trigram indexes over messages' text
      and system prompts, folded (case, accents), for substrings in any script.

    A conversation's ``cost_usd`` is not stored: it is summed from its messages' as it is read
    (for the listed page only), so it is None when no message has a cost.

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
        busy_timeout_ms: int = db.BUSY_TIMEOUT_MS,
    ) -> None:
        self.path = path
        self._clock = clock or (lambda: datetime.now(UTC))
        self._clean = Cleaner(secrets=secrets, keep_inline_data=keep_inline_data)
        self._marks = marks
        self._streaming = set()
        self._conn = None
        conn = db.connect(path, max_schema_version=SCHEMA_VERSION, busy_timeout_ms=busy_timeout_ms)
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
        except HistoryStorageError:
            # a full or read-only disk: a row left "streaming" by a closed store reads back
            # as "interrupted" anyway, and closing must not hide the error that brought us here
            pass
        finally:
            LIVE_STREAMS.difference_update(self._streaming)
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
                raise ConversationExists(conv.id)
            self.conn.execute("DELETE FROM conversations WHERE id = ?", (conv.id,))
            self.conn.execute(
                f"INSERT INTO conversations ({CONVERSATION_COLUMNS})"
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
