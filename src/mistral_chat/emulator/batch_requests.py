"""The Batch API's request shapes: the create body as the spec's Structs, the list query.

Decoding follows :mod:`.validate`: every problem of a body is listed in one 422, as the API
(FastAPI and pydantic) does.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

from .validate import Invalid, detail_entry, problems, translate

__all__ = ["STATUSES", "BatchRequest", "CreateBatchJobRequest", "ListQuery", "decode_create"]

STATUSES = (
    "QUEUED",
    "RUNNING",
    "SUCCESS",
    "FAILED",
    "TIMEOUT_EXCEEDED",
    "CANCELLATION_REQUESTED",
    "CANCELLED",
)

Endpoint = Literal[
    "/v1/chat/completions",
    "/v1/embeddings",
    "/v1/fim/completions",
    "/v1/moderations",
    "/v1/chat/moderations",
    "/v1/ocr",
    "/v1/classifications",
    "/v1/chat/classifications",
    "/v1/conversations",
    "/v1/audio/transcriptions",
]
_Key = Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
_Value = Annotated[str, msgspec.Meta(min_length=1, max_length=512)]


class BatchRequest(msgspec.Struct):
    """The spec's ``BatchRequest`` (unknown fields ignored, as the API's pydantic model does)."""

    body: dict[str, Any]
    custom_id: str | None = None


class CreateBatchJobRequest(msgspec.Struct, kw_only=True):
    """The spec's ``CreateBatchJobRequest``."""

    input_files: list[uuid.UUID] | None = None
    requests: Annotated[list[BatchRequest], msgspec.Meta(max_length=10_000)] | None = None
    endpoint: Endpoint
    model: str | None = None
    agent_id: str | None = None
    metadata: dict[_Key, _Value] | None = None
    timeout_hours: Annotated[int, msgspec.Meta(ge=1, le=168)] = 24


class ListQuery:
    """The list route's query: every bad parameter joins one 422, as for files."""

    def __init__(self, query: dict[str, list[str]]) -> None:
        errors: list[dict[str, Any]] = []

        def one(name: str) -> str | None:
            values = query.get(name)
            return values[-1] if values else None

        def number(name: str, default: int) -> int:
            text = one(name)
            try:
                return default if text is None else int(text)
            except ValueError:
                msg = "Input should be a valid integer, unable to parse string as an integer"
                errors.append(detail_entry("int_parsing", ["query", name], msg, text))
                return default

        self.page = max(number("page", 0), 0)
        self.page_size = max(number("page_size", 100), 0)
        self.model, self.agent_id = one("model"), one("agent_id")
        self.statuses = query.get("status", [])
        for status in self.statuses:
            if status not in STATUSES:
                msg = "Input should be " + ", ".join(f"'{s}'" for s in STATUSES)
                errors.append(detail_entry("enum", ["query", "status"], msg, status))
        order = one("order_by") or "-created"
        if order not in ("created", "-created"):
            msg = "Input should be 'created' or '-created'"
            errors.append(detail_entry("enum", ["query", "order_by"], msg, order))
        self.newest_first = order == "-created"
        self.after: float | None = None
        if (text := one("created_after")) is not None:
            try:
                self.after = datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
            except ValueError:
                msg = "Input should be a valid datetime"
                loc: list[str | int] = ["query", "created_after"]
                errors.append(detail_entry("datetime_from_date_parsing", loc, msg, text))
        self.metadata: dict[str, Any] = {}
        if (text := one("metadata")) is not None:
            try:
                parsed = json.loads(text)
                if not isinstance(parsed, dict):
                    raise ValueError
                self.metadata = parsed
            except ValueError:
                msg = "Input should be a valid dictionary"
                errors.append(detail_entry("dict_type", ["query", "metadata"], msg, text))
        if errors:
            raise Invalid(errors)

    def keeps(self, job: dict[str, Any]) -> bool:
        meta = job.get("metadata") or {}
        return (
            (self.model is None or job["model"] == self.model)
            and (self.agent_id is None or job["agent_id"] == self.agent_id)
            and (not self.statuses or job["status"] in self.statuses)
            and (self.after is None or job["_t0"] > self.after)
            and all(meta.get(k) == v for k, v in self.metadata.items())
        )


def decode_create(raw: bytes) -> CreateBatchJobRequest:
    try:
        data = msgspec.json.decode(raw) if raw else None
    except msgspec.DecodeError as exc:
        ctx = {"error": str(exc)}
        entry = detail_entry("json_invalid", ["body", 0], "JSON decode error", {}, ctx)
        raise Invalid([entry]) from None
    if data is None:
        raise Invalid([detail_entry("missing", ["body"], "Field required", None)])
    try:
        return msgspec.convert(data, CreateBatchJobRequest)
    except msgspec.ValidationError:
        found = problems(data, CreateBatchJobRequest)
        raise Invalid([translate(p, data) for p in found]) from None
