"""Server-sent events: bytes in, events out. Pure, no I/O, shared by sync and async streams.

Follows the WHATWG event-stream rules that matter for an API: lines end in LF, CRLF or CR; a
leading BOM is dropped; `:` lines are comments (keep-alives); several `data:` lines join with
`\\n`; a blank line dispatches. Only the `data` of each event is returned, as bytes, because the
Mistral API sends nothing else of use and JSON decoders take bytes directly.
"""

from __future__ import annotations

__all__ = ["DONE", "SSEDecoder"]

DONE = b"[DONE]"
_BOM = b"\xef\xbb\xbf"


class SSEDecoder:
    """Incremental decoder: `feed(bytes) -> list of event data`, `flush()` at end of stream."""

    __slots__ = ("_buf", "_data", "_pending_cr", "_started")

    def __init__(self) -> None:
        self._buf = b""
        self._data: list[bytes] = []
        self._started = False
        self._pending_cr = False

    def feed(self, chunk: bytes) -> list[bytes]:
        if not self._started:
            chunk = self._buf + chunk
            self._buf = b""
            if len(chunk) < 3 and _BOM.startswith(chunk):
                self._buf = chunk  # could still be a BOM split across reads
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
        buf = self._buf + chunk if self._buf else chunk
        if b"\n" not in buf:
            self._buf = buf
            return []
        *lines, self._buf = buf.split(b"\n")
        events: list[bytes] = []
        data = self._data
        for line in lines:
            if not line:
                if data:
                    events.append(data[0] if len(data) == 1 else b"\n".join(data))
                    data = self._data = []
                continue
            if line.startswith(b"data:"):
                value = line[5:]
                data.append(value[1:] if value.startswith(b" ") else value)
            elif line == b"data":
                data.append(b"")
            # comments (":..."), event, id, retry and unknown fields carry nothing we use
        return events

    def flush(self) -> list[bytes]:
        """End of stream: an event not closed by a blank line is still delivered."""
        events = self.feed(b"\n\n") if (self._buf or self._data) else []
        return events
