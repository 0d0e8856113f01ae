"""`/v1/batch/jobs*`: what `AsyncBatch` and `Batch` share (paths, request bodies, types).

A batch job runs many requests to one endpoint at half price, outside the real-time rate
limits: its requests come from uploaded JSONL files (``input_files``) or inline
(``requests``, up to 10,000); its answers go to an output file and an error file.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

import msgspec

__all__ = [
    "PATH",
    "BatchError",
    "BatchJob",
    "BatchJobList",
    "DeletedBatchJob",
    "create_body",
    "decode_deleted",
    "decode_job",
    "decode_job_list",
    "job_path",
    "list_params",
]

PATH = "/v1/batch/jobs"


class BatchError(msgspec.Struct, kw_only=True):
    message: str = ""
    count: int = 1


class BatchJob(msgspec.Struct, kw_only=True):
    """A batch job as the API describes it (the spec's ``BatchJob``); unknown fields are
    ignored, unknown statuses kept as they come."""

    id: str
    object: str = "batch"
    input_files: list[str] = []
    metadata: dict[str, Any] | None = None
    endpoint: str = ""
    model: str | None = None
    agent_id: str | None = None
    output_file: str | None = None
    error_file: str | None = None
    errors: list[BatchError] = []
    outputs: list[dict[str, Any]] | None = None
    status: str = ""
    created_at: int = 0
    total_requests: int = 0
    completed_requests: int = 0
    succeeded_requests: int = 0
    failed_requests: int = 0
    started_at: int | None = None
    completed_at: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = msgspec.to_builtins(self)
        if out.get("outputs") is None:
            out.pop("outputs", None)
        return out


class BatchJobList(msgspec.Struct, kw_only=True):
    data: list[BatchJob] = []
    object: str = "list"
    total: int | None = None


class DeletedBatchJob(msgspec.Struct, kw_only=True):
    id: str
    object: str = "batch"
    deleted: bool = True


decode_job = msgspec.json.Decoder(BatchJob).decode
decode_job_list = msgspec.json.Decoder(BatchJobList).decode
decode_deleted = msgspec.json.Decoder(DeletedBatchJob).decode


def job_path(job_id: str, suffix: str = "") -> str:
    # '.' and '..' would be collapsed by URL normalisation into another endpoint
    if job_id in ("", ".", "..") or "/" in job_id:
        raise ValueError(f"invalid batch job id {job_id!r}")
    return f"{PATH}/{quote(job_id, safe='')}{suffix}"


def create_body(
    endpoint: str,
    model: str | None,
    input_files: list[str] | None,
    requests: list[dict[str, Any]] | None,
    metadata: dict[str, str] | None,
    timeout_hours: int | None,
    agent_id: str | None,
) -> dict[str, Any]:
    """The spec's ``CreateBatchJobRequest``: the fields given, requests or files (not both)."""
    if (input_files is None) == (requests is None):
        raise ValueError("give input_files or requests (one of them)")
    if requests is not None and len(requests) > 10_000:
        raise ValueError("at most 10,000 inline requests; upload a file for more")
    body: dict[str, Any] = {"endpoint": endpoint}
    for key, value in (
        ("input_files", input_files),
        ("requests", requests),
        ("model", model),
        ("agent_id", agent_id),
        ("metadata", metadata),
        ("timeout_hours", timeout_hours),
    ):
        if value is not None:
            body[key] = value
    return body


def list_params(
    page: int | None,
    page_size: int | None,
    model: str | None,
    status: list[str] | None,
    created_after: datetime | None,
    created_by_me: bool | None,
    order_by: str | None,
) -> list[tuple[str, str | int]]:
    params: list[tuple[str, str | int]] = []
    for name, value in (("page", page), ("page_size", page_size), ("model", model)):
        if value is not None:
            params.append((name, value))
    params += [("status", s) for s in status or []]
    if created_after is not None:
        params.append(("created_after", created_after.isoformat()))
    if created_by_me is not None:
        params.append(("created_by_me", "true" if created_by_me else "false"))
    if order_by is not None:
        params.append(("order_by", order_by))
    return params
