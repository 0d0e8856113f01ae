"""Injected faults: the failures a client must survive, queued and consumed per request.

Kinds: ``status`` (a JSON error with ``status``, optionally ``Retry-After``), ``html`` (an
HTML error page, as a proxy in front of the API would send), ``slow`` (a delay before the
first byte), ``cut`` (a stream closed abruptly after ``after_chunks`` SSE chunks), and two ways a
stream can end cleanly yet fail after ``after_chunks`` chunks: ``stream_error`` (an error object
as an event, then ``[DONE]``) and ``finish_error`` (a last chunk with ``finish_reason: "error"``).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Any

__all__ = ["KINDS", "MAX_DELAY", "STREAM_KINDS", "Fault", "FaultError", "FaultQueue"]

KINDS = ("status", "html", "slow", "cut", "stream_error", "finish_error")
#: the faults that act on a stream once it has begun
STREAM_KINDS = ("cut", "stream_error", "finish_error")
#: the longest `slow` delay, in seconds (a test never needs more; a handler must not sleep
#: for 1e308 seconds)
MAX_DELAY = 3600.0
_FIELDS = ("kind", "times", "path", "status", "retry_after", "delay", "after_chunks")


class FaultError(ValueError):
    """A fault that cannot be injected; `field` names the culprit (the control endpoint's
    422 says it in `loc`)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


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
            raise FaultError("kind", f"unknown fault kind {self.kind!r}; expected one of {KINDS}")
        if not _whole(self.times) or self.times < 1:
            raise FaultError("times", "must be a whole number, at least 1")
        path = self.path
        if path is not None and not (
            isinstance(path, str) and path.startswith("/") and path.isprintable()
        ):
            raise FaultError("path", "must be a URL path starting with '/'")
        if self.kind == "status" and self.status is None:
            raise FaultError("status", "a 'status' fault needs a status")
        if self.status is not None and (not _whole(self.status) or not 400 <= self.status <= 599):
            raise FaultError("status", "must be an error status, from 400 to 599")
        self._check_retry_after()
        if self.kind == "slow" and self.delay is None:
            raise FaultError("delay", "a 'slow' fault needs a delay")
        if self.delay is not None:
            delay = self.delay
            if isinstance(delay, bool) or not isinstance(delay, (int, float)):
                raise FaultError("delay", "must be a number of seconds")
            if not (math.isfinite(delay) and 0 <= delay <= MAX_DELAY):
                raise FaultError("delay", f"must be from 0 to {MAX_DELAY:g} seconds")
        if self.after_chunks is not None and (
            not _whole(self.after_chunks) or self.after_chunks < 0
        ):
            raise FaultError("after_chunks", "must be a whole number, 0 or more")

    def _check_retry_after(self) -> None:
        value = self.retry_after
        if value is None:
            return
        if isinstance(value, int) and not isinstance(value, bool):
            if value < 0:
                raise FaultError("retry_after", "must be 0 or more seconds")
            return
        # a header value: one line of visible ASCII (a CR or LF would inject headers)
        if not isinstance(value, str) or not value or len(value) > 100:
            raise FaultError("retry_after", "must be seconds or an HTTP date")
        if not (value.isascii() and value.isprintable()):
            raise FaultError("retry_after", "must be one line of printable ASCII")

    def matches(self, path: str) -> bool:
        return path.startswith(self.path) if self.path else path.startswith("/v1/")

    @classmethod
    def from_json(cls, data: Any) -> Fault:
        """A fault from the control endpoint's JSON body; `FaultError` names what is wrong."""
        if not isinstance(data, dict):
            raise FaultError("body", "expected a JSON object with a 'kind'")
        if not isinstance(data.get("kind"), str):
            raise FaultError("kind", "a fault needs a 'kind' (a string)")
        unknown = sorted(set(data) - set(_FIELDS))
        if unknown:
            raise FaultError(unknown[0], f"unknown field; expected some of {_FIELDS}")
        return cls(**{k: v for k, v in data.items() if v is not None})


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
