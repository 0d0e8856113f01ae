"""Injected faults: the failures a client must survive, queued and consumed per request.

Kinds: ``status`` (a JSON error with ``status``, optionally ``Retry-After``), ``html`` (an
HTML error page, as a proxy in front of the API would send), ``slow`` (a delay before the
first byte), ``cut`` (a stream closed abruptly after ``after_chunks`` SSE chunks), and two ways a
stream can end cleanly yet fail after ``after_chunks`` chunks: ``stream_error`` (an error object
as an event, then ``[DONE]``) and ``finish_error`` (a last chunk with ``finish_reason: "error"``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

__all__ = ["KINDS", "STREAM_KINDS", "Fault", "FaultQueue"]

KINDS = ("status", "html", "slow", "cut", "stream_error", "finish_error")
#: the faults that act on a stream once it has begun
STREAM_KINDS = ("cut", "stream_error", "finish_error")


@dataclass
class Fault:
    """One injected fault and how many more requests it applies to."""

    kind: str
    times: int = 1
    path: str | None = None
    status: int | None = None
    retry_after: str | int | None = None
    delay: float | None = None
    after_chunks: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {KINDS}")
        if self.times < 1:
            raise ValueError("times must be at least 1")
        if self.kind == "status" and self.status is None:
            raise ValueError("a 'status' fault needs a status")
        if self.kind == "slow" and self.delay is None:
            raise ValueError("a 'slow' fault needs a delay")

    def matches(self, path: str) -> bool:
        return path.startswith(self.path) if self.path else path.startswith("/v1/")

    @classmethod
    def from_json(cls, data: Any) -> Fault:
        """A fault from the control endpoint's JSON body; ValueError if malformed."""
        if not isinstance(data, dict) or not isinstance(data.get("kind"), str):
            raise ValueError("expected a JSON object with a 'kind'")
        known = {"kind", "times", "path", "status", "retry_after", "delay", "after_chunks"}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fields: {sorted(unknown)}")
        try:
            return cls(**{k: v for k, v in data.items() if v is not None})
        except TypeError as exc:
            raise ValueError(str(exc)) from None


class FaultQueue:
    """Faults in injection order; each request takes at most one of each family."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, path: str, kinds: tuple[str, ...]) -> Fault | None:
        """The first pending fault of one of ``kinds`` for ``path``, counted as used."""
        with self._lock:
            for fault in self._faults:
                if fault.kind in kinds and fault.matches(path):
                    fault.times -= 1
                    if fault.times == 0:
                        self._faults.remove(fault)
                    return fault
        return None
