"""What the `batch` commands share: the service on the ledger, waiting with a progress bar
while the output is written, and the report at the end of a run."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .context import AppContext

if TYPE_CHECKING:
    from ..services.batch.output import JoinSummary, OutputSpec
    from ..services.batch.runner import BatchService

__all__ = ["open_service", "report", "wait_and_write"]


def open_service(ctx: AppContext) -> BatchService:
    """The batch service on the ledger beside the history (the client is made on first use)."""
    from ..services.batch.runner import BatchService
    from ..storage.batch_ledger import BatchLedger
    from ._uploads import UploadBars

    data_dir = ctx.settings.history_path.parent
    ledger = BatchLedger(data_dir / "batch.db")
    return BatchService(ctx.client, ledger, data_dir, on_upload=UploadBars(ctx))


def wait_and_write(
    ctx: AppContext, service: BatchService, run: Any, out: OutputSpec
) -> JoinSummary:
    """Wait for the run's jobs, writing the output as they end; Ctrl-C leaves them running."""
    from ..render.batch_progress import BatchProgress
    from ..services.batch.output import Joiner
    from ..services.batch.results import AnswerShape

    joiner = Joiner(service.open_input(run), AnswerShape(**run.request["shape"]), out)
    try:
        with BatchProgress(ctx.terminal) as progress:
            service.wait(run, progress.update, joiner)
        return joiner.finish()
    except KeyboardInterrupt:
        joiner.abandon()
        ctx.terminal.err_line(
            f"\nthe jobs keep running; `mistral-chat batch wait {run.id}` picks them up"
        )
        raise
    except BaseException:
        joiner.abandon()
        raise


def report(ctx: AppContext, run_id: str, summary: JoinSummary, as_json: bool) -> None:
    """The end of a run: failed rows as warnings, then one line of counts."""
    for failure in summary.failures:
        ctx.terminal.warning(failure)
    more = summary.failed - len(summary.failures)
    if more > 0:
        ctx.terminal.warning(f"... and {more:,} more failed rows (see the error column)")
    if as_json:
        ctx.terminal.json(
            {
                "run": run_id,
                "rows": summary.rows,
                "answered": summary.answered,
                "failed": summary.failed,
                "prompt_tokens": summary.prompt_tokens,
                "completion_tokens": summary.completion_tokens,
                "markdown_files": summary.files,
            }
        )
    line = f"run {run_id}: {summary.rows:,} rows, {summary.answered:,} answered"
    if summary.failed:
        line += (
            f", {summary.failed:,} failed (`mistral-chat batch retry {run_id}` sends them again)"
        )
    if summary.files:
        line += f"; {summary.files:,} markdown files written"
    ctx.terminal.err_line(line)
