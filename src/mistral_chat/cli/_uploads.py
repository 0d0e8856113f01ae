"""Upload progress for commands that upload documents on the way (`ask -a`, `ocr`)."""

from __future__ import annotations

from typing import Any

from .context import AppContext

__all__ = ["UploadBars"]


class UploadBars:
    """A progress bar on stderr per uploaded document (only on a colour terminal)."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self._bars: dict[str, Any] = {}

    def __call__(self, name: str, done: int, total: int | None) -> None:
        from ..render.progress import TransferProgress

        bar = self._bars.get(name)
        if bar is None:
            bar = self._bars[name] = TransferProgress(self.ctx.terminal, name, total)
            bar.__enter__()
        bar.advance(done - bar.completed)
        if total is not None and done >= total:
            bar.__exit__(None, None, None)
