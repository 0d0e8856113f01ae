"""A batch run on Mistral's Batch API: input -> request lines -> jobs -> results -> output.

Every step is recorded in the ledger before and after it talks to the server, so a run killed
at any point is resumed by running the same command again:

- a shard whose job id is recorded is never submitted again (its job is polled instead);
- a shard killed between "create job" and recording the answer is found on the server by the
  job's metadata (``mistral_chat_shard``: run, shard and digest) before anything is resent;
- an uploaded request file is found again by its name before being uploaded again;
- a shard's answers, once downloaded, are on disk: nothing is fetched twice.

    >>> service = BatchService(ctx.client, ledger, data_dir)          # doctest: +SKIP
    >>> prepared = service.prepare(RunRequest("rows.csv", spec, shape))  # doctest: +SKIP
    >>> shards = service.submit(prepared)                              # doctest: +SKIP
    >>> service.wait(prepared.run)                                     # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from mistral_chat.errors import UsageError
from mistral_chat.services.batch.answers import materialize, shard_answers, shard_rows
from mistral_chat.services.batch.collect import Collector, OutOfOrder
from mistral_chat.services.batch.inputs import InputError, InputTable, open_input
from mistral_chat.services.batch.output import Joiner
from mistral_chat.services.batch.plan import MAX_REQUESTS_PER_JOB, BuiltShard, Plan, build_shards
from mistral_chat.services.batch.recovery import METADATA_SHARD, find_job, find_upload
from mistral_chat.services.batch.requests import (
    DOCUMENT_PURPOSE,
    RequestBuilder,
    RequestSpec,
    endpoint_path,
)
from mistral_chat.services.batch.results import AnswerShape
from mistral_chat.storage.batch_ledger import BatchLedger, Run, Shard

if TYPE_CHECKING:
    from mistral_chat.api import Client

__all__ = [
    "METADATA_RUN",
    "METADATA_SHARD",
    "TERMINAL",
    "BatchService",
    "JobView",
    "Prepared",
    "RunRequest",
]

METADATA_RUN = "mistral_chat_run"
TERMINAL = frozenset({"SUCCESS", "FAILED", "TIMEOUT_EXCEEDED", "CANCELLED"})
_POLL_FIRST = 0.25


@dataclass(frozen=True)
class RunRequest:
    """A `batch run` as asked: the input, how each row becomes a request, how to cut jobs."""

    input: str
    spec: RequestSpec
    shape: AnswerShape
    rows_per_job: int = MAX_REQUESTS_PER_JOB
    inline: bool = True  # small jobs carry their requests; False: always upload a file

    def recipe(self) -> dict[str, Any]:
        """Everything that decides the request lines (stored with the run, hashed into its id)."""
        spec = self.spec
        return {
            "endpoint": spec.endpoint.name,
            "model": spec.model,
            "prompt": spec.prompt,
            "system": spec.system,
            "suffix": spec.suffix,
            "options": dict(spec.options),
            "image_max_side": spec.image_max_side,
            "rows_per_job": self.rows_per_job,
            "shape": asdict(self.shape),
        }

    @classmethod
    def from_recipe(cls, run: Run) -> RunRequest:
        """The request a run was made with, from its stored recipe."""
        from mistral_chat.services.batch.requests import ENDPOINTS

        r = run.request
        spec = RequestSpec(
            ENDPOINTS[r["endpoint"]],
            r["model"],
            prompt=r["prompt"],
            system=r["system"],
            suffix=r["suffix"],
            options=tuple(r["options"].items()),
            image_max_side=r["image_max_side"],
        )
        return cls(run.input, spec, AnswerShape(**r["shape"]), r["rows_per_job"])


@dataclass
class Prepared:
    """A run whose request lines are built (and checked): ready to submit or to show."""

    run: Run
    table: InputTable
    plan: Plan
    folder: Path
    request: RunRequest
    documents: int = 0  # documents a folder input uploads when submitted


@dataclass
class JobView:
    """One job's progress, for a progress bar."""

    n: int
    job_id: str | None
    status: str
    total: int
    done: int
    failed: int


class BatchService:
    """Runs batches for one client and one ledger; ``data_dir`` holds their files."""

    def __init__(
        self,
        client: Callable[[], Client],
        ledger: BatchLedger,
        data_dir: Path,
        *,
        sleep: Callable[[float], None] = time.sleep,
        poll_max: float = 30.0,
        on_upload: Callable[[str, int, int | None], None] | None = None,
    ) -> None:
        self._client_factory = client
        self.ledger = ledger
        self.dir = data_dir / "batch"
        self.sleep = sleep
        self.poll_max = poll_max
        self.on_upload = on_upload

    @property
    def client(self) -> Client:
        return self._client_factory()

    # preparing

    def prepare(
        self, request: RunRequest, stdin: IO[bytes] | None = None, folder: Path | None = None
    ) -> Prepared:
        """Read and check the whole input, writing its request lines into shard files (in
        ``folder``, else the run's own). Nothing is sent: a bad row stops here."""
        table = open_input(request.input, self.dir / "stdin", stdin)
        run_id = _run_id(table, request)
        folder = folder or self.dir / run_id
        builder = RequestBuilder(request.spec, table)
        plan = build_shards(builder, folder, request.rows_per_job)
        if plan.rows == 0:
            raise InputError(f"{table.name} has no rows; nothing was sent")
        size, mtime = table.identity()
        run = self.ledger.run(run_id) or Run(
            id=run_id,
            input=request.input,
            input_path=str(table.path),
            endpoint=request.spec.endpoint.name,
            model=request.spec.model,
            request=request.recipe(),
        )
        run.total_rows, run.input_size, run.input_mtime = plan.rows, size, mtime
        run.request["inline"] = request.inline  # how jobs are sent, not what: not in the id
        documents = builder.documents
        return Prepared(run, table, plan, folder, request, documents)

    # submitting

    def submit(self, prepared: Prepared) -> list[Shard]:
        """Create a job for every shard that has none yet (see the module's docstring)."""
        run = self.ledger.save_run(prepared.run)
        plan = prepared.plan
        if prepared.documents:  # the lines named documents by hash: upload them and rebuild
            builder = RequestBuilder(prepared.request.spec, prepared.table, self.upload_document)
            plan = build_shards(builder, prepared.folder, prepared.request.rows_per_job)
        self.ledger.drop_shards(run.id, len(plan.shards))  # the input lost rows since
        known = {s.n: s for s in self.ledger.shards(run.id) if s.kind == "rows"}
        for built in plan.shards:
            shard = known.get(built.n)
            if shard is None or shard.digest != built.digest or shard.first_row != built.first_row:
                # new, or its rows changed since (an edited input): these rows are a new job
                shard = self.ledger.save_shard(
                    Shard(run.id, built.n, built.first_row, built.rows, built.digest, built.bytes)
                )
                local = [(f.row, "", f.message) for f in plan.failures if f.row in built.row_range]
                self.ledger.record_failures(run.id, built.n, local)
            if shard.state in ("planned", "uploaded", "submitting"):
                self.submit_shard(run, built, shard)
            built.path.unlink(missing_ok=True)
        return self.ledger.shards(run.id)

    def submit_shard(self, run: Run, built: BuiltShard, shard: Shard) -> None:
        """Upload (unless inline) and create the job of one shard, recording each step."""
        client = self.client
        if shard.state == "submitting":
            job = find_job(client, shard, sleep=self.sleep)
            if job is not None:
                self.ledger.update_shard(
                    shard, state="submitted", job_id=job.id, job_status=job.status
                )
                return
        if built.requests == 0:  # every row failed locally: there is nothing to send
            self.ledger.update_shard(shard, state="submitted", job_status="SUCCESS")
            return
        name = f"mistral-chat-{run.id}-{shard.n}-{shard.digest}.jsonl"
        inline = built.inline and run.request.get("inline", True)
        if not inline and shard.input_file is None:
            file_id = find_upload(client, name, built.bytes)
            if file_id is None:
                file_id = client.files.upload(built.path, purpose="batch", filename=name).id
            self.ledger.update_shard(shard, state="uploaded", input_file=file_id)
        self.ledger.update_shard(shard, state="submitting", submitted_at=time.time())
        metadata = {METADATA_RUN: run.id, METADATA_SHARD: shard.tag}
        endpoint = endpoint_path(run.endpoint)
        if inline:
            job = client.batch.create(
                endpoint=endpoint, model=run.model, requests=_lines(built.path), metadata=metadata
            )
        else:
            assert shard.input_file is not None
            job = client.batch.create(
                endpoint=endpoint,
                model=run.model,
                input_files=[shard.input_file],
                metadata=metadata,
            )
        self.ledger.update_shard(shard, state="submitted", job_id=job.id, job_status=job.status)

    def upload_document(self, path: Path, mime: str, sha256: str) -> str:
        """A folder input's document, uploaded once (the ledger remembers it by its hash)."""
        known = self.ledger.upload_for(sha256, DOCUMENT_PURPOSE)
        if known is not None:
            return known
        progress = None
        if self.on_upload is not None:
            report, label = self.on_upload, path.name

            def progress(done: int, total: int | None) -> None:
                report(label, done, total)

        uploaded = self.client.files.upload(
            path, purpose=DOCUMENT_PURPOSE, mime=mime, on_progress=progress
        )
        self.ledger.save_upload(
            sha256, DOCUMENT_PURPOSE, uploaded.id, path.name, uploaded.bytes or 0
        )
        return str(uploaded.id)

    def retry(self, run: Run) -> int:
        """Send the failed rows of ``run`` again as retry shards; how many rows."""
        from mistral_chat.services.batch.retry import RETRY_BASE

        failed = [row for row, _cid, _msg in self.ledger.failures(run.id)]
        if not failed:
            raise UsageError(f"run {run.id} has no failed rows to send again")
        shards = self.ledger.shards(run.id)
        if any(s.state != "collected" for s in shards):
            raise UsageError(
                f"run {run.id} still has jobs running; `mistral-chat batch wait {run.id}` first"
            )
        request = RunRequest.from_recipe(run)
        table = dataclasses.replace(self.open_input(run), only=frozenset(failed))
        first_n = max([RETRY_BASE - 1, *(s.n for s in shards)]) + 1
        folder = self.dir / run.id / f"retry-{first_n}"
        builder = RequestBuilder(request.spec, table, self.upload_document)
        plan = build_shards(builder, folder, request.rows_per_job)
        for built in plan.shards:
            built.n += first_n
            self.ledger.mark_retry(run.id, built.n, (r for r in failed if r in built.row_range))
            shard = Shard(run.id, built.n, built.first_row, built.rows, built.digest, built.bytes)
            shard.kind = "retry"
            self.submit_shard(run, built, self.ledger.save_shard(shard))
            built.path.unlink(missing_ok=True)
        return len(failed)

    # waiting and collecting

    def wait(
        self,
        run: Run,
        on_progress: Callable[[list[JobView]], None] | None = None,
        joiner: Joiner | None = None,
    ) -> list[Shard]:
        """Poll the run's jobs until every one has ended, collecting each as it ends, and
        joining it into ``joiner`` as soon as the shards before it are joined."""
        shape = AnswerShape(**run.request["shape"])
        shards = self.ledger.shards(run.id)
        views = {s.n: _view(s) for s in shards}
        ended: dict[int, Any] = {}  # jobs that ended before their turn to be joined
        joined = 0
        delay = _POLL_FIRST
        while True:
            for shard in shards:
                if shard.state != "submitted" or shard.n in ended:
                    continue
                job = self.client.batch.get(shard.job_id) if shard.job_id else None
                if job is not None:
                    done, failed = job.completed_requests, job.failed_requests
                    views[shard.n] = JobView(
                        shard.n, job.id, job.status, job.total_requests, done, failed
                    )
                    if job.status != shard.job_status:
                        self.ledger.update_shard(shard, job_status=job.status)
                if job is None or job.status in TERMINAL:
                    if joiner is None or shard.kind == "retry":
                        self.collect(run, shard, job, shape)
                        views[shard.n] = _view(shard)
                    else:  # collected when its turn comes, joined as it is read
                        ended[shard.n] = job
            joined = self._join_ready(run, shards, joined, joiner, ended, views)
            if on_progress is not None:
                on_progress(list(views.values()))
            if all(s.state == "collected" for s in shards):
                return shards
            self.sleep(delay)
            delay = min(delay * 2, self.poll_max)

    def _join_ready(
        self,
        run: Run,
        shards: list[Shard],
        joined: int,
        joiner: Joiner | None,
        ended: dict[int, Any],
        views: dict[int, JobView],
    ) -> int:
        """Join the shards whose turn has come: collected already (an earlier process), or
        whose job has ended (collected now, in the same pass)."""
        shape = AnswerShape(**run.request["shape"])
        while joiner is not None and (shard := _next_to_join(shards, joined)) is not None:
            if shard.n in ended:
                self.collect(run, shard, ended.pop(shard.n), shape, joiner)
                views[shard.n] = _view(shard)
            elif shard.state == "collected":
                # as the ledger has it now: a retry may have moved its answers since
                fresh = next(s for s in self.ledger.shards(run.id) if s.n == shard.n)
                joiner.add(shard_answers(self.ledger, run, fresh, shape))
            else:
                break
            joined += 1
        return joined

    def collect(
        self, run: Run, shard: Shard, job: Any, shape: AnswerShape, joiner: Joiner | None = None
    ) -> None:
        """Download a finished job's results and keep them as one answer per row (joined
        into ``joiner`` on the way, when it is this shard's turn)."""
        folder = self.dir / run.id
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        sources = []
        for field in ("output_file", "error_file"):
            file_id = getattr(job, field, None) if job is not None else None
            if file_id:
                target = folder / f"{field.split('_')[0]}-{shard.n}.jsonl"
                self.client.files.download(file_id, target)
                sources.append(target)
        failed_before = {row: msg for row, _cid, msg in self.ledger.failures(run.id)}
        rows = shard_rows(self.ledger, run, shard)
        status = job.status if job is not None else "SUCCESS"
        reason = f"no answer: job {getattr(job, 'id', '')} ended {status}"
        if job is not None and job.errors:
            reason += f" ({job.errors[0].message})"
        dest = folder / f"answers-{shard.n}.jsonl"
        # a retry's answers are written out (they patch other shards); other shards keep the
        # job's own files, read again when joined
        keep = dest if shard.kind == "retry" else None
        collector = Collector(sources, shape, rows, keep, failed_before, reason)
        try:
            if joiner is None:
                for _ in collector:
                    pass
            else:
                joiner.add(iter(collector))
        except OutOfOrder:  # rare: sorted on disk, answers written out, output started again
            collector = collector.sorted()
            collector.dest = dest
            collector.run()
            if joiner is not None:
                joiner.restart()
                for earlier in self.ledger.shards(run.id):
                    if earlier.kind == "rows" and earlier.n < shard.n:
                        joiner.add(shard_answers(self.ledger, run, earlier, shape))
                joiner.add_files([dest])
        kept = None if collector.dest is not None else json.dumps([str(p) for p in sources])
        if shard.kind == "retry":
            from mistral_chat.services.batch.retry import patch_answers

            for base in self.ledger.shards(run.id):
                if base.kind == "rows":
                    materialize(self.ledger, run, base, shape)
            patch_answers(self.ledger.shards(run.id), dest)
        still = {row for row, _cid, _msg in collector.failed}
        self.ledger.clear_failures(run.id, (r for r in rows if r not in still))
        self.ledger.record_failures(run.id, shard.n, collector.failed)
        self.ledger.update_shard(
            shard,
            state="collected",
            job_status=status,
            results=str(collector.dest) if collector.dest is not None else None,
            raw=kept,
            succeeded=collector.answered,
            failed=len(collector.failed),
            output_file=getattr(job, "output_file", None),
            error_file=getattr(job, "error_file", None),
        )
        if kept is None:
            for source in sources:
                source.unlink(missing_ok=True)

    # the output

    def open_input(self, run: Run) -> InputTable:
        """The run's input, read again; refused when it changed since the run."""
        table = open_input(run.input_path, self.dir / "stdin")
        if table.identity() != (run.input_size, run.input_mtime):
            raise UsageError(
                f"{run.input} changed since run {run.id}; run the same `batch run` again to send "
                "the rows that changed"
            )
        return table

    def join(self, run: Run, joiner: Joiner) -> None:
        """Join every collected shard of ``run`` into ``joiner`` (all must be collected)."""
        shards = [s for s in self.ledger.shards(run.id) if s.kind == "rows"]
        pending = [s.n for s in shards if s.state != "collected"]
        if pending:
            raise UsageError(
                f"run {run.id} is not finished ({len(pending)} job(s) still running); "
                f"`mistral-chat batch wait {run.id}` waits for them"
            )
        shape = AnswerShape(**run.request["shape"])
        for shard in shards:
            joiner.add(shard_answers(self.ledger, run, shard, shape))


def _run_id(table: InputTable, request: RunRequest) -> str:
    recipe = json.dumps({"input": str(table.path), **request.recipe()}, sort_keys=True)
    return hashlib.blake2b(recipe.encode(), digest_size=6).hexdigest()


def _lines(path: Path) -> list[dict[str, Any]]:
    import msgspec

    decode = msgspec.json.Decoder(dict[str, Any]).decode
    with path.open("rb") as fh:
        return [decode(line) for line in fh if line.strip()]


def _next_to_join(shards: list[Shard], joined: int) -> Shard | None:
    """The row shard whose answers come next in the output; None while a retry is running
    (it will replace some answers of the shards before it)."""
    if any(s.kind == "retry" and s.state != "collected" for s in shards):
        return None
    base = [s for s in shards if s.kind == "rows"]
    return base[joined] if joined < len(base) else None


def _view(shard: Shard) -> JobView:
    """A shard's progress as the ledger knows it (final once it is collected)."""
    status = shard.job_status or shard.state
    if shard.state == "collected":
        return JobView(shard.n, shard.job_id, status, shard.rows, shard.rows, shard.failed)
    return JobView(shard.n, shard.job_id, status, shard.rows, 0, 0)
