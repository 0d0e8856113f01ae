"""Progress of an upload or download on stderr: bytes, rate and time left.

A no-op unless stderr is a colour terminal, so logs and pipes stay clean.

    with TransferProgress(terminal, "report.pdf", total_bytes=size) as progress:
        for chunk in chunks:
            progress.advance(len(chunk))
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING

from mistral_chat.render.console import Terminal, shown_controls

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

__all__ = ["TransferProgress"]


class TransferProgress:
    """A context manager; ``total_bytes=None`` when the size is unknown."""

    def __init__(self, terminal: Terminal, description: str, total_bytes: int | None) -> None:
        self.terminal = terminal
        self.description = description
        self.total_bytes = total_bytes
        self.completed = 0
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    @property
    def enabled(self) -> bool:
        return self.terminal.stderr_isatty and self.terminal.stderr_color

    def __enter__(self) -> TransferProgress:
        if self.enabled:
            from rich.markup import escape
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
                TransferSpeedColumn,
            )

            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                DownloadColumn(),
                TransferSpeedColumn(),
                TimeRemainingColumn(),
                console=self.terminal.rich_err(),
                transient=True,
            )
            self._progress.start()
            # the description may be a server's file name: shown, never obeyed
            shown = shown_controls(self.description, one_line=True)
            # a file named "[red]x" is not rich markup: TextColumn reads markup, so escape it
            self._task = self._progress.add_task(escape(shown), total=self.total_bytes)
        return self

    def advance(self, n: int) -> None:
        self.completed += n
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, advance=n)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
