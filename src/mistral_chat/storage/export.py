"""Conversation exports: a readable Markdown transcript and a lossless JSON document.

The JSON document (``format_version`` 1)::

    {"format": "mistral-chat.conversation", "format_version": 1, "schema_version": 2,
     "conversation": {id, title, model, system, options, created_at, updated_at, message_count},
     "messages": [{id, seq, role, content, text, model, status, usage, finish_reason, ttft_ms,
                   duration_ms, cost_usd, created_at, updated_at,
                   "attachments": [{kind, name, mime_type, size, sha256, file_id, url}]}]}

:func:`from_json` reads it back; a document from a newer format is refused.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from mistral_chat.storage.errors import ExportFormatError
from mistral_chat.storage.records import ROLES, STATUSES, Attachment, Conversation, Message

__all__ = ["FORMAT", "FORMAT_VERSION", "from_json", "to_json", "to_markdown"]

FORMAT = "mistral-chat.conversation"
FORMAT_VERSION = 1

_CONVERSATION_FIELDS = (
    "id",
    "title",
    "model",
    "system",
    "options",
    "created_at",
    "updated_at",
    "message_count",
)
_MESSAGE_FIELDS = (
    "id",
    "seq",
    "role",
    "content",
    "model",
    "status",
    "usage",
    "finish_reason",
    "ttft_ms",
    "duration_ms",
    "cost_usd",
    "created_at",
    "updated_at",
)
_ATTACHMENT_FIELDS = tuple(f.name for f in dataclasses.fields(Attachment))


def to_json(conv: Conversation, *, schema_version: int) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "schema_version": schema_version,
        "conversation": {name: getattr(conv, name) for name in _CONVERSATION_FIELDS},
        "messages": [
            {
                **{name: getattr(m, name) for name in _MESSAGE_FIELDS},
                "text": m.text,
                "attachments": [dataclasses.asdict(a) for a in m.attachments],
            }
            for m in conv.messages
        ],
    }


def from_json(doc: Any) -> Conversation:
    """Check and read a document made by :func:`to_json`."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ExportFormatError(
            f"not a mistral-chat conversation export (expected format {FORMAT!r})"
        )
    version = doc.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise ExportFormatError("export has no valid format_version")
    if version > FORMAT_VERSION:
        raise ExportFormatError(
            f"export format {version} is newer than this mistral-chat reads ({FORMAT_VERSION});"
            " upgrade mistral-chat"
        )
    _check_storable(doc)
    raw = _field(doc, "conversation", dict, where="document")
    conv = Conversation(
        id=_field(raw, "id", str),
        title=_field(raw, "title", str, optional=True),
        model=_field(raw, "model", str),
        system=_field(raw, "system", str, optional=True),
        options=_field(raw, "options", dict),
        created_at=_field(raw, "created_at", str),
        updated_at=_field(raw, "updated_at", str),
    )
    messages = _field(doc, "messages", list, where="document")
    conv.messages = [_message(conv.id, m) for m in messages]
    conv.message_count = len(conv.messages)
    seqs = [m.seq for m in conv.messages]
    if len(set(seqs)) != len(seqs):
        raise ExportFormatError("export has two messages with the same seq")
    return conv


def _message(conversation_id: str, raw: Any) -> Message:
    if not isinstance(raw, dict):
        raise ExportFormatError("each message must be an object")
    role = _field(raw, "role", str)
    status = _field(raw, "status", str)
    if role not in ROLES or status not in STATUSES:
        raise ExportFormatError(f"message has unknown role {role!r} or status {status!r}")
    cost = raw.get("cost_usd")
    if cost is not None and not isinstance(cost, int | float):
        raise ExportFormatError("message cost_usd must be a number")
    attachments = _field(raw, "attachments", list, optional=True) or []
    return Message(
        id=_field(raw, "id", str),
        conversation_id=conversation_id,
        seq=_field(raw, "seq", int),
        role=role,
        content=_content(raw),
        created_at=_field(raw, "created_at", str),
        updated_at=_field(raw, "updated_at", str),
        status="interrupted" if status == "streaming" else status,
        model=_field(raw, "model", str, optional=True),
        usage=_field(raw, "usage", dict, optional=True),
        finish_reason=_field(raw, "finish_reason", str, optional=True),
        ttft_ms=_field(raw, "ttft_ms", int, optional=True),
        duration_ms=_field(raw, "duration_ms", int, optional=True),
        cost_usd=None if cost is None else float(cost),
        attachments=[_attachment(a) for a in attachments],
    )


def _check_storable(doc: dict[str, Any]) -> None:
    """Refuse text and numbers that JSON in the database cannot hold."""
    try:
        json.dumps(doc, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except UnicodeEncodeError:
        raise ExportFormatError(
            "it holds text that is not valid Unicode (a lone surrogate such as \\ud800)"
        ) from None
    except ValueError:
        raise ExportFormatError("it holds NaN or Infinity, which JSON does not allow") from None


def _content(raw: dict[str, Any]) -> list[dict[str, Any]]:
    chunks: list[Any] = _field(raw, "content", list)
    if not all(isinstance(chunk, dict) for chunk in chunks):
        raise ExportFormatError("each content chunk must be an object")
    return chunks


def _attachment(raw: Any) -> Attachment:
    if not isinstance(raw, dict):
        raise ExportFormatError("each attachment must be an object")
    return Attachment(
        kind=_field(raw, "kind", str),
        name=_field(raw, "name", str, optional=True),
        mime_type=_field(raw, "mime_type", str, optional=True),
        size=_field(raw, "size", int, optional=True),
        sha256=_field(raw, "sha256", str, optional=True),
        file_id=_field(raw, "file_id", str, optional=True),
        url=_field(raw, "url", str, optional=True),
    )


def _field(
    raw: dict[str, Any], name: str, kind: type, *, optional: bool = False, where: str = "record"
) -> Any:
    value = raw.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ExportFormatError(f"{where} field {name!r} must be {kind.__name__}, not {value!r}")
    if isinstance(value, int) and not -(2**63) <= value < 2**63:
        raise ExportFormatError(f"{where} field {name!r} is out of range")
    return value


# -- Markdown ----------------------------------------------------------------------------------


def to_markdown(conv: Conversation) -> str:
    """A transcript for people: metadata, then each message under its role."""
    lines = [f"# {conv.title or 'Untitled conversation'}", ""]
    lines += [
        f"- id: `{conv.id}`",
        f"- model: `{conv.model}`",
        f"- created: {conv.created_at}",
        f"- updated: {conv.updated_at}",
    ]
    if conv.options:
        pairs = ", ".join(f"{k}={v}" for k, v in sorted(conv.options.items()))
        lines.append(f"- options: {pairs}")
    cost = sum(m.cost_usd or 0.0 for m in conv.messages)
    if cost:
        lines.append(f"- estimated cost: {_usd(cost)}")
    if conv.system:
        lines += ["", "## System", "", conv.system]
    for m in conv.messages:
        lines += ["", _heading(m), ""]
        if m.thinking:
            lines += ["_Reasoning:_", ""]
            lines += [f"> {line}".rstrip() for line in m.thinking.splitlines()] + [""]
        text = m.text
        lines.append(text if text else "_(no text)_")
        others = [c for c in m.content if c.get("type") not in ("text", "thinking")]
        if others or m.attachments:
            lines += ["", "Attachments:"]
            lines += [f"- {_describe_attachment(a)}" for a in m.attachments]
            if not m.attachments:
                lines += [f"- {c.get('type', 'chunk')}" for c in others]
        footer = _footer(m)
        if footer:
            lines += ["", f"_{footer}_"]
    return "\n".join(lines).rstrip() + "\n"


def _heading(m: Message) -> str:
    parts = [m.role.capitalize()]
    if m.model and m.role == "assistant":
        parts.append(f"({m.model})")
    heading = f"## {' '.join(parts)} · {m.created_at}"
    if m.status != "complete":
        heading += f" · {m.status}"
    return heading


def _footer(m: Message) -> str:
    parts = []
    if m.usage:
        total = m.usage.get("total_tokens")
        prompt = m.usage.get("prompt_tokens")
        completion = m.usage.get("completion_tokens")
        if prompt is not None or completion is not None:
            parts.append(f"{prompt} prompt + {completion} completion tokens")
        elif total is not None:
            parts.append(f"{total} tokens")
    if m.ttft_ms is not None:
        parts.append(f"first token {m.ttft_ms} ms")
    if m.duration_ms is not None:
        parts.append(f"{m.duration_ms} ms")
    if m.cost_usd:
        parts.append(_usd(m.cost_usd))
    if m.finish_reason and m.finish_reason != "stop":
        parts.append(f"finish: {m.finish_reason}")
    return ", ".join(parts)


def _describe_attachment(a: Attachment) -> str:
    label = f"{a.kind} `{a.name}`" if a.name else a.kind
    details = [d for d in (a.mime_type, _size(a.size)) if d]
    if a.file_id:
        details.append(f"file {a.file_id}")
    if a.url:
        details.append(a.url)
    if a.sha256:
        details.append(f"sha256 {a.sha256[:12]}…")
    return f"{label} ({', '.join(details)})" if details else label


def _size(size: int | None) -> str | None:
    """Bytes in SI units, as everywhere else (services.transfers.human_size): 1 kB = 1000."""
    if size is None:
        return None
    if size < 1000:
        return f"{size} B"
    value = size / 1000
    for unit in ("kB", "MB", "GB"):
        if value < 999.95 or unit == "GB":
            return f"{value:.1f} {unit}"
        value /= 1000
    return None  # pragma: no cover


def _usd(value: float) -> str:
    """Dollars to the millionth, trailing zeros dropped: a transcript keeps $0.000014 exact."""
    return "$" + f"{value:.6f}".rstrip("0").rstrip(".")
