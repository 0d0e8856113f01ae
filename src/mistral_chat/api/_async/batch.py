"""`/v1/batch/jobs*` (`AsyncBatch`): create, list, get, cancel and delete batch jobs.

The bodies, paths and types are in `..resources.batch`.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from .._base_client import parsed
from ..resources.batch import (
    PATH,
    BatchJob,
    BatchJobList,
    DeletedBatchJob,
    create_body,
    decode_deleted,
    decode_job,
    decode_job_list,
    job_path,
    list_params,
)

if TYPE_CHECKING:
    from .api_client import AsyncAPIClient

__all__ = ["AsyncBatch"]


class AsyncBatch:
    """Batch jobs: ``await client.batch.create(endpoint="/v1/chat/completions", ...)``."""

    def __init__(self, client: AsyncAPIClient) -> None:
        self._client = client

    async def create(
        self,
        *,
        endpoint: str,
        model: str | None = None,
        input_files: list[str] | None = None,
        requests: list[dict[str, Any]] | None = None,
        metadata: dict[str, str] | None = None,
        timeout_hours: int | None = None,
        agent_id: str | None = None,
    ) -> BatchJob:
        """Queue a job over uploaded JSONL files (purpose ``batch``) or inline ``requests``
        (``{"custom_id", "body"}`` each, at most 10,000)."""
        body = create_body(
            endpoint, model, input_files, requests, metadata, timeout_hours, agent_id
        )
        response = await self._client.request("POST", PATH, json=body)
        return parsed(response, decode_job)

    async def list(
        self,
        *,
        page: int | None = None,
        page_size: int | None = None,
        model: str | None = None,
        status: list[str] | None = None,
        created_after: datetime | None = None,
        created_by_me: bool | None = None,
        order_by: str | None = None,
    ) -> BatchJobList:
        """The workspace's jobs, newest first unless ``order_by="created"``."""
        params = list_params(page, page_size, model, status, created_after, created_by_me, order_by)
        response = await self._client.request("GET", PATH, params=params)
        return parsed(response, decode_job_list)

    async def get(self, job_id: str, *, inline: bool | None = None) -> BatchJob:
        """A job, with its ``outputs`` in the answer when ``inline`` (small jobs)."""
        params = {} if inline is None else {"inline": "true" if inline else "false"}
        response = await self._client.request("GET", job_path(job_id), params=params)
        return parsed(response, decode_job)

    async def cancel(self, job_id: str) -> BatchJob:
        response = await self._client.request("POST", job_path(job_id, "/cancel"))
        return parsed(response, decode_job)

    async def delete(self, job_id: str) -> DeletedBatchJob:
        response = await self._client.request("DELETE", job_path(job_id))
        return parsed(response, decode_deleted)
