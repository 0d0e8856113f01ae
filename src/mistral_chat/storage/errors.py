"""Errors raised by the history store.

Stdlib only and free of sqlite3, so the CLI can map them to exit codes without paying for the
database import::

    HistoryError                      anything the history store refuses or cannot do (exit 2)
    ├── HistoryVersionError           history.db has a newer schema than this code knows
    ├── HistoryStorageError           the disk or the file said no (also LocalStorageError: exit 6)
    │   ├── HistoryDiskFull           no space left (or a file size limit) for history.db
    │   ├── HistoryReadOnly           history.db, its directory or its file system is read-only
    │   ├── HistoryLocked             another process held the lock past the wait
    │   └── HistoryCorruptError       damaged pages or search index, or not a history database
    ├── ConversationNotFound          no conversation has that id or id prefix (also LookupError)
    ├── AmbiguousConversationId       an id prefix matches several conversations
    ├── MessageNotFound               no message has that id (also LookupError)
    ├── ConversationExists            an import would overwrite a conversation with its id
    └── ExportFormatError             an export document cannot be imported (also ValueError)
"""

from __future__ import annotations

from collections.abc import Sequence

from mistral_chat.errors import ExitCode, LocalStorageError, MistralChatError

__all__ = [
    "AmbiguousConversationId",
    "ConversationExists",
    "ConversationNotFound",
    "ExportFormatError",
    "HistoryCorruptError",
    "HistoryDiskFull",
    "HistoryError",
    "HistoryLocked",
    "HistoryReadOnly",
    "HistoryStorageError",
    "HistoryVersionError",
    "MessageNotFound",
]


class HistoryError(MistralChatError):
    """Base class of every error the history store raises on purpose."""

    exit_code = ExitCode.USAGE


class HistoryVersionError(HistoryError):
    """The database was written by a newer mistral-chat; it is left untouched."""

    def __init__(self, found: int, known: int) -> None:
        self.found = found
        self.known = known
        super().__init__(
            f"history.db was written by a newer mistral-chat (schema {found}, this version knows "
            f"{known}); upgrade mistral-chat or use another MISTRAL_CHAT_HOME"
        )


class HistoryStorageError(HistoryError, LocalStorageError):
    """The disk or the file said no (exit 6): the message says which and what to do. Nothing
    the user asked for is wrong, so it is not a usage error."""

    exit_code = ExitCode.LOCAL_STORAGE


class HistoryDiskFull(HistoryStorageError):
    """No space left on the disk holding history.db (or a file size limit stopped it)."""


class HistoryReadOnly(HistoryStorageError):
    """history.db may only be read: its permissions, its directory's, or a read-only mount."""


class HistoryLocked(HistoryStorageError):
    """Another process held history.db locked for longer than the store waits."""


class HistoryCorruptError(HistoryStorageError):
    """The file is damaged (pages, the search index) or is not a mistral-chat history database;
    the message names `mistral-chat history repair` where it can help."""


class ConversationNotFound(HistoryError, LookupError):
    """No conversation matches the id or prefix."""

    def __init__(self, ref: str) -> None:
        self.ref = ref
        super().__init__(f"no conversation matches {ref!r}; see `mistral-chat history list`")


class AmbiguousConversationId(HistoryError):
    """An id prefix matches more than one conversation."""

    def __init__(self, ref: str, candidates: Sequence[str]) -> None:
        self.ref = ref
        self.candidates = list(candidates)
        shown = ", ".join(self.candidates[:5])
        more = ", ..." if len(self.candidates) > 5 else ""
        super().__init__(
            f"{ref!r} matches several conversations ({shown}{more}); type more of the id"
        )


class MessageNotFound(HistoryError, LookupError):
    """No message has that id."""

    def __init__(self, message_id: str) -> None:
        self.message_id = message_id
        super().__init__(f"no message with id {message_id!r}")


class ExportFormatError(HistoryError, ValueError):
    """An export document is malformed or from a newer format than this code reads."""


class ConversationExists(HistoryError):
    """An imported conversation has the id of one already stored (and replace was not asked)."""

    def __init__(self, conversation_id: str) -> None:
        self.conversation_id = conversation_id
        super().__init__(
            f"conversation {conversation_id} already exists; delete it first to import it again"
        )
