"""`mistral-chat batch list | status | wait | results | retry | cancel`, and `run --live`.

JOB is a run of ours (its id, a unique prefix of it, or the id of one of its jobs) or the id
of any batch job of the workspace (started from the console or another program).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._argtypes import non_empty
from .context import AppContext
from .exit import ExitCode, UsageError

if TYPE_CHECKING:
    from ..services.batch.output import OutputSpec
    from ..services.batch.runner import BatchService, Prepared
    from ..storage.batch_ledger import Run

__all__ = ["register_jobs", "run_live"]

_JOB_HELP = "a run id (or a unique prefix), or a batch job's id"


def register_jobs(sub: Any) -> None:
    p = sub.add_parser("list", help="this machine's runs and the workspace's recent jobs")
    p.add_argument("--json", action="store_true", help='{"runs": [...], "jobs": [...]}')
    p.set_defaults(handler=list_runs)

    p = sub.add_parser("status", help="a run's jobs (or one job) and their progress")
    p.add_argument("job", metavar="JOB", type=non_empty, help=_JOB_HELP)
    p.add_argument("--json", action="store_true", help="as JSON")
    p.set_defaults(handler=status)

    for name, helptext in (
        ("wait", "wait for a run's jobs (or one job) and write the results"),
        ("results", "write a finished run's (or job's) results"),
        ("retry", "send a run's failed rows again, then write the results"),
    ):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("job", metavar="JOB", type=non_empty, help=_JOB_HELP)
        p.add_argument("-o", "--output", type=non_empty, metavar="OUT", help="OUT.jsonl or OUT.csv")
        p.add_argument("--output-dir", type=non_empty, metavar="DIR", help="markdown files (ocr)")
        p.add_argument("--force", action="store_true", help="replace an existing output")
        p.add_argument("--json", action="store_true", help="a JSON summary on stdout")
        if name == "retry":
            p.add_argument("--no-wait", action="store_true", help="submit and return")
        p.set_defaults(handler={"wait": wait, "results": results, "retry": retry}[name])

    p = sub.add_parser("cancel", help="cancel a run's jobs (or one job)")
    p.add_argument("job", metavar="JOB", type=non_empty, help=_JOB_HELP)
    p.set_defaults(handler=cancel)


def _service(ctx: AppContext) -> BatchService:
    from ._batch_common import open_service

    return open_service(ctx)


def _find(service: BatchService, ref: str) -> tuple[Run | None, str | None]:
    """A run of ours, or else the id of a job on the server."""
    import re

    run = service.ledger.find(ref)
    if run is not None:
        return run, None
    if re.fullmatch(r"[0-9a-fA-F-]{32,36}", ref):
        return None, ref
    raise UsageError(f"no batch run or job {ref!r}; `mistral-chat batch list` shows them")


def _output(args: argparse.Namespace, run: Run | None) -> OutputSpec:
    """-o/--output-dir as given, else where the run last wrote (its own file: replaced)."""
    from ..services.batch.output import OutputSpec

    if args.output or args.output_dir:
        return OutputSpec(
            Path(args.output) if args.output else None,
            Path(args.output_dir) if args.output_dir else None,
            args.force,
        )
    if run is not None and (run.output or run.output_dir):
        return OutputSpec(
            Path(run.output) if run.output else None,
            Path(run.output_dir) if run.output_dir else None,
            force=True,
        )
    return OutputSpec()


# list and status


def list_runs(args: argparse.Namespace, ctx: AppContext) -> int:
    from ..render.formats import local_time

    service = _service(ctx)
    try:
        runs = service.ledger.runs()
        rows = []
        for run in runs:
            shards = service.ledger.shards(run.id)
            failed = len(service.ledger.failures(run.id))
            rows.append((run, shards, failed))
    finally:
        service.ledger.close()
    jobs = _server_jobs(ctx)
    if args.json:
        ctx.terminal.json(
            {
                "runs": [_run_json(run, shards, failed) for run, shards, failed in rows],
                "jobs": [job.to_dict() for job in jobs or []],
            }
        )
        return ExitCode.OK
    from ..render.tables import table

    table(
        ctx.terminal,
        ["run", "created", "endpoint", "model", "input", "rows", "jobs", "state", "failed"],
        [
            [
                run.id,
                local_time(run.created_at),
                run.endpoint,
                run.model,
                run.input,
                f"{run.total_rows:,}",
                str(sum(1 for s in shards if s.job_id)),
                _state(shards),
                f"{failed:,}",
            ]
            for run, shards, failed in rows
        ],
        title="runs on this machine",
        no_wrap=("run",),
    )
    if jobs is not None:
        table(
            ctx.terminal,
            ["job", "created", "status", "endpoint", "model", "done", "failed", "run"],
            [
                [
                    job.id,
                    local_time(job.created_at),
                    job.status,
                    job.endpoint,
                    job.model or "-",
                    f"{job.completed_requests:,}/{job.total_requests:,}",
                    f"{job.failed_requests:,}",
                    str((job.metadata or {}).get("mistral_chat_run", "-")),
                ]
                for job in jobs
            ],
            title="recent jobs of the workspace",
            no_wrap=("job",),
        )
    return ExitCode.OK


def _server_jobs(ctx: AppContext) -> list[Any] | None:
    """The workspace's 20 newest jobs; None (with a warning) when the API cannot say."""
    from ..api.errors import MistralError
    from ..services.credentials import NoAPIKey

    try:
        return list(ctx.client().batch.list(page_size=20).data)
    except (MistralError, NoAPIKey) as exc:
        ctx.terminal.warning(f"the workspace's jobs are not shown: {exc}")
        return None


def _state(shards: list[Any]) -> str:
    if not shards:
        return "planned"
    if all(s.state == "collected" for s in shards):
        return "done"
    statuses = {s.job_status or s.state for s in shards if s.state != "collected"}
    return ", ".join(sorted(str(s).lower() for s in statuses))


def _run_json(run: Run, shards: list[Any], failed: int) -> dict[str, Any]:
    return {
        "id": run.id,
        "created_at": run.created_at,
        "endpoint": run.endpoint,
        "model": run.model,
        "input": run.input,
        "mode": run.mode,
        "rows": run.total_rows,
        "output": run.output or run.output_dir,
        "state": _state(shards),
        "failed_rows": failed,
        "jobs": [
            {"id": s.job_id, "status": s.job_status, "rows": s.rows, "first_row": s.first_row}
            for s in shards
            if s.job_id
        ],
    }


def status(args: argparse.Namespace, ctx: AppContext) -> int:
    service = _service(ctx)
    try:
        run, job_id = _find(service, args.job)
        if run is None:
            assert job_id is not None
            job = ctx.client().batch.get(job_id)
            if args.json:
                ctx.terminal.json(job.to_dict())
            else:
                _show_job(ctx, job)
            return ExitCode.OK
        shards = service.ledger.shards(run.id)
        views = [
            ctx.client().batch.get(s.job_id) if s.job_id and s.state != "collected" else s
            for s in shards
        ]
        failed = len(service.ledger.failures(run.id))
    finally:
        service.ledger.close()
    if args.json:
        data = _run_json(run, shards, failed)
        data["jobs"] = [_job_line(v) for v in views]
        ctx.terminal.json(data)
        return ExitCode.OK
    from ..render.tables import table

    ctx.terminal.out(f"run {run.id}: {run.total_rows:,} rows of {run.input} -> {run.endpoint}")
    table(
        ctx.terminal,
        ["job", "status", "rows", "done", "failed"],
        [[str(v) for v in _job_line(view).values()] for view in views],
        no_wrap=("job",),
    )
    return ExitCode.OK


def _job_line(view: Any) -> dict[str, Any]:
    """A job of a run as the server says (running) or the ledger knows (collected)."""
    if hasattr(view, "total_requests"):
        return {
            "job": view.id,
            "status": view.status,
            "rows": view.total_requests,
            "done": view.completed_requests,
            "failed": view.failed_requests,
        }
    return {
        "job": view.job_id or "-",
        "status": view.job_status or view.state,
        "rows": view.rows,
        "done": view.rows if view.state == "collected" else 0,
        "failed": view.failed,
    }


def _show_job(ctx: AppContext, job: Any) -> None:
    from ..render.formats import local_time
    from ..render.tables import key_value

    key_value(
        ctx.terminal,
        [
            ("job", job.id),
            ("status", job.status),
            ("endpoint", job.endpoint),
            ("model", job.model or "-"),
            ("created", local_time(job.created_at)),
            ("requests", f"{job.completed_requests:,}/{job.total_requests:,} done"),
            ("failed", f"{job.failed_requests:,}"),
            ("output file", job.output_file or "-"),
            ("error file", job.error_file or "-"),
            *(("error", e.message) for e in job.errors),
        ],
    )


# wait, results, retry, cancel


def wait(args: argparse.Namespace, ctx: AppContext) -> int:
    from ._batch_common import report, wait_and_write

    service = _service(ctx)
    try:
        run, job_id = _find(service, args.job)
        if run is None:
            assert job_id is not None
            job = _poll_job(ctx, job_id)
            _show_job(ctx, job)
            return ExitCode.OK
        out = _output(args, run)
        if out.path is None and out.folder is None:
            service.wait(run)
            ctx.terminal.err_line(
                f"run {run.id} finished; `mistral-chat batch results {run.id} -o OUT` writes it"
            )
            return ExitCode.OK
        _check_fresh(out)
        summary = wait_and_write(ctx, service, run, out)
        _remember(service, run, out)
        report(ctx, run.id, summary, args.json)
        return ExitCode.OK
    finally:
        service.ledger.close()


def _poll_job(ctx: AppContext, job_id: str) -> Any:
    import time

    from ..render.batch_progress import BatchProgress
    from ..services.batch.runner import TERMINAL, JobView

    delay = 0.25
    with BatchProgress(ctx.terminal) as progress:
        while True:
            job = ctx.client().batch.get(job_id)
            view = JobView(
                0,
                job.id,
                job.status,
                job.total_requests,
                job.completed_requests,
                job.failed_requests,
            )
            progress.update([view])
            if job.status in TERMINAL:
                return job
            time.sleep(delay)
            delay = min(delay * 2, 30.0)


def results(args: argparse.Namespace, ctx: AppContext) -> int:
    from ._batch_common import report

    service = _service(ctx)
    try:
        run, job_id = _find(service, args.job)
        out = _output(args, run)
        if out.path is None and out.folder is None:
            raise UsageError(
                "say where the results go: -o OUT.jsonl, -o OUT.csv or --output-dir DIR"
            )
        _check_fresh(out)
        if run is None:
            from ..services.batch.jobs import job_results

            assert job_id is not None
            job = ctx.client().batch.get(job_id)
            summary = job_results(ctx.client(), job, out)
            report(ctx, job.id, summary, args.json)
            return ExitCode.OK
        summary = _join(service, run, out)
        _remember(service, run, out)
        report(ctx, run.id, summary, args.json)
        return ExitCode.OK
    finally:
        service.ledger.close()


def _join(service: BatchService, run: Run, out: OutputSpec) -> Any:
    from ..services.batch.output import Joiner, check_output
    from ..services.batch.results import AnswerShape

    shape = AnswerShape(**run.request["shape"])
    table = service.open_input(run)
    check_output(out, table, shape)
    joiner = Joiner(table, shape, out)
    try:
        if run.mode == "live":
            from ..services.batch.live import live_answers

            joiner.add(live_answers(service.ledger, run))
        else:
            service.join(run, joiner)
        return joiner.finish()
    except BaseException:
        joiner.abandon()
        raise


def _check_fresh(out: OutputSpec) -> None:
    import os

    if out.path is not None and os.path.lexists(out.path) and not out.force:
        raise UsageError(f"{out.path} already exists; pass --force to replace it")


def _remember(service: BatchService, run: Run, out: OutputSpec) -> None:
    run.output = str(out.path) if out.path else run.output
    run.output_dir = str(out.folder) if out.folder else run.output_dir
    service.ledger.save_run(run)


def retry(args: argparse.Namespace, ctx: AppContext) -> int:
    from ._batch_common import report, wait_and_write

    service = _service(ctx)
    try:
        run, _job_id = _find(service, args.job)
        if run is None:
            raise UsageError(
                f"{args.job} is not a run of this machine; retry resends the failed rows of a "
                "`batch run` (its input is needed)"
            )
        out = _output(args, run)
        _check_fresh(out)
        if run.mode == "live":
            raise UsageError(f"run {run.id} ran --live: run the same command again to retry")
        count = service.retry(run)
        ctx.terminal.err_line(f"run {run.id}: {count:,} failed rows sent again")
        if args.no_wait:
            return ExitCode.OK
        if out.path is None and out.folder is None:
            service.wait(run)
            return ExitCode.OK
        summary = wait_and_write(ctx, service, run, out)
        _remember(service, run, out)
        report(ctx, run.id, summary, args.json)
        return ExitCode.OK
    finally:
        service.ledger.close()


def cancel(args: argparse.Namespace, ctx: AppContext) -> int:
    from ..services.batch.runner import TERMINAL

    service = _service(ctx)
    try:
        run, job_id = _find(service, args.job)
        ids = (
            [job_id]
            if run is None
            else [
                s.job_id
                for s in service.ledger.shards(run.id)
                if s.job_id and s.state != "collected" and s.job_status not in TERMINAL
            ]
        )
        for job in ids:
            assert job is not None
            answer = ctx.client().batch.cancel(job)
            ctx.terminal.out(f"{answer.id} {answer.status}")
        if not ids:
            ctx.terminal.err_line(f"run {args.job} has no job left to cancel")
        return ExitCode.OK
    finally:
        service.ledger.close()


def run_live(
    args: argparse.Namespace,
    ctx: AppContext,
    service: BatchService,
    prepared: Prepared,
    out: OutputSpec,
) -> int:
    """`batch run --live`: the same rows through the real-time API, resumable."""
    from ..render.batch_progress import BatchProgress
    from ..services.batch.live import LiveRunner
    from ._batch_common import report

    if args.no_wait:
        raise UsageError("--no-wait needs the Batch API; --live answers while it runs")
    prepared.run.mode = "live"
    ctx.client()  # the same checks of the key as any command (none, or unusable: refused)

    def async_client() -> Any:
        from ..api import AsyncClient

        s = ctx.settings
        # no retries inside the client: the runner retries, slowing everyone down on 429
        return AsyncClient(s.api_key, base_url=s.base_url, timeout=s.timeout, max_retries=0)

    runner = LiveRunner(service, async_client, concurrency=args.concurrency)
    with BatchProgress(ctx.terminal, label="live", numbered=False) as progress:
        runner.run(prepared, progress.update)
    summary = _join(service, prepared.run, out)
    _remember(service, prepared.run, out)
    report(ctx, prepared.run.id, summary, args.json)
    return ExitCode.OK
