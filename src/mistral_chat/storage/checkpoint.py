"""Saving a streaming answer as it arrives, so a killed process loses at most a second of it."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mistral_chat.storage.history import HistoryStore

__all__ = ["StreamCheckpoint"]


class StreamCheckpoint:
    """Saves a streaming answer at most every ``interval_s`` seconds as text arrives.

    Call :meth:`add` for each delta and :meth:`flush` on interruption or before
    ``finish_message``; a process killed in between loses at most ``interval_s`` of text.
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
        self._saved_len = 0
        self._last_save = clock()

    @property
    def text(self) -> str:
        return "".join(self._parts)

    def add(self, delta: str) -> None:
        if delta:
            self._parts.append(delta)
        if self._clock() - self._last_save >= self._interval:
            self.flush()

    def flush(self) -> None:
        text = self.text
        self._parts = [text]
        if len(text) != self._saved_len:
            self._store.update_message_text(self.message_id, text)
            self._saved_len = len(text)
        self._last_save = self._clock()
