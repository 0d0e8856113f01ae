"""Progress of a batch's jobs on stderr: one bar per job, rows done and failed of its total.

A colour terminal gets live bars (rich); elsewhere a job's line is written once each time its
status changes, so a log shows the run without being flooded.

    with BatchProgress(terminal) as progress:
        progress.update(views)        # JobView-like: n, job_id, status, total, done, failed
"""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any

from mistral_chat.render.console import Terminal

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

__all__ = ["BatchProgress"]


class BatchProgress:
    """A context manager drawing the progress of a run's jobs."""

    def __init__(self, terminal: Terminal, label: str = "job", numbered: bool = True) -> None:
        self.terminal = terminal
        self.label = label
        self.numbered = numbered  # "job 2/3"; else the label alone
        self._progress: Progress | None = None
        self._tasks: dict[int, TaskID] = {}
        self._said: dict[int, str] = {}

    @property
    def live(self) -> bool:
        return self.terminal.stderr_isatty and self.terminal.stderr_color

    def __enter__(self) -> BatchProgress:
        if self.live:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[failed]}"),
                console=self.terminal.rich_err(),
                transient=False,
            )
            self._progress.start()
        return self

    def update(self, views: Sequence[Any]) -> None:
        count = len(views)
        for view in views:
            name = f"{self.label} {view.n % 1_000_000 + 1}/{count}" if self.numbered else self.label
            failed = f"{view.failed} failed" if view.failed else ""
            if self._progress is not None:
                description = f"{name} {view.status.lower()}"
                task = self._tasks.get(view.n)
                if task is None:
                    task = self._tasks[view.n] = self._progress.add_task(
                        description, total=view.total or None, failed=failed
                    )
                self._progress.update(
                    task,
                    description=description,
                    completed=view.done,
                    total=view.total or None,
                    failed=failed,
                )
            elif self._said.get(view.n) != view.status:
                self._said[view.n] = view.status
                done = f"{view.done}/{view.total} rows" + (f", {failed}" if failed else "")
                self.terminal.err_line(f"{name} {view.job_id or ''} {view.status}: {done}")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
