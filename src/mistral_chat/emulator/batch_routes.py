"""The Batch API's routes, plugged into :class:`.routes.App` as the other endpoints are.

The jobs and their life are in :mod:`.batch`; this module maps the paths to them and gives
each job line a way through the app's own routes (:meth:`BatchRoutes.line`), so a line is
answered exactly as the real-time endpoint would answer it.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from .batch import BatchJobs
from .messages import Query, Request, Response, json_response

if TYPE_CHECKING:
    from .files import FileStore

__all__ = ["BatchRoutes"]

Route = tuple[str, "re.Pattern[str]", Callable[..., Response]]


class App(Protocol):
    """What the batch routes use of :class:`.routes.App` (structurally: no import cycle)."""

    store: FileStore
    api_key: str | None
    batch: BatchJobs
    _wait: Callable[[float], bool]

    def handle(self, request: Request) -> Response: ...


class BatchRoutes:
    """``/v1/batch/jobs*``; creates the app's :class:`.batch.BatchJobs` (``app.batch``)."""

    def __init__(self, app: App) -> None:
        self.app = app
        app.batch = BatchJobs(app.store.dir.parent, app.store, self.line, app._wait)
        self.jobs = app.batch

    def routes(self) -> list[Route]:
        job = r"/v1/batch/jobs/(?P<job_id>[^/]+)"
        return [
            ("POST", re.compile(r"/v1/batch/jobs"), self.create),
            ("GET", re.compile(r"/v1/batch/jobs"), self.list),
            ("GET", re.compile(job), self.get),
            ("DELETE", re.compile(job), self.delete),
            ("POST", re.compile(job + "/cancel"), self.cancel),
        ]

    def create(self, request: Request) -> Response:
        return json_response(200, self.jobs.create(request.body, request.base_url))

    def list(self, request: Request) -> Response:
        return json_response(200, self.jobs.list_jobs(request.query, request.base_url))

    def get(self, request: Request, job_id: str) -> Response:
        query = Query(request)
        inline = query.bool("inline", False)
        query.check()
        return json_response(200, self.jobs.get(job_id, request.base_url, inline))

    def cancel(self, request: Request, job_id: str) -> Response:
        return json_response(200, self.jobs.cancel(job_id, request.base_url))

    def delete(self, request: Request, job_id: str) -> Response:
        return json_response(200, self.jobs.delete(job_id))

    def line(self, endpoint: str, body: bytes, base_url: str) -> tuple[int, Any]:
        """One batch request line through the app's own route for ``endpoint``."""
        headers = {"authorization": f"Bearer {self.app.api_key or 'batch'}"}
        headers["content-type"] = "application/json"
        request = Request("POST", endpoint, {}, headers, body, io.BytesIO(b""), base_url)
        response = self.app.handle(request)
        data = response.body if isinstance(response.body, bytes) else b"".join(response.body)
        try:
            return response.status, json.loads(data)
        except ValueError:
            return response.status, {"object": "error", "message": data.decode(errors="replace")}
