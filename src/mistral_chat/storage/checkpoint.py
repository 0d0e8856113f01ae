"""Saving a streaming answer as it arrives, so a killed process loses at most a second of it."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from mistral_chat.storage.errors import HistoryStorageError

if TYPE_CHECKING:
    from mistral_chat.storage.history import HistoryStore

__all__ = ["StreamCheckpoint"]


class StreamCheckpoint:
    """Saves a streaming answer at most every ``interval_s`` seconds as text arrives.

    Call :meth:`add` for each delta and :meth:`flush` on interruption or before
    ``finish_message``; a process killed in between loses at most ``interval_s`` of text.
    A save that fails for the disk's sake (`HistoryStorageError`) does not stop the answer:
    `add` stops saving, and the closing `flush` raises the error if it fails again.
    """

    def __init__(
        self,
        store: HistoryStore,
        message_id: str,
        *,
        interval_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self.message_id = message_id
        self._interval = interval_s
        self._clock = clock
        self._parts: list[str] = []
        self.failed: HistoryStorageError | None = None
        """The error of a save that failed mid-answer (saving then stopped until `flush`)."""
        self._saved_len = 0
        self._last_save = clock()

    @property
    def text(self) -> str:
        return "".join(self._parts)

    def add(self, delta: str) -> None:
        if delta:
            self._parts.append(delta)
        if self.failed is None and self._clock() - self._last_save >= self._interval:
            try:
                self.flush()
            except HistoryStorageError as exc:
                # a full (or read-only, locked) disk mid-answer: the answer keeps coming on
                # screen; saving stops, and the flush that ends the answer tries once more and
                # raises the error
                self.failed = exc

    def flush(self) -> None:
        """Save the text so far (again after a failed save: the disk may have room now)."""
        text = self.text
        self._parts = [text]
        if len(text) != self._saved_len:
            self._store.update_message_text(self.message_id, text)
            self._saved_len = len(text)
        self._last_save = self._clock()
