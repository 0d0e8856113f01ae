"""Deadlines the socket keeps: every read and write of a request must end before a moment.

httpx2's timeouts apply to each read, so a server that sends one byte a second never trips
them. The client sets a deadline (a `time.monotonic()` moment) around each attempt of a
request, and around each wait for a stream's next event, with `until(moment)`. The network
streams of connections the client opens have their reads and writes clipped to the deadline
in force: httpcore hands each new stream to the `trace` extension the client puts on its
requests (`trace` for sync clients, `trace_async` for async ones). Past the deadline a read
times out at once, so httpx2 raises its `ReadTimeout` whatever the server does.

Uploads and downloads run without a deadline: their reads keep the per-read timeout, since a
large file on a slow link takes as long as it takes while bytes flow.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

__all__ = ["CLIPPED", "expired", "keeps_deadlines", "trace", "trace_async", "until"]

_DEADLINE: ContextVar[float | None] = ContextVar("mistral_chat_api_deadline", default=None)
#: set on a network stream once its reads and writes keep the deadline
CLIPPED = "_mistral_chat_clipped"
# the trace events that hand over a new network stream (plain, or wrapped in TLS)
_NEW_STREAM = (".connect_tcp.complete", ".start_tls.complete", ".connect_unix_socket.complete")


class until:
    """Reads and writes made inside must end by `moment` (monotonic); None lifts the limit.

    A class rather than a generator-based context manager: a stream enters one per read.
    """

    __slots__ = ("_moment", "_token")

    def __init__(self, moment: float | None) -> None:
        self._moment = moment

    def __enter__(self) -> None:
        self._token = _DEADLINE.set(self._moment)

    def __exit__(self, *exc: object) -> None:
        _DEADLINE.reset(self._token)


def expired() -> bool:
    """True once the deadline in force (if any) has passed."""
    moment = _DEADLINE.get()
    return moment is not None and time.monotonic() >= moment


def keeps_deadlines(response: Any) -> bool:
    """True when the connection of `response` (an httpx2 response) has clipped reads; on any
    other (a mock transport, a caller's own client) deadlines are checked between reads."""
    stream = response.extensions.get("network_stream")
    return bool(getattr(stream, CLIPPED, False))


def _clip(timeout: float | None) -> float | None:
    """The socket timeout for one read or write: httpx2's, shortened to the deadline."""
    moment = _DEADLINE.get()
    if moment is None:
        return timeout
    left = max(moment - time.monotonic(), 0.001)  # 0 would mean "never block", not "time out"
    return left if timeout is None else min(timeout, left)


def _clipped(method: Callable[..., Any]) -> Callable[..., Any]:
    def clipped(data: Any, timeout: float | None = None) -> Any:
        return method(data, _clip(timeout))

    return clipped


def _clipped_async(method: Callable[..., Any]) -> Callable[..., Any]:
    async def clipped(data: Any, timeout: float | None = None) -> Any:
        return await method(data, _clip(timeout))

    return clipped


def _wrap(stream: Any, wrap: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    if stream is None or getattr(stream, CLIPPED, False):
        return
    try:
        stream.read = wrap(stream.read)
        stream.write = wrap(stream.write)
        setattr(stream, CLIPPED, True)
    except AttributeError:  # a stream that cannot be wrapped keeps httpx2's per-read timeout
        pass


def trace(event: str, info: dict[str, Any]) -> None:
    """httpcore's `trace` extension for sync clients: clips each new network stream."""
    if event.endswith(_NEW_STREAM):
        _wrap(info.get("return_value"), _clipped)


async def trace_async(event: str, info: dict[str, Any]) -> None:
    """The same for async clients (httpcore awaits an async client's trace callback)."""
    if event.endswith(_NEW_STREAM):
        _wrap(info.get("return_value"), _clipped_async)
