"""Conversation history in SQLite (``history.db``).

Importing this package is cheap: names load on first use, so ``mistral_chat.storage.errors``
can be used without importing sqlite3 (PEP 562).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mistral_chat.storage.checkpoint import StreamCheckpoint
    from mistral_chat.storage.errors import (
        AmbiguousConversationId,
        ConversationExists,
        ConversationNotFound,
        ExportFormatError,
        HistoryCorruptError,
        HistoryDiskFull,
        HistoryError,
        HistoryLocked,
        HistoryReadOnly,
        HistoryStorageError,
        HistoryVersionError,
        MessageNotFound,
    )
    from mistral_chat.storage.history import HistoryStore
    from mistral_chat.storage.migrations import SCHEMA_VERSION
    from mistral_chat.storage.records import (
        Attachment,
        Conversation,
        Message,
        SearchHit,
        UsageRow,
    )

__all__ = [
    "SCHEMA_VERSION",
    "AmbiguousConversationId",
    "Attachment",
    "Conversation",
    "ConversationExists",
    "ConversationNotFound",
    "ExportFormatError",
    "HistoryCorruptError",
    "HistoryDiskFull",
    "HistoryError",
    "HistoryLocked",
    "HistoryReadOnly",
    "HistoryStorageError",
    "HistoryStore",
    "HistoryVersionError",
    "Message",
    "MessageNotFound",
    "SearchHit",
    "StreamCheckpoint",
    "UsageRow",
]

_WHERE = {
    "SCHEMA_VERSION": "migrations",
    "AmbiguousConversationId": "errors",
    "Attachment": "records",
    "Conversation": "records",
    "ConversationExists": "errors",
    "ConversationNotFound": "errors",
    "ExportFormatError": "errors",
    "HistoryCorruptError": "errors",
    "HistoryDiskFull": "errors",
    "HistoryError": "errors",
    "HistoryLocked": "errors",
    "HistoryReadOnly": "errors",
    "HistoryStorageError": "errors",
    "HistoryStore": "history",
    "HistoryVersionError": "errors",
    "Message": "records",
    "MessageNotFound": "errors",
    "SearchHit": "records",
    "StreamCheckpoint": "checkpoint",
    "UsageRow": "records",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
