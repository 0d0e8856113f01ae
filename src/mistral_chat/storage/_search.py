"""The search part of `HistoryStore`: full-text queries over messages (FTS5), newest first."""

from __future__ import annotations

from mistral_chat.storage._clean import valid_text
from mistral_chat.storage._rows import sql_int
from mistral_chat.storage._store import StoreBase
from mistral_chat.storage.records import SearchHit

__all__ = ["SearchMethods", "fts_query"]


class SearchMethods(StoreBase):
    """`HistoryStore`'s search (the index is ``messages_fts``, kept by triggers)."""

    def search(
        self, text: str, limit: int = 20, *, marks: tuple[str, str] | None = None
    ) -> list[SearchHit]:
        """Messages containing every word of ``text``, the newest first.

        Words are matched as FTS5 tokens (case- and accent-insensitive); the user's text is
        quoted, so FTS operators and stray quotes in it are searched for, never parsed.
        ``marks`` (default: the store's) are put around each match in the snippet.
        """
        query = fts_query(text)
        if query is None:
            return []
        start, end = marks or self._marks
        rows = self.conn.execute(
            "SELECT m.conversation_id, c.title, m.id AS message_id, m.role, m.created_at,"
            " snippet(messages_fts, 0, ?, ?, '…', 12) AS snippet"
            " FROM messages_fts JOIN messages m ON m.n = messages_fts.rowid"
            " JOIN conversations c ON c.id = m.conversation_id"
            " WHERE messages_fts MATCH ? ORDER BY messages_fts.rowid DESC LIMIT ?",
            (start, end, query, sql_int(limit)),
        ).fetchall()
        return [SearchHit(**dict(row)) for row in rows]


def fts_query(text: str) -> str | None:
    """Quote each whitespace-separated word as an FTS5 string; None if there are none."""
    # stored text had its lone surrogates replaced: search for what was stored
    words = valid_text(text).replace("\x00", " ").split()
    if not words:
        return None
    return " ".join('"' + word.replace('"', '""') + '"' for word in words)
