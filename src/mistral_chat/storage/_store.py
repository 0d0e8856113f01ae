"""What every part of `HistoryStore` shares: the connection, the clock, the cleaner, live streams.

`HistoryStore` (history.py) is assembled from the parts in `_conversations.py`,
`_messages.py` and `_search.py`; each is a `StoreBase`, so each sees the same attributes.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from datetime import datetime

from mistral_chat.storage._clean import Cleaner
from mistral_chat.storage._rows import timestamp
from mistral_chat.storage.errors import HistoryError

__all__ = [
    "CONVERSATION_COLUMNS",
    "CONVERSATION_COST",
    "LIVE_STREAMS",
    "MESSAGE_COLUMNS",
    "StoreBase",
]

#: Messages this process is streaming now; any other "streaming" row was left by a dead writer.
LIVE_STREAMS: set[str] = set()
CONVERSATION_COLUMNS = "id, title, model, system, options, created_at, updated_at, message_count"
#: A conversation's estimated cost, selected beside ``CONVERSATION_COLUMNS`` from conversations
#: as ``c``: the sum of its messages' ``cost_usd``, NULL when none has one (SQL's ``sum``).
CONVERSATION_COST = (
    "(SELECT sum(m.cost_usd) FROM messages m WHERE m.conversation_id = c.id) AS cost_usd"
)
MESSAGE_COLUMNS = (
    "id, conversation_id, seq, role, content, model, status, usage, finish_reason,"
    " ttft_ms, duration_ms, cost_usd, created_at, updated_at, parent_id"
)


class StoreBase:
    """The state `HistoryStore.__init__` sets up, and the accessors every part uses."""

    path: str | os.PathLike[str]
    _clock: Callable[[], datetime]
    _clean: Cleaner
    #: the markers search wraps around matched terms
    _marks: tuple[str, str]
    #: ids of the messages this store started streaming and has not finished
    _streaming: set[str]
    _conn: sqlite3.Connection | None

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise HistoryError("the history store is closed")
        return self._conn

    @property
    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def _now(self) -> str:
        return timestamp(self._clock())
