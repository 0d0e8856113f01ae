"""Turning database rows and values into records and back (no SQL here)."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from typing import Any

from mistral_chat.storage.records import Attachment, Conversation, Message

__all__ = [
    "attachment_from_row",
    "conversation_from_row",
    "dump",
    "dump_optional",
    "load",
    "load_optional",
    "message_from_row",
    "sql_int",
    "timestamp",
]

#: the largest INTEGER SQLite holds (a signed 64-bit integer)
SQL_INT_MAX = 2**63 - 1


def sql_int(n: int) -> int:
    """A LIMIT or OFFSET SQLite accepts: a count above what SQLite holds means "all of them"."""
    return min(n, SQL_INT_MAX)


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def dump_optional(value: Any) -> str | None:
    return None if value is None else dump(value)


def load(text: str) -> Any:
    return json.loads(text)


def load_optional(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def conversation_from_row(row: sqlite3.Row) -> Conversation:
    """``row`` holds the ``CONVERSATION_COLUMNS`` and ``cost_usd`` (see ``_store.py``)."""
    return Conversation(
        id=row["id"],
        title=row["title"],
        model=row["model"],
        system=row["system"],
        options=load(row["options"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        message_count=row["message_count"],
        cost_usd=row["cost_usd"],
    )


def attachment_from_row(row: sqlite3.Row) -> Attachment:
    return Attachment(
        kind=row["kind"],
        name=row["name"],
        mime_type=row["mime_type"],
        size=row["size"],
        sha256=row["sha256"],
        file_id=row["file_id"],
        url=row["url"],
    )


def message_from_row(row: sqlite3.Row, attachments: list[Attachment], *, live: bool) -> Message:
    """``live``: this process is still writing the message; otherwise "streaming" means its
    writer died mid-answer and it reads as "interrupted"."""
    status = row["status"]
    if status == "streaming" and not live:
        status = "interrupted"
    return Message(
        id=row["id"],
        conversation_id=row["conversation_id"],
        seq=row["seq"],
        role=row["role"],
        content=load(row["content"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        status=status,
        model=row["model"],
        usage=load_optional(row["usage"]),
        finish_reason=row["finish_reason"],
        ttft_ms=row["ttft_ms"],
        duration_ms=row["duration_ms"],
        cost_usd=row["cost_usd"],
        attachments=attachments,
        parent_id=row["parent_id"],
    )
