"""Server-sent events: bytes in, events out. Pure, no I/O, shared by sync and async streams.

Follows the WHATWG event-stream rules that matter for an API: lines end in LF, CRLF or CR; a
leading BOM is dropped; `:` lines are comments (keep-alives); several `data:` lines join with
`\\n`; a blank line dispatches. Only the `data` of each event is returned, as bytes, because the
Mistral API sends nothing else of use and JSON decoders take bytes directly.

Linear in the input: a line that spans many reads is kept as a list of pieces and joined once,
when it ends. One event (or one line) may hold at most `MAX_EVENT_BYTES`; past that the decoder
raises `EventTooLarge` instead of buffering without end.
"""

from __future__ import annotations

__all__ = ["DONE", "MAX_EVENT_BYTES", "EventTooLarge", "SSEDecoder"]

DONE = b"[DONE]"
#: the most one event may hold (a chat chunk is well under 1 KiB; 16 MiB leaves room for a
#: whole answer sent as one event by a server that ignores streaming)
MAX_EVENT_BYTES = 16 * 1024 * 1024
_BOM = b"\xef\xbb\xbf"


class EventTooLarge(ValueError):
    """One event, or one line of the stream, is longer than the decoder's limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"one event is larger than {limit // (1 << 20)} MiB")
        self.limit = limit


class SSEDecoder:
    """Incremental decoder: `feed(bytes) -> list of event data`, `flush()` at end of stream."""

    __slots__ = (
        "_data",
        "_data_size",
        "_head",
        "_limit",
        "_line",
        "_line_size",
        "_pending_cr",
        "_started",
    )

    def __init__(self, max_event_bytes: int = MAX_EVENT_BYTES) -> None:
        self._limit = max_event_bytes
        self._line: list[bytes] = []  # the pieces of a line not ended yet
        self._line_size = 0
        self._data: list[bytes] = []  # the data lines of the event being read
        self._data_size = 0
        self._head = b""  # the first bytes, while they could still be a split BOM
        self._started = False
        self._pending_cr = False

    def feed(self, chunk: bytes) -> list[bytes]:
        if not self._started:
            chunk = self._head + chunk
            self._head = b""
            if len(chunk) < 3 and _BOM.startswith(chunk):
                self._head = chunk  # could still be a BOM split across reads
                return []
            self._started = True
            if chunk.startswith(_BOM):
                chunk = chunk[3:]
        if self._pending_cr:
            # a CR ended the last read; a LF opening this one belongs to it
            self._pending_cr = False
            if chunk.startswith(b"\n"):
                chunk = chunk[1:]
        if b"\r" in chunk:
            if chunk.endswith(b"\r"):
                self._pending_cr = True
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        if (  # the common read: exactly one whole `data:` event, nothing pending
            not self._line
            and not self._data
            and chunk.startswith(b"data: ")
            and chunk.endswith(b"\n\n")
            and chunk.count(b"\n") == 2
        ):
            if len(chunk) - 8 > self._limit:
                raise EventTooLarge(self._limit)
            return [chunk[6:-2]]
        end = chunk.find(b"\n")
        if end < 0:
            self._keep(chunk)
            return []
        first = chunk[:end]
        if self._line:
            self._keep(first)
            first = b"".join(self._line)
            self._line, self._line_size = [], 0
        *lines, rest = chunk[end + 1 :].split(b"\n")
        events = self._lines([first, *lines])
        if rest:
            self._keep(rest)
        return events

    def flush(self) -> list[bytes]:
        """End of stream: an event not closed by a blank line is still delivered."""
        if self._line or self._data or self._head:
            return self.feed(b"\n\n")
        return []

    def _keep(self, piece: bytes) -> None:
        self._line_size += len(piece)
        if self._line_size > self._limit:
            raise EventTooLarge(self._limit)
        self._line.append(piece)

    def _lines(self, lines: list[bytes]) -> list[bytes]:
        events: list[bytes] = []
        data = self._data
        for line in lines:
            if not line:
                if data:
                    events.append(data[0] if len(data) == 1 else b"\n".join(data))
                    data = self._data = []
                    self._data_size = 0
                continue
            if len(line) > self._limit:
                raise EventTooLarge(self._limit)
            if line.startswith(b"data:"):
                value = line[6:] if line.startswith(b"data: ") else line[5:]  # one copy
            elif line == b"data":
                value = b""
            else:
                continue  # comments (":..."), event, id, retry and unknown fields: nothing we use
            self._data_size += len(value) + 1
            if self._data_size > self._limit:
                raise EventTooLarge(self._limit)
            data.append(value)
        return events
