"""A small spinner on stderr while waiting for the first token.

It draws only when stderr is a terminal, uses no escape codes (``\\r`` and spaces), and erases
itself completely on ``stop()``.

    with Spinner(terminal, "Thinking"):
        first = next(stream)
"""

from __future__ import annotations

import threading
from types import TracebackType

from mistral_chat.render.console import Terminal, shown_controls

__all__ = ["Spinner"]

_FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
_ASCII_FRAMES = "|/-\\"


class Spinner:
    """A spinner thread; ``start()``/``stop()`` or a context manager. ``stop()`` is idempotent."""

    def __init__(self, terminal: Terminal, message: str = "Thinking", interval: float = 0.08):
        self.terminal = terminal
        self.message = message
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._drawn = 0  # width of what is on the line now
        encoding = (getattr(terminal.stderr, "encoding", None) or "").lower()
        self._frames = _FRAMES if "utf" in encoding else _ASCII_FRAMES

    @property
    def active(self) -> bool:
        return self._thread is not None

    def start(self) -> None:
        if self._thread is not None or not self.terminal.stderr_isatty:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="spinner", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop.set()
        thread.join()
        with self._lock:
            if self._drawn:
                self._write("\r" + " " * self._drawn + "\r")
                self._drawn = 0

    def _write(self, text: str) -> None:
        self.terminal.stderr.write(text)
        self.terminal.stderr.flush()

    def _run(self) -> None:
        frame = 0
        while not self._stop.is_set():
            message = shown_controls(self.message, one_line=True)  # it may name a model
            line = f"{self._frames[frame % len(self._frames)]} {message}…"
            line = line[: max(1, self.terminal.width - 1)]
            with self._lock:
                self._write("\r" + line.ljust(self._drawn))
                self._drawn = max(self._drawn, len(line))
            frame += 1
            self._stop.wait(self.interval)

    def __enter__(self) -> Spinner:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
