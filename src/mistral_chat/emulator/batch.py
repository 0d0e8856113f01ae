"""The Batch API: ``/v1/batch/jobs`` (create, list, get, cancel, delete), jobs that move in time.

A job is ``QUEUED`` for ``queued`` seconds, then ``RUNNING`` for ``running`` seconds while its
request counts advance, then ``SUCCESS`` with an output file (and an error file when a line
failed) in the emulator's Files store. Nothing runs in the background: a job is brought up to
date whenever it is observed (get, list, cancel), doing at most :data:`_BUDGET` seconds of work
each time, so a poll never blocks for long and a job no one looks at costs nothing.

Each request line runs through the emulator's own routes (``dispatch``), so a body that would
be refused in real time (a 422 or 400) lands in the error file with that answer, and answers
are the ones the real-time endpoint gives. Jobs live on disk under ``<state>/batch/`` and a
file lock serialises their updates, so several emulators on one state directory agree, as
they do on files.

Faults (``inject``): ``fail`` makes the next job ``FAILED`` as it starts, ``timeout`` makes it
stop half-way with ``TIMEOUT_EXCEEDED`` (the lines done so far are in its output file).
``received()`` lists every ``custom_id`` each job was created with, in order: a test can prove
that a client never submitted a row twice.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from .batch_requests import CreateBatchJobRequest, ListQuery, decode_create
from .files import FileStore
from .validate import Invalid, detail_entry, invalid_request, not_found

__all__ = ["BatchJobs", "BatchTiming", "Dispatch"]

#: (endpoint, body, base URL) -> (status, answer): one request line through the emulator's routes
Dispatch = Callable[[str, bytes, str], tuple[int, Any]]

_BUDGET = 0.5  # seconds of line processing per observation of a job (or turn of the worker)
_TICK = 0.05  # the worker's pause between turns
_TERMINAL = ("SUCCESS", "FAILED", "TIMEOUT_EXCEEDED", "CANCELLED")
_PUBLIC = (
    "id",
    "object",
    "input_files",
    "metadata",
    "endpoint",
    "model",
    "agent_id",
    "output_file",
    "error_file",
    "errors",
    "status",
    "created_at",
    "total_requests",
    "completed_requests",
    "succeeded_requests",
    "failed_requests",
    "started_at",
    "completed_at",
)
FAULTS = ("fail", "timeout")


@dataclass
class BatchTiming:
    """How long a job stays queued, then running (seconds)."""

    queued: float = 1.0
    running: float = 2.0

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> BatchTiming:
        """``MISTRAL_EMULATOR_BATCH_SECONDS=QUEUED,RUNNING`` (e.g. ``0,0.2``), else 1 s and 2 s."""
        text = (os.environ if environ is None else environ).get("MISTRAL_EMULATOR_BATCH_SECONDS")
        if not text:
            return cls()
        try:
            queued, running = (float(part) for part in text.split(","))
        except ValueError:
            raise ValueError(
                f"MISTRAL_EMULATOR_BATCH_SECONDS must be QUEUED,RUNNING seconds, got {text!r}"
            ) from None
        return cls(queued, running).checked()

    def checked(self) -> BatchTiming:
        for value in (self.queued, self.running):
            if not (math.isfinite(value) and 0 <= value <= 86_400):
                raise ValueError("batch seconds must be from 0 to 86400")
        return self


class BatchJobs:
    """Every batch job of one state directory (see the module's docstring)."""

    def __init__(
        self,
        root: Path,
        store: FileStore,
        dispatch: Dispatch,
        stopping: Callable[[float], bool] | None = None,
    ) -> None:
        self.dir = root / "batch"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.store = store
        self.dispatch = dispatch
        self.timing = BatchTiming.from_env()
        self.clock: Callable[[], float] = time.time
        self._faults: list[str] = []
        self._lock = threading.Lock()
        # sleeps, and says True once the emulator is stopping (it ends the worker)
        self._stopping = stopping or threading.Event().wait
        self._worker: threading.Thread | None = None
        self._base_url = ""

    def _work(self, base_url: str) -> None:
        """Keep running jobs moving between observations (one thread, while any is alive)."""
        self._base_url = base_url or self._base_url
        if self._worker is not None and self._worker.is_alive():
            return
        self._worker = threading.Thread(target=self._run_worker, name="emulator-batch", daemon=True)
        self._worker.start()

    def _run_worker(self) -> None:
        while not self._stopping(_TICK):
            with self._locked():
                jobs = [j for j in self._all() if j["status"] not in _TERMINAL]
                deadline = time.monotonic() + _BUDGET
                for job in jobs:
                    self._advance(job, self._base_url, deadline)
            if not jobs:
                return

    def join(self) -> None:
        """Wait for the worker to end (after the emulator was told to stop)."""
        if self._worker is not None:
            self._worker.join()

    # -- control (tests, /_emulator/batch) -----------------------------------------------

    def inject(self, kind: str, times: int = 1) -> None:
        """Make the next ``times`` jobs fail (``fail``) or time out half-way (``timeout``)."""
        if kind not in FAULTS:
            raise ValueError(f"unknown batch fault {kind!r}; expected one of {FAULTS}")
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._faults += [kind] * times

    def received(self) -> list[tuple[str, str | None]]:
        """``(job id, custom_id)`` of every request line of every job created, in order."""
        path = self.dir / "received.jsonl"
        if not path.exists():
            return []
        out = []
        for line in path.read_text().splitlines():
            entry = json.loads(line)
            out.append((entry["job"], entry["custom_id"]))
        return out

    def control(self, method: str, raw: bytes) -> tuple[int, Any]:
        """``POST /_emulator/batch`` sets timing and faults; ``GET`` gives what was received."""
        if method == "GET":
            return 200, {"received": [{"job": j, "custom_id": c} for j, c in self.received()]}
        try:
            data = json.loads(raw or b"{}")
            if not isinstance(data, dict) or set(data) - {"queued", "running", "fault", "times"}:
                raise ValueError("expected {queued, running, fault, times}")
            timing = BatchTiming(
                float(data.get("queued", self.timing.queued)),
                float(data.get("running", self.timing.running)),
            ).checked()
            if data.get("fault") is not None:
                self.inject(str(data["fault"]), int(data.get("times", 1)))
        except (ValueError, TypeError) as exc:
            return 422, {"detail": str(exc)}
        self.timing = timing
        return 200, {"queued": timing.queued, "running": timing.running}

    # -- routes ---------------------------------------------------------------------------

    def create(self, raw: bytes, base_url: str = "") -> dict[str, Any]:
        body = decode_create(raw)
        if body.input_files is None and body.requests is None:
            raise invalid_request("Either input_files or requests must be given.")
        if body.input_files is not None and body.requests is not None:
            raise invalid_request("Give input_files or requests, not both.")
        for file_id in body.input_files or []:
            if self.store.get(str(file_id)) is None:
                raise not_found(f"File {file_id} not found.")
        job_id = str(uuid.uuid4())
        with self._locked():
            sources = self._sources(job_id, body)
            custom_ids = list(_custom_ids(sources))
            fault = self._faults.pop(0) if self._faults else None
            now = self.clock()
            job: dict[str, Any] = {
                "id": job_id,
                "object": "batch",
                "input_files": [str(f) for f in body.input_files or []],
                "metadata": body.metadata,
                "endpoint": body.endpoint,
                "model": body.model,
                "agent_id": body.agent_id,
                "output_file": None,
                "error_file": None,
                "errors": [],
                "status": "QUEUED",
                "created_at": int(now),
                "total_requests": len(custom_ids),
                "completed_requests": 0,
                "succeeded_requests": 0,
                "failed_requests": 0,
                "started_at": None,
                "completed_at": None,
                "_t0": now,
                "_timing": [self.timing.queued, self.timing.running],
                "_fault": fault,
                "_sources": [str(p) for p in sources],
                "_cursor": [0, 0],
            }
            with (self.dir / "received.jsonl").open("a") as log:
                log.writelines(
                    json.dumps({"job": job_id, "custom_id": c}) + "\n" for c in custom_ids
                )
            self._save(job)
        self._work(base_url)
        return _public(job)

    def get(self, job_id: str, base_url: str, inline: bool = False) -> dict[str, Any]:
        with self._locked():
            job = self._advance(self._load(job_id), base_url, time.monotonic() + _BUDGET)
        if job["status"] not in _TERMINAL:
            self._work(base_url)  # a job left by another emulator on this state directory
        public = _public(job)
        if inline:
            public["outputs"] = self._outputs(job) if job["status"] in _TERMINAL else None
        return public

    def list_jobs(self, query: dict[str, list[str]], base_url: str) -> dict[str, Any]:
        filters = ListQuery(query)
        deadline = time.monotonic() + _BUDGET
        with self._locked():
            jobs = [self._advance(job, base_url, deadline) for job in self._all()]
        jobs = [job for job in jobs if filters.keeps(job)]
        jobs.sort(key=lambda j: j["_t0"], reverse=filters.newest_first)
        page = jobs[filters.page * filters.page_size : (filters.page + 1) * filters.page_size]
        return {"data": [_public(j) for j in page], "object": "list", "total": len(jobs)}

    def cancel(self, job_id: str, base_url: str) -> dict[str, Any]:
        with self._locked():
            job = self._advance(self._load(job_id), base_url, time.monotonic() + _BUDGET)
            if job["status"] == "QUEUED":
                self._finish(job, "CANCELLED")
            elif job["status"] == "RUNNING":
                job["status"] = "CANCELLATION_REQUESTED"
            self._save(job)
        return _public(job)

    def delete(self, job_id: str) -> dict[str, Any]:
        with self._locked():
            job = self._load(job_id)
            for suffix in (".json", ".requests.jsonl", ".out.jsonl", ".err.jsonl"):
                (self.dir / f"{job['id']}{suffix}").unlink(missing_ok=True)
        return {"id": job["id"], "object": "batch", "deleted": True}

    # -- the job's life -------------------------------------------------------------------

    def _advance(self, job: dict[str, Any], base_url: str, deadline: float) -> dict[str, Any]:
        """Bring ``job`` up to date with the clock (processing lines until ``deadline``)."""
        if job["status"] in _TERMINAL:
            return job
        queued, running = job["_timing"]
        elapsed = self.clock() - job["_t0"]
        if job["status"] == "QUEUED" and elapsed < queued:
            return job
        if job["status"] == "QUEUED":
            job["status"] = "RUNNING"
            job["started_at"] = int(job["_t0"] + queued)
            if job["_fault"] == "fail":
                job["errors"] = [{"message": "The batch job failed (emulator fault).", "count": 1}]
                self._finish(job, "FAILED")
                self._save(job)
                return job
        total = job["total_requests"]
        share = 1.0 if running <= 0 else min(1.0, (elapsed - queued) / running)
        target = math.ceil(total * share)
        if job["_fault"] == "timeout":
            target = min(target, total // 2)
        if job["status"] == "CANCELLATION_REQUESTED":
            target = job["completed_requests"]
        self._process(job, target, base_url, deadline)
        if job["status"] == "CANCELLATION_REQUESTED":
            self._finish(job, "CANCELLED")
        elif job["_fault"] == "timeout" and share >= 1.0 and job["completed_requests"] >= target:
            job["errors"] = [{"message": "The batch job timed out (emulator fault).", "count": 1}]
            self._finish(job, "TIMEOUT_EXCEEDED")
        elif share >= 1.0 and job["completed_requests"] >= total:
            self._finish(job, "SUCCESS")
        self._save(job)
        return job

    def _process(self, job: dict[str, Any], target: int, base_url: str, deadline: float) -> None:
        """Run request lines until ``target`` are done or the time budget is spent."""

        def done() -> bool:
            return job["completed_requests"] >= target or time.monotonic() > deadline

        if job["completed_requests"] >= target:
            return
        sources = [Path(p) for p in job["_sources"]]
        index, offset = job["_cursor"]
        out_path, err_path = self._result_paths(job)
        with out_path.open("ab") as out, err_path.open("ab") as err:
            while index < len(sources) and not done():
                with sources[index].open("rb") as src:
                    src.seek(offset)
                    for raw in iter(src.readline, b""):
                        offset = src.tell()
                        if raw.strip():
                            ok, line = self._run_line(job, raw, base_url)
                            (out if ok else err).write(json.dumps(line).encode() + b"\n")
                            job["completed_requests"] += 1
                            job["succeeded_requests" if ok else "failed_requests"] += 1
                        if done():
                            break
                    else:
                        index, offset = index + 1, 0
        job["_cursor"] = [index, offset]

    def _run_line(self, job: dict[str, Any], raw: bytes, base_url: str) -> tuple[bool, Any]:
        line_id = f"batch-{job['id'][:8]}-{job['completed_requests'] + 1}-{uuid.uuid4()}"
        try:
            line = json.loads(raw)
        except ValueError:
            return False, _error_line(line_id, None, 400, "This line is not valid JSON.")
        custom_id = line.get("custom_id") if isinstance(line, dict) else None
        body = line.get("body") if isinstance(line, dict) else None
        if not isinstance(body, dict):
            message = "Each line must be a JSON object with a `body` object."
            return False, _error_line(line_id, custom_id, 400, message)
        if body.get("stream"):
            return False, _error_line(line_id, custom_id, 400, "Streaming is not available.")
        if job["model"] is not None and "model" not in body:
            body = {"model": job["model"], **body}  # the job's model, for lines that name none
        status, answer = self.dispatch(job["endpoint"], json.dumps(body).encode(), base_url)
        response = {"status_code": status, "body": answer}
        if status == 200:
            line = {"id": line_id, "custom_id": custom_id, "response": response, "error": None}
            return True, line
        message = _message_of(answer)
        return False, {
            "id": line_id,
            "custom_id": custom_id,
            "response": response,
            "error": {"message": message, "code": status},
        }

    def _finish(self, job: dict[str, Any], status: str) -> None:
        job["status"] = status
        job["completed_at"] = int(self.clock())
        out_path, err_path = self._result_paths(job)
        name = f"batch-{job['id']}"
        for path, kind, field in (
            (out_path, "batch_result", "output_file"),
            (err_path, "batch_error", "error_file"),
        ):
            if path.exists() and path.stat().st_size:
                stored = self.store.add(path, f"{name}-{kind.split('_')[1]}.jsonl", "batch", kind)
                job[field] = stored.id
            else:
                path.unlink(missing_ok=True)

    def _outputs(self, job: dict[str, Any]) -> list[dict[str, Any]]:
        outputs: list[dict[str, Any]] = []
        for field in ("output_file", "error_file"):
            if job[field] is not None and self.store.get(job[field]) is not None:
                with self.store.content_path(job[field]).open("rb") as fh:
                    outputs += [json.loads(line) for line in fh if line.strip()]
        return outputs

    # -- storage ---------------------------------------------------------------------------

    def _sources(self, job_id: str, body: CreateBatchJobRequest) -> list[Path]:
        if body.requests is None:
            return [self.store.content_path(str(f)) for f in body.input_files or []]
        path = self.dir / f"{job_id}.requests.jsonl"
        with path.open("wb") as out:
            for request in body.requests:
                out.write(msgspec.json.encode(request) + b"\n")
        return [path]

    def _result_paths(self, job: dict[str, Any]) -> tuple[Path, Path]:
        return self.dir / f"{job['id']}.out.jsonl", self.dir / f"{job['id']}.err.jsonl"

    def _load(self, job_id: str) -> dict[str, Any]:
        try:
            uuid.UUID(job_id)
        except ValueError:
            msg = "Input should be a valid UUID"
            raise Invalid([detail_entry("uuid_parsing", ["path", "job_id"], msg, job_id)]) from None
        try:
            job: dict[str, Any] = json.loads((self.dir / f"{job_id.lower()}.json").read_text())
        except (OSError, ValueError):
            raise not_found(f"Batch job {job_id} not found.") from None
        return job

    def _all(self) -> list[dict[str, Any]]:
        jobs = []
        for path in self.dir.glob("*.json"):
            with contextlib.suppress(OSError, ValueError):
                jobs.append(json.loads(path.read_text()))
        return jobs

    def _save(self, job: dict[str, Any]) -> None:
        path = self.dir / f"{job['id']}.json"
        partial = path.with_suffix(".json.part")
        partial.write_text(json.dumps(job))
        partial.replace(path)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """This emulator's lock, and a file lock for the others on the same directory."""
        with self._lock, (self.dir / ".lock").open("a") as handle:
            try:
                import fcntl
            except ImportError:  # Windows: one emulator per state directory
                yield
                return
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _custom_ids(sources: list[Path]) -> Iterator[str | None]:
    """Each request line's ``custom_id`` (None when absent or the line is not an object)."""
    for path in sources:
        with path.open("rb") as fh:
            for raw in fh:
                if not raw.strip():
                    continue
                try:
                    line = json.loads(raw)
                except ValueError:
                    yield None
                    continue
                custom_id = line.get("custom_id") if isinstance(line, dict) else None
                yield custom_id if isinstance(custom_id, str) else None


def _public(job: dict[str, Any]) -> dict[str, Any]:
    return {key: job[key] for key in _PUBLIC}


def _error_line(line_id: str, custom_id: Any, status: int, message: str) -> dict[str, Any]:
    body = {
        "object": "error",
        "message": message,
        "type": "invalid_request_error",
        "param": None,
        "code": "3000",
    }
    return {
        "id": line_id,
        "custom_id": custom_id,
        "response": {"status_code": status, "body": body},
        "error": {"message": message, "code": status},
    }


def _message_of(answer: Any) -> str:
    """One line saying why a request line failed, from the route's error answer."""
    if isinstance(answer, dict):
        if isinstance(answer.get("message"), str):
            return str(answer["message"])
        detail = answer.get("detail")
        if isinstance(detail, list) and detail and isinstance(detail[0], dict):
            first = detail[0]
            where = ".".join(str(p) for p in first.get("loc", []))
            return f"{first.get('msg', 'invalid')} ({where})"
        if isinstance(detail, str):
            return detail
    return "The request failed."
