"""Typed wire models for what the API sends back.

Responses are decoded with msgspec into these Structs. Unknown fields are tolerated and, for the
objects a user inspects (model cards, files), kept in `extra` so nothing the server said is lost;
enum-like fields (`finish_reason`, `purpose`, ...) are open strings so a new value never breaks a
client. Requests are plain dicts built in `_core` from the fields a caller actually gave.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec

from .capabilities import CAPABILITY_NAMES

__all__ = [
    "CAPABILITY_NAMES",
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatMessage",
    "Choice",
    "DeletedFile",
    "Delta",
    "FileList",
    "FileObject",
    "FunctionCall",
    "ModelCapabilities",
    "ModelCard",
    "OCRPage",
    "OCRPageDimensions",
    "OCRResponse",
    "OCRUsage",
    "SignedURL",
    "StreamChoice",
    "ToolCall",
    "Usage",
]


class _Wire(msgspec.Struct, kw_only=True):
    def to_dict(self) -> dict[str, Any]:
        """The object as JSON-ready builtins, `extra` fields merged back in."""
        out: dict[str, Any] = msgspec.to_builtins(self)
        extra = out.pop("extra", None)
        if extra:
            out.update(extra)
        return out


class ModelCapabilities(_Wire):
    completion_chat: bool = False
    function_calling: bool = False
    reasoning: bool = False
    completion_fim: bool = False
    fine_tuning: bool = False
    vision: bool = False
    ocr: bool = False
    classification: bool = False
    moderation: bool = False
    audio: bool = False
    audio_transcription: bool = False
    audio_transcription_realtime: bool = False
    audio_speech: bool = False
    unified_resources: bool = False

    def names(self) -> list[str]:
        """The names of the capabilities this model has."""
        return [n for n in CAPABILITY_NAMES if getattr(self, n)]


class ModelCard(_Wire):
    """A base or fine-tuned model card (`type` tells which)."""

    id: str
    capabilities: ModelCapabilities = msgspec.field(default_factory=ModelCapabilities)
    object: str = "model"
    created: int | None = None
    owned_by: str | None = None
    name: str | None = None
    description: str | None = None
    max_context_length: int | None = None
    aliases: list[str] = msgspec.field(default_factory=list)
    deprecation: str | None = None
    deprecation_replacement_model: str | None = None
    default_model_temperature: float | None = None
    type: str = "base"
    job: str | None = None
    root: str | None = None
    archived: bool | None = None
    extra: dict[str, Any] = msgspec.field(default_factory=dict)


class FileObject(_Wire):
    """A file in the Files API."""

    id: str
    bytes: int | None = None
    created_at: int | None = None
    filename: str = ""
    purpose: str | None = None
    object: str = "file"
    sample_type: str | None = None
    source: str | None = None
    num_lines: int | None = None
    mimetype: str | None = None
    signature: str | None = None
    expires_at: int | None = None
    visibility: str | None = None
    extra: dict[str, Any] = msgspec.field(default_factory=dict)


class FileList(_Wire):
    data: list[FileObject]
    object: str = "list"
    total: int | None = None


class DeletedFile(_Wire):
    id: str
    deleted: bool
    object: str = "file"


class SignedURL(_Wire):
    url: str


class OCRPageDimensions(_Wire):
    dpi: int = 0
    height: int = 0
    width: int = 0


class OCRPage(_Wire):
    """One page read by OCR: its markdown, and the images, tables and links found on it.

    `blocks` (bounding boxes of the content, `include_blocks`) and `confidence_scores`
    (`confidence_scores_granularity`) come back when the request asked for them.
    """

    index: int
    markdown: str = ""
    images: list[dict[str, Any]] = msgspec.field(default_factory=list)
    tables: list[dict[str, Any]] | None = None
    hyperlinks: list[str] | None = None
    dimensions: OCRPageDimensions | None = None
    header: str | None = None
    footer: str | None = None
    blocks: list[dict[str, Any]] | None = None
    confidence_scores: dict[str, Any] | None = None


class OCRUsage(_Wire):
    pages_processed: int = 0
    doc_size_bytes: int | None = None


class OCRResponse(_Wire):
    pages: list[OCRPage] = msgspec.field(default_factory=list)
    model: str = ""
    usage_info: OCRUsage | None = None
    document_annotation: str | None = None


class Usage(_Wire):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


class FunctionCall(_Wire):
    name: str = ""
    # a JSON string from most servers, an object from some: both are accepted
    arguments: str | dict[str, Any] = ""


class ToolCall(_Wire):
    function: FunctionCall
    id: str | None = None
    type: str | None = None
    index: int | None = None

    @property
    def arguments_json(self) -> str:
        """The arguments as JSON text, whichever way the server sent them."""
        args = self.function.arguments
        return json.dumps(args) if isinstance(args, dict) else args

    def to_request(self) -> dict[str, Any]:
        """The call as a request's `tool_calls` item (no `id` when the server gave none)."""
        call: dict[str, Any] = {} if self.id in (None, "null") else {"id": self.id}
        call["type"] = "function"
        call["function"] = {"name": self.function.name, "arguments": self.arguments_json}
        return call


class ChatMessage(_Wire):
    """An assistant message of a non-streamed answer."""

    role: str = "assistant"
    content: str | list[dict[str, Any]] | None = None
    tool_calls: list[ToolCall] | None = None
    prefix: bool | None = None

    def to_request(self) -> dict[str, Any]:
        """This answer as the assistant message to send back before the tool results:
        `tool_calls` in the request's shape (arguments as JSON text, no `index`)."""
        message: dict[str, Any] = {"role": "assistant", "content": self.content}
        if self.tool_calls:
            message["tool_calls"] = [call.to_request() for call in self.tool_calls]
        return message


class Choice(_Wire):
    index: int = 0
    message: ChatMessage = msgspec.field(default_factory=ChatMessage)
    finish_reason: str | None = None


class ChatCompletion(_Wire):
    id: str = ""
    object: str = "chat.completion"
    model: str = ""
    created: int | None = None
    choices: list[Choice] = msgspec.field(default_factory=list)
    usage: Usage | None = None


class Delta(_Wire):
    role: str | None = None
    content: str | list[dict[str, Any]] | None = None
    tool_calls: list[ToolCall] | None = None


class StreamChoice(_Wire):
    index: int = 0
    delta: Delta = msgspec.field(default_factory=Delta)
    finish_reason: str | None = None


class ChatCompletionChunk(_Wire):
    id: str = ""
    object: str = "chat.completion.chunk"
    model: str = ""
    created: int | None = None
    choices: list[StreamChoice] = msgspec.field(default_factory=list)
    usage: Usage | None = None
