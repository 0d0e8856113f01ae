"""Batch jobs by id: status, cancel, and the results of a job started anywhere.

A job of a run of ours is handled through its run (:mod:`.runner`); these work on any job of
the workspace, as the API describes it, so `batch results JOB` also reads jobs started from
the console or another program.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mistral_chat.errors import UsageError
from mistral_chat.services.batch.output import JoinSummary, OutputSpec, check_output
from mistral_chat.services.batch.results import AnswerShape, read_result_line

if TYPE_CHECKING:
    from mistral_chat.api import Client

__all__ = ["endpoint_name", "job_results"]

_NAMES = {
    "/v1/chat/completions": "chat",
    "/v1/fim/completions": "fim",
    "/v1/embeddings": "embeddings",
    "/v1/moderations": "moderations",
    "/v1/ocr": "ocr",
}


def endpoint_name(path: str) -> str:
    """Our name for an API endpoint path; ``raw`` for those whose answers we keep whole."""
    return _NAMES.get(path, "raw")


def job_results(client: Client, job: Any, out: OutputSpec) -> JoinSummary:
    """Write a finished job's answers, one line per request (``custom_id`` first), in the
    order of its output file, then its error file."""
    from mistral_chat.services.batch.inputs import InputTable

    if job.status not in ("SUCCESS", "FAILED", "TIMEOUT_EXCEEDED", "CANCELLED"):
        raise UsageError(
            f"job {job.id} is {job.status}; `mistral-chat batch wait {job.id}` waits for it"
        )
    shape = AnswerShape(endpoint_name(job.endpoint))
    check_output(out, InputTable("jsonl", job.id, Path(), ["custom_id"]), shape)
    summary = JoinSummary()
    if out.path is None:
        raise UsageError("say where the results go: -o OUT.jsonl or -o OUT.csv")
    from mistral_chat.services.batch.output import RecordWriter

    with tempfile.TemporaryDirectory(prefix="mistral-chat-batch-") as scratch:
        writer = RecordWriter(out.path, ["custom_id", *shape.columns])
        try:
            for field in ("output_file", "error_file"):
                file_id = getattr(job, field)
                if not file_id:
                    continue
                local = Path(scratch) / f"{field}.jsonl"
                client.files.download(file_id, local)
                with local.open("rb") as fh:
                    for raw in fh:
                        if raw.strip():
                            answer = read_result_line(raw, shape)
                            custom_id = answer.custom_id or None
                            summary.rows += 1
                            if answer.error is None:
                                summary.answered += 1
                            else:
                                summary.failed += 1
                                if len(summary.failures) < 20:
                                    summary.failures.append(f"{custom_id}: {answer.error}")
                            record = {"custom_id": custom_id, **(answer.fields or {})}
                            record["prompt_tokens"] = answer.prompt_tokens
                            record["completion_tokens"] = answer.completion_tokens
                            record["error"] = answer.error
                            writer.write(record)
            writer.finish()
        except BaseException:
            writer.abandon()
            raise
    return summary
